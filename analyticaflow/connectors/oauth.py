"""Linking an account: OAuth 2.0 (authorization code, PKCE where supported, refresh) and OAuth 1.0a (X Ads).

The web layer calls ``authorization_request`` (or ``OAuth1Flow.start``), keeps ``state`` and the PKCE verifier /
request-token secret in the user's session, redirects, and on the callback calls ``TokenEndpoint.exchange_code``
(or ``OAuth1Flow.complete``). The token endpoint's errors are typed like any API error: ``invalid_grant``
(revoked, expired or reused) becomes ``ReauthRequired``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from authlib.oauth1 import ClientAuth
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from analyticaflow.connectors.credentials import AppCredentials, Credentials
from analyticaflow.connectors.errors import ConnectorError, MalformedResponse, PermanentError, ReauthRequired
from analyticaflow.connectors.http import ApiClient, ApiResponse, HttpOptions, ResponsePolicy
from analyticaflow.connectors.rows import int_from
from analyticaflow.connectors.secret import Secret


@dataclass(frozen=True)
class OAuth2Settings:
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    scope_separator: str = " "
    pkce: bool = False
    authorize_params: Mapping[str, str] = field(default_factory=dict)
    token_method: str = "POST"  # Graph API takes the code exchange as GET query parameters
    kind: str = "oauth2"


@dataclass(frozen=True)
class OAuth1Settings:
    request_token_url: str
    authorize_url: str
    access_token_url: str
    kind: str = "oauth1"


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the user, and what to keep in their session until the callback."""

    url: str
    state: str
    code_verifier: Secret | None = None  # PKCE
    request_token_secret: Secret | None = None  # OAuth 1.0a


def new_state() -> str:
    return secrets.token_urlsafe(32)


def authorization_request(settings: OAuth2Settings, *, app: AppCredentials, redirect_uri: str,
                          state: str | None = None) -> AuthorizationRequest:
    state = state or new_state()
    params: dict[str, str] = {
        "response_type": "code", "client_id": app.client_id, "redirect_uri": redirect_uri,
        "scope": settings.scope_separator.join(settings.scopes), "state": state, **settings.authorize_params,
    }
    verifier = None
    if settings.pkce:
        verifier = Secret(secrets.token_urlsafe(64))
        params["code_challenge"] = create_s256_code_challenge(verifier.reveal())
        params["code_challenge_method"] = "S256"
    separator = "&" if "?" in settings.authorize_url else "?"
    return AuthorizationRequest(url=f"{settings.authorize_url}{separator}{urlencode(params)}", state=state,
                                code_verifier=verifier)


class OAuthErrorPolicy(ResponsePolicy):
    """RFC 6749 §5.2 error bodies: ``{"error": "invalid_grant", "error_description": ...}``."""

    REAUTH = frozenset({"invalid_grant", "invalid_token", "access_denied"})

    def classify(self, response: ApiResponse) -> ConnectorError | None:
        if response.status_code < 400:
            return None
        body = response.try_json()
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            code = body["error"]
            detail = body.get("error_description") or ""
            message = f"The token endpoint refused the grant: {code}" + (f" ({detail})" if detail else "") + "."
            if code in self.REAUTH:
                return ReauthRequired(message, platform=self.platform)
            if response.status_code < 500:
                return PermanentError(message, platform=self.platform)
        return super().classify(response)


