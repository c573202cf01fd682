"""The derived first-orders table behind new_customers: what it holds and when it is rebuilt."""

from __future__ import annotations

from datetime import date, timedelta

from analyticaflow.channeldata.services import shop_orders_load
from analyticaflow.reports import customers
from analyticaflow.reports.customers import first_orders_refresh
from analyticaflow.reports.derived import background_rebuilds_join
from tests.reports.helpers import PROJECT, kpi, order, project_events, query, utc

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def first_orders(warehouse) -> list[tuple]:
    return sorted(warehouse.query("SELECT person_id, first_order_id, first_ordered_at FROM report_first_orders"))


def test_the_first_order_of_each_person_ties_broken_by_order_id(warehouse):
    project_events(warehouse, [order("ann", "b-2", utc(2026, 3, 5), 10), order("ann", "a-1", utc(2026, 3, 5), 20),
                               order("ann", "c-0", utc(2026, 3, 9), 5), order("bob", "z", utc(2026, 2, 1), 1)])
    assert first_orders_refresh(warehouse=warehouse, project_id=PROJECT) is True
    assert first_orders(warehouse) == [("u:ann", "a-1", utc(2026, 3, 5).replace(tzinfo=None)),
                                       ("u:bob", "z", utc(2026, 2, 1).replace(tzinfo=None))]
    assert first_orders_refresh(warehouse=warehouse, project_id=PROJECT) is False  # nothing changed
    report = kpi(warehouse, query(*MARCH, ["new_customers", "orders"], group_by="source"))
    assert report["current"] == {"new_customers": 1, "orders": 3}


def test_shop_orders_rebuild_it_before_the_report(warehouse):
    project_events(warehouse, [order("ann", "o1", utc(2026, 3, 5), 10)])
    assert kpi(warehouse, query(*MARCH, ["new_customers"]))["current"] == {"new_customers": 1}
    # The shop knows an earlier order of ann: she is no longer new in March.
    shop_orders_load(project_id=PROJECT, source="shopify", account_id="s", warehouse=warehouse, rows=[
        {"order_id": "s1", "person_id": "u:ann", "ordered_at": utc(2026, 2, 20), "revenue": "5", "currency": "EUR"}])
    assert kpi(warehouse, query(*MARCH, ["new_customers"]))["current"] == {"new_customers": 0}


def test_new_events_refresh_it_in_the_background_at_most_every_interval(duck, monkeypatch):
    project_events(duck, [order("ann", "o1", utc(2026, 3, 5), 10)])
    assert first_orders_refresh(warehouse=duck, project_id=PROJECT) is True
    project_events(duck, [order("bob", "o2", utc(2026, 3, 6), 10)])
    assert first_orders_refresh(warehouse=duck, project_id=PROJECT) is False  # built moments ago: kept
    assert [row[0] for row in first_orders(duck)] == ["u:ann"]
    monkeypatch.setattr(customers, "REFRESH_AFTER", timedelta(0))
    assert first_orders_refresh(warehouse=duck, project_id=PROJECT) is False  # rebuilt by a thread
    background_rebuilds_join()
    assert [row[0] for row in first_orders(duck)] == ["u:ann", "u:bob"]
    assert first_orders_refresh(warehouse=duck, project_id=PROJECT) is False  # current: nothing to do

