"""Typed connector errors: the one place that decides what is worth retrying.

Every failure a platform can produce ends as one of these, each a member of the product's ``AppError`` family:

- ``TransientError`` (and its ``RateLimitExceeded``): retry later, the same call may succeed;
- ``AuthExpired``: the access token expired; the HTTP layer refreshes it when it can, otherwise it becomes
- ``ReauthRequired``: the grant is revoked or cannot be refreshed; the integration needs the user again;
- ``PermanentError``: configuration or permission problem; retrying cannot help;
- ``MalformedResponse``: the platform answered with a shape we do not understand; never a silent gap.
"""

from __future__ import annotations

from rest_framework import status

from analyticaflow.errors import AppError


class ConnectorError(AppError):
    code = "connector_error"
    status_code = status.HTTP_502_BAD_GATEWAY
    default_message = "The platform's API answered with an error."

    def __init__(self, message: str | None = None, *, platform: str | None = None,
                 retry_after: float | None = None, fields: dict[str, list[str]] | None = None,
                 code: str | None = None, platform_codes: tuple[str, ...] = ()) -> None:
        self.platform = platform
        # Seconds the platform asked us to wait before the next call (None: not said).
        self.retry_after = retry_after
        # The platform's own error codes (e.g. "authorizationError.CUSTOMER_NOT_ENABLED"), for callers that
        # must tell one permanent problem from another.
        self.platform_codes = platform_codes
        super().__init__(message, fields=fields, code=code)

    def __str__(self) -> str:
        return f"{self.platform}: {self.message}" if self.platform else self.message


class TransientError(ConnectorError):
    code = "platform_unavailable"
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    transient = True
    default_message = "The platform is temporarily unavailable; the sync will retry."


class RateLimitExceeded(TransientError):
    code = "platform_rate_limited"
    default_message = "The platform's rate limit was reached; the sync will retry later."


class AuthError(ConnectorError):
    status_code = status.HTTP_409_CONFLICT


class AuthExpired(AuthError):
    code = "token_expired"
    default_message = "The access token has expired."


class ReauthRequired(AuthError):
    code = "reauth_required"
    default_message = "The platform no longer accepts this connection; reconnect the account."


class PermanentError(ConnectorError):
    code = "platform_rejected"
    default_message = "The platform rejected the request (configuration or permission problem)."


class MalformedResponse(ConnectorError):
    code = "malformed_response"
    default_message = "The platform answered with data in an unexpected shape."


class CredentialsUnreadable(AppError):
    """Stored credentials cannot be decrypted (wrong key, tampered or truncated ciphertext)."""

    code = "credentials_unreadable"
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_message = "Stored credentials cannot be decrypted with the configured key."
