"""The integrations API: validation per platform, the authorize URL, roles, schedule updates, disconnect."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from analyticaflow.integrations.models import Credential, Integration
from tests.factories import make_project, make_user

pytestmark = pytest.mark.django_db


def integrations_url(project) -> str:
    return f"/api/v1/projects/{project.id}/integrations"


CUSTOMER_ID_HELP = ["Expected a 10-digit customer id like 123-456-7890."]


@pytest.mark.parametrize(("settings_data", "status", "fields"), [
    ({"customer_id": "123-456-7890"}, 201, None),
    ({"customer_id": "1234567890", "login_customer_id": "111-222-3333"}, 201, None),
    ({}, 201, None),
    ({"customer_id": "invalid-id"}, 400, {"settings.customer_id": CUSTOMER_ID_HELP}),
    ({"customer_id": "123-456-789"}, 400, {"settings.customer_id": CUSTOMER_ID_HELP}),
    ({"level": "keyword"}, 400, {"settings.level": ['"keyword" is not a valid choice.']}),
    ({"colour": "red"}, 400, {"settings.colour": ["Unknown setting for Google Ads."]}),
])
def test_google_ads_settings_are_validated(api_as, owner, project, google_fake, settings_data, status, fields):
    response = api_as(owner).post(integrations_url(project), {"type": "google_ads", "settings": settings_data},
                                   format="json")
    assert response.status_code == status, response.content
    if fields is not None:
        assert response.json()["error"]["fields"] == fields
        assert not Integration.objects.exists()


def test_create_returns_a_pending_integration_and_the_authorize_url_with_pkce(api_as, owner, project, google_fake):
    _, fake = google_fake
    response = api_as(owner).post(integrations_url(project),
                                   {"type": "google_ads", "settings": {"customer_id": "123-456-7890"}}, format="json")
    body = response.json()
    assert response.status_code == 201
    assert body["status"] == "pending" and body["type"] == "google_ads" and body["label"] == "Google Ads"
    assert body["settings"] == {"customer_id": "1234567890", "level": "campaign"}
    assert body["account"] is None and body["sync_hour"] == 6
    url = urlsplit(body["authorize_url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{fake.url}/o/oauth2/v2/auth"
    query = {name: values[0] for name, values in parse_qs(url.query).items()}
    assert query["redirect_uri"] == "http://testserver/integrations/callback"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["access_type"] == "offline" and len(query["state"]) >= 40
    # Only the state's hash is stored.
    link = Integration.objects.get().link_requests.get()
    assert query["state"] not in link.state_hash and link.state_hash


@pytest.mark.parametrize(("payload", "field"), [
    ({"type": "myspace_ads"}, "type"),
    ({"type": "google_ads", "sync_hour": 24}, "sync_hour"),
    ({"type": "google_ads", "settings": ["customer_id"]}, "settings"),
    ({}, "type"),
])
def test_bad_requests_name_the_field(api_as, owner, project, google_fake, payload, field):
    response = api_as(owner).post(integrations_url(project), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_a_platform_without_app_credentials_says_which_settings_are_missing(api_as, owner, project, settings):
    settings.ANALYTICAFLOW_YAHOO_ADS_CLIENT_ID = ""
    response = api_as(owner).post(integrations_url(project), {"type": "yahoo_ads"}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "platform_not_configured"
    assert "ANALYTICAFLOW_YAHOO_ADS_CLIENT_ID" in error["message"]
    assert not Integration.objects.exists()


def test_x_ads_links_with_oauth_1(api_as, owner, project, settings):
    from tests.integrations.conftest import start_platform

    _, fake = start_platform(settings, "twitter_ads")
    try:
        response = api_as(owner).post(integrations_url(project), {"type": "twitter_ads"}, format="json")
    finally:
        fake.stop()
    assert response.status_code == 201
    url = urlsplit(response.json()["authorize_url"])
    assert url.path == "/oauth/authorize" and parse_qs(url.query)["oauth_token"][0].startswith("req-")


@pytest.mark.parametrize(("role", "read", "write"), [
    ("owner", 200, 201), ("marketer", 200, 201), ("viewer", 200, 403), (None, 403, 403)])
def test_roles(api_as, project, google_fake, role, read, write):
    from tests.factories import add_member

    user = make_user(f"{role or 'stranger'}-x@shop.test")
    if role is not None and role != "owner":
        add_member(project, user, role)
    elif role == "owner":
        add_member(project, user, "owner")
    client = api_as(user)
    assert client.get(integrations_url(project)).status_code == read
    assert client.post(integrations_url(project), {"type": "google_ads"}, format="json").status_code == write


def test_another_projects_integration_is_not_found(api_as, owner, project, google_fake):
    created = api_as(owner).post(integrations_url(project), {"type": "google_ads"}, format="json").json()
    other = make_project(owner, name="Other shop")
    response = api_as(owner).get(f"{integrations_url(other)}/{created['id']}")
    assert response.status_code == 404


def test_update_schedule_and_settings(api_as, owner, project, google_fake, settings):
    project.timezone = "Europe/Berlin"
    project.save()
    client = api_as(owner)
    created = client.post(integrations_url(project), {"type": "google_ads"}, format="json").json()
    url = f"{integrations_url(project)}/{created['id']}"
    response = client.patch(url, {"sync_hour": 4, "settings": {"level": "ad_group"}}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["sync_hour"] == 4 and body["settings"] == {"level": "ad_group"}
    next_run = datetime.fromisoformat(body["next_sync_at"].replace("Z", "+00:00"))
    # 04:00 in Berlin is 02:00 or 03:00 UTC depending on the season.
    assert next_run.astimezone(UTC).hour in (2, 3) and next_run > datetime.now(UTC)
    bad = client.patch(url, {"sync_hour": 25}, format="json")
    assert bad.status_code == 400 and "sync_hour" in bad.json()["error"]["fields"]
    bad = client.patch(url, {"settings": {"customer_id": "invalid-id"}}, format="json")
    assert bad.status_code == 400 and "settings.customer_id" in bad.json()["error"]["fields"]


def test_delete_disconnects_and_deletes_the_credentials(api_as, owner, project, google_fake, browser, warehouse):
    from tests.integrations.conftest import link_account

    case, _ = google_fake
    body = link_account(client=api_as(owner), browser=browser, project=project, case=case, run_jobs=False)
    assert Credential.objects.filter(integration_id=body["id"]).exists()
    response = api_as(owner).delete(f"{integrations_url(project)}/{body['id']}")
    assert response.status_code == 204
    assert not Integration.objects.filter(id=body["id"]).exists()
    assert not Credential.objects.exists()


def test_the_platform_catalogue(api_as, owner, db):
    response = api_as(owner).get("/api/v1/integrations/platforms")
    assert response.status_code == 200
    platforms = {entry["type"]: entry for entry in response.json()}
    assert list(platforms) == ["meta_ads", "instagram", "google_ads", "twitter_ads", "yahoo_ads"]
    assert platforms["twitter_ads"]["oauth"] == "oauth1" and platforms["meta_ads"]["oauth"] == "oauth2"
    assert platforms["instagram"]["kind"] == "social" and platforms["yahoo_ads"]["kind"] == "ads"
    assert platforms["meta_ads"]["restatement_days"] == 28
    google_fields = {field["name"]: field for field in platforms["google_ads"]["settings"]}
    assert google_fields["customer_id"]["help"] == "Expected a 10-digit customer id like 123-456-7890."
    assert google_fields["level"]["choices"] == ["campaign", "ad_group", "ad"]


def test_the_integrations_api_is_in_the_openapi_schema(api_as, owner):
    schema = api_as(owner).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    base = "/api/v1/projects/{project_id}/integrations"
    assert {"get", "post"} <= set(paths[base])
    assert {"get", "patch", "delete"} <= set(paths[f"{base}/{{integration_id}}"])
    for action in ("sync", "reconnect", "accounts", "runs"):
        assert f"{base}/{{integration_id}}/{action}" in paths
    assert "/api/v1/integrations/platforms" in paths
    created = schema["components"]["schemas"]["IntegrationCreated"]["properties"]
    assert {"authorize_url", "status", "backfill", "account"} <= set(created)
    assert schema["components"]["schemas"]["IntegrationStatusEnum"]["enum"] == [
        "pending", "syncing", "ok", "error", "reauth_required"]
