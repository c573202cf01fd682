"""LTV by a hand-computed shop in Berlin time, on DuckDB and ClickHouse."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from analyticaflow.analysis.grouping import group_map
from analyticaflow.analysis.ltv import LtvQuery, ltv_run
from analyticaflow.channelgroups.rules import ChannelGrouping
from analyticaflow.reports.currency import RateBook
from analyticaflow.reports.periods import Period
from tests.analysis.conftest import build_shop
from tests.projections.streams import identify, page, track

AS_OF = datetime(2026, 5, 15, 12, 0)  # 15 May: April is the last complete month


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def order(who: dict, when: datetime, order_id: str, revenue: float):
    return track("Order Completed", timestamp=when, **who,
                 properties={"order_id": order_id, "revenue": revenue, "currency": "EUR"})


C1, C2, C3, C4, C5 = ({"anonymous_id": f"c{n}"} for n in range(1, 6))


@pytest.fixture(scope="module")
def ltv_shop(analysis_warehouse):
    return build_shop(analysis_warehouse, [
        # C1: first touch Google (gclid), later a newsletter visit; first order 31 Jan 23:30 UTC = 1 Feb in Berlin.
        page("https://shop.test/?gclid=G", anonymous_id="c1", timestamp=utc(2025, 12, 10)),
        page("https://shop.test/", campaign={"source": "newsletter"}, anonymous_id="c1", timestamp=utc(2026, 1, 30)),
        order(C1, utc(2026, 1, 31, 23, 30), "1a", 100),  # month 0 (February)
        order(C1, utc(2026, 3, 10), "1b", 50),  # month 1
        order(C1, utc(2026, 5, 2), "1c", 25),  # month 3
        # C2, a guest from the newsletter: January customer.
        page("https://shop.test/", campaign={"source": "newsletter"}, anonymous_id="c2", timestamp=utc(2026, 1, 14)),
        order(C2, utc(2026, 1, 15), "2a", 40),
        order(C2, utc(2026, 1, 20), "2b", 10),
        order(C2, utc(2026, 2, 10), "2c", 20),
        # C3: a direct visit only → direct; March customer.
        page("https://shop.test/", anonymous_id="c3", timestamp=utc(2026, 3, 4)),
        order(C3, utc(2026, 3, 5), "3a", 30),
        order(C3, utc(2026, 4, 10), "3b", 60),
        # C4 bought first before the range, C5 after it: neither is acquired in the range.
        order(C4, utc(2025, 12, 20), "4a", 500),
        order(C4, utc(2026, 2, 1), "4b", 500),
        order(C5, utc(2026, 4, 2), "5a", 500),
        # C6: a Google click on a phone, identified later; the order is sent with the userId only.
        page("https://shop.test/?gclid=H", anonymous_id="c6-phone", timestamp=utc(2026, 3, 1)),
        identify(anonymous_id="c6-phone", user_id="U6", timestamp=utc(2026, 3, 1, 0, 5)),
        order({"user_id": "U6"}, utc(2026, 3, 20), "6a", 80),
    ])


def query(shop, **kw) -> LtvQuery:
    return LtvQuery(project_id=shop.project_id, period=Period(date(2026, 1, 1), date(2026, 3, 31), "Europe/Berlin"),
                    months=3, as_of=AS_OF, currency="EUR", **kw)


def curve(result, key):
    return next(c for c in result.groups if c.key == key)


def test_ltv_per_channel_observable_curves_cac_and_payback(ltv_shop):
    result = ltv_run(warehouse=ltv_shop.warehouse, query=query(ltv_shop), rates=RateBook("EUR"),
                     spend={"google": 200.0, "facebook": 100.0})
    assert [(c.key, c.customers) for c in result.groups] == [
        ("google", 2), ("direct", 1), ("newsletter", 1), ("facebook", 0)]
    google = curve(result, "google")
    assert google.ltv == (90.0, 115.0, 115.0, 127.5)
    assert google.observable_customers == (2, 2, 1, 0)
    assert google.ltv_observable == (90.0, 115.0, 150.0, None)
    assert (google.spend, google.cac, google.payback_month) == (200.0, 100.0, 1)
    assert (google.ltv_cac, google.ltv_cac_month) == (1.5, 2)
    assert curve(result, "newsletter").ltv == (50.0, 70.0, 70.0, 70.0)
    assert (curve(result, "newsletter").cac, curve(result, "newsletter").payback_month) == (None, None)
    direct = curve(result, "direct")
    assert (direct.ltv, direct.ltv_observable) == ((30.0, 90.0, 90.0, 90.0), (30.0, 90.0, None, None))
    facebook = curve(result, "facebook")
    assert (facebook.customers, facebook.spend, facebook.cac, facebook.ltv) == (0, 100.0, None,
                                                                              (None, None, None, None))
    overall = result.overall
    assert overall.customers == 4
    assert overall.ltv == (65.0, 97.5, 97.5, 103.75)
    assert overall.observable_customers == (4, 4, 2, 1)
    assert overall.ltv_observable == (65.0, 97.5, 110.0, 70.0)
    assert (overall.cac, overall.payback_month, overall.ltv_cac_month) == (75.0, 1, 3)
    assert overall.ltv_cac == pytest.approx(70 / 75)


def test_ltv_by_channel_group(ltv_shop):
    groups = group_map(warehouse=ltv_shop.warehouse, project_id=ltv_shop.project_id, grouping=ChannelGrouping())
    result = ltv_run(warehouse=ltv_shop.warehouse, query=query(ltv_shop, by="channel_group", group_map=groups),
                     rates=RateBook("EUR"))
    assert [(c.key, c.customers, c.ltv[0]) for c in result.groups] == [
        ("paid_search", 2, 90.0), ("direct", 1, 30.0), ("email", 1, 50.0)]
    assert result.overall.cac is None and result.overall.spend is None


def test_no_customers_gives_empty_curves(shop):
    empty = shop([page(anonymous_id="window-shopper", timestamp=utc(2026, 2, 1))])
    result = ltv_run(warehouse=empty.warehouse, query=query(empty), rates=RateBook("EUR"))
    assert result.groups == ()
    assert (result.overall.customers, result.overall.ltv, result.overall.ltv_cac) == (0, (None,) * 4, None)
