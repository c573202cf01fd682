"""What counts as a conversion and which touchpoints a journey sees: orders and won CRM deals deduplicated by
order id, persons merged across devices, the lookback and period boundaries, money in other currencies, and
the non-converting paths. Each case is a small hand-computed shop on both warehouses."""

from __future__ import annotations

from datetime import date

import pytest

from analyticaflow.channeldata.services import shop_orders_load
from tests.attribution.report_scenario import MARCH_1, MARCH_10, attribution_query, credit_by, deal, load_deals, report
from tests.projections.streams import identify, page
from tests.reports.helpers import PROJECT, order, project_events, rates, utc, visit

FIRST_AND_LAST = ("first_touch", "last_touch")


def run(warehouse, *, book=None, models=FIRST_AND_LAST, **options):
    return report(warehouse, attribution_query(models=models, **options), book=book)


def test_a_won_deal_is_a_conversion_worth_its_amount(report_warehouse):
    project_events(report_warehouse, [visit("dan", utc(2026, 3, 2), source="google", medium="cpc")])
    load_deals(report_warehouse, [deal("D1", "won", utc(2026, 3, 5), "1234.5", person="u:dan"),
                                  deal("D2", "open", None, "99", person="u:dan"),
                                  deal("D3", "lost", utc(2026, 3, 6), "77", person="u:dan")])
    result = run(report_warehouse)
    assert result["conversions"]["count"] == 1 and result["conversions"]["deals"] == 1
    assert credit_by(result, "channel", "last_touch") == {"google": (1, 1234.5)}


def test_a_deal_with_an_order_id_is_that_order_counted_once(report_warehouse):
    project_events(report_warehouse, [visit("ann", utc(2026, 3, 2), source="facebook", medium="cpc"),
                                      order("ann", "o1", utc(2026, 3, 4), 100)])
    # The CRM records the same sale (id o1) a day later, and a deal of two CRM accounts shares the id D9.
    load_deals(report_warehouse, [deal("o1", "won", utc(2026, 3, 5), "5000", person="u:ann"),
                                  deal("D9", "won", utc(2026, 3, 6), "10")])
    load_deals(report_warehouse, [deal("D9", "won", utc(2026, 3, 6), "10")], account="second.amocrm.com")
    result = run(report_warehouse)
    assert result["conversions"] == {"count": 2, "value": 110.0, "orders": 1, "deals": 1,
                                     "without_touchpoints": 1, "non_converting_paths": 0}
    assert credit_by(result, "channel", "last_touch") == {"facebook": (1, 100), "direct": (1, 10)}


def test_a_conversion_without_touchpoints_is_direct_under_its_deal_campaign(report_warehouse):
    # No person at all (a deal from a trade fair), and a guest whose only visit is 31 days old.
    project_events(report_warehouse, [visit("gus", utc(2026, 2, 1, 12), source="google", medium="cpc"),
                                      order("gus", "o5", utc(2026, 3, 4, 12), 40)])
    load_deals(report_warehouse, [deal("D1", "won", utc(2026, 3, 5), "300", campaign="Trade Fair 2026")])
    result = run(report_warehouse, models=["linear"], group_by="campaign")
    assert result["conversions"]["without_touchpoints"] == 2
    rows = {(r["group"]["source"], r["group"]["campaign_name"]): (r["credit"]["linear"]["conversions"],
                                                                 r["credit"]["linear"]["value"])
            for r in result["rows"]}
    assert rows == {("direct", "trade_fair_2026"): (1, 300), ("direct", None): (1, 40)}


def test_a_deal_names_any_of_the_persons_ids(report_warehouse):
    # zoe browses on a phone (anonymous dev-7), later logs in there: dev-7 and u:zoe are one person. The CRM
    # knows her by the phone's anonymous id.
    project_events(report_warehouse, [
        page("https://shop.test/?utm_source=newsletter&utm_medium=email", anonymous_id="dev-7",
             timestamp=utc(2026, 3, 2), project_id=PROJECT),
        identify(anonymous_id="dev-7", user_id="zoe", timestamp=utc(2026, 3, 3), project_id=PROJECT),
        visit("zoe", utc(2026, 3, 4), source="facebook", medium="cpc"),
    ])
    load_deals(report_warehouse, [deal("D1", "won", utc(2026, 3, 6), "500", person="a:dev-7")])
    result = run(report_warehouse)
    assert credit_by(result, "channel", "first_touch") == {"newsletter": (1, 500), "facebook": (0, 0)}
    assert credit_by(result, "channel", "last_touch") == {"newsletter": (0, 0), "facebook": (1, 500)}


