"""What an integration holds to call a platform: tokens (secret) and the app's own credentials.

``Credentials`` belong to one linked grant (access/refresh token, OAuth 1.0a token secret, expiry);
``AppCredentials`` belong to the product's registered app on the platform (client id/secret, developer token).
Both serialize to JSON bytes for :mod:`analyticaflow.connectors.crypto`; nothing secret appears in reprs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from analyticaflow.connectors.crypto import CredentialsKey, decrypt, encrypt
from analyticaflow.connectors.secret import Secret, reveal


@dataclass(frozen=True)
class Credentials:
    access_token: Secret
    refresh_token: Secret | None = None
    token_secret: Secret | None = None  # OAuth 1.0a (X Ads)
    expires_at: datetime | None = None  # aware UTC; None: does not expire (or unknown)
    scopes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # non-secret details (user id, screen name...)

    def expires_within(self, *, now: datetime, margin: timedelta) -> bool:
        return self.expires_at is not None and self.expires_at - margin <= now

    def with_token(self, *, access_token: str, expires_at: datetime | None,
                   refresh_token: str | None = None) -> Credentials:
        """A copy after a refresh; the refresh token is kept unless the platform rotated it."""
        return replace(self, access_token=Secret(access_token), expires_at=expires_at,
                       refresh_token=Secret(refresh_token) if refresh_token else self.refresh_token)

    def to_json(self) -> bytes:
        return json.dumps({
            "access_token": self.access_token.reveal(),
            "refresh_token": reveal(self.refresh_token),
            "token_secret": reveal(self.token_secret),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "scopes": list(self.scopes),
            "extra": self.extra,
        }, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Credentials:
        raw = json.loads(data)
        return cls(
            access_token=Secret(raw["access_token"]),
            refresh_token=Secret(raw["refresh_token"]) if raw.get("refresh_token") else None,
            token_secret=Secret(raw["token_secret"]) if raw.get("token_secret") else None,
            expires_at=datetime.fromisoformat(raw["expires_at"]) if raw.get("expires_at") else None,
            scopes=tuple(raw.get("scopes") or ()),
            extra=dict(raw.get("extra") or {}),
        )

    def encrypt(self, *, key: CredentialsKey, context: bytes = b"") -> str:
        return encrypt(self.to_json(), key=key, context=context)

    @classmethod
    def decrypt(cls, token: str, *, keys, context: bytes = b"") -> Credentials:
        return cls.from_json(decrypt(token, keys=keys, context=context))


@dataclass(frozen=True)
class AppCredentials:
    """The product's app registered on a platform. X Ads calls these consumer key and secret."""

    client_id: str = ""
    client_secret: Secret = field(default_factory=lambda: Secret(""))
    developer_token: Secret | None = None  # Google Ads

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)
