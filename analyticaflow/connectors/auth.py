"""Request authentication: the current token, how it travels, and how it is refreshed and persisted.

``TokenHolder`` owns one grant's ``Credentials``. When the HTTP layer sees an expired token it asks the holder to
refresh (through the platform's ``refresher``); the new credentials are handed to ``on_change`` so the caller
can encrypt and store them before the next call needs them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import httpx
from authlib.oauth1 import ClientAuth

from analyticaflow.connectors.clock import Clock
from analyticaflow.connectors.credentials import AppCredentials, Credentials
from analyticaflow.connectors.errors import ReauthRequired

Refresher = Callable[[Credentials], Credentials]
CredentialsListener = Callable[[Credentials], None]
REFRESH_MARGIN = timedelta(minutes=2)


class TokenHolder:
    def __init__(self, credentials: Credentials, *, clock: Clock, platform: str,
                 refresher: Refresher | None = None, on_change: CredentialsListener | None = None) -> None:
        self.credentials = credentials
        self.platform = platform
        self._clock = clock
        self._refresher = refresher
        self._on_change = on_change
        self._lock = threading.Lock()

    def can_refresh(self) -> bool:
        return self._refresher is not None and self.credentials.refresh_token is not None

    def needs_refresh(self) -> bool:
        return self.credentials.expires_within(now=self._clock.now(), margin=REFRESH_MARGIN)

    def refresh(self) -> None:
        if not self.can_refresh():
            raise ReauthRequired("The access token expired and this platform gives no refresh token.",
                                 platform=self.platform)
        stale = self.credentials
        with self._lock:
            if self.credentials is not stale:
                return  # another thread refreshed while this one waited
            fresh = self._refresher(stale)
            self.credentials = fresh
            if self._on_change is not None:
                self._on_change(fresh)


class BearerAuth:
    """``Authorization: Bearer <access token>``."""

    def __init__(self, holder: TokenHolder) -> None:
        self.holder = holder

    def apply(self, request: httpx.Request) -> httpx.Request:
        request.headers["Authorization"] = f"Bearer {self.holder.credentials.access_token.reveal()}"
        return request

    def needs_refresh(self) -> bool:
        return self.holder.needs_refresh()

    def can_refresh(self) -> bool:
        return self.holder.can_refresh()

    def refresh(self) -> None:
        self.holder.refresh()


class QueryTokenAuth(BearerAuth):
    """The token as a query parameter (Graph API's ``access_token``), replacing any copy already in the URL."""

    def __init__(self, holder: TokenHolder, *, param: str = "access_token") -> None:
        super().__init__(holder)
        self.param = param

    def apply(self, request: httpx.Request) -> httpx.Request:
        request.url = request.url.copy_set_param(self.param, self.holder.credentials.access_token.reveal())
        return request


class OAuth1Auth:
    """OAuth 1.0a HMAC-SHA1 signatures (X Ads), computed by authlib over method, URL, query and form body."""

    def __init__(self, holder: TokenHolder, *, app: AppCredentials) -> None:
        self.holder = holder
        self.app = app

    def apply(self, request: httpx.Request) -> httpx.Request:
        credentials = self.holder.credentials
        signer = ClientAuth(self.app.client_id, self.app.client_secret.reveal(),
                            token=credentials.access_token.reveal(),
                            token_secret=credentials.token_secret.reveal() if credentials.token_secret else None)
        body = request.content if request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded") else b""
        _, headers, _ = signer.prepare(request.method, str(request.url), dict(request.headers), body)
        request.headers["Authorization"] = headers["Authorization"]
        return request

    def needs_refresh(self) -> bool:
        return False

    def can_refresh(self) -> bool:
        return False

    def refresh(self) -> None:
        raise ReauthRequired("OAuth 1.0a tokens cannot be refreshed.", platform=self.holder.platform)
