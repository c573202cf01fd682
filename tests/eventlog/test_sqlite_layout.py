"""The SQLite log's indexes: one covering index serves every support-listing filter; older files are upgraded."""

from __future__ import annotations

import itertools
import sqlite3
from datetime import UTC, datetime

import pytest

from analyticaflow.eventlog.query import EventPosition, EventQuery
from analyticaflow.eventlog.sqlite import SqliteEventLog
from analyticaflow.eventlog.sqlite_query import SqliteEventReader, build_statement
from tests.eventlog.conftest import record

FILTERS = {
    "since": datetime(2024, 3, 1, tzinfo=UTC),
    "until": datetime(2024, 4, 1, tzinfo=UTC),
    "type": "track",
    "event": "Order Completed",
    "person": "anon-1",
    "before": EventPosition(timestamp_us=1_710_000_000_000_000, seq=7),
}
EVERY_COMBINATION = [combo for size in range(len(FILTERS) + 1) for combo in itertools.combinations(FILTERS, size)]


def index_names(path) -> set[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'")
        return {name for (name,) in rows}


def test_the_log_keeps_the_dedupe_index_and_one_listing_index(sqlite_log):
    assert index_names(sqlite_log.path) == {"sqlite_autoindex_events_1", "events_project_time_filters"}


@pytest.mark.parametrize("filters", EVERY_COMBINATION, ids="+".join)
def test_every_listing_query_walks_the_covering_index_newest_first_without_sorting(sqlite_log, filters):
    statement, params = build_statement(EventQuery(project_id=1, limit=51, **{name: FILTERS[name] for name in filters}))

    plan = [row[3] for row in sqlite_log.reader_connection().execute("EXPLAIN QUERY PLAN " + statement, params)]

    assert len(plan) == 1 and plan[0].startswith("SEARCH events USING INDEX events_project_time_filters (project_id=?")
    assert "TEMP B-TREE" not in " ".join(plan)


OLD_LAYOUT = (
    """
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, message_id TEXT NOT NULL, type TEXT NOT NULL,
        name TEXT, anonymous_id TEXT, user_id TEXT, timestamp_us INTEGER NOT NULL, received_at_us INTEGER NOT NULL,
        payload BLOB NOT NULL, UNIQUE (project_id, message_id)
    )
    """,
    "CREATE INDEX events_project_time ON events (project_id, timestamp_us, type)",
    "CREATE INDEX events_project_name_time ON events (project_id, name, timestamp_us)",
    "CREATE INDEX events_project_anonymous_time ON events (project_id, anonymous_id, timestamp_us)",
    "CREATE INDEX events_project_user_time ON events (project_id, user_id, timestamp_us)",
    "INSERT INTO events VALUES (1, 1, 'old-1', 'track', 'Signed Up', 'a1', 'u1', 1710000000000000, 1710000000000000,"
    " X'7b7d')",
    "INSERT INTO events VALUES (2, 1, 'old-2', 'page', 'Pricing', 'a2', NULL, 1710000001000000, 1710000001000000,"
    " X'7b7d')",
)


def test_a_log_file_of_the_earlier_layout_gets_the_listing_index_and_keeps_its_events(tmp_path):
    path = tmp_path / "events.sqlite3"
    with sqlite3.connect(path) as connection:
        for statement in OLD_LAYOUT:
            connection.execute(statement)

    log = SqliteEventLog(path)
    try:
        log.append([record("new-1", anonymous_id="a1", timestamp=datetime(2024, 3, 10, tzinfo=UTC))])
        listed = SqliteEventReader(log).list_events(EventQuery(project_id=1, limit=10, person="a1"))
        stored = [event.record.message_id for event in log.read(after_seq=0, limit=10)]
    finally:
        log.close()

    assert index_names(path) == {"sqlite_autoindex_events_1", "events_project_time_filters"}
    assert stored == ["old-1", "old-2", "new-1"]
    assert [event.record.message_id for event in listed] == ["new-1", "old-1"]  # newest first
