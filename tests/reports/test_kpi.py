"""KPI reports on both warehouses against the hand-computed shop of ``scenario``."""

from __future__ import annotations

from datetime import date

import pytest

from tests.reports.helpers import kpi, query, rates, rows_by
from tests.reports.scenario import MARCH_1, MARCH_10, RATES, load_shop

ALL = ("spend", "impressions", "clicks", "ctr", "cpc", "cpm", "orders", "revenue", "aov", "new_customers", "cac",
       "cpa", "roas", "romi", "platform_conversions", "platform_conversion_value", "platform_roas")


@pytest.fixture
def shop(warehouse):
    load_shop(warehouse)
    return warehouse


def test_totals_of_the_period(shop):
    report = kpi(shop, query(MARCH_1, MARCH_10, ALL), RATES)
    assert report["current"] == {
        "spend": 125.0, "impressions": 15_000, "clicks": 600, "ctr": 0.04, "cpc": 125 / 600,
        "cpm": 1000 * 125 / 15_000, "orders": 7, "revenue": 495.0, "aov": 495 / 7, "new_customers": 5,
        "cac": 25.0, "cpa": 125 / 7, "roas": 3.96, "romi": pytest.approx(2.96), "platform_conversions": 10,
        "platform_conversion_value": 300.0, "platform_roas": 2.4,
    }
    assert report["previous"] is None and report["change"] is None and report["rows"] == []


def test_an_order_without_an_exchange_rate_is_left_out_and_named(shop):
    report = kpi(shop, query(MARCH_1, MARCH_10, ["orders", "revenue"]), RATES)
    assert report["current"] == {"orders": 7, "revenue": 495.0}
    [warning] = report["warnings"]
    assert warning["code"] == "missing_exchange_rate"
    assert warning["currency"] == "GBP" and warning["date_ranges"] == [["2026-03-04", "2026-03-04"]]
    assert warning["rows"] == 1 and warning["amount"] == 25.0 and warning["period"] == "current"
    assert "GBP" in warning["message"] and "2026-03-04" in warning["message"]


def test_spend_without_a_rate_is_left_out_too(shop):
    report = kpi(shop, query(MARCH_1, MARCH_10, ["spend", "clicks"]))  # no USD rate at all
    assert report["current"] == {"spend": 100.0, "clicks": 500}
    assert {(w["currency"], w["data"], w["amount"]) for w in report["warnings"]} == {("USD", "ad spend", 50.0)}
    assert report["warnings"][0]["date_ranges"] == [["2026-03-01", "2026-03-10"]]


def test_a_rate_applies_from_its_first_day(shop):
    book = rates(USD=[(date(2026, 3, 6), "0.5")], GBP=[(date(2026, 3, 1), "1.2")])
    report = kpi(shop, query(MARCH_1, MARCH_10, ["spend", "revenue"]), book)
    # USD spend 1-5 March has no rate (left out); 6-10 March: 5 days x 5 USD x 0.5. o6 (8 Mar) converts; o10 too.
    assert report["current"] == {"spend": 100.0 + 12.5, "revenue": 495.0 + 30.0}
    assert report["warnings"][0]["date_ranges"] == [["2026-03-01", "2026-03-05"]]


def test_grouped_by_source_with_last_touch(shop):
    report = kpi(shop, query(MARCH_1, MARCH_10, ["spend", "orders", "revenue", "new_customers", "roas", "cac"],
                             group_by="source"), RATES)
    assert [row["group"] for row in report["rows"]] == [
        {"source": "meta_ads"}, {"source": "google_ads"}, {"source": "direct"}]
    rows = rows_by(report, "source")
    assert rows["meta_ads"]["metrics"] == {"spend": 100.0, "orders": 3, "revenue": 180.0, "new_customers": 2,
                                           "roas": 1.8, "cac": 50.0}
    assert rows["google_ads"]["metrics"] == {"spend": 25.0, "orders": 0, "revenue": 0.0, "new_customers": 0,
                                             "roas": 0.0, "cac": None}
    assert rows["direct"]["metrics"] == {"spend": 0.0, "orders": 4, "revenue": 315.0, "new_customers": 3,
                                         "roas": None, "cac": 0.0}
    assert report["current"]["orders"] == 7 and report["current"]["new_customers"] == 5


def test_first_touch_credits_the_earliest_visit_in_the_window(shop):
    report = kpi(shop, query(MARCH_1, MARCH_10, ["orders", "revenue", "new_customers"], group_by="source",
                             attribution_model="first_touch"), RATES)
    rows = rows_by(report, "source")
    assert rows["meta_ads"]["metrics"] == {"orders": 2, "revenue": 120.0, "new_customers": 1}
    assert rows["google_ads"]["metrics"] == {"orders": 1, "revenue": 60.0, "new_customers": 1}
    assert rows["direct"]["metrics"] == {"orders": 4, "revenue": 315.0, "new_customers": 3}


