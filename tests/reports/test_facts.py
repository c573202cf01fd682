"""Sessions, GA4, organic social and CRM facts on both warehouses, hand-computed (project in UTC, EUR)."""

from __future__ import annotations

from datetime import date

import pytest

from analyticaflow.channeldata.selectors import channel_accounts
from analyticaflow.channeldata.services import crm_deals_load, social_load, web_sessions_load
from tests.projections.streams import track
from tests.reports.helpers import (
    PROJECT,
    daily_spend,
    kpi,
    order,
    project_events,
    query,
    rates,
    rows_by,
    timeseries,
    utc,
    visit,
)

D1, D10 = date(2026, 3, 1), date(2026, 3, 10)
BOOK = rates(USD=[(date(2026, 1, 1), "0.5")])


@pytest.fixture
def visits(warehouse):
    daily_spend(warehouse, source="meta_ads", account="act_1", campaign_id="c1", name="Spring Sale", first=D1,
                days=10, spend="1")
    project_events(warehouse, [
        visit("ann", utc(2026, 3, 2, 10), source="facebook", medium="cpc", campaign="Spring Sale"),
        visit("ann", utc(2026, 3, 2, 10, 10)),  # same session
        visit("ann", utc(2026, 3, 3, 10)),  # a new, direct session
        visit("bob", utc(2026, 3, 2, 12), referrer="https://www.google.com/"),
        track("Signed Up", user_id="cy", timestamp=utc(2026, 3, 4, 9), project_id=PROJECT),  # no page at all
        order("bob", "o1", utc(2026, 3, 2, 12, 5), 80),
    ])
    return warehouse


def test_sessions_and_users(visits):
    report = kpi(visits, query(D1, D10, ["sessions", "users", "orders", "conversion_rate"], timezone="UTC",
                               group_by="source"), BOOK)
    assert report["current"] == {"sessions": 4, "users": 3, "orders": 1, "conversion_rate": 0.25}
    rows = rows_by(report, "source")
    assert rows["meta_ads"]["metrics"] == {"sessions": 1, "users": 1, "orders": 0, "conversion_rate": 0.0}
    assert rows["google"]["metrics"] == {"sessions": 1, "users": 1, "orders": 1, "conversion_rate": 1.0}
    # ann's second session and cy's page-less one; ann is one of the 3 users overall, not counted twice.
    assert rows["direct"]["metrics"] == {"sessions": 2, "users": 2, "orders": 0, "conversion_rate": 0.0}


def test_daily_users_are_distinct_per_bucket(visits):
    report = timeseries(visits, query(date(2026, 3, 2), date(2026, 3, 3), ["sessions", "users"], timezone="UTC",
                                      granularity="day", group_by="channel"), BOOK)
    assert [b["metrics"] for b in report["buckets"]] == [{"sessions": 2, "users": 2}, {"sessions": 1, "users": 1}]


@pytest.fixture
def channels(warehouse):
    web_sessions_load(project_id=PROJECT, property_id="p1", date_from=D1, date_to=date(2026, 3, 2),
                      warehouse=warehouse, rows=[
        {"date": D1, "source": "google", "medium": "organic", "sessions": 10, "users": 5, "new_users": 1,
         "conversions": "1.5", "revenue": "100", "currency": "USD"},
        {"date": date(2026, 3, 2), "source": "(direct)", "medium": "(none)", "sessions": 20, "users": 6,
         "new_users": 2, "conversions": "0.5", "revenue": "50", "currency": "EUR"}])
    social_load(project_id=PROJECT, source="instagram", account_id="ig1", date_from=D1, date_to=date(2026, 3, 2),
                warehouse=warehouse, rows=[
        {"date": D1, "followers": 3, "reach": 100, "impressions": 300, "engagements": 30},
        {"date": date(2026, 3, 2), "followers": 4, "reach": 200, "impressions": 500, "engagements": 50},
        {"date": date(2026, 3, 2), "post_id": "p1", "reach": 999, "impressions": 9999, "engagements": 99}])
    crm_deals_load(project_id=PROJECT, source="amocrm", account_id="crm", warehouse=warehouse, rows=[
        {"deal_id": "d1", "status": "open", "created_at": utc(2026, 3, 1), "value": "10", "currency": "EUR"},
        {"deal_id": "d2", "status": "won", "created_at": utc(2026, 2, 20), "closed_at": utc(2026, 3, 2),
         "value": "1000", "currency": "EUR"},
        {"deal_id": "d3", "status": "won", "created_at": utc(2026, 3, 3), "closed_at": utc(2026, 3, 4),
         "value": "200", "currency": "USD"},
        {"deal_id": "d4", "status": "lost", "created_at": utc(2026, 3, 5), "closed_at": utc(2026, 3, 6),
         "value": "50", "currency": "EUR"}])
    return warehouse


