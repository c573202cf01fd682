"""The exchange-rates API and its effect on reports."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import add_member, make_user
from tests.reports.helpers import daily_spend
from tests.reports.test_api import KPI

pytestmark = pytest.mark.django_db
RATES = "/api/v1/projects/{}/exchange-rates"


@pytest.fixture
def eur_project(project):
    project.currency = "EUR"
    project.save()
    return project


def test_put_replaces_the_set_and_get_lists_it(as_user, owner, eur_project):
    client = as_user(owner)
    first = client.put(RATES.format(eur_project.id), {"rates": [
        {"currency": "USD", "valid_from": "2026-02-01", "rate": "0.93"},
        {"currency": "USD", "valid_from": "2026-01-01", "rate": "0.92"},
        {"currency": "GBP", "valid_from": "2026-01-01", "rate": "1.17"}]}, format="json")
    assert first.status_code == 200, first.content
    assert first.json() == {"reporting_currency": "EUR", "rates": [
        {"currency": "GBP", "valid_from": "2026-01-01", "rate": "1.170000000000"},
        {"currency": "USD", "valid_from": "2026-01-01", "rate": "0.920000000000"},
        {"currency": "USD", "valid_from": "2026-02-01", "rate": "0.930000000000"}]}
    client.put(RATES.format(eur_project.id), {"rates": [{"currency": "CHF", "valid_from": "2026-01-01",
                                                         "rate": "1.05"}]}, format="json")
    assert client.get(RATES.format(eur_project.id)).json()["rates"] == [
        {"currency": "CHF", "valid_from": "2026-01-01", "rate": "1.050000000000"}]


@pytest.mark.parametrize(
    ("rates", "field", "reason"),
    [
        ([{"currency": "usd", "valid_from": "2026-01-01", "rate": "1"}], "rates.0.currency", "does not match"),
        ([{"currency": "USD", "valid_from": "2026-01-01", "rate": "0"}], "rates.0.rate", "greater than 0"),
        ([{"currency": "USD", "valid_from": "2026-01-01", "rate": "-1"}], "rates.0.rate", "greater than or equal"),
        ([{"currency": "USD", "valid_from": "soon", "rate": "1"}], "rates.0.valid_from", "wrong format"),
        ([{"currency": "EUR", "valid_from": "2026-01-01", "rate": "1"}], "rates.0.currency",
         "reporting currency"),
        ([{"currency": "USD", "valid_from": "2026-01-01", "rate": "1"},
          {"currency": "USD", "valid_from": "2026-01-01", "rate": "2"}], "rates.1.valid_from", "already has a rate"),
    ],
)
def test_bad_rates_are_400_naming_the_entry(as_user, owner, eur_project, rates, field, reason):
    response = as_user(owner).put(RATES.format(eur_project.id), {"rates": rates}, format="json")
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    assert any(reason in text for text in fields[field]), fields


def test_viewers_read_rates_but_cannot_change_them(as_user, eur_project):
    viewer = make_user("viewer@shop.test")
    add_member(eur_project, viewer, "viewer")
    client = as_user(viewer)
    assert client.get(RATES.format(eur_project.id)).status_code == 200
    response = client.put(RATES.format(eur_project.id), {"rates": []}, format="json")
    assert response.status_code == 403


def test_reports_use_the_rates(as_user, owner, eur_project, process_warehouse):
    daily_spend(process_warehouse, source="google_ads", account="g", campaign_id="c", name="C", first=date(2026, 3, 1),
                days=4, spend="10", currency="USD", project_id=eur_project.id)
    client = as_user(owner)
    body = {"date_from": "2026-03-01", "date_to": "2026-03-04", "metrics": ["spend"]}
    before = client.post(KPI.format(eur_project.id), body, format="json").json()
    assert before["current"] == {"spend": 0.0}
    assert before["warnings"][0]["currency"] == "USD"
    assert before["warnings"][0]["date_ranges"] == [["2026-03-01", "2026-03-04"]]
    client.put(RATES.format(eur_project.id), {"rates": [{"currency": "USD", "valid_from": "2026-03-03",
                                                         "rate": "0.5"}]}, format="json")
    after = client.post(KPI.format(eur_project.id), body, format="json").json()
    assert after["current"] == {"spend": 10.0}  # 3 and 4 March converted; 1 and 2 March still left out
    assert after["warnings"][0]["date_ranges"] == [["2026-03-01", "2026-03-02"]]
