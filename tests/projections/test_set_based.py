"""The set-based replay build (projections/bulk.py) gives exactly the incremental projector's tables.

Each test projects a log incrementally (the contract), then replays it set-based and requires the served tables
unchanged, on DuckDB and on the ClickHouse engine; a hand-computed stream pins the edge cases down.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from analyticaflow.projections.generations import served_generation
from analyticaflow.projections.replay import ReplayJob, replay_status
from analyticaflow.projections.services import projections_catch_up
from tests.projections.conftest import normalize, snapshot, table_rows
from tests.projections.streams import ListLog, alias, at, generated_stream, identify, message, page, track

MICRO = timedelta(microseconds=1)


def edge_stream() -> list:
    """Merges through identify and alias, sessions split at exactly 30 minutes + 1 µs, an identify arriving late
    but happening first, a duplicated order, a time-zone offset across midnight UTC, events without ids, an
    unknown type, and a second project reusing an anonymousId."""
    new_york = timezone(timedelta(hours=-5))
    return [
        page("https://shop.test/?utm_source=News&utm_medium=email", anonymous_id="a1", timestamp=at(0)),  # 1
        page("https://shop.test/p/1", anonymous_id="a1", timestamp=at(30)),  # 2: exactly 30 min later
        track("Product Viewed", anonymous_id="a1", timestamp=at(60) + MICRO),  # 3: 30 min + 1 µs later
        identify(anonymous_id="a1", user_id="u1", timestamp=at(61), traits={"plan": "free", "n": 1}),  # 4
        page("https://shop.test/", anonymous_id="a2", timestamp=at(200)),  # 5: a second device
        alias("a2", user_id="u1", timestamp=at(201)),  # 6
        identify(anonymous_id="a3", user_id="u1", timestamp=at(-10), traits={"plan": "pro"}),  # 7: late
        track("Order Completed", user_id="u1", timestamp=at(202), properties={"order_id": "o-1", "revenue": 10}),
        track("Order Completed", user_id="u1", timestamp=at(203), properties={"order_id": "o-1", "revenue": 99}),
        track("Product Viewed", anonymous_id="a9", timestamp=datetime(2026, 3, 2, 23, 30, tzinfo=new_york)),  # 10
        track("Product Viewed", timestamp=at(0)),  # 11: no ids
        message("weird", anonymous_id="a1", timestamp=at(5)),  # 12: a type no handler knows
        page("https://shop.test/", project_id=2, anonymous_id="a1", timestamp=at(0)),  # 13
    ]


def replay_set_based(warehouse, log, *, batch: int) -> None:
    """Replay ``log`` set-based and check that the build, not the incremental path, made the tables."""
    job = ReplayJob(warehouse=warehouse, log=log, request_id="set-based", chunk_size=1, bulk_batch=batch)
    loads = -(-log.last_seq() // batch)
    for _ in range(loads):
        job.step()
        assert job.building.checkpoint_seq == 0  # loading: the new generation is not current anywhere yet
    job.step()
    assert job.building.checkpoint_seq == log.last_seq()  # finished in one step, up to the head
    assert job.run().phase == "done"
    assert served_generation(warehouse).generation == 2


@pytest.mark.parametrize(
    ("records", "batch"),
    [
        pytest.param(edge_stream, 4, id="edge-cases"),
        pytest.param(edge_stream, 100, id="edge-cases-one-batch"),
        pytest.param(lambda: generated_stream(31, events=400), 90, id="generated"),
        pytest.param(lambda: generated_stream(32, events=300, people=12, projects=3), 1000, id="generated-dense"),
    ],
)
def test_the_set_based_replay_equals_the_incremental_projection(warehouse, records, batch):
    log = ListLog(records())
    chunk = 23 if warehouse.dialect.name == "duckdb" else 60
    projections_catch_up(warehouse=warehouse, log=log, chunk_size=chunk)
    incremental = snapshot(warehouse)
    replay_set_based(warehouse, log, batch=batch)
    replayed = snapshot(warehouse)
    for table, rows in incremental.items():
        assert replayed[table] == rows, table


def test_the_set_based_tables_of_the_edge_cases(warehouse):
    log = ListLog(edge_stream())
    projections_catch_up(warehouse=warehouse, log=log, chunk_size=log.last_seq())  # served: g1, nothing to compare
    replay_set_based(warehouse, log, batch=5)

    def rows(sql: str) -> list[tuple]:
        return sorted(tuple(normalize(v) for v in row) for row in warehouse.query(sql))

    t = lambda minutes: at(minutes).replace(tzinfo=None)  # noqa: E731
    assert rows("SELECT distinct_id, person_id, first_seq, link_role FROM identity_map") == [
        ("a:a1", "u:u1", 4, 0),
        ("a:a2", "u:u1", 6, 1),
        ("a:a3", "u:u1", 7, 0),
        ("u:a2", "u:u1", 6, 1),
        ("u:u1", "u:u1", 4, 0),
    ]
    # u1's timeline: 7 (-10 min), 1 (0), 2 (+30: exactly the gap, same visit), 3 (+60 min 1 µs: a new one), 4,
    # then 5, 6, 8, 9 after more than two hours.
    assert rows(
        "SELECT session_id, started_at, ended_at, event_count, page_count FROM sessions WHERE person_id = 'u:u1'"
    ) == [
        (3, t(60) + MICRO, t(61), 2, 0),
        (5, t(200), t(203), 4, 1),
        (7, t(-10), t(30), 3, 2),
    ]
    assert rows("SELECT seq, session_id, channel, is_first_page FROM touchpoints WHERE person_id = 'u:u1'") == [
        (1, 7, "news", 1),
        (5, 5, "direct", 0),
    ]
    assert rows("SELECT order_id, seq, person_id, revenue FROM orders") == [("o-1", 8, "u:u1", 10.0)]
    persons = "SELECT project_id, person_id, user_id, first_seen_at, last_seen_at, event_count, traits FROM persons"
    assert rows(persons) == [
        (1, "a:a9", None, datetime(2026, 3, 3, 4, 30), datetime(2026, 3, 3, 4, 30), 1, ()),
        (1, "u:u1", "u1", t(-10), t(203), 9, (("n", "1"), ("plan", "pro"))),
        (2, "a:a1", None, t(0), t(0), 1, ()),
    ]
    assert rows("SELECT seq, event_date, person_id FROM events WHERE seq IN (10, 11, 12)") == [
        (10, datetime(2026, 3, 3).date(), "a:a9"),
        (11, datetime(2026, 3, 2, tzinfo=UTC).date(), None),
        (12, datetime(2026, 3, 2, tzinfo=UTC).date(), None),
    ]
    assert len(table_rows(warehouse, "events")) == 13


def test_events_arriving_during_the_set_based_load_are_caught_up(warehouse, tmp_path):
    records = generated_stream(33, events=300)
    log = ListLog(records[:200])
    projections_catch_up(warehouse=warehouse, log=log)
    job = ReplayJob(warehouse=warehouse, log=log, request_id="late", chunk_size=40, bulk_batch=80)
    job.step()
    assert job.progress.checkpoint_seq == 80 and job.building.checkpoint_seq == 0
    building = replay_status(warehouse=warehouse, log=log)["building"]
    assert (building["checkpoint_seq"], building["loaded_seq"]) == (0, 80)
    log.append(records[200:250])  # during the load: the build loads them too
    projections_catch_up(warehouse=warehouse, log=log)
    for loaded in (160, 240, 250):
        job.step()
        assert job.progress.checkpoint_seq == loaded and job.building.checkpoint_seq == 0
    job.step()  # the finish, at the 250 loaded
    assert job.building.checkpoint_seq == 250
    log.append(records[250:])  # after the finish: caught up chunk by chunk before the swap
    projections_catch_up(warehouse=warehouse, log=log)
    served_before_swap = snapshot(warehouse)
    assert job.run().phase == "done"
    assert served_generation(warehouse).generation == 2
    assert snapshot(warehouse) == served_before_swap
