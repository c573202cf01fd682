"""Graph API conventions shared by Meta Ads and Instagram: error codes, usage headers, paging links.

Graph answers errors as ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``, usually with
HTTP 400: the decision is made on ``error.code`` (and subcode), not on the HTTP status.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from analyticaflow.connectors.errors import (
    AuthExpired,
    ConnectorError,
    MalformedResponse,
    PermanentError,
    RateLimitExceeded,
    ReauthRequired,
    TransientError,
)
from analyticaflow.connectors.http import ApiResponse, ResponsePolicy

THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
TRANSIENT_CODES = frozenset({1, 2, -2})
PERMISSION_CODES = frozenset({10, *range(200, 300)})
# (code, subcode) pairs meaning "too much data / timed out": use a smaller range or an async report.
TOO_MUCH_DATA = frozenset({(100, 1487534), (100, 1504018), (2, 1504038)})
USAGE_HEADERS = ("x-business-use-case-usage", "x-app-usage", "x-ad-account-usage", "x-fb-ads-insights-throttle")
DEFAULT_THROTTLE_WAIT = 60.0  # Meta's advice: back off at least a minute when throttled
SLOWDOWN_FROM_PCT = 75.0


class QueryTooLarge(PermanentError):
    """The synchronous insights call asked for too much; an async report run can answer it."""

    code = "query_too_large"


class InsightsUnavailable(PermanentError):
    """Instagram has no insights for this object (e.g. too few viewers); not an integration failure."""

    code = "insights_unavailable"


def usage(response: ApiResponse) -> tuple[float, float]:
    """(highest quota percentage used, seconds until access is regained) from the usage headers."""
    highest = 0.0
    regain_minutes = 0.0
    for name in USAGE_HEADERS:
        raw = response.headers.get(name)
        if not raw:
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            continue  # advisory header: an unreadable one only loses the early slowdown
        entries: list[Any] = []
        if isinstance(value, dict) and all(isinstance(item, list) for item in value.values()) and value:
            for items in value.values():
                entries.extend(items)
        else:
            entries.append(value)
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            for key, number in entry.items():
                if not isinstance(number, int | float) or isinstance(number, bool):
                    continue
                if key == "estimated_time_to_regain_access":
                    regain_minutes = max(regain_minutes, float(number))
                elif key in {"call_count", "total_cputime", "total_time", "acc_id_util_pct", "app_id_util_pct"}:
                    highest = max(highest, float(number))
    return highest, regain_minutes * 60


class GraphPolicy(ResponsePolicy):
    def classify(self, response: ApiResponse) -> ConnectorError | None:
        if response.status_code < 400:
            return None
        body = response.try_json()
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict) or "code" not in error:
            return super().classify(response)
        code = _int_or_none(error.get("code"))
        subcode = _int_or_none(error.get("error_subcode"))
        label = f"{code}/{subcode}" if subcode else f"{code}"
        message = f"Graph API error {label}: {error.get('message', 'no message')}"
        if code == 190:
            return AuthExpired(message, platform=self.platform)
        if (code, subcode) in TOO_MUCH_DATA:
            return QueryTooLarge(message, platform=self.platform)
        if code in THROTTLE_CODES:
            _, regain = usage(response)
            return RateLimitExceeded(message, platform=self.platform, retry_after=regain or DEFAULT_THROTTLE_WAIT)
        if code == 10 and "viewers" in str(error.get("message", "")).lower():
            return InsightsUnavailable(message, platform=self.platform)
        if code in PERMISSION_CODES:
            return ReauthRequired(f"{message} (a permission is missing or was revoked)", platform=self.platform)
        if code in TRANSIENT_CODES or response.status_code >= 500:
            return TransientError(message, platform=self.platform)
        return PermanentError(message, platform=self.platform)

    def pause_after(self, response: ApiResponse) -> float:
        highest, regain = usage(response)
        if regain > 0:
            return regain
        if highest > SLOWDOWN_FROM_PCT:
            return min(60.0, 60.0 * (highest - SLOWDOWN_FROM_PCT) / (100.0 - SLOWDOWN_FROM_PCT))
        return 0.0


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def page_data(body: Any, *, what: str, platform: str) -> list[dict[str, Any]]:
    """The ``data`` list of a Graph edge page, or a readable error when the page has another shape."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise MalformedResponse(f"A {what} page has no 'data' list.", platform=platform)
    items = body["data"]
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise MalformedResponse(f"Item {index} of a {what} page is not an object.", platform=platform)
    return items


def next_link(body: Any) -> str | None:
    paging = body.get("paging") if isinstance(body, dict) else None
    if not isinstance(paging, dict):
        return None
    link = paging.get("next")
    return link if link else None


def rebase(link: str, *, api_url: str) -> str:
    """A paging link moved onto the configured API host: the token is never sent where a response points."""
    target = urlsplit(link)
    base = urlsplit(api_url)
    prefix = base.path.rstrip("/")
    path = target.path if not prefix or target.path.startswith(prefix + "/") else prefix + target.path
    return urlunsplit((base.scheme, base.netloc, path, target.query, ""))