OWN = ["ga4_sessions", "ga4_users", "ga4_new_users", "ga4_conversions", "ga4_revenue", "ga4_conversion_rate",
       "new_followers", "reach", "social_impressions", "engagements", "engagement_rate", "deals", "won_deals",
       "won_value"]


def test_ga4_social_and_crm_totals(channels):
    report = kpi(channels, query(D1, D10, OWN, timezone="UTC"), BOOK)
    assert report["current"] == {
        "ga4_sessions": 30, "ga4_users": 11, "ga4_new_users": 3, "ga4_conversions": 2, "ga4_revenue": 100.0,
        "ga4_conversion_rate": 2 / 30, "new_followers": 7, "reach": 300, "social_impressions": 800,
        "engagements": 80, "engagement_rate": 0.1, "deals": 3, "won_deals": 2, "won_value": 1100.0}


def test_own_account_facts_group_by_their_account(channels):
    report = kpi(channels, query(D1, D10, ["ga4_sessions", "reach", "won_value"], timezone="UTC",
                                 group_by="account"), BOOK)
    assert [(row["group"], row["metrics"]) for row in report["rows"]] == [
        ({"source": "ga4", "account_id": "p1"}, {"ga4_sessions": 30, "reach": 0, "won_value": 0.0}),
        ({"source": "amocrm", "account_id": "crm"}, {"ga4_sessions": 0, "reach": 0, "won_value": 1100.0}),
        ({"source": "instagram", "account_id": "ig1"}, {"ga4_sessions": 0, "reach": 300, "won_value": 0.0}),
    ]
    only_ga4 = kpi(channels, query(D1, D10, ["ga4_sessions", "reach"], timezone="UTC",
                                   filters={"source": ["ga4"], "account_id": ["p1"]}), BOOK)
    assert only_ga4["current"] == {"ga4_sessions": 30, "reach": 0}


def test_accounts_of_every_kind(channels):
    daily_spend(channels, source="meta_ads", account="act_1", campaign_id="c1", name="C", first=D1, days=2,
                spend="1", currency="USD")
    daily_spend(channels, source="meta_ads", account="act_1", campaign_id="c1", name="C", first=date(2026, 3, 5),
                days=1, spend="1", currency="EUR")
    assert channel_accounts(warehouse=channels, project_id=PROJECT) == [
        {"kind": "ads", "source": "meta_ads", "account_id": "act_1", "currency": "EUR", "currencies": ["EUR", "USD"],
         "first_date": "2026-03-01", "last_date": "2026-03-05", "rows": 3},
        {"kind": "crm", "source": "amocrm", "account_id": "crm", "currency": "EUR", "currencies": ["EUR", "USD"],
         "first_date": "2026-02-20", "last_date": "2026-03-05", "rows": 4},
        {"kind": "social", "source": "instagram", "account_id": "ig1", "currency": None, "currencies": [],
         "first_date": "2026-03-01", "last_date": "2026-03-02", "rows": 3},
        {"kind": "web", "source": "ga4", "account_id": "p1", "currency": "EUR", "currencies": ["EUR", "USD"],
         "first_date": "2026-03-01", "last_date": "2026-03-02", "rows": 2},
    ]
    assert channel_accounts(warehouse=channels, project_id=PROJECT + 1) == []


def test_a_crm_deal_without_rate_leaves_out_only_its_won_value_row(channels):
    report = kpi(channels, query(D1, D10, ["deals", "won_deals", "won_value"], timezone="UTC"), rates())
    # d3's won row (USD) has no rate: left out of won deals and value; its creation still counts as a deal.
    assert report["current"] == {"deals": 3, "won_deals": 1, "won_value": 1000.0}
    assert [(w["currency"], w["data"]) for w in report["warnings"]] == [("USD", "CRM deal")]

