from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from analyticaflow.channeldata.services import (
    ad_spend_load,
    crm_deals_load,
    shop_orders_load,
    social_load,
    web_sessions_load,
)
from analyticaflow.projections.services import projections_catch_up
from tests.projections.streams import ListLog, at, track

D1, D2, D3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)


def spend_row(campaign_id: str, day: date, spend: str, **extra) -> dict:
    return {"campaign_id": campaign_id, "campaign_name": f"Campaign {campaign_id}", "date": day, "spend": spend,
            "impressions": 1000, "clicks": 10, "currency": "EUR", **extra}


def spend_rows(warehouse) -> list[tuple]:
    return sorted(warehouse.query(
        "SELECT source, account_id, campaign_id, adset_id, ad_id, date, spend FROM ad_spend_daily"))


def load(warehouse, rows, *, account="act_1", date_from=D1, date_to=D3):
    return ad_spend_load(project_id=1, source="meta_ads", account_id=account, date_from=date_from,
                         date_to=date_to, rows=rows, warehouse=warehouse)


def test_reloading_a_window_is_idempotent(warehouse):
    rows = [spend_row("c1", D1, "10.50"), spend_row("c1", D2, "3"), spend_row("c2", D2, "0.1")]
    assert load(warehouse, rows) == 3
    first = spend_rows(warehouse)
    load(warehouse, rows)
    assert spend_rows(warehouse) == first
    assert first == [
        ("meta_ads", "act_1", "c1", "", "", D1, Decimal("10.500000")),
        ("meta_ads", "act_1", "c1", "", "", D2, Decimal("3.000000")),
        ("meta_ads", "act_1", "c2", "", "", D2, Decimal("0.100000")),
    ]


def test_a_restated_window_replaces_its_days_only(warehouse):
    load(warehouse, [spend_row("c1", D1, "1"), spend_row("c1", D2, "2"), spend_row("c1", D3, "3")])
    load(warehouse, [spend_row("c1", D1, "100")], account="act_2")
    # The platform restates D2..D3: D2 changed, D3 now has no row at all; D1 and the other account stay.
    load(warehouse, [spend_row("c1", D2, "2.5")], date_from=D2, date_to=D3)
    assert spend_rows(warehouse) == [
        ("meta_ads", "act_1", "c1", "", "", D1, Decimal("1.000000")),
        ("meta_ads", "act_1", "c1", "", "", D2, Decimal("2.500000")),
        ("meta_ads", "act_2", "c1", "", "", D1, Decimal("100.000000")),
    ]


def test_a_window_reload_touches_no_other_project_source_account_or_day(warehouse):
    before, after = date(2026, 2, 28), date(2026, 3, 4)
    for project, source, account in ((1, "meta_ads", "act_1"), (2, "meta_ads", "act_1"), (1, "google_ads", "act_1"),
                                     (1, "meta_ads", "act_10")):
        ad_spend_load(project_id=project, source=source, account_id=account, date_from=before, date_to=after,
                      rows=[spend_row("c1", day, "1") for day in (before, D1, D2, D3, after)], warehouse=warehouse)
    load(warehouse, [spend_row("c9", D2, "7")])  # project 1, meta_ads, act_1, days D1..D3
    stored = sorted(warehouse.query(
        "SELECT project_id, source, account_id, campaign_id, date, spend FROM ad_spend_daily"))
    kept = [(project, source, account, "c1", day, Decimal("1.000000"))
            for project, source, account in ((1, "google_ads", "act_1"), (1, "meta_ads", "act_10"),
                                             (2, "meta_ads", "act_1"))
            for day in (before, D1, D2, D3, after)]
    assert stored == sorted([*kept, (1, "meta_ads", "act_1", "c1", before, Decimal("1.000000")),
                             (1, "meta_ads", "act_1", "c1", after, Decimal("1.000000")),
                             (1, "meta_ads", "act_1", "c9", D2, Decimal("7.000000"))])


