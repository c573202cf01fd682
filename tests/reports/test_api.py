"""The reports API over HTTP (DRF test client) on the process-wide warehouse: access, shapes, 400s."""

from __future__ import annotations

from datetime import date

import pytest

from analyticaflow.accounts import services as accounts
from analyticaflow.integrations.models import Integration
from tests.factories import add_member, make_project, make_user
from tests.reports.helpers import daily_spend, order, project_events, utc, visit

pytestmark = pytest.mark.django_db

KPI = "/api/v1/projects/{}/reports/kpi"
TIMESERIES = "/api/v1/projects/{}/reports/timeseries"


@pytest.fixture
def shop(project, process_warehouse):
    """Berlin shop in EUR: one Meta campaign (10 EUR/day, 1-10 March) and two orders, one credited to it."""
    project.timezone, project.currency = "Europe/Berlin", "EUR"
    project.save()
    warehouse = process_warehouse
    project_events(warehouse, [
        visit("ann", utc(2026, 3, 2, 10), source="facebook", medium="cpc", campaign="Spring Sale",
              project_id=project.id),
        order("ann", "o1", utc(2026, 3, 3, 10), 100, project_id=project.id),
        order("bob", "o2", utc(2026, 3, 4, 10), 50, project_id=project.id),
    ])
    daily_spend(warehouse, source="meta_ads", account="act_1", campaign_id="c1", name="Spring Sale",
                first=date(2026, 3, 1), days=10, spend="10", project_id=project.id)
    return project


def body(**overrides):
    return {"date_from": "2026-03-01", "date_to": "2026-03-10", "metrics": ["spend", "revenue", "roas", "romi"],
            **overrides}


def test_kpi_report_shape(as_user, owner, shop):
    response = as_user(owner).post(KPI.format(shop.id), body(group_by="source", compare="previous_period"),
                                   format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["current"] == {"spend": 100.0, "revenue": 150.0, "roas": 1.5, "romi": 0.5}
    assert data["previous"] == {"spend": 0.0, "revenue": 0.0, "roas": None, "romi": None}
    assert data["change"]["revenue"] == {"abs": 150.0, "pct": None}
    assert data["previous_range"] == {"date_from": "2026-02-19", "date_to": "2026-02-28"}
    assert [(row["group"], row["label"], row["metrics"]) for row in data["rows"]] == [
        ({"source": "meta_ads"}, "meta_ads", {"spend": 100.0, "revenue": 100.0, "roas": 1.0, "romi": 0.0}),
        ({"source": "direct"}, "direct", {"spend": 0.0, "revenue": 50.0, "roas": None, "romi": None}),
    ]
    assert data["currency"] == "EUR" and data["timezone"] == "Europe/Berlin" and data["warnings"] == []
    assert data["attribution_model"] == "last_touch" and data["group_by"] == "source"


def test_timeseries_report_shape(as_user, owner, shop):
    response = as_user(owner).post(TIMESERIES.format(shop.id), {
        "date_from": "2026-03-01", "date_to": "2026-03-10", "metric": "revenue", "granularity": "week"},
        format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert [(b["bucket"], b["date_from"], b["date_to"], b["metrics"]) for b in data["buckets"]] == [
        ("2026-02-23", "2026-03-01", "2026-03-01", {"revenue": 0.0}),
        ("2026-03-02", "2026-03-02", "2026-03-08", {"revenue": 150.0}),
        ("2026-03-09", "2026-03-09", "2026-03-10", {"revenue": 0.0}),
    ]
    assert data["granularity"] == "week" and data["rows"] == [] and data["buckets"][0]["previous"] is None


@pytest.mark.parametrize("role", ["viewer", "marketer"])
def test_every_member_may_run_reports(as_user, shop, role):
    member = make_user(f"{role}@shop.test")
    add_member(shop, member, role)
    assert as_user(member).post(KPI.format(shop.id), body(), format="json").status_code == 200
    assert as_user(member).post(TIMESERIES.format(shop.id), body(), format="json").status_code == 200
    assert as_user(member).get(f"/api/v1/projects/{shop.id}/reports/accounts").status_code == 200


def test_a_read_api_key_may_run_reports(api, owner, shop):
    secret = accounts.api_key_issue(project=shop, name="BI", created_by=owner).raw_key
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = api.post(KPI.format(shop.id), body(), format="json")
    assert response.status_code == 200, response.content


def test_a_foreign_project_is_403(as_user, shop):
    stranger = make_user("stranger@other.test")
    own = make_project(stranger, name="Other shop")
    client = as_user(stranger)
    for response in (client.post(KPI.format(shop.id), body(), format="json"),
                     client.post(TIMESERIES.format(shop.id), body(), format="json"),
                     client.get(f"/api/v1/projects/{shop.id}/reports/utm-audit?date_from=2026-03-01&date_to=2026-03-10"),
                     client.get(f"/api/v1/projects/{shop.id}/reports/accounts"),
                     client.get(f"/api/v1/projects/{shop.id}/exchange-rates")):
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "forbidden"
    assert client.post(KPI.format(own.id), body(), format="json").status_code == 200


def test_an_api_key_of_another_project_is_403(api, as_user, owner, shop):
    other = make_project(owner, name="Second shop")
    secret = accounts.api_key_issue(project=other, name="BI", created_by=owner).raw_key
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.post(KPI.format(shop.id), body(), format="json").status_code == 403


def test_anonymous_is_401(api, shop):
    assert api.post(KPI.format(shop.id), body(), format="json").status_code == 401


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"metrics": ["spend", "profit"]}, "metrics.1", '"profit" is not a known metric'),
        ({"metrics": []}, "metrics", "at least 1"),
        ({"group_by": "country"}, "group_by", '"country" is not a known grouping'),
        ({"date_to": "2026-02-01"}, "date_to", "Must not be before date_from"),
        ({"date_from": "2026-13-01"}, "date_from", "Date has wrong format"),
        ({"date_from": "2000-01-01", "date_to": "2030-01-01"}, "date_to", "at most 3660 days"),
        ({"compare": "last_week"}, "compare", '"last_week" is not a known comparison'),
        ({"attribution_model": "linear_magic"}, "attribution_model", "use one of: last_touch, first_touch"),
        ({"metric": "spend"}, "metric", "Unknown field"),
        ({"group_by": "campaign", "metrics": ["ga4_sessions"]}, "group_by",
         "Metric 'ga4_sessions' cannot be grouped by campaign"),
        ({"filters": {"campaign_id": ["c1"]}, "metrics": ["reach"]}, "filters.campaign_id",
         "Metric 'reach' cannot be filtered by campaign_id"),
        ({"filters": {"country": ["DE"]}}, "filters.country", "Unknown field"),
    ],
)
def test_bad_kpi_requests_are_400_naming_the_problem(as_user, owner, shop, changes, field, reason):
    response = as_user(owner).post(KPI.format(shop.id), body(**changes), format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert field in error["fields"], error
    assert any(reason in text for text in error["fields"][field]), error


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"granularity": "hour"}, "granularity", '"hour" is not a known granularity'),
        ({"granularity": "day", "date_from": "2020-01-01", "date_to": "2026-01-01"}, "granularity",
         "too many"),
    ],
)
def test_bad_timeseries_requests_are_400(as_user, owner, shop, changes, field, reason):
    response = as_user(owner).post(TIMESERIES.format(shop.id), body(**changes), format="json")
    assert response.status_code == 400, response.content
    assert any(reason in text for text in response.json()["error"]["fields"][field])


