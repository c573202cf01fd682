"""One HTTP request to the capture API's ``/v1/batch`` and what its answer means for the messages in it.

The answer is one of three outcomes:
- ``Delivered``: a 2xx. The messages are durable on the server, except those the body lists as ``rejected``
  (``{"rejected": [{"index": i, "messageId": ..., "errors": {...}}]}``); a plain ``{"success": true}`` or
  any other 2xx body means all were accepted.
- ``Refused``: 400/413/422, the request as a whole was refused for its content. The relay splits the batch to
  find the bad message; a single message refused this way is rejected for good.
- ``Retry``: network errors, timeouts, 408/429/5xx, and also 401/403/404 and redirects (a wrong write key or
  URL is the shop's configuration, not the messages' fault: they wait until it is fixed).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

USER_AGENT = "analyticaflow-outbox/1"
CONTENT_REFUSALS = frozenset({400, 413, 422})
CONFIGURATION_HINTS = {
    401: "the server does not know this WRITE_KEY",
    403: "the server refuses this WRITE_KEY",
    404: "nothing answers at this URL: check ANALYTICAFLOW_OUTBOX['URL']",
}


@dataclass(frozen=True)
class Delivered:
    rejected: dict[int, str] = field(default_factory=dict)  # index in the request -> the server's reason


@dataclass(frozen=True)
class Refused:
    error: str


@dataclass(frozen=True)
class Retry:
    error: str
    retry_after: float | None = None  # seconds, from the server's Retry-After
    configuration: bool = False  # the shop's URL or write key is wrong


Outcome = Delivered | Refused | Retry


def post_batch(client: httpx.Client, *, url: str, write_key: str, body: bytes,
               message_ids: Sequence[str]) -> Outcome:
    """POST one encoded batch body; never raises for network trouble (that is a ``Retry``)."""
    try:
        response = client.post(url, content=body, auth=(write_key, ""),
                               headers={"Content-Type": "application/json", "User-Agent": USER_AGENT})
    except httpx.TransportError as exc:
        return Retry(error=f"{type(exc).__name__}: {exc or 'no detail'} ({url})")
    return outcome_of(response, message_ids=message_ids)


def outcome_of(response: httpx.Response, *, message_ids: Sequence[str]) -> Outcome:
    status = response.status_code
    if 200 <= status < 300:
        return Delivered(rejected=rejections(_json(response), message_ids=message_ids))
    error = describe(response)
    if status in CONTENT_REFUSALS:
        return Refused(error=error)
    return Retry(error=error, retry_after=parse_retry_after(response.headers.get("Retry-After")),
                 configuration=status in CONFIGURATION_HINTS or response.is_redirect)


def describe(response: httpx.Response) -> str:
    hint = CONFIGURATION_HINTS.get(response.status_code)
    if response.is_redirect:
        hint = f"redirected to {response.headers.get('Location')}: set URL to the final address"
    text = f"HTTP {response.status_code}: {response.text[:1000].strip()}"
    return f"{text} ({hint})" if hint else text


def rejections(body: Any, *, message_ids: Sequence[str]) -> dict[int, str]:
    """Map the 2xx body's ``rejected`` entries to indexes in the request (by messageId, else by index)."""
    if not isinstance(body, dict) or not isinstance(body.get("rejected"), list):
        return {}
    where = {}
    for index, message_id in enumerate(message_ids):
        where.setdefault(message_id, index)
    found: dict[int, str] = {}
    for item in body["rejected"]:
        if not isinstance(item, dict):
            continue
        index = item.get("index")
        if not (isinstance(index, int) and 0 <= index < len(message_ids)
                and item.get("messageId") in (None, message_ids[index])):
            index = where.get(item.get("messageId"))
        if index is not None:
            found[index] = _reason(item)
    return found


def _reason(item: dict[str, Any]) -> str:
    for key in ("errors", "error", "reason", "message"):
        if item.get(key):
            value = item[key]
            return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "rejected by the server (no reason given)"


def parse_retry_after(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent or garbled."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
