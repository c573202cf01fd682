"""Reads of the permanent event store for people: the support log of one project's events.

Which reader answers depends on the event log in use, through a registry keyed by the log URL's scheme:
the embedded SQLite log answers itself; in scale mode (Redis Streams is only transport) the warehouse's
``raw_events`` reader plugs in with ``register_event_reader("redis", factory)``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings

from analyticaflow.errors import InvalidInput, ServiceUnavailable
from analyticaflow.eventlog.backends import get_event_log
from analyticaflow.eventlog.contracts import EventLog, EventLogUnavailable, StoredEvent
from analyticaflow.eventlog.query import EventPosition, EventQuery, EventReader
from analyticaflow.eventlog.records import to_micros
from analyticaflow.eventlog.sqlite_query import SqliteEventReader

ReaderFactory = Callable[[EventLog], EventReader]
EVENT_READERS: dict[str, ReaderFactory] = {"sqlite": SqliteEventReader}
RETRY_AFTER_SECONDS = "5"


def register_event_reader(scheme: str, factory: ReaderFactory) -> None:
    """Let ``factory`` answer the event listing when the event log URL has ``scheme``."""
    EVENT_READERS[scheme] = factory


@dataclass(frozen=True, slots=True)
class EventPage:
    events: list[StoredEvent]
    next_cursor: str | None  # pass back as ``cursor`` for the next (older) page; None on the last page


def encode_cursor(position: EventPosition) -> str:
    raw = f"{position.timestamp_us}.{position.seq}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> EventPosition:
    """The position in an opaque cursor; ``InvalidInput`` naming ``cursor`` when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        timestamp_us, seq = raw.split(".")
        return EventPosition(timestamp_us=int(timestamp_us), seq=int(seq))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(fields={"cursor": ["Not a cursor returned by this API."]}) from exc


def event_reader() -> EventReader:
    scheme = urlsplit(settings.ANALYTICAFLOW_EVENT_LOG_URL).scheme
    factory = EVENT_READERS.get(scheme)
    if factory is None:
        raise ServiceUnavailable(
            f"Listing events needs a permanent event store; none is configured for the {scheme!r} event log."
        )
    return factory(get_event_log())


def events_list(
    *,
    project_id: int,
    limit: int,
    since: datetime | None = None,
    until: datetime | None = None,
    type: str | None = None,
    event: str | None = None,
    person: str | None = None,
    cursor: str | None = None,
) -> EventPage:
    """One page of the project's events, newest first (event timestamp, then arrival order)."""
    query = EventQuery(
        project_id=project_id,
        limit=limit + 1,  # one more tells whether an older page exists
        since=since,
        until=until,
        type=type,
        event=event,
        person=person,
        before=decode_cursor(cursor) if cursor else None,
    )
    try:
        events = event_reader().list_events(query)
    except EventLogUnavailable as exc:
        raise ServiceUnavailable("The event store is unavailable; retry later.",
                                 headers={"Retry-After": RETRY_AFTER_SECONDS}) from exc
    if len(events) <= limit:
        return EventPage(events=events, next_cursor=None)
    last = events[limit - 1]
    position = EventPosition(timestamp_us=to_micros(last.record.timestamp), seq=last.seq)
    return EventPage(events=events[:limit], next_cursor=encode_cursor(position))
