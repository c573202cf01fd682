"""The attribution report over HTTP on the process-wide warehouse (DuckDB and ClickHouse): the hand-computed shop
of ``report_scenario`` with spend joined per channel, campaign and channel group; access; 400s naming the field."""

from __future__ import annotations

import pytest

from analyticaflow.accounts import services as accounts
from analyticaflow.accounts.models import Role
from analyticaflow.channeldata.schema import channel_tables_ensure
from analyticaflow.warehouse.backends import close_warehouse, get_warehouse
from tests.attribution.report_scenario import load_shop
from tests.factories import add_member, make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/projects/{}/reports/attribution"
BODY = {"date_from": "2026-03-01", "date_to": "2026-03-10"}
WAREHOUSE_URLS = {"duckdb": "duckdb:///{}/warehouse.duckdb", "chdb": "chdb:///{}/chdb"}


def open_process_warehouse(settings, url: str):
    close_warehouse()
    settings.ANALYTICAFLOW_WAREHOUSE_URL = url
    opened = get_warehouse()
    channel_tables_ensure(warehouse=opened)
    return opened


def loaded(settings, tmp_path, project, kind: str):
    warehouse = open_process_warehouse(settings, WAREHOUSE_URLS[kind].format(tmp_path))
    project.currency = "EUR"
    project.save()
    load_shop(warehouse, project_id=project.id)
    return project


@pytest.fixture(params=list(WAREHOUSE_URLS))
def shop(request, settings, tmp_path, project):
    """The scenario's shop in the process-wide warehouse of each kind (what the server reads)."""
    yield loaded(settings, tmp_path, project, request.param)
    close_warehouse()


@pytest.fixture
def duck_shop(settings, tmp_path, project):
    """The same on DuckDB only, for behaviour above the SQL (groupings of the same credit, filters)."""
    yield loaded(settings, tmp_path, project, "duckdb")
    close_warehouse()


@pytest.fixture
def empty(settings, tmp_path, project):
    open_process_warehouse(settings, WAREHOUSE_URLS["duckdb"].format(tmp_path))
    yield project
    close_warehouse()


def post(client, project, **body):
    return client.post(URL.format(project.id), {**BODY, **body}, format="json")


def rows_by_label(data: dict, model: str) -> dict:
    return {row["label"]: (row["spend"], row["credit"][model]) for row in data["rows"]}


def credit(conversions, value, cpa=None, roas=None, romi=None) -> dict:
    return {"conversions": pytest.approx(conversions), "value": pytest.approx(value),
            "cpa": None if cpa is None else pytest.approx(cpa), "roas": None if roas is None else pytest.approx(roas),
            "romi": None if romi is None else pytest.approx(romi)}


def test_every_model_by_channel_with_spend(as_user, owner, shop):
    response = post(as_user(owner), shop)
    assert response.status_code == 200, response.content
    data = response.json()
    assert [m["name"] for m in data["models"]] == ["first_touch", "last_touch", "last_non_direct", "linear",
                                                   "time_decay", "position_based", "markov", "shapley"]
    assert (data["currency"], data["group_by"], data["lookback_days"]) == ("EUR", "channel", 30)
    # last touch: google 2 conversions worth 1100 for 200 of spend; facebook spent 100 for nothing; direct
    # and the newsletter have no spend, so no cost metrics.
    assert rows_by_label(data, "last_touch") == {
        "google": (200.0, credit(2, 1100, cpa=100, roas=5.5, romi=4.5)),
        "direct": (0.0, credit(2, 260)),
        "facebook": (100.0, credit(0, 0, cpa=None, roas=0, romi=-1)),
        "newsletter": (0.0, credit(0, 0)),
    }
    assert data["totals"]["spend"] == 300.0
    # markov: 4/3 conversions and 1360·220/408 to google → CPA 200/(4/3), ROAS (2200/3)/200.
    assert data["totals"]["credit"]["markov"] == credit(4, 1360, cpa=75, roas=1360 / 300, romi=1060 / 300)
    assert rows_by_label(data, "markov")["google"][1] == credit(4 / 3, 2200 / 3, cpa=150, roas=11 / 3, romi=8 / 3)