def test_grouped_by_campaign_names_the_spend_campaign(shop):
    report = kpi(shop, query(MARCH_1, MARCH_10, ["spend", "orders", "roas"], group_by="campaign",
                             attribution_model="first_touch"), RATES)
    assert [(row["group"], row["metrics"]) for row in report["rows"]] == [
        ({"source": "meta_ads", "account_id": "act_1", "campaign_id": "c1", "campaign_name": "Spring Sale"},
         {"spend": 100.0, "orders": 2, "roas": 1.2}),
        ({"source": "google_ads", "account_id": "123-456", "campaign_id": "g-77", "campaign_name": "Brand"},
         {"spend": 25.0, "orders": 1, "roas": 2.4}),
        ({"source": "direct", "account_id": None, "campaign_id": None, "campaign_name": None},
         {"spend": 0.0, "orders": 4, "roas": None}),
    ]


def test_grouped_by_account_and_channel(shop):
    by_account = kpi(shop, query(MARCH_1, MARCH_10, ["spend", "orders"], group_by="account"), RATES)
    assert [(r["group"], r["metrics"]) for r in by_account["rows"]] == [
        ({"source": "meta_ads", "account_id": "act_1"}, {"spend": 100.0, "orders": 3}),
        ({"source": "google_ads", "account_id": "123-456"}, {"spend": 25.0, "orders": 0}),
        ({"source": "direct", "account_id": None}, {"spend": 0.0, "orders": 4}),
    ]
    by_channel = kpi(shop, query(MARCH_1, MARCH_10, ["spend", "orders"], group_by="channel"), RATES)
    assert {r["group"]["channel"]: r["metrics"] for r in by_channel["rows"]} == {
        "facebook": {"spend": 100.0, "orders": 3}, "google": {"spend": 25.0, "orders": 0},
        "direct": {"spend": 0.0, "orders": 4}}


def test_filters_keep_the_rows_of_one_source(shop):
    report = kpi(shop, query(MARCH_1, MARCH_10, ["spend", "orders", "revenue", "roas"],
                             filters={"source": ["meta_ads"]}), RATES)
    assert report["current"] == {"spend": 100.0, "orders": 3, "revenue": 180.0, "roas": 1.8}
    by_account = kpi(shop, query(MARCH_1, MARCH_10, ["spend", "orders"], filters={"account_id": ["123-456"]}),
                     RATES)
    assert by_account["current"] == {"spend": 25.0, "orders": 0}


def test_previous_period_comparison(shop):
    report = kpi(shop, query(MARCH_1, MARCH_10, ["orders", "revenue", "spend", "roas"], compare="previous_period"),
                 RATES)
    assert report["previous_range"] == {"date_from": "2026-02-19", "date_to": "2026-02-28"}
    assert report["previous"] == {"orders": 1, "revenue": 50.0, "spend": 0.0, "roas": None}
    assert report["change"] == {
        "orders": {"abs": 6, "pct": 6.0},
        "revenue": {"abs": 445.0, "pct": 8.9},
        "spend": {"abs": 125.0, "pct": None},  # previous 0: no percentage
        "roas": {"abs": None, "pct": None},
    }


def test_rows_carry_their_own_comparison(shop):
    report = kpi(shop, query(MARCH_1, MARCH_10, ["orders"], group_by="source", compare="previous_period"), RATES)
    direct = rows_by(report, "source")["direct"]
    assert direct["metrics"] == {"orders": 4} and direct["previous"] == {"orders": 1}
    assert direct["change"] == {"orders": {"abs": 3, "pct": 3.0}}
    meta = rows_by(report, "source")["meta_ads"]
    assert meta["previous"] == {"orders": 0} and meta["change"] == {"orders": {"abs": 3, "pct": None}}


def test_previous_year_of_a_range_with_a_leap_day(shop):
    report = kpi(shop, query(date(2028, 2, 1), date(2028, 2, 29), ["orders"], compare="previous_year"), RATES)
    assert report["previous_range"] == {"date_from": "2027-02-01", "date_to": "2027-02-28"}


def test_a_project_in_utc_puts_the_boundary_orders_on_other_days(shop):
    report = kpi(shop, query(MARCH_1, MARCH_10, ["orders", "revenue"], timezone="UTC"), RATES)
    # In UTC o9 (28 Feb 23:30) falls before the period and o4 (10 Mar 23:30) inside it.
    assert report["current"] == {"orders": 7, "revenue": 495.0 - 15 + 500}
