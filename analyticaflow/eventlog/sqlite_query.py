"""The support-staff query on the embedded SQLite log.

SQL is assembled from constant fragments only; every value is a bound parameter. Every statement reads the
log's covering index ``(project_id, timestamp_us, seq, type, name, anonymous_id, user_id)`` newest first: the
filters are checked on index entries, and the scan stops after one page. The page's rows are then read by seq.
"""

from __future__ import annotations

import sqlite3

from analyticaflow.eventlog.contracts import EventLogUnavailable, StoredEvent
from analyticaflow.eventlog.query import EventQuery
from analyticaflow.eventlog.records import to_micros
from analyticaflow.eventlog.sqlite import SqliteEventLog, stored_event_of

SELECT_EVENTS_WHERE = (
    "SELECT seq, project_id, message_id, type, name, anonymous_id, user_id, timestamp_us, received_at_us, payload"
    " FROM events WHERE "
)
NEWEST_FIRST = " ORDER BY timestamp_us DESC, seq DESC LIMIT ?"


def _conditions(query: EventQuery) -> tuple[list[str], list]:
    conditions, params = ["project_id = ?"], [query.project_id]
    if query.since is not None:
        conditions.append("timestamp_us >= ?")
        params.append(to_micros(query.since))
    if query.until is not None:
        conditions.append("timestamp_us < ?")
        params.append(to_micros(query.until))
    if query.type is not None:
        conditions.append("type = ?")
        params.append(query.type)
    if query.event is not None:
        conditions.append("name = ?")
        params.append(query.event)
    if query.person is not None:
        conditions.append("(anonymous_id = ? OR user_id = ?)")
        params.extend([query.person, query.person])
    if query.before is not None:
        conditions.append("(timestamp_us, seq) < (?, ?)")
        params.extend([query.before.timestamp_us, query.before.seq])
    return conditions, params


def build_statement(query: EventQuery) -> tuple[str, list]:
    """The SELECT for ``query`` and its parameters (constant SQL fragments, bound values)."""
    conditions, params = _conditions(query)
    return SELECT_EVENTS_WHERE + " AND ".join(conditions) + NEWEST_FIRST, [*params, query.limit]


class SqliteEventReader:
    """:class:`~analyticaflow.eventlog.query.EventReader` over a :class:`SqliteEventLog`."""

    def __init__(self, log: SqliteEventLog) -> None:
        self.log = log

    def list_events(self, query: EventQuery) -> list[StoredEvent]:
        statement, params = build_statement(query)
        try:
            rows = self.log.reader_connection().execute(statement, params).fetchall()
        except sqlite3.OperationalError as exc:  # the file cannot be opened or read (disk, permissions, lock)
            raise EventLogUnavailable(f"The event log {self.log.path} cannot be read: {exc}") from exc
        return [stored_event_of(row) for row in rows]
