"""Funnels by hand-computed cases, on DuckDB and on the ClickHouse engine (chdb)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from analyticaflow.analysis.funnels import DroppedQuery, FunnelQuery, funnel_run
from analyticaflow.analysis.grouping import group_map
from analyticaflow.analysis.steps import EventMatcher, PropertyFilter
from analyticaflow.channelgroups.rules import ChannelGrouping
from analyticaflow.reports.periods import Period
from tests.analysis.conftest import build_shop
from tests.projections.streams import at, identify, page, track

DAY = 24 * 60  # minutes
WEEK_US = 7 * 86_400_000_000
VIEWED, ADDED, ORDERED = (EventMatcher("track", name) for name in ("Product Viewed", "Product Added",
                                                                   "Order Completed"))
MARCH = Period(date(2026, 3, 1), date(2026, 3, 10), "UTC")


def funnel(*steps, period=MARCH, **options) -> FunnelQuery:
    return FunnelQuery(project_id=0, period=period, steps=tuple(steps or (VIEWED, ADDED, ORDERED)), **options)


def run(shop, query: FunnelQuery, dropped: DroppedQuery | None = None):
    return funnel_run(warehouse=shop.warehouse, query=replace(query, project_id=shop.project_id), dropped=dropped)


def micro(minutes: float = 0, micros: int = 0):
    return at(minutes) + timedelta(microseconds=micros)


def shop_events():
    """Eight persons; what each does is written beside them (T0 = 2 March 2026 09:00 UTC)."""
    return [
        # A: phone and laptop merged by two identifies; the order is sent with the userId only → 3 steps.
        page("https://shop.test/?gclid=G1", anonymous_id="a-phone", timestamp=at(-1)),
        track("Product Viewed", anonymous_id="a-phone", timestamp=at(0), properties={"category": "shoes"}),
        track("Product Added", anonymous_id="a-laptop", timestamp=at(10)),
        identify(anonymous_id="a-phone", user_id="A", timestamp=at(20)),
        identify(anonymous_id="a-laptop", user_id="A", timestamp=at(21)),
        track("Order Completed", user_id="A", timestamp=at(30), properties={"order_id": "o1", "revenue": 50}),
        # B: viewed, then ordered without adding → drops at step 2.
        page("https://shop.test/", campaign={"source": "Newsletter", "name": "spring"}, anonymous_id="b",
             timestamp=at(0)),
        track("Product Viewed", anonymous_id="b", timestamp=at(1), properties={"category": "shoes"}),
        track("Order Completed", anonymous_id="b", timestamp=at(5), properties={"order_id": "o2", "revenue": 9}),
        # C: an add before the view does not count; the add one minute after does → drops at step 3.
        track("Product Added", anonymous_id="c", timestamp=at(0)),
        track("Product Viewed", anonymous_id="c", timestamp=at(1)),
        track("Product Added", anonymous_id="c", timestamp=at(2)),
        # D: the add exactly 7 days after entering is inside the window, the order 1 µs later is not.
        track("Product Viewed", anonymous_id="d", timestamp=at(0)),
        track("Product Added", anonymous_id="d", timestamp=at(7 * DAY)),
        track("Order Completed", anonymous_id="d", timestamp=micro(7 * DAY, 1), properties={"order_id": "o3"}),
        # E: the add 7 days and 1 second after → drops at step 2.
        track("Product Viewed", anonymous_id="e", timestamp=at(0)),
        track("Product Added", anonymous_id="e", timestamp=at(7 * DAY, 1)),
        # F: view and add at the same instant, the add logged after the view → reaches step 2 in 0 s.
        track("Product Viewed", anonymous_id="f", timestamp=at(0)),
        track("Product Added", anonymous_id="f", timestamp=at(0)),
        # G: the same instant, but the add logged before the view → not after it: drops at step 2.
        track("Product Added", anonymous_id="g", timestamp=at(0)),
        track("Product Viewed", anonymous_id="g", timestamp=at(0)),
        # H: a view before the period does not open the funnel; the first view inside it does.
        track("Product Viewed", anonymous_id="h", timestamp=at(-10 * DAY)),
        track("Product Viewed", anonymous_id="h", timestamp=at(DAY)),
        track("Product Added", anonymous_id="h", timestamp=at(DAY + 2)),
    ]


@pytest.fixture(scope="module")
def events_shop(analysis_warehouse):
    return build_shop(analysis_warehouse, shop_events())


def persons(stats):
    return [s.persons for s in stats]


def test_steps_conversions_medians_and_dropped_persons(events_shop):
    wh = events_shop
    result = run(wh, funnel(), dropped=DroppedQuery(step=2))
    assert persons(result.steps) == [8, 5, 1]
    assert [s.dropped for s in result.steps] == [0, 3, 4]
    assert [s.conversion_from_previous for s in result.steps] == [None, 5 / 8, 1 / 5]
    assert [s.conversion_from_first for s in result.steps] == [1.0, 5 / 8, 1 / 8]
    # Step 2 times: F 0 s, C 60 s, H 120 s, A 600 s, D 604800 s → median 120 s. Step 3: A 1200 s.
    assert [s.median_seconds_from_previous for s in result.steps] == [None, 120.0, 1200.0]
    assert [p.person_id for p in result.dropped] == ["a:b", "a:e", "a:g"]
    assert result.dropped_next is None
    entered = {p.person_id: p.entered_at_us for p in result.dropped}
    assert entered["a:b"] - entered["a:e"] == 60_000_000  # b entered at 09:01, e at 09:00

    at_3 = run(wh, funnel(), dropped=DroppedQuery(step=3, limit=3))
    assert [p.person_id for p in at_3.dropped] == ["a:c", "a:d", "a:f"]
    assert at_3.dropped_next == "a:f"
    rest = run(wh, funnel(), dropped=DroppedQuery(step=3, limit=3, after="a:f"))
    assert [p.person_id for p in rest.dropped] == ["a:h"]
    assert rest.dropped_next is None

    # A wider window lets E's add and D's order in.
    wider = run(wh, funnel(window=timedelta(days=8)))
    assert persons(wider.steps) == [8, 6, 2]


def test_breakdowns_by_channel_property_and_filters(events_shop):
    wh = events_shop
    by_channel = run(wh, funnel(breakdown="channel"))
    assert [(g.value, persons(g.steps)) for g in by_channel.groups] == [
        ("direct", [6, 4, 0]), ("google", [1, 1, 1]), ("newsletter", [1, 0, 0])]
    assert by_channel.group_count == 3
    assert persons(by_channel.steps) == [8, 5, 1]

    groups = group_map(warehouse=wh.warehouse, project_id=wh.project_id, grouping=ChannelGrouping())
    by_group = run(wh, funnel(breakdown="channel_group", group_map=groups))
    assert [(g.value, persons(g.steps)) for g in by_group.groups] == [
        ("direct", [6, 4, 0]), ("email", [1, 0, 0]), ("paid_search", [1, 1, 1])]

    by_campaign = run(wh, funnel(breakdown="campaign", breakdown_limit=1))
    assert [(g.value, persons(g.steps)) for g in by_campaign.groups] == [("", [7, 5, 1])]
    assert by_campaign.group_count == 2

    by_category = run(wh, funnel(breakdown="property", breakdown_property="category"))
    assert [(g.value, persons(g.steps)) for g in by_category.groups] == [("", [6, 4, 0]), ("shoes", [2, 1, 1])]

    shoes = EventMatcher("track", "Product Viewed", (PropertyFilter("category", "equals", "shoes"),))
    filtered = run(wh, funnel(shoes, ADDED, ORDERED), dropped=DroppedQuery(step=2))
    assert persons(filtered.steps) == [2, 1, 1]
    assert [p.person_id for p in filtered.dropped] == ["a:b"]
    dropped_direct = run(wh, funnel(breakdown="channel"),
                                dropped=DroppedQuery(step=2, group="direct"))
    assert [p.person_id for p in dropped_direct.dropped] == ["a:e", "a:g"]


@pytest.mark.parametrize(("operator", "value", "expected"), [
    ("equals", 50, ["u:A"]),
    ("equals", "50", ["u:A"]),
    ("not_equals", 50, ["a:b", "a:d"]),
    ("gt", 9, ["u:A"]),
    ("gte", 9, ["a:b", "u:A"]),
    ("lt", 10, ["a:b"]),
    ("lte", 50, ["a:b", "u:A"]),
    ("in", ["9", "7"], ["a:b"]),
    ("not_in", ["9"], ["a:d", "u:A"]),
    ("contains", "o", ["a:b", "a:d", "u:A"]),
    ("not_contains", "1", ["a:b", "a:d"]),
    ("is_set", None, ["a:b", "u:A"]),
    ("is_not_set", None, ["a:d"]),
])
def test_property_filter_operators(events_shop, operator, value, expected):
    """Orders: A's is worth 50, b's 9, d's has no revenue. Which persons pass each filter on revenue (or,
    for the text operators, on order_id: o1, o2, o3)?"""
    wh = events_shop
    prop = "order_id" if operator in ("contains", "not_contains") else "revenue"
    step = EventMatcher("track", "Order Completed", (PropertyFilter(prop, operator, value),))
    # A one-step funnel over the orders' own dates: everyone who passes the filter enters; list them as
    # "dropped" at a second step nobody does.
    never = EventMatcher("track", "Never Happens")
    result = run(wh, funnel(step, never, period=Period(date(2026, 3, 1), date(2026, 3, 31),
                                                                             "UTC")),
                        dropped=DroppedQuery(step=2))
    assert sorted(p.person_id for p in result.dropped) == sorted(expected)


def test_entry_in_the_project_time_zone(shop):
    wh = shop([
        track("Product Viewed", anonymous_id="late", timestamp=at(-9 * 60 - 30)),  # 1 Mar 23:30 UTC = 2 Mar 00:30 CET
        track("Product Viewed", anonymous_id="early", timestamp=at(-9 * 60 - 61)),  # 1 Mar 22:59 UTC = 23:59 CET
        track("Product Added", anonymous_id="late", timestamp=at(0)),
    ])
    berlin = Period(date(2026, 3, 2), date(2026, 3, 2), "Europe/Berlin")
    result = run(wh, funnel(VIEWED, ADDED, period=berlin), dropped=None)
    assert persons(result.steps) == [1, 1]
    utc = run(wh, funnel(VIEWED, ADDED, period=Period(date(2026, 3, 2), date(2026, 3, 2),
                                                                             "UTC")))
    assert persons(utc.steps) == [0, 0]


def test_an_even_number_of_times_has_the_mean_of_the_middle_two_as_median(shop):
    wh = shop([
        track("Product Viewed", anonymous_id="p", timestamp=at(0)),
        track("Product Added", anonymous_id="p", timestamp=at(1)),
        track("Product Viewed", anonymous_id="q", timestamp=at(0)),
        track("Product Added", anonymous_id="q", timestamp=at(4)),
    ])
    result = run(wh, funnel(VIEWED, ADDED))
    assert result.steps[1].median_seconds_from_previous == 150.0


def test_the_same_event_name_twice_needs_two_events(shop):
    wh = shop([
        track("Order Completed", anonymous_id="once", timestamp=at(0), properties={"order_id": "x1"}),
        track("Order Completed", anonymous_id="twice", timestamp=at(0), properties={"order_id": "x2"}),
        track("Order Completed", anonymous_id="twice", timestamp=at(DAY), properties={"order_id": "x3"}),
    ])
    result = run(wh, funnel(ORDERED, ORDERED))
    assert persons(result.steps) == [2, 1]
    assert result.steps[1].median_seconds_from_previous == 86_400.0


def test_no_events_gives_zero_persons_and_no_ratios(shop):
    wh = shop([track("Product Viewed", anonymous_id="x", timestamp=at(0))])
    result = run(wh, funnel(period=Period(date(2025, 1, 1), date(2025, 1, 31), "UTC"),
                                                   breakdown="channel"), dropped=DroppedQuery(step=2))
    assert persons(result.steps) == [0, 0, 0]
    assert [s.conversion_from_first for s in result.steps] == [None, None, None]
    assert [s.median_seconds_from_previous for s in result.steps] == [None, None, None]
    assert result.groups == () and result.dropped == ()
