"""The derived order touches: reports read them and give exactly what crediting the orders at query time gives.

Scenario (Europe/Berlin: UTC+1, UTC+2 from 29 March 2026; EUR, 1 USD = 0.5 EUR), March vs the previous period
(29 January - 28 February):

- ann: facebook/cpc visit 2 Mar, order a1 3 Mar 100 EUR; google/cpc visit 4 Mar, order a2 5 Mar 50 EUR.
- bob: newsletter visit 20 Jan (more than 30 days before), order b1 28 Feb 23:30 UTC = 1 Mar 00:30 local, 20 USD.
- cy: tiktok/paid visit 31 Mar 21:00 UTC, order c1 31 Mar 21:30 UTC = 23:30 local (March) 10 EUR, order c2
  31 Mar 22:30 UTC = 1 Apr 00:30 local (April, outside).
- dan: facebook/cpc visit 10 Feb, order d1 11 Feb 40 EUR (the previous period).
"""

from __future__ import annotations

from datetime import date

import pytest

from analyticaflow.reports import collect
from analyticaflow.reports.credits import order_touches_refresh
from tests.projections.streams import identify, page
from tests.reports.helpers import PROJECT, kpi, order, project_events, query, rates, rows_by, timeseries, utc, visit

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
BOOK = rates(USD=[(date(2026, 1, 1), "0.5")])
METRICS = ["orders", "revenue", "new_customers", "aov"]


def scenario(warehouse) -> None:
    project_events(warehouse, [
        visit("ann", utc(2026, 3, 2, 10), source="facebook", medium="cpc", campaign="Spring"),
        order("ann", "a1", utc(2026, 3, 3), 100),
        visit("ann", utc(2026, 3, 4, 10), source="google", medium="cpc", campaign="Brand"),
        order("ann", "a2", utc(2026, 3, 5), 50),
        visit("bob", utc(2026, 1, 20), source="newsletter", medium="email"),
        order("bob", "b1", utc(2026, 2, 28, 23, 30), 20, "USD"),
        visit("cy", utc(2026, 3, 31, 21), source="tiktok", medium="paid"),
        order("cy", "c1", utc(2026, 3, 31, 21, 30), 10),
        order("cy", "c2", utc(2026, 3, 31, 22, 30), 99),
        visit("dan", utc(2026, 2, 10), source="facebook", medium="cpc", campaign="Spring"),
        order("dan", "d1", utc(2026, 2, 11), 40),
    ])


def computed_at_query_time(monkeypatch) -> None:
    """Make reports credit orders from the projection tables (the general path) instead of the derived tables."""
    monkeypatch.setattr(collect.ReportRun, "_order_touches", lambda self, grouped: None)


def summary(report: dict) -> dict:
    return {"current": report["current"], "previous": report["previous"],
            "rows": {source: (row["metrics"], row["previous"]) for source, row in rows_by(report, "source").items()}}


NONE = {"orders": 0, "revenue": 0.0, "new_customers": 0, "aov": None}


def one(revenue: float, new: int) -> dict:
    return {"orders": 1, "revenue": revenue, "new_customers": new, "aov": revenue}


# source → (March, previous period)
EXPECTED = {
    "last_touch": {"meta_ads": (one(100.0, 1), one(40.0, 1)), "google_ads": (one(50.0, 0), NONE),
                   "direct": (one(10.0, 1), NONE), "tiktok": (one(10.0, 1), NONE)},
    "first_touch": {"meta_ads": ({"orders": 2, "revenue": 150.0, "new_customers": 1, "aov": 75.0}, one(40.0, 1)),
                    "direct": (one(10.0, 1), NONE), "tiktok": (one(10.0, 1), NONE)},
}


@pytest.mark.parametrize("model", ["last_touch", "first_touch"])
def test_grouped_kpi_from_the_derived_table_equals_crediting_at_query_time(warehouse, monkeypatch, model):
    scenario(warehouse)
    march = query(*MARCH, METRICS, group_by="source", compare="previous_period", attribution_model=model)
    derived = summary(kpi(warehouse, march, BOOK))
    assert derived == {"current": {"orders": 4, "revenue": 170.0, "new_customers": 3, "aov": 42.5},
                       "previous": one(40.0, 1), "rows": EXPECTED[model]}
    computed_at_query_time(monkeypatch)
    assert summary(kpi(warehouse, march, BOOK)) == derived


