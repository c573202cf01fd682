"""The attribution page shell: who may open it, what it hands its script, and its place in the menu."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from analyticaflow.accounts.models import Role
from tests.factories import add_member, make_user

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def config_of(html: str) -> dict:
    found = re.search(r'<script id="dashboard-config" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def test_the_page_hands_its_script_the_report_url_and_every_model(owner, project):
    response = logged_in(owner).get(f"/projects/{project.id}/attribution/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="comparison"' in html and 'id="model-picker"' in html and 'id="lookback"' in html
    assert "web/js/attribution.js" in html and "web/vendor/chart.umd.min.js" in html
    config = config_of(html)
    assert config["urls"]["attribution"] == f"/api/v1/projects/{project.id}/reports/attribution"
    assert [m["name"] for m in config["models"]] == ["first_touch", "last_touch", "last_non_direct", "linear",
                                                     "time_decay", "position_based", "markov", "shapley"]
    assert all(m["label"] and m["description"] for m in config["models"])


def test_the_menu_links_the_page_on_every_project_page(owner, project):
    client = logged_in(owner)
    for path in ("", "utm-audit/", "attribution/", "settings/"):
        html = client.get(f"/projects/{project.id}/{path}").content.decode()
        assert f'href="/projects/{project.id}/attribution/"' in html, path
    html = client.get(f"/projects/{project.id}/attribution/").content.decode()
    assert re.search(r'class="nav-link active" href="/projects/\d+/attribution/"', html)


def test_viewers_open_it_strangers_get_403_and_anonymous_users_log_in(project):
    viewer = make_user("viewer@shop.test")
    add_member(project, viewer, Role.VIEWER)
    assert logged_in(viewer).get(f"/projects/{project.id}/attribution/").status_code == 200
    assert logged_in(make_user("stranger@shop.test")).get(f"/projects/{project.id}/attribution/").status_code == 403
    response = Client().get(f"/projects/{project.id}/attribution/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
