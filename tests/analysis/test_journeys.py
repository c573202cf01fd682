"""Journeys: a person's merged timeline and the top channel paths, by hand-computed cases on both warehouses."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from analyticaflow.analysis.paths import PathsQuery, paths_run
from analyticaflow.analysis.timeline import TimelineQuery, timeline_run
from analyticaflow.channelgroups.rules import ChannelGrouping
from analyticaflow.reports.currency import RateBook
from analyticaflow.reports.periods import Period
from tests.analysis.conftest import build_shop
from tests.projections.streams import identify, page, track


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def google(who: str, when: datetime):
    return page("https://shop.test/?gclid=G", anonymous_id=who, timestamp=when)


def newsletter(who: str, when: datetime):
    return page("https://shop.test/", campaign={"source": "newsletter", "medium": "email"}, anonymous_id=who,
                timestamp=when)


def order(who: str, when: datetime, order_id: str, revenue: float):
    return track("Order Completed", anonymous_id=who, timestamp=when,
                 properties={"order_id": order_id, "revenue": revenue, "currency": "EUR"})


@pytest.fixture(scope="module")
def person_shop(analysis_warehouse):
    return build_shop(analysis_warehouse, [
        google("d1", utc(2026, 3, 1, 10)),
        track("Product Viewed", anonymous_id="d1", timestamp=utc(2026, 3, 1, 10, 5), properties={"sku": "S1"}),
        page("https://shop.test/cart", anonymous_id="d2", timestamp=utc(2026, 3, 1, 11)),
        identify(anonymous_id="d2", user_id="U", timestamp=utc(2026, 3, 1, 11, 1), traits={"email": "u@shop.test"}),
        identify(anonymous_id="d1", user_id="U", timestamp=utc(2026, 3, 1, 11, 2)),
        track("Order Completed", user_id="U", timestamp=utc(2026, 3, 1, 11, 10),
              properties={"order_id": "o1", "revenue": 42, "currency": "EUR"}),
        page("https://shop.test/", anonymous_id="stranger", timestamp=utc(2026, 3, 1, 11, 30)),
    ])


def timeline(shop, person: str, **kw):
    return timeline_run(warehouse=shop.warehouse, query=TimelineQuery(project_id=shop.project_id, person=person,
                                                                      **kw))


@pytest.mark.parametrize("lookup", ["U", "u:U", "d1", "a:d2", "u@shop.test"])
def test_any_id_or_the_email_finds_the_merged_person(person_shop, lookup):
    found = timeline(person_shop, lookup)
    assert found.person.person_id == "u:U"
    assert found.person.identities == ("a:d1", "a:d2", "u:U")
    assert (found.person.devices, found.person.event_count, found.person.user_id) == (2, 6, "U")
    assert found.person.traits == {"email": "u@shop.test"}


def test_unknown_ids_find_nobody(person_shop):
    assert timeline(person_shop, "nobody") is None


def test_the_timeline_pages_through_every_device_in_time_order(person_shop):
    first = timeline(person_shop, "U", limit=4)
    assert [e.values["event_type"] for e in first.events] == ["page", "track", "page", "identify"]
    assert [e.values["client_id"] for e in first.events] == ["d1", "d1", "d2", "d2"]
    assert [e.session_start for e in first.events] == [True, False, True, False]
    assert [e.touchpoint_channel for e in first.events] == ["google", None, "direct", None]
    assert first.events[1].values["attributes"] == {"sku": "S1"}
    assert first.events[0].values["gclid"] == "G"
    second = timeline(person_shop, "U", limit=4, cursor=first.next_cursor)
    assert [e.values["event_type"] for e in second.events] == ["identify", "track"]
    assert second.events[1].values["order_id"] == "o1" and second.events[1].values["revenue"] == 42.0
    assert second.next_cursor is None
    newest = timeline(person_shop, "U", limit=2, newest_first=True)
    assert [e.values["event_type"] for e in newest.events] == ["track", "identify"]
    older = timeline(person_shop, "U", limit=10, newest_first=True, cursor=newest.next_cursor)
    assert [e.values["event_type"] for e in older.events] == ["identify", "page", "track", "page"]


@pytest.fixture(scope="module")
def path_shop(analysis_warehouse):
    return build_shop(analysis_warehouse, [
        google("p", utc(2026, 1, 20)),  # more than 30 days before p's order: not in its journey
        google("p", utc(2026, 3, 1, 10)),
        newsletter("p", utc(2026, 3, 2)),
        google("p", utc(2026, 3, 3)),
        order("p", utc(2026, 3, 3, 12), "po", 100),
        newsletter("q", utc(2026, 3, 4)),
        newsletter("q", utc(2026, 3, 4, 12)),
        order("q", utc(2026, 3, 4, 13), "qo", 50),
        google("q", utc(2026, 3, 6)),  # after q's order: q's non-converting path
        order("r", utc(2026, 3, 5), "ro", 20),  # no touchpoint: the path "direct"
        newsletter("s", utc(2026, 3, 8)),
        newsletter("t", utc(2026, 3, 8)),
        newsletter("t", utc(2026, 3, 9)),
    ])


def paths(shop, **kw):
    query = PathsQuery(project_id=shop.project_id, timezone="UTC", currency="EUR",
                       period=Period(date(2026, 3, 1), date(2026, 3, 10), "UTC"), **kw)
    return paths_run(warehouse=shop.warehouse, query=query, rates=RateBook("EUR"), grouping=ChannelGrouping())


def table(result):
    return [(row.path, row.conversions, row.value, row.non_converting, row.conversion_rate) for row in result.paths]


def test_top_paths_with_counts_value_and_conversion_rate(path_shop):
    result = paths(path_shop)
    assert table(result) == [
        (("google", "newsletter", "google"), 1, 100.0, 0, 1.0),
        (("newsletter", "newsletter"), 1, 50.0, 1, 0.5),
        (("direct",), 1, 20.0, 0, 1.0),
        (("google",), 0, 0.0, 1, 0.0),
        (("newsletter",), 0, 0.0, 1, 0.0),
    ]
    assert (result.conversions, result.value, result.non_converting, result.distinct_paths) == (3, 170.0, 3, 5)


def test_paths_with_repeats_collapsed_by_channel_group(path_shop):
    result = paths(path_shop, by="channel_group", collapse_repeats=True, limit=3)
    assert table(result) == [
        (("paid_search", "email", "paid_search"), 1, 100.0, 0, 1.0),
        (("email",), 1, 50.0, 2, 1 / 3),
        (("direct",), 1, 20.0, 0, 1.0),
    ]
    assert result.distinct_paths == 4


def test_no_conversions_and_no_visits(shop):
    empty = shop([track("Product Viewed", anonymous_id="x", timestamp=utc(2026, 3, 2))])
    result = paths(empty)
    assert (result.paths, result.conversions, result.non_converting) == ((), 0, 0)