def test_by_campaign_spend_is_matched_by_cleaned_name_and_by_id(as_user, owner, shop):
    data = post(as_user(owner), shop, models=["linear"], group_by="campaign").json()
    assert rows_by_label(data, "linear") == {
        # facebook/cpc "Spring Sale" ~ meta_ads c1 "Spring Sale" (cleaned names); google/cpc "g-77" ~ id g-77.
        "google_ads · Brand": (200.0, credit(1.5, 1050, cpa=200 / 1.5, roas=5.25, romi=4.25)),
        "direct · (no campaign)": (0.0, credit(1.5, 230)),
        "meta_ads · Spring Sale": (100.0, credit(0.5, 50, cpa=200, roas=0.5, romi=-0.5)),
        "newsletter · weekly": (0.0, credit(0.5, 30)),
    }
    google = next(row for row in data["rows"] if row["label"] == "google_ads · Brand")
    assert google["group"] == {"source": "google_ads", "account_id": "123-456", "campaign_id": "g-77",
                               "campaign_name": "Brand"}


def test_by_channel_group(as_user, owner, duck_shop):
    data = post(as_user(owner), duck_shop, models=["last_touch"], group_by="channel_group").json()
    assert rows_by_label(data, "last_touch") == {
        "Paid search": (200.0, credit(2, 1100, cpa=100, roas=5.5, romi=4.5)),
        "Direct": (0.0, credit(2, 260)),
        "Paid social": (100.0, credit(0, 0, roas=0, romi=-1)),
        "Email": (0.0, credit(0, 0)),
    }
    assert {row["group"]["channel_group"] for row in data["rows"]} == {"paid_search", "direct", "paid_social",
                                                                       "email"}


def test_the_projects_channel_grouping_applies(as_user, owner, duck_shop):
    client = as_user(owner)
    client.put(f"/api/v1/projects/{duck_shop.id}/channel-grouping", {"rules": {"google/cpc": "referral"}},
               format="json")
    data = post(client, duck_shop, models=["last_touch"], group_by="channel_group").json()
    # The visits move to referral; google_ads spend follows its source's rule (none): still paid search.
    assert rows_by_label(data, "last_touch")["Referral"] == (0.0, credit(2, 1100))
    assert rows_by_label(data, "last_touch")["Paid search"] == (200.0, credit(0, 0, roas=0, romi=-1))


@pytest.mark.parametrize(("filters", "labels"), [
    ({"source": ["meta_ads"]}, {"meta_ads · Spring Sale"}),
    ({"channel_group": ["email", "direct"]}, {"newsletter · weekly", "direct · (no campaign)"}),
])
def test_filters_keep_the_rows_they_name(as_user, owner, duck_shop, filters, labels):
    data = post(as_user(owner), duck_shop, models=["linear"], group_by="campaign", filters=filters).json()
    assert {row["label"] for row in data["rows"]} == labels
    # Credit is computed over every journey first: a filter only hides rows.
    assert data["conversions"]["count"] == 4


def test_a_viewer_and_a_read_api_key_can_run_it(as_user, api, empty):
    viewer = make_user("viewer@shop.test")
    add_member(empty, viewer, Role.VIEWER)
    assert post(as_user(viewer), empty).status_code == 200
    issued = accounts.api_key_issue(project=empty, name="bi", created_by=None)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.raw_key}")
    response = post(api, empty, models=["shapley"])
    assert response.status_code == 200
    assert response.json()["rows"] == [] and response.json()["conversions"]["count"] == 0


def test_a_stranger_gets_403_and_no_login_401(as_user, api, empty):
    assert post(as_user(make_user("stranger@shop.test")), empty).status_code == 403
    assert post(api, empty).status_code == 401


@pytest.mark.parametrize(("body", "field"), [
    ({"models": ["last_click"]}, "models"),
    ({"models": ["linear", "linear"]}, "models"),
    ({"models": []}, "models"),
    ({"lookback_days": 0}, "lookback_days"),
    ({"lookback_days": 366}, "lookback_days"),
    ({"half_life_days": 0}, "half_life_days"),
    ({"group_by": "source"}, "group_by"),
    ({"date_to": "2026-02-01"}, "date_to"),
    ({"date_from": "March"}, "date_from"),
    ({"date_from": "2000-01-01", "date_to": "2026-01-01"}, "date_to"),
    ({"filters": {"channel_group": ["tv"]}}, "filters"),
    ({"filters": {"country": ["DE"]}}, "filters"),
    ({"attribution_model": "linear"}, "attribution_model"),
])
def test_bad_input_is_a_400_naming_the_field(as_user, owner, empty, body, field):
    response = post(as_user(owner), empty, **body)
    assert response.status_code == 400, response.content
    assert any(name.split(".")[0] == field for name in response.json()["error"]["fields"]), response.json()