def test_accounts_lists_the_ad_accounts(as_user, owner, shop):
    response = as_user(owner).get(f"/api/v1/projects/{shop.id}/reports/accounts")
    assert response.status_code == 200
    assert response.json() == [{"kind": "ads", "source": "meta_ads", "account_id": "act_1", "currency": "EUR",
                                "currencies": ["EUR"], "first_date": "2026-03-01", "last_date": "2026-03-10",
                                "rows": 10, "name": None, "connected": False, "status": None}]


def test_accounts_include_the_connected_ones_with_their_names(as_user, owner, shop):
    Integration.objects.create(project=shop, platform="meta_ads", account_id="act_1", account_name="Shop EU",
                               account_currency="EUR", status="ok")
    Integration.objects.create(project=shop, platform="google_ads", account_id="555", account_name="Shop JP",
                               account_currency="JPY", status="syncing")
    Integration.objects.create(project=shop, platform="twitter_ads")  # not linked to an account yet
    response = as_user(owner).get(f"/api/v1/projects/{shop.id}/reports/accounts")
    assert response.status_code == 200
    assert response.json() == [
        {"kind": "ads", "source": "meta_ads", "account_id": "act_1", "currency": "EUR", "currencies": ["EUR"],
         "first_date": "2026-03-01", "last_date": "2026-03-10", "rows": 10, "name": "Shop EU", "connected": True,
         "status": "ok"},
        {"kind": None, "source": "google_ads", "account_id": "555", "currency": "JPY", "currencies": ["JPY"],
         "first_date": None, "last_date": None, "rows": 0, "name": "Shop JP", "connected": True,
         "status": "syncing"},
    ]


def test_utm_audit(as_user, owner, shop, process_warehouse):
    warehouse = process_warehouse
    daily_spend(warehouse, source="google_ads", account="g-1", campaign_id="g9", name="Never tagged",
                first=date(2026, 3, 1), days=2, spend="7.5", project_id=shop.id)
    project_events(warehouse, [visit("cy", utc(2026, 3, 5, 9), source="facebook", medium="cpc",
                                     campaign="Sprnig Sale", project_id=shop.id)])
    response = as_user(owner).get(f"/api/v1/projects/{shop.id}/reports/utm-audit",
                                  {"date_from": "2026-03-01", "date_to": "2026-03-10"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["spend_without_touchpoints"] == {"spend": 15.0, "campaigns": [
        {"source": "google_ads", "account_id": "g-1", "campaign_id": "g9", "campaign_name": "Never tagged",
         "spend": 15.0, "impressions": 2000, "clicks": 100}]}
    assert data["utm_campaigns_without_spend"] == [
        {"source": "meta_ads", "utm_source": "facebook", "utm_medium": "cpc", "utm_campaign": "Sprnig Sale",
         "touchpoints": 1, "visitors": 1, "first_seen": "2026-03-05T09:00:00Z", "last_seen": "2026-03-05T09:00:00Z"}]


def test_utm_audit_needs_a_valid_range(as_user, owner, shop):
    response = as_user(owner).get(f"/api/v1/projects/{shop.id}/reports/utm-audit", {"date_from": "2026-03-01"})
    assert response.status_code == 400
    assert "date_to" in response.json()["error"]["fields"]


def test_metric_catalog(as_user, owner):
    response = as_user(owner).get("/api/v1/metrics")
    assert response.status_code == 200
    data = response.json()
    romi = next(m for m in data["metrics"] if m["name"] == "romi")
    assert romi == {"name": "romi", "label": "ROMI", "format": "percent", "higher_is_better": True,
                    "description": "(revenue - spend) / spend.", "parts": ["revenue", "spend"],
                    "groupings": ["none", "source", "account", "campaign", "channel"]}
    assert [m["name"] for m in data["attribution_models"]][:2] == ["last_touch", "first_touch"]
    assert data["granularities"] == ["day", "week", "month", "quarter", "year"]