def test_shop_orders_and_their_events_are_one_order(report_warehouse):
    project_events(report_warehouse, [visit("ann", utc(2026, 3, 2), source="facebook", medium="cpc"),
                                      order("ann", "o1", utc(2026, 3, 4), 100)])
    # The shop's record of o1 (the system of record: 120 EUR) and a cancelled order that counts nowhere.
    shop_orders_load(project_id=PROJECT, source="shopify", account_id="store", warehouse=report_warehouse, rows=[
        {"order_id": "o1", "ordered_at": utc(2026, 3, 4).replace(tzinfo=None), "revenue": "120", "currency": "EUR"},
        {"order_id": "o2", "ordered_at": utc(2026, 3, 5).replace(tzinfo=None), "revenue": "80", "currency": "EUR",
         "status": "cancelled"},
    ])
    result = run(report_warehouse)
    assert credit_by(result, "channel", "last_touch") == {"facebook": (1, 120)}


@pytest.mark.parametrize(("touched", "included"), [
    (utc(2026, 2, 2, 12), True),  # exactly 30 days before the order
    (utc(2026, 2, 2, 11, 59), False),  # a minute more
    (utc(2026, 3, 4, 12), True),  # the order's own instant
])
def test_the_lookback_window_includes_both_ends(report_warehouse, touched, included):
    project_events(report_warehouse, [visit("ann", touched, source="google", medium="cpc"),
                                      order("ann", "o1", utc(2026, 3, 4, 12), 100)])
    expected = {"google": (1, 100)} if included else {"direct": (1, 100)}
    assert {k: v for k, v in credit_by(run(report_warehouse), "channel", "last_touch").items() if v[0]} == expected


def test_the_period_is_inclusive_local_dates(report_warehouse):
    # Berlin is UTC+1 in March: 28 Feb 23:30 UTC is 1 March; 10 March 23:30 UTC is already 11 March.
    project_events(report_warehouse, [order("hal", "o9", utc(2026, 2, 28, 23, 30), 15),
                                      order("dan", "o4", utc(2026, 3, 10, 23, 30), 500),
                                      order("ann", "o1", utc(2026, 3, 5), 100)])
    result = run(report_warehouse, timezone="Europe/Berlin")
    assert (result["conversions"]["count"], result["conversions"]["value"]) == (2, 115.0)


def test_other_currencies_are_converted_and_a_missing_rate_is_a_warning(report_warehouse):
    project_events(report_warehouse, [order("ann", "o1", utc(2026, 3, 4), 40, "USD"),
                                      order("bob", "o2", utc(2026, 3, 5), 25, "GBP"),
                                      order("cat", "o3", utc(2026, 3, 6), 10)])
    result = run(report_warehouse, book=rates(USD=[(date(2026, 2, 1), "0.5")]))
    assert (result["conversions"]["count"], result["conversions"]["value"]) == (2, 30.0)
    [warning] = result["warnings"]
    assert (warning["code"], warning["currency"], warning["rows"], warning["amount"]) == (
        "missing_exchange_rate", "GBP", 1, 25.0)
    assert warning["date_ranges"] == [["2026-03-05", "2026-03-05"]]


@pytest.mark.parametrize("later_visits", [False, True])
def test_a_non_converting_path_starts_after_the_persons_last_conversion(report_warehouse, later_visits):
    # Data end: 10 March 24:00; its last 30 days start 9 February. fay converted on 20 February (before the
    # period): her 15 February visit belongs to that conversion, only a later visit makes a non-converting path.
    # gus converted in the period (5 March): only a visit after it counts. ida's visit is older than the window.
    events = [
        visit("fay", utc(2026, 2, 15), source="facebook", medium="cpc"),
        order("fay", "o0", utc(2026, 2, 20), 10),
        visit("gus", utc(2026, 3, 1), source="google", medium="cpc"),
        order("gus", "o1", utc(2026, 3, 5), 10),
        visit("ida", utc(2026, 2, 1), source="bing"),
    ]
    if later_visits:
        events += [visit("fay", utc(2026, 3, 8), source="newsletter", medium="email"),
                   visit("gus", utc(2026, 3, 6), source="google", medium="cpc")]
    project_events(report_warehouse, events)
    result = run(report_warehouse, models=["markov"])
    assert result["conversions"]["non_converting_paths"] == (2 if later_visits else 0)
    # Markov with the later visits: start → google 2 walks (gus converting, gus not), newsletter 1 (not).
    # google → conversion 1 of 2; removing google loses every conversion, so google keeps the whole conversion.
    assert {k: v for k, v in credit_by(result, "channel", "markov").items() if v[0]} == {"google": (1, 10)}


def test_no_conversions_gives_rows_of_spend_only(report_warehouse):
    from tests.reports.helpers import daily_spend

    daily_spend(report_warehouse, source="meta_ads", account="act_1", campaign_id="c1", name="Spring Sale",
                first=MARCH_1, days=10, spend="10")
    result = run(report_warehouse, models=["markov", "shapley"], date_to=MARCH_10)
    assert result["conversions"]["count"] == 0
    assert [(r["label"], r["spend"], r["credit"]["markov"]) for r in result["rows"]] == [
        ("facebook", 100.0, {"conversions": 0, "value": 0, "cpa": None, "roas": 0, "romi": -1})]
