"""Yahoo! JAPAN Ads errors: the ``{"errors", "rid", "rval"}`` envelope and its codes → typed errors."""

from __future__ import annotations

from typing import Any

from analyticaflow.connectors.errors import (
    AuthExpired,
    ConnectorError,
    MalformedResponse,
    PermanentError,
    RateLimitExceeded,
    TransientError,
)
from analyticaflow.connectors.http import ApiResponse, ResponsePolicy

THROTTLE_WAIT = 30.0  # "0003 Frequency limit exceeded" publishes no wait; start backing off at 30 s
TRANSIENT_CODES = frozenset({"0002", "0099"})


def describe(errors: Any) -> str:
    if not isinstance(errors, list):
        return "no error details"
    parts = []
    for error in errors:
        if isinstance(error, dict):
            details = error.get("details") or []
            where = ", ".join(f"{item.get('requestKey')}={item.get('requestValue')}" for item in details
                              if isinstance(item, dict) and item.get("requestKey"))
            parts.append(f"{error.get('code', '?')} {error.get('message', '')}".strip() + (f" ({where})" if where
                                                                                           else ""))
    return "; ".join(parts) or "no error details"


def error_codes(errors: Any) -> set[str]:
    return {str(error.get("code")) for error in errors or [] if isinstance(error, dict)}


class YahooAdsPolicy(ResponsePolicy):
    def classify(self, response: ApiResponse) -> ConnectorError | None:
        status = response.status_code
        body = response.try_json()
        errors = body.get("errors") if isinstance(body, dict) else None
        if status < 400:
            if errors:  # a whole-request failure answered with 200
                return PermanentError(f"Yahoo Ads refused {response.describe()}: {describe(errors)}",
                                      platform=self.platform)
            return None
        if errors is None:
            return super().classify(response)
        codes = error_codes(errors)
        message = f"Yahoo Ads {response.describe()} answered HTTP {status}: {describe(errors)}"
        if status == 401:
            return AuthExpired(message, platform=self.platform)
        if "0003" in codes:
            return RateLimitExceeded(message, platform=self.platform, retry_after=THROTTLE_WAIT)
        if codes & TRANSIENT_CODES or status >= 500:
            return TransientError(message, platform=self.platform)
        return PermanentError(message, platform=self.platform)


def operation_values(body: Any, *, entity: str, platform: str) -> tuple[int, list[dict[str, Any]]]:
    """(totalNumEntries, entities) of a ``get``/``add`` answer; per-operation failures raise with their codes."""
    rval = body.get("rval") if isinstance(body, dict) else None
    if not isinstance(rval, dict):
        raise MalformedResponse("A Yahoo Ads answer has no 'rval' object.", platform=platform)
    values = rval.get("values") or []
    if not isinstance(values, list):
        raise MalformedResponse("A Yahoo Ads answer's rval.values is not a list.", platform=platform)
    entities = []
    for value in values:
        if not isinstance(value, dict):
            raise MalformedResponse("A Yahoo Ads rval value is not an object.", platform=platform)
        if value.get("operationSucceeded") is False:
            raise PermanentError(f"Yahoo Ads rejected the operation: {describe(value.get('errors'))}",
                                 platform=platform)
        if not isinstance(value.get(entity), dict):
            raise MalformedResponse(f"A Yahoo Ads rval value has no {entity!r} object.", platform=platform)
        entities.append(value[entity])
    total = rval.get("totalNumEntries", len(entities))
    return (total if isinstance(total, int) else len(entities)), entities