def test_ungrouped_series_and_filters_equal_the_general_path(warehouse, monkeypatch):
    scenario(warehouse)
    reports = [
        lambda: timeseries(warehouse, query(*MARCH, METRICS, granularity="day", compare="previous_period"), BOOK),
        lambda: timeseries(warehouse, query(*MARCH, METRICS, granularity="week", group_by="channel"), BOOK),
        lambda: kpi(warehouse, query(*MARCH, METRICS, group_by="campaign", filters={"source": ["meta_ads"]}), BOOK),
        lambda: kpi(warehouse, query(*MARCH, METRICS), rates()),  # no USD rate: b1 left out, with a warning
    ]
    derived = [report() for report in reports]
    daily = {b["bucket"]: b["metrics"]["orders"] for b in derived[0]["buckets"] if b["metrics"]["orders"]}
    assert daily == {"2026-03-01": 1, "2026-03-03": 1, "2026-03-05": 1, "2026-03-31": 1}
    assert derived[3]["current"] == {"orders": 3, "revenue": 160.0, "new_customers": 2, "aov": 160 / 3}
    assert [w["code"] for w in derived[3]["warnings"]] == ["missing_exchange_rate"]
    computed_at_query_time(monkeypatch)
    assert [report() for report in reports] == derived


def test_new_events_update_the_orders_of_the_persons_they_name_before_the_report(warehouse, monkeypatch):
    scenario(warehouse)
    assert order_touches_refresh(warehouse=warehouse, project_id=PROJECT) == "rebuilt"
    assert order_touches_refresh(warehouse=warehouse, project_id=PROJECT) == "current"
    march = query(*MARCH, METRICS, group_by="source")
    before = rows_by(kpi(warehouse, march, BOOK), "source")
    assert before["direct"]["metrics"]["orders"] == 1  # b1
    project_events(warehouse, [
        # A late visit of bob inside b1's window: b1 is now credited to it.
        visit("bob", utc(2026, 2, 27), source="newsletter", medium="email"),
        # A guest's visit and order, then the guest signs in as ann: the order becomes ann's (not a first order).
        page("https://shop.test/", anonymous_id="guest-1", timestamp=utc(2026, 3, 9),
             campaign={"source": "google", "medium": "cpc", "name": "Brand"}),
        order_of_guest("guest-1", "g1", utc(2026, 3, 10), 30),
        identify(anonymous_id="guest-1", user_id="ann", timestamp=utc(2026, 3, 11)),
        # A new customer.
        order("eve", "e1", utc(2026, 3, 12), 5),
    ])
    assert order_touches_refresh(warehouse=warehouse, project_id=PROJECT) == "updated"  # not rebuilt
    report = kpi(warehouse, march, BOOK)
    rows = rows_by(report, "source")
    assert report["current"] == {"orders": 6, "revenue": 205.0, "new_customers": 4, "aov": 205 / 6}
    assert rows["newsletter"]["metrics"] == {"orders": 1, "revenue": 10.0, "new_customers": 1, "aov": 10.0}
    assert rows["google_ads"]["metrics"] == {"orders": 2, "revenue": 80.0, "new_customers": 0, "aov": 40.0}
    assert rows["direct"]["metrics"] == {"orders": 1, "revenue": 5.0, "new_customers": 1, "aov": 5.0}
    computed_at_query_time(monkeypatch)
    assert kpi(warehouse, march, BOOK) == report


def order_of_guest(anonymous_id: str, order_id: str, when, revenue: float):
    from tests.projections.streams import track

    return track("Order Completed", anonymous_id=anonymous_id, timestamp=when, project_id=PROJECT,
                 properties={"order_id": order_id, "revenue": revenue, "currency": "EUR"})