class TokenEndpoint:
    """Code exchange and refresh against one platform's token URL, through the shared HTTP layer."""

    def __init__(self, settings: OAuth2Settings, *, app: AppCredentials, platform: str,
                 options: HttpOptions | None = None, policy: ResponsePolicy | None = None) -> None:
        self.settings = settings
        self.app = app
        self.platform = platform
        self.options = options or HttpOptions()
        self.policy = policy or OAuthErrorPolicy(platform)

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: Secret | None = None) -> Credentials:
        params = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if code_verifier is not None:
            params["code_verifier"] = code_verifier.reveal()
        return self.credentials_from(self.call(params))

    def refresh(self, credentials: Credentials) -> Credentials:
        if credentials.refresh_token is None:
            raise ReauthRequired("No refresh token is stored for this connection.", platform=self.platform)
        body = self.call({"grant_type": "refresh_token", "refresh_token": credentials.refresh_token.reveal()})
        fresh = self.credentials_from(body)
        return credentials.with_token(access_token=fresh.access_token.reveal(), expires_at=fresh.expires_at,
                                      refresh_token=fresh.refresh_token.reveal() if fresh.refresh_token else None)

    def call(self, params: Mapping[str, str]) -> dict[str, Any]:
        params = {**params, "client_id": self.app.client_id, "client_secret": self.app.client_secret.reveal()}
        with ApiClient(platform=self.platform, policy=self.policy, options=self.options) as client:
            if self.settings.token_method == "GET":
                response = client.get(self.settings.token_url, params=params, authenticated=False)
            else:
                response = client.post(self.settings.token_url, data=params, authenticated=False,
                                       headers={"Accept": "application/json"})
            body = response.json()
        if not isinstance(body, dict):
            raise MalformedResponse("The token endpoint answered with something other than a JSON object.",
                                    platform=self.platform)
        return body

    def credentials_from(self, body: Mapping[str, Any]) -> Credentials:
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise MalformedResponse("The token endpoint's answer has no access_token.", platform=self.platform)
        expires_in = body.get("expires_in")
        expires_at = None
        if expires_in not in (None, ""):
            seconds = int_from(expires_in, field="expires_in", platform=self.platform)
            expires_at = self.options.clock.now() + timedelta(seconds=seconds)
        refresh = body.get("refresh_token")
        scope = body.get("scope") or ""
        return Credentials(access_token=Secret(token), refresh_token=Secret(refresh) if refresh else None,
                           expires_at=expires_at, scopes=tuple(scope.replace(",", " ").split()))


class OAuth1Flow:
    """Three-legged OAuth 1.0a: request token → user authorizes → access token (never expires, never refreshed)."""

    def __init__(self, settings: OAuth1Settings, *, app: AppCredentials, platform: str,
                 options: HttpOptions | None = None) -> None:
        self.settings = settings
        self.app = app
        self.platform = platform
        self.options = options or HttpOptions()

    def start(self, *, callback_uri: str) -> AuthorizationRequest:
        signer = ClientAuth(self.app.client_id, self.app.client_secret.reveal(), redirect_uri=callback_uri)
        body = self._post(self.settings.request_token_url, signer)
        if body.get("oauth_callback_confirmed") != "true" or not body.get("oauth_token"):
            raise MalformedResponse("The request-token answer lacks oauth_token or the callback confirmation.",
                                    platform=self.platform)
        token = body["oauth_token"]
        return AuthorizationRequest(url=f"{self.settings.authorize_url}?{urlencode({'oauth_token': token})}",
                                    state=token, request_token_secret=Secret(body.get("oauth_token_secret", "")))

    def complete(self, *, oauth_token: str, oauth_verifier: str, request_token_secret: Secret) -> Credentials:
        signer = ClientAuth(self.app.client_id, self.app.client_secret.reveal(), token=oauth_token,
                            token_secret=request_token_secret.reveal(), verifier=oauth_verifier)
        body = self._post(self.settings.access_token_url, signer)
        if not body.get("oauth_token") or not body.get("oauth_token_secret"):
            raise MalformedResponse("The access-token answer lacks oauth_token or oauth_token_secret.",
                                    platform=self.platform)
        extra = {key: body[key] for key in ("user_id", "screen_name") if key in body}
        return Credentials(access_token=Secret(body["oauth_token"]), token_secret=Secret(body["oauth_token_secret"]),
                           extra=extra)

    def _post(self, url: str, signer: ClientAuth) -> dict[str, str]:
        _, headers, _ = signer.prepare("POST", url, {}, b"")
        with ApiClient(platform=self.platform, policy=ResponsePolicy(self.platform), options=self.options) as client:
            response = client.post(url, headers={"Authorization": headers["Authorization"]}, authenticated=False)
        return dict(parse_qsl(response.text))