def test_money_is_exact(warehouse):
    load(warehouse, [spend_row("c1", D1, "0.1"), spend_row("c2", D1, 0.2), spend_row("c3", D1, Decimal("0.000001"))])
    assert warehouse.query("SELECT sum(spend) FROM ad_spend_daily") == [(Decimal("0.300001"),)]


def test_adset_and_ad_rows_are_kept_apart_from_the_campaign_row(warehouse):
    load(warehouse, [spend_row("c1", D1, "5"), spend_row("c1", D1, "2", adset_id="s1"),
                     spend_row("c1", D1, "1", adset_id="s1", ad_id="a1")])
    load(warehouse, [spend_row("c1", D1, "5"), spend_row("c1", D1, "2", adset_id="s1"),
                     spend_row("c1", D1, "1", adset_id="s1", ad_id="a1")])
    assert [(r[3], r[4], r[6]) for r in spend_rows(warehouse)] == [
        ("", "", Decimal("5.000000")), ("s1", "", Decimal("2.000000")), ("s1", "a1", Decimal("1.000000"))]


def test_campaign_names_are_stored_with_their_matching_key(warehouse):
    load(warehouse, [spend_row("c1", D1, "1", campaign_name=" (Sale) My_Campaign_2025 | RU ")])
    assert warehouse.query("SELECT campaign_name, campaign_key FROM ad_spend_daily") == [
        ("(Sale) My_Campaign_2025 | RU", "sale_my_campaign_2025_ru")]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (spend_row("c1", date(2026, 3, 9), "1"), "date 2026-03-09 is outside"),
        (spend_row("c1", D1, "-1"), "spend must not be negative"),
        (spend_row("c1", D1, "ten"), "spend must be a number"),
        (spend_row("c1", D1, "1", currency="euro"), "currency must be a three-letter"),
        (spend_row("c1", D1, "1", impressions=1.5), "impressions must be a whole number"),
        (spend_row("", D1, "1"), "campaign_id must not be empty"),
    ],
)
def test_rows_that_do_not_fit_are_refused_before_anything_is_written(duck, row, message):
    with pytest.raises(ValueError, match=message):
        load(duck, [spend_row("c0", D1, "1"), row])
    assert spend_rows(duck) == []


def test_a_repeated_key_is_refused(duck):
    with pytest.raises(ValueError, match="repeats the key of row 0"):
        load(duck, [spend_row("c1", D1, "1"), spend_row("c1", D1, "2")])


def test_social_web_and_crm_loads_are_idempotent(warehouse):
    social = [{"post_id": None, "date": D1, "followers": 5, "reach": 100, "impressions": 150, "engagements": 9},
              {"post_id": "p1", "date": D1, "reach": 40}]
    web = [{"date": D1, "source": "google", "medium": "cpc", "campaign": "spring", "sessions": 10, "users": 8,
            "new_users": 3, "conversions": "1.5", "revenue": "99.90", "currency": "EUR"}]
    deals = [{"deal_id": "d1", "status": "WON", "created_at": "2026-03-01T10:00:00+01:00",
              "closed_at": datetime(2026, 3, 2, 12), "value": "1200", "currency": "EUR"}]
    for _ in range(2):
        social_load(project_id=1, source="instagram", account_id="ig1", date_from=D1, date_to=D1, rows=social,
                    warehouse=warehouse)
        web_sessions_load(project_id=1, property_id="properties/1", date_from=D1, date_to=D2, rows=web,
                          warehouse=warehouse)
        crm_deals_load(project_id=1, source="amocrm", account_id="acme", rows=deals, warehouse=warehouse)
    assert sorted(warehouse.query("SELECT post_id, followers, reach FROM social_daily")) == [
        ("", 5, 100), ("p1", None, 40)]
    assert warehouse.query("SELECT source, medium, sessions, conversions, revenue FROM web_sessions_daily") == [
        ("google", "cpc", 10, Decimal("1.500000"), Decimal("99.900000"))]
    assert warehouse.query("SELECT deal_id, status, created_at, closed_at, value FROM crm_deals") == [
        ("d1", "won", datetime(2026, 3, 1, 9), datetime(2026, 3, 2, 12), Decimal("1200.000000"))]


