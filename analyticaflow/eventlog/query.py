"""The support-staff query over the permanent event store, as a small reader interface.

A reader answers one :class:`EventQuery`: one project's events, newest first (by event timestamp, then
seq), narrowed by optional filters and continuing after an optional position. The embedded store answers it
from the SQLite log (:mod:`analyticaflow.eventlog.sqlite_query`); in scale mode the permanent store is the
warehouse ``raw_events`` table, whose reader registers itself with
:func:`analyticaflow.eventlog.selectors.register_event_reader`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from analyticaflow.eventlog.contracts import StoredEvent


@dataclass(frozen=True, slots=True)
class EventPosition:
    """Where a newest-first page ended: the last event's timestamp (microseconds) and seq."""

    timestamp_us: int
    seq: int


@dataclass(frozen=True, slots=True)
class EventQuery:
    project_id: int
    limit: int
    since: datetime | None = None  # event timestamp >= since
    until: datetime | None = None  # event timestamp < until
    type: str | None = None
    event: str | None = None  # track event name, or page/screen name
    person: str | None = None  # anonymous_id or user_id
    before: EventPosition | None = None  # continue strictly after this position (newest first)


class EventReader(Protocol):
    def list_events(self, query: EventQuery) -> list[StoredEvent]:
        """Up to ``query.limit`` matching events of the project, newest first."""
        ...
