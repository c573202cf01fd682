"""The support-staff query on the embedded SQLite log.

SQL is assembled from constant fragments only; every value is a bound parameter. The person filter (an
anonymous id *or* a user id) runs as two index range scans merged by UNION, so each side uses its own
``(project_id, <id>, timestamp_us)`` index and stops after one page instead of scanning the project.
"""

from __future__ import annotations

from analyticaflow.eventlog.contracts import StoredEvent
from analyticaflow.eventlog.query import EventQuery
from analyticaflow.eventlog.records import to_micros
from analyticaflow.eventlog.sqlite import SqliteEventLog, stored_event_of

SELECT_EVENTS_WHERE = (
    "SELECT seq, project_id, message_id, type, name, anonymous_id, user_id, timestamp_us, received_at_us, payload"
    " FROM events WHERE "
)
NEWEST_FIRST = " ORDER BY timestamp_us DESC, seq DESC LIMIT ?"
PERSON_COLUMNS = ("anonymous_id = ?", "user_id = ?")


def _common_conditions(query: EventQuery) -> tuple[list[str], list]:
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
    if query.before is not None:
        conditions.append("timestamp_us <= ? AND (timestamp_us < ? OR seq < ?)")
        params.extend([query.before.timestamp_us, query.before.timestamp_us, query.before.seq])
    return conditions, params


def build_statement(query: EventQuery) -> tuple[str, list]:
    """The SELECT for ``query`` and its parameters (constant SQL fragments, bound values)."""
    conditions, params = _common_conditions(query)
    select = SELECT_EVENTS_WHERE
    if query.person is None:
        return select + " AND ".join(conditions) + NEWEST_FIRST, [*params, query.limit]
    branches, branch_params = [], []
    for person_condition in PERSON_COLUMNS:
        where = " AND ".join([*conditions, person_condition])
        branches.append("SELECT * FROM (SELECT seq FROM events WHERE " + where + NEWEST_FIRST + ")")  # noqa: S608
        branch_params.extend([*params, query.person, query.limit])
    statement = select + "seq IN (" + " UNION ".join(branches) + ")" + NEWEST_FIRST
    return statement, [*branch_params, query.limit]


class SqliteEventReader:
    """:class:`~analyticaflow.eventlog.query.EventReader` over a :class:`SqliteEventLog`."""

    def __init__(self, log: SqliteEventLog) -> None:
        self.log = log

    def list_events(self, query: EventQuery) -> list[StoredEvent]:
        statement, params = build_statement(query)
        rows = self.log.reader_connection().execute(statement, params)
        return [stored_event_of(row) for row in rows]