def test_a_deal_update_replaces_the_deal(warehouse):
    deal = {"deal_id": "d1", "status": "open", "created_at": "2026-03-01T10:00:00Z", "value": "10", "currency": "EUR"}
    crm_deals_load(project_id=1, source="amocrm", account_id="acme", rows=[deal], warehouse=warehouse)
    crm_deals_load(project_id=1, source="amocrm", account_id="acme",
                   rows=[{**deal, "status": "won", "closed_at": "2026-03-05T10:00:00Z"}], warehouse=warehouse)
    assert warehouse.query("SELECT status, closed_at FROM crm_deals") == [("won", datetime(2026, 3, 5, 10))]


def order_event(order_id: str, user: str, minutes: float, revenue: float):
    return track("Order Completed", user_id=user, timestamp=at(minutes),
                 properties={"order_id": order_id, "revenue": revenue, "currency": "EUR"})


def test_merged_orders_take_each_order_once(warehouse):
    projections_catch_up(warehouse=warehouse, log=ListLog([
        order_event("o1", "ann", 0, 10.0),  # only an event
        order_event("o2", "bob", 1, 20.0),  # the shop has it too, with its own amount
        order_event("o3", "cat", 2, 30.0),  # the shop cancelled it
    ]))
    shop_orders_load(project_id=1, source="shopify", account_id="store", warehouse=warehouse, rows=[
        {"order_id": "o2", "ordered_at": at(1.5), "revenue": "21.50", "currency": "EUR"},
        {"order_id": "o3", "ordered_at": at(2), "revenue": "30", "currency": "EUR", "status": "cancelled"},
        {"order_id": "o4", "person_id": "u:dan", "ordered_at": at(3), "revenue": "40", "currency": "EUR"},
    ])
    rows = sorted(warehouse.query("SELECT order_id, person_id, ordered_at, revenue FROM orders_merged"))
    naive = lambda m: at(m).replace(tzinfo=None)  # noqa: E731
    assert rows == [
        ("o1", "u:ann", naive(0), 10.0),
        ("o2", "u:bob", naive(1.5), 21.5),  # the shop's amount and time, the event's person
        ("o4", "u:dan", naive(3), 40.0),
    ]


def test_a_store_window_reload_removes_orders_no_longer_listed(warehouse):
    orders = [{"order_id": "o1", "ordered_at": "2026-03-01T10:00:00Z", "revenue": "1", "currency": "EUR"},
              {"order_id": "o2", "ordered_at": "2026-03-02T10:00:00Z", "revenue": "2", "currency": "EUR"}]
    shop_orders_load(project_id=1, source="shopify", account_id="s", rows=orders, date_from=D1, date_to=D2,
                     warehouse=warehouse)
    shop_orders_load(project_id=1, source="shopify", account_id="s", rows=orders[1:], date_from=D1, date_to=D2,
                     warehouse=warehouse)
    assert warehouse.query("SELECT order_id FROM shop_orders") == [("o2",)]


def test_a_restated_shop_order_replaces_its_row(warehouse):
    row = {"order_id": "o1", "ordered_at": "2026-01-31T23:00:00Z", "revenue": "10", "currency": "EUR"}
    shop_orders_load(project_id=1, source="shopify", account_id="s", rows=[row], warehouse=warehouse)
    shop_orders_load(project_id=1, source="shopify", account_id="s", warehouse=warehouse,
                     rows=[{**row, "ordered_at": "2026-02-01T01:00:00Z", "revenue": "12"}])  # another day and month
    assert warehouse.query("SELECT order_id, order_date, revenue FROM shop_orders") == [
        ("o1", date(2026, 2, 1), Decimal("12.000000"))]
