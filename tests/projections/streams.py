"""Building blocks for projection tests: Segment messages as stored log events, and an in-memory log."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import orjson

from analyticaflow.eventlog.contracts import AppendResult, EventRecord, StoredEvent

T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
_ids = itertools.count(1)


def at(minutes: float = 0, seconds: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes, seconds=seconds)


def message(
    type_: str,
    *,
    project_id: int = 1,
    anonymous_id: str | None = None,
    user_id: str | None = None,
    timestamp: datetime = T0,
    name: str | None = None,
    properties: dict | None = None,
    traits: dict | None = None,
    context: dict | None = None,
    message_id: str | None = None,
    **extra,
) -> EventRecord:
    message_id = message_id or f"m-{next(_ids)}"
    payload: dict = {"type": type_, "messageId": message_id, "timestamp": timestamp.isoformat()}
    if anonymous_id is not None:
        payload["anonymousId"] = anonymous_id
    if user_id is not None:
        payload["userId"] = user_id
    if type_ == "track":
        payload["event"] = name
    elif name is not None:
        payload["name"] = name
    if properties is not None:
        payload["properties"] = properties
    if traits is not None:
        payload["traits"] = traits
    payload["context"] = context or {}
    payload.update(extra)
    return EventRecord(
        project_id=project_id,
        message_id=message_id,
        type=type_,
        name=name,
        anonymous_id=anonymous_id,
        user_id=user_id,
        timestamp=timestamp,
        received_at=timestamp + timedelta(seconds=1),
        payload=orjson.dumps(payload),
    )


def page(url: str = "https://shop.test/", *, referrer: str | None = None, campaign: dict | None = None, **kw):
    context = {"page": {"url": url, **({"referrer": referrer} if referrer else {})}}
    if campaign:
        context["campaign"] = campaign
    properties = {"url": url, **({"referrer": referrer} if referrer else {})}
    return message("page", properties=properties, context=context, **kw)


def track(name: str, **kw):
    return message("track", name=name, **kw)


def identify(**kw):
    return message("identify", **kw)


def alias(previous_id: str, **kw):
    return message("alias", previousId=previous_id, **kw)


class ListLog:
    """The EventLog contract over a Python list (tests that need no file)."""

    def __init__(self, records: Sequence[EventRecord] = ()) -> None:
        self.events: list[StoredEvent] = []
        self._seen: set[tuple[int, str]] = set()
        self.append(records)

    def append(self, records: Sequence[EventRecord]) -> AppendResult:
        stored = duplicates = 0
        for record in records:
            key = (record.project_id, record.message_id)
            if key in self._seen:
                duplicates += 1
                continue
            self._seen.add(key)
            self.events.append(StoredEvent(seq=len(self.events) + 1, record=record))
            stored += 1
        return AppendResult(stored=stored, duplicates=duplicates)

    def read(self, *, after_seq: int, limit: int) -> list[StoredEvent]:
        return self.events[after_seq : after_seq + limit]

    def last_seq(self) -> int:
        return len(self.events)

    def close(self) -> None:
        pass
