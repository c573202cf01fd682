"""One error hierarchy for the whole product,.

Every error carries a machine code, an HTTP status, a message and optional per-field reasons. Whether an
error is worth retrying is a property of the error (``transient``), not a guess at the retry site.
Response body: ``{"error": {"code": ..., "message": ..., "fields": {field: [reason, ...]}}}``.
The DRF handler that renders them lives in ``analyticaflow.error_handler``.
"""

from __future__ import annotations

from typing import Any

from rest_framework import status


class AppError(Exception):
    code = "error"
    status_code = status.HTTP_400_BAD_REQUEST
    transient = False
    default_message = "The request could not be processed."

    def __init__(self, message: str | None = None, *, fields: dict[str, list[str]] | None = None,
                 code: str | None = None, headers: dict[str, str] | None = None) -> None:
        self.message = message or self.default_message
        self.fields = fields or {}
        self.headers = headers or {}
        if code:
            self.code = code
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


class InvalidInput(AppError):
    code = "invalid"
    default_message = "The request has invalid fields."


class NotAuthenticated(AppError):
    code = "not_authenticated"
    status_code = status.HTTP_401_UNAUTHORIZED
    default_message = "Authentication credentials were missing or invalid."


class Forbidden(AppError):
    code = "forbidden"
    status_code = status.HTTP_403_FORBIDDEN
    default_message = "You do not have permission to do this."


class NotFound(AppError):
    code = "not_found"
    status_code = status.HTTP_404_NOT_FOUND
    default_message = "Not found."


class Conflict(AppError):
    code = "conflict"
    status_code = status.HTTP_409_CONFLICT
    default_message = "The request conflicts with the current state."


class PayloadTooLarge(AppError):
    code = "payload_too_large"
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_message = "The request body is too large."


class RateLimited(AppError):
    code = "rate_limited"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    transient = True
    default_message = "Too many requests; retry later."


class ServiceUnavailable(AppError):
    code = "unavailable"
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    transient = True
    default_message = "A backing service is unavailable; retry later."


class LockedOut(RateLimited):
    code = "locked_out"
    default_message = "Too many failed login attempts. Try again later."
