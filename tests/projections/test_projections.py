"""Hand-computed cases for every projection, on DuckDB and on the ClickHouse engine (chdb).

Each case is applied twice — as one chunk and one event per chunk — and must give the same, expected tables.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from analyticaflow.projections.generations import ensure_schema
from analyticaflow.projections.services import projections_catch_up
from tests.projections.conftest import open_kind, rows_as_dicts, table_rows
from tests.projections.streams import ListLog, alias, at, identify, message, page, track


def t(minutes: float = 0, seconds: float = 0) -> datetime:
    return at(minutes, seconds).replace(tzinfo=None)


# One event per chunk and one chunk on DuckDB; ClickHouse (slower per chunk) gets random chunkings in
# test_invariants.
@pytest.fixture(params=[("duckdb", 1), ("duckdb", 1000), ("chdb", 1000)], ids=lambda p: f"{p[0]}-chunk{p[1]}")
def apply(request, tmp_path):
    """``apply(records)`` projects records into a fresh warehouse and returns it."""
    kind, chunk_size = request.param
    opened = []

    def run(records):
        warehouse = open_kind(kind, str(tmp_path))
        opened.append(warehouse)
        ensure_schema(warehouse)
        projections_catch_up(warehouse=warehouse, log=ListLog(records), chunk_size=chunk_size)
        return warehouse

    yield run
    for warehouse in opened:
        warehouse.close()


def column(warehouse, sql: str) -> list:
    return [row[0] for row in warehouse.query(sql)]


def test_identify_merges_the_anonymous_history_into_the_person(apply):
    wh = apply(
        [
            page("https://shop.test/", referrer="https://www.google.com/", anonymous_id="A", timestamp=at(0)),
            track("Product Viewed", anonymous_id="A", timestamp=at(5)),
            identify(anonymous_id="A", user_id="U", timestamp=at(10), traits={"email": "u@shop.test"}),
            track("Order Completed", user_id="U", timestamp=at(12), properties={"order_id": "o1", "revenue": 30}),
        ]
    )
    assert column(wh, "SELECT person_id FROM events ORDER BY seq") == ["u:U"] * 4
    assert column(wh, "SELECT distinct_id FROM events ORDER BY seq") == ["a:A", "a:A", "u:U", "u:U"]
    assert table_rows(wh, "identity_map") == [(1, "a:A", "u:U", 3, 0), (1, "u:U", "u:U", 3, 0)]
    assert table_rows(wh, "persons") == [(1, "u:U", "U", t(0), t(12), 4, (("email", "u@shop.test"),))]
    assert table_rows(wh, "sessions") == [(1, "u:U", 1, date(2026, 3, 2), t(0), t(12), 4, 1)]
    assert column(wh, "SELECT person_id FROM touchpoints") == ["u:U"]
    assert column(wh, "SELECT person_id FROM orders") == ["u:U"]


def test_alias_joins_an_earlier_user_id_to_the_new_one(apply):
    wh = apply(
        [
            track("Signed Up", user_id="old", timestamp=at(0)),
            alias("old", user_id="new", timestamp=at(1)),
            track("Product Viewed", user_id="new", timestamp=at(2)),
        ]
    )
    assert column(wh, "SELECT person_id FROM events ORDER BY seq") == ["u:new"] * 3
    assert column(wh, "SELECT person_id FROM persons") == ["u:new"]
    # previousId may have been an anonymousId or a userId: both are linked, as alias members (role 1).
    assert table_rows(wh, "identity_map") == [
        (1, "a:old", "u:new", 2, 1),
        (1, "u:new", "u:new", 2, 0),
        (1, "u:old", "u:new", 2, 1),
    ]


def test_an_identified_person_keeps_their_id_through_a_later_alias(apply):
    wh = apply(
        [
            page(anonymous_id="A", timestamp=at(0)),
            identify(anonymous_id="A", user_id="first", timestamp=at(1)),
            alias("first", user_id="second", timestamp=at(2)),
            track("Product Viewed", user_id="second", timestamp=at(3)),
        ]
    )
    assert column(wh, "SELECT person_id FROM events ORDER BY seq") == ["u:first"] * 4
    assert table_rows(wh, "persons")[0][:3] == (1, "u:first", "first")


def test_thirty_minutes_exactly_stays_in_the_session_one_second_more_starts_a_new_one(apply):
    wh = apply(
        [
            page(anonymous_id="B", timestamp=at(0)),  # seq 1: first page → touchpoint
            track("Product Viewed", anonymous_id="B", timestamp=at(30)),  # exactly 30 min later: same session
            page("https://shop.test/p", anonymous_id="B", timestamp=at(60, 1)),  # 30 min 1 s later: new session
            track("Product Viewed", anonymous_id="B", timestamp=at(200)),  # new session starting with a track
            page("https://shop.test/q", anonymous_id="B", timestamp=at(205)),  # 5 min after a track: no touchpoint
        ]
    )
    assert table_rows(wh, "sessions") == [
        (1, "a:B", 1, date(2026, 3, 2), t(0), t(30), 2, 1),
        (1, "a:B", 3, date(2026, 3, 2), t(60, 1), t(60, 1), 1, 1),
        (1, "a:B", 4, date(2026, 3, 2), t(200), t(205), 2, 1),
    ]
    touches = rows_as_dicts(wh, "SELECT seq, session_id, is_first_page, channel FROM touchpoints ORDER BY seq")
    assert touches == [
        {"seq": 1, "session_id": 1, "is_first_page": 1, "channel": "direct"},
        {"seq": 3, "session_id": 3, "is_first_page": 0, "channel": "direct"},
    ]


def test_the_first_page_is_a_touchpoint_even_inside_a_session_started_by_another_event(apply):
    wh = apply(
        [
            track("Signed Up", anonymous_id="C", timestamp=at(0)),
            page(anonymous_id="C", referrer="https://t.co/abc", timestamp=at(3)),
            page(anonymous_id="C", timestamp=at(4)),
        ]
    )
    assert rows_as_dicts(wh, "SELECT seq, session_id, channel, medium FROM touchpoints") == [
        {"seq": 2, "session_id": 1, "channel": "twitter", "medium": "social"}
    ]


def test_a_late_identify_merges_devices_and_their_sessions_retroactively(apply):
    wh = apply(
        [
            page("https://shop.test/?gclid=G", anonymous_id="phone", timestamp=at(0)),
            page(anonymous_id="laptop", referrer="https://www.bing.com/", timestamp=at(10)),
            identify(anonymous_id="phone", user_id="U", timestamp=at(100)),
            identify(anonymous_id="laptop", user_id="U", timestamp=at(101)),
        ]
    )
    assert column(wh, "SELECT person_id FROM persons") == ["u:U"]
    assert table_rows(wh, "sessions") == [
        (1, "u:U", 1, date(2026, 3, 2), t(0), t(10), 2, 2),
        (1, "u:U", 3, date(2026, 3, 2), t(100), t(101), 2, 0),
    ]
    # The laptop's page came 10 minutes after the phone's: one visit across devices, one touchpoint.
    assert rows_as_dicts(wh, "SELECT seq, channel, gclid FROM touchpoints") == [
        {"seq": 1, "channel": "google", "gclid": "G"}
    ]


def test_orders_are_deduplicated_by_order_id_and_the_first_one_wins(apply):
    wh = apply(
        [
            track(
                "Order Completed",
                anonymous_id="D",
                timestamp=at(0),
                properties={"order_id": "o1", "revenue": 10, "currency": "usd"},
            ),
            track("Order Completed", anonymous_id="D", timestamp=at(1), properties={"order_id": "o1", "revenue": 99}),
            track("Order Completed", anonymous_id="D", timestamp=at(2), properties={"orderId": 7, "revenue": "12.5"}),
            track(
                "Order Completed",
                anonymous_id="D",
                timestamp=at(3),
                properties={"order_id": "o3", "total": 40},
                message_id="no-revenue",
            ),
            track("Order Completed", anonymous_id="D", timestamp=at(4), properties={"revenue": 5}, message_id="m-noid"),
        ]
    )
    assert rows_as_dicts(wh, "SELECT order_id, seq, revenue, currency FROM orders ORDER BY seq") == [
        {"order_id": "o1", "seq": 1, "revenue": 10.0, "currency": "USD"},
        {"order_id": "7", "seq": 3, "revenue": 12.5, "currency": None},
        {"order_id": "o3", "seq": 4, "revenue": 40.0, "currency": None},
        {"order_id": "m-noid", "seq": 5, "revenue": 5.0, "currency": None},
    ]
    # The events table mirrors the log: both o1 messages are there, each with transactions = 1.
    assert column(wh, "SELECT transactions FROM events ORDER BY seq") == [1, 1, 1, 1, 1]


def test_unknown_types_and_names_are_stored_and_otherwise_ignored(apply):
    wh = apply(
        [
            message("beacon", anonymous_id="E", timestamp=at(0), properties={"x": 1}),
            track("Something New", anonymous_id="E", timestamp=at(50), properties={"k": [1, 2]}),
        ]
    )
    assert rows_as_dicts(wh, "SELECT event_type, event_name, person_id, attributes FROM events ORDER BY seq") == [
        {"event_type": "beacon", "event_name": None, "person_id": None, "attributes": {"x": "1"}},
        {"event_type": "track", "event_name": "Something New", "person_id": "a:E", "attributes": {"k": "[1,2]"}},
    ]
    assert column(wh, "SELECT count(*) FROM raw_events") == [2]
    assert table_rows(wh, "sessions") == [(1, "a:E", 2, date(2026, 3, 2), t(50), t(50), 1, 0)]
    assert table_rows(wh, "orders") == []


def test_events_rows_carry_the_seed_columns(apply):
    wh = apply(
        [
            page(
                "https://shop.test/sale?utm_source=Newsletter&utm_medium=email&utm_campaign=spring&utm_content=hero",
                anonymous_id="F",
                timestamp=at(0),
                name="Sale",
            ),
            track(
                "Order Completed",
                anonymous_id="F",
                timestamp=at(1),
                properties={"order_id": "x", "revenue": 20, "currency": "eur"},
            ),
        ]
    )
    rows = rows_as_dicts(
        wh,
        "SELECT event_date, event_datetime, project_id, source_type, event_type, campaign_name,"
        " ad_creative_name, cost, revenue, transactions, client_id, page_path FROM events"
        " ORDER BY seq",
    )
    assert rows == [
        {
            "event_date": date(2026, 3, 2),
            "event_datetime": t(0),
            "project_id": 1,
            "source_type": "newsletter",
            "event_type": "page",
            "campaign_name": "spring",
            "ad_creative_name": "hero",
            "cost": 0.0,
            "revenue": 0.0,
            "transactions": 0,
            "client_id": "F",
            "page_path": "/sale",
        },
        {
            "event_date": date(2026, 3, 2),
            "event_datetime": t(1),
            "project_id": 1,
            "source_type": "direct",
            "event_type": "track",
            "campaign_name": None,
            "ad_creative_name": None,
            "cost": 0.0,
            "revenue": 20.0,
            "transactions": 1,
            "client_id": "F",
            "page_path": None,
        },
    ]


def test_projects_never_share_persons(apply):
    wh = apply(
        [
            identify(project_id=1, anonymous_id="A", user_id="U", timestamp=at(0)),
            page(project_id=2, anonymous_id="A", timestamp=at(1)),
        ]
    )
    assert rows_as_dicts(wh, "SELECT project_id, person_id FROM events ORDER BY seq") == [
        {"project_id": 1, "person_id": "u:U"},
        {"project_id": 2, "person_id": "a:A"},
    ]
