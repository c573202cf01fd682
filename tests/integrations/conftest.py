from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from django.test import Client

from analyticaflow.jobs.embedded import jobs_run_until_idle
from analyticaflow.warehouse.backends import close_warehouse, get_warehouse
from tests.factories import add_member, make_user
from tests.integrations.support import CASES, FAST_CLOCK


@pytest.fixture(autouse=True)
def _connectors_do_not_wait(settings):
    settings.ANALYTICAFLOW_CONNECTOR_CLOCK = FAST_CLOCK
    settings.ANALYTICAFLOW_JOBS_BACKEND = "embedded"
    settings.ANALYTICAFLOW_JOBS_RETRY_BASE_SECONDS = 0


@pytest.fixture
def warehouse(settings) -> Iterator:
    """A fresh DuckDB warehouse as the process-wide one (what the sync jobs and the reports API use)."""
    directory = tempfile.mkdtemp(prefix="af-int-")
    close_warehouse()
    settings.ANALYTICAFLOW_WAREHOUSE_URL = f"duckdb:///{directory}/warehouse.duckdb"
    try:
        yield get_warehouse()
    finally:
        close_warehouse()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(params=list(CASES))
def platform(request, settings):
    """Each platform's fake server, with the product's settings pointing at it."""
    case = CASES[request.param]
    fake = case.start()
    for name, value in case.settings(fake).items():
        setattr(settings, name, value)
    try:
        yield case, fake
    finally:
        fake.stop()


def start_platform(settings, name: str):
    case = CASES[name]
    fake = case.start()
    for key, value in case.settings(fake).items():
        setattr(settings, key, value)
    return case, fake


@pytest.fixture
def meta_fake(settings):
    case, fake = start_platform(settings, "meta_ads")
    yield case, fake
    fake.stop()


@pytest.fixture
def google_fake(settings):
    case, fake = start_platform(settings, "google_ads")
    yield case, fake
    fake.stop()


@pytest.fixture
def browser(owner) -> Client:
    """A logged-in browser session of the project owner (the OAuth callback is a browser page)."""
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def api_as():
    """``api_as(user)`` → an API client acting as that user (no password round trip: Argon2 is slow by design)."""
    from rest_framework.test import APIClient

    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def marketer(project):
    user = make_user("marketer@shop.test")
    add_member(project, user, "marketer")
    return user


@pytest.fixture
def viewer(project):
    user = make_user("viewer@shop.test")
    add_member(project, user, "viewer")
    return user


def follow_provider(authorize_url: str) -> str:
    """What the user's browser does at the provider: it grants access and is redirected back; the callback path."""
    response = httpx.get(authorize_url, follow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    return f"{location.path}?{location.query}"


def link_account(*, client, browser: Client, project, case, settings_data=None, sync_hour: int = 6,
                 run_jobs: bool = True) -> dict:
    """The whole link: create → provider → callback → pick the case's account → (run the backfill).

    Returns the integration as read after the backfill; with ``run_jobs=False`` (the jobs may be running in a
    worker meanwhile) the integration as created."""
    created = client.post(f"/api/v1/projects/{project.id}/integrations",
                          {"type": case.platform, "settings": settings_data or case.settings_data,
                           "sync_hour": sync_hour}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    callback = browser.get(follow_provider(body["authorize_url"]))
    assert callback.status_code == 302, callback.content
    assert callback["Location"] == f"/projects/{project.id}/integrations/{body['id']}/accounts/"
    chosen = client.post(f"/api/v1/projects/{project.id}/integrations/{body['id']}/accounts",
                         {"account_ids": [case.account_id]}, format="json")
    assert chosen.status_code == 201, chosen.content
    if not run_jobs:
        return body
    jobs_run_until_idle()
    return client.get(f"/api/v1/projects/{project.id}/integrations/{body['id']}").json()
