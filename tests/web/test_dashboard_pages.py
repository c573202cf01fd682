"""The dashboard and UTM-audit shells: who may open them, what they hand the page's script, and that the
server computes no report to render them."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client, override_settings

from analyticaflow.accounts.models import Role
from analyticaflow.warehouse.backends import close_warehouse
from tests.factories import add_member, make_project, make_user

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def script_data(html: str, element_id: str) -> dict:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"no #{element_id} in the page"
    return json.loads(found.group(1))


def test_a_project_opens_on_its_dashboard(owner, project):
    response = logged_in(owner).get(f"/projects/{project.id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="dashboard"' in html and 'id="metric-chart"' in html
    assert "web/vendor/chart.umd.min.js" in html and "web/js/dashboard.js" in html
    assert 'name="csrf-token"' in html  # the script sends it with every POST


def test_the_page_config_names_the_project_the_report_urls_and_the_metric_registry(owner):
    shop = make_project(owner, name="Tokyo Shop", timezone_name="Asia/Tokyo", currency="JPY")
    config = script_data(logged_in(owner).get(f"/projects/{shop.id}/").content.decode(), "dashboard-config")
    assert config["project"] == {"id": shop.id, "name": "Tokyo Shop", "currency": "JPY", "timezone": "Asia/Tokyo"}
    base = f"/api/v1/projects/{shop.id}/reports/"
    assert config["urls"]["kpi"] == base + "kpi"
    assert config["urls"]["timeseries"] == base + "timeseries"
    assert config["urls"]["accounts"] == base + "accounts"
    assert config["urls"]["utm_audit"] == base + "utm-audit"
    assert config["urls"]["integrations"] == f"/projects/{shop.id}/integrations/"  # where the empty state leads
    metrics = config["metrics"]
    assert metrics["spend"]["format"] == "money" and metrics["spend"]["higher_is_better"] is False
    assert metrics["roas"]["format"] == "ratio" and metrics["roas"]["higher_is_better"] is True
    assert metrics["romi"]["format"] == "percent" and metrics["cac"]["higher_is_better"] is False


def test_tiles_only_name_metrics_the_registry_defines(owner, project):
    html = logged_in(owner).get(f"/projects/{project.id}/").content.decode()
    config = script_data(html, "dashboard-config")
    catalog = script_data(html, "platform-catalog")
    assert catalog["blended"]["tiles"] == ["spend", "revenue", "roas", "romi", "cac", "orders", "new_customers",
                                           "aov"]
    assert set(catalog["kinds"]) == {"ads", "social", "web", "crm"}
    for kind in catalog["kinds"].values():
        assert kind["tiles"]
        for name in [*kind["tiles"], *kind["table"]]:
            assert name in config["metrics"], name
    assert catalog["kinds"]["ads"]["table_group"] == "campaign" and catalog["kinds"]["web"]["table"] == []
    assert catalog["platforms"]["meta_ads"] == {"label": "Meta Ads", "icon": "meta", "kind": "ads"}
    assert catalog["platforms"]["ga4"]["kind"] == "web" and catalog["platforms"]["instagram"]["kind"] == "social"


def test_the_menu_holds_the_dashboard_its_accounts_and_the_audit_on_every_project_page(owner, project):
    client = logged_in(owner)
    for path in ("", "utm-audit/", "setup/", "settings/"):
        html = client.get(f"/projects/{project.id}/{path}").content.decode()
        assert f'data-accounts-url="/api/v1/projects/{project.id}/reports/accounts"' in html, path
        assert ">Dashboard</a>" in html and ">UTM audit</a>" in html and ">Tracking setup</a>" in html


def test_tracking_setup_shows_the_write_key(owner, project):
    html = logged_in(owner).get(f"/projects/{project.id}/setup/").content.decode()
    assert project.write_key in html and "/v1/track" in html


@pytest.mark.parametrize("path", ["", "utm-audit/", "setup/"])
def test_pages_of_a_foreign_project_answer_403(project, path):
    stranger = make_user("stranger@shop.test")
    assert logged_in(stranger).get(f"/projects/{project.id}/{path}").status_code == 403


@pytest.mark.parametrize("path", ["", "utm-audit/"])
def test_pages_need_a_login(project, path):
    response = Client().get(f"/projects/{project.id}/{path}")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_viewer_sees_the_dashboard(project):
    viewer = make_user("viewer@shop.test")
    add_member(project, viewer, Role.VIEWER)
    assert logged_in(viewer).get(f"/projects/{project.id}/").status_code == 200


@override_settings(ANALYTICAFLOW_WAREHOUSE_URL="nowhere://warehouse")
def test_the_shells_render_without_touching_the_warehouse(owner, project):
    # With no usable warehouse the pages still render: every number is fetched by the browser afterwards.
    close_warehouse()  # a warehouse opened by an earlier test would hide a call
    client = logged_in(owner)
    assert client.get(f"/projects/{project.id}/").status_code == 200
    assert client.get(f"/projects/{project.id}/utm-audit/").status_code == 200


def test_the_utm_audit_page_has_both_gap_tables(owner, project):
    html = logged_in(owner).get(f"/projects/{project.id}/utm-audit/").content.decode()
    assert 'id="unmatched-spend-table"' in html and 'id="unmatched-utms-table"' in html
    assert "web/js/utm_audit.js" in html
    assert script_data(html, "dashboard-config")["urls"]["utm_audit"].endswith("/reports/utm-audit")


def test_static_assets_are_served_by_the_app(owner, project):
    client = logged_in(owner)
    for path in ("web/vendor/chart.umd.min.js", "web/js/dashboard.js", "web/js/nav.js", "web/dashboard.css",
                 "web/platforms.svg"):
        response = client.get(f"/static/{path}")
        assert response.status_code == 200, path
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body, path
    chart = client.get("/static/web/vendor/chart.umd.min.js")
    assert b"Chart.js v4.6.1" in b"".join(chart.streaming_content)


def test_the_project_settings_selects_mark_the_current_zone_and_currency(owner):
    shop = make_project(owner, name="Tokyo Shop", timezone_name="Asia/Tokyo", currency="JPY")
    html = logged_in(owner).get(f"/projects/{shop.id}/settings/").content.decode()
    assert html.count("<option") > 500
    assert '<option value="Asia/Tokyo" selected>Asia/Tokyo</option>' in html
    assert '<option value="JPY" selected>JPY</option>' in html
    assert '<option value="Europe/Berlin">Europe/Berlin</option>' in html
    logged_in(owner).post(f"/projects/{shop.id}/settings/",
                          {"name": "Tokyo Shop", "timezone": "Mars/Olympus", "currency": "JPY"})
    shop.refresh_from_db()
    assert shop.timezone == "Asia/Tokyo"  # an unknown zone is refused
