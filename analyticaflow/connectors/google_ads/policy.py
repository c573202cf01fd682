"""Google Ads errors: RPC status + ``GoogleAdsFailure`` details → typed errors."""

from __future__ import annotations

import re
from typing import Any

from analyticaflow.connectors.errors import (
    AuthExpired,
    ConnectorError,
    PermanentError,
    RateLimitExceeded,
    TransientError,
)
from analyticaflow.connectors.http import ApiResponse, ResponsePolicy
from analyticaflow.connectors.retry import parse_retry_after

MIN_QUOTA_WAIT = 30.0  # Google's advice: back off at least 30 s on RESOURCE_EXHAUSTED
TRANSIENT_STATUSES = frozenset({"INTERNAL", "UNAVAILABLE", "DEADLINE_EXCEEDED", "ABORTED"})
TOKEN_PROBLEMS = frozenset({"OAUTH_TOKEN_EXPIRED", "OAUTH_TOKEN_INVALID", "OAUTH_TOKEN_REVOKED",
                            "OAUTH_TOKEN_DISABLED", "OAUTH_TOKEN_HEADER_INVALID", "AUTHENTICATION_ERROR"})
DURATION = re.compile(r"^(\d+(?:\.\d+)?)s$")


def ads_errors(error: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``GoogleAdsError`` items of a failure (empty when the details are absent)."""
    items = []
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and isinstance(detail.get("errors"), list):
            items.extend(item for item in detail["errors"] if isinstance(item, dict))
    return items


def error_codes(error: dict[str, Any]) -> list[str]:
    """Error codes as ``family.NAME`` (e.g. ``quotaError.RESOURCE_EXHAUSTED``)."""
    codes = []
    for item in ads_errors(error):
        for family, name in (item.get("errorCode") or {}).items():
            codes.append(f"{family}.{name}")
    return codes


def retry_delay(value: Any) -> float | None:
    """The largest ``retryDelay`` ("30s") found anywhere in the failure's details."""
    found: list[float] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, item in node.items():
                if key == "retryDelay" and isinstance(item, str) and (match := DURATION.match(item)):
                    found.append(float(match.group(1)))
                else:
                    walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(value)
    return max(found) if found else None


class GoogleAdsPolicy(ResponsePolicy):
    def classify(self, response: ApiResponse) -> ConnectorError | None:
        if response.status_code < 400:
            return None
        body = response.try_json()
        if isinstance(body, list) and body and isinstance(body[-1], dict):
            body = body[-1]  # searchStream wraps its error in the response array
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return super().classify(response)
        retry_after = parse_retry_after(response.headers.get("retry-after"), now=self.clock.now())
        return self.from_error(error, retry_after=retry_after)

    def from_error(self, error: dict[str, Any], *, retry_after: float | None = None) -> ConnectorError:
        status = str(error.get("status", ""))
        codes = error_codes(error)
        messages = [str(item.get("message")) for item in ads_errors(error) if item.get("message")]
        text = "; ".join(messages) or str(error.get("message", "no message"))
        label = f"{status or error.get('code')}" + (f" ({', '.join(codes)})" if codes else "")
        message = f"Google Ads {label}: {text}"
        names = {code.split(".", 1)[1] for code in codes}
        details = {"platform": self.platform, "platform_codes": tuple(codes)}
        if status == "UNAUTHENTICATED":
            if names and not names & TOKEN_PROBLEMS:
                return PermanentError(message, **details)  # e.g. a missing developer token
            return AuthExpired(message, **details)
        if status == "RESOURCE_EXHAUSTED":
            wait = max(retry_delay(error) or 0.0, retry_after or 0.0, MIN_QUOTA_WAIT)
            return RateLimitExceeded(message, retry_after=wait, **details)
        if status in TRANSIENT_STATUSES:
            return TransientError(message, retry_after=retry_after, **details)
        if status == "PERMISSION_DENIED" and "USER_PERMISSION_DENIED" in names:
            message += " (check the manager account id sent as login-customer-id)"
        return PermanentError(message, **details)
