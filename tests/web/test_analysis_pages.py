"""The analysis pages' shells: members (viewers too) get them with their config and the menu; others do not."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tests.factories import add_member, make_user

pytestmark = pytest.mark.django_db

PAGES = [("funnels", "analysis_funnel.js"), ("cohorts", "analysis_cohorts.js"), ("ltv", "analysis_ltv.js"),
         ("journeys", "analysis_journeys.js"), ("people", "analysis_person.js")]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("path", "script"), PAGES)
def test_a_viewer_gets_the_page_with_its_config_and_menu(project, path, script):
    viewer = make_user("viewer@shop.test")
    add_member(project, viewer, "viewer")
    response = logged_in(viewer).get(f"/projects/{project.id}/{path}/")
    assert response.status_code == 200
    html = response.content.decode()
    config = json.loads(re.search(r'id="analysis-config" type="application/json">(.*?)</script>', html).group(1))
    assert config["project"]["id"] == project.id
    assert config["urls"]["funnel"] == f"/api/v1/projects/{project.id}/reports/funnel"
    assert config["urls"]["person_page"] == f"/projects/{project.id}/people/"
    assert f"web/js/{script}" in html and "chart.umd.min.js" in html
    for link, label in (("funnels", "Funnels"), ("cohorts", "Cohorts"), ("ltv", "Lifetime value"),
                        ("journeys", "Journeys")):
        assert f'href="/projects/{project.id}/{link}/"' in html and label in html
    active = re.search(r'class="nav-link active" href="/projects/\d+/(\w+)/"', html).group(1)
    assert active == ("journeys" if path == "people" else path)


@pytest.mark.parametrize(("path", "script"), PAGES)
def test_non_members_are_refused_and_strangers_sent_to_log_in(project, path, script):
    stranger = make_user("stranger@else.test")
    assert logged_in(stranger).get(f"/projects/{project.id}/{path}/").status_code == 403
    response = Client().get(f"/projects/{project.id}/{path}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
