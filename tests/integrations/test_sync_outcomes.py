"""How syncs end when the platform misbehaves: refresh, reconnect, retries with backoff, readable errors."""

from __future__ import annotations

import json

import pytest

from analyticaflow.integrations.models import Integration, SyncRun
from analyticaflow.integrations.syncing import credential_load
from analyticaflow.jobs.embedded import jobs_run_until_idle
from analyticaflow.jobs.models import Job
from tests.integrations.conftest import follow_provider, link_account

pytestmark = pytest.mark.django_db


def sync_now(client, project, integration_id: int) -> list[str]:
    response = client.post(f"/api/v1/projects/{project.id}/integrations/{integration_id}/sync")
    assert response.status_code == 202, response.content
    return jobs_run_until_idle()


def state(client, project, integration_id: int) -> dict:
    return client.get(f"/api/v1/projects/{project.id}/integrations/{integration_id}").json()


def test_an_expired_token_is_refreshed_and_the_new_one_stored(google_fake, api_as, owner, project, browser,
                                                              warehouse):
    case, fake = google_fake
    client = api_as(owner)
    body = link_account(client=client, browser=browser, project=project, case=case)
    before = credential_load(integration_id=body["id"])
    fake.tokens.expire_access()
    assert sync_now(client, project, body["id"]) == ["done"]
    after = credential_load(integration_id=body["id"])
    assert state(client, project, body["id"])["status"] == "ok"
    assert fake.tokens.refreshes == 1
    assert after.access_token != before.access_token and fake.tokens.state(after.access_token.reveal()) == "ok"
    assert after.refresh_token == before.refresh_token


@pytest.mark.parametrize("platform_fixture", ["google_fake", "meta_fake"])
def test_a_revoked_grant_needs_the_user_and_reconnect_resumes(request, platform_fixture, api_as, owner, project,
                                                              browser, warehouse):
    case, fake = request.getfixturevalue(platform_fixture)
    client = api_as(owner)
    body = link_account(client=client, browser=browser, project=project, case=case)
    fake.tokens.revoke_all()
    assert sync_now(client, project, body["id"]) == ["failed"]
    current = state(client, project, body["id"])
    assert current["status"] == "reauth_required"
    assert "Reconnect the account" in current["error_message"]
    assert current["last_run"]["status"] == "reauth_required"
    # Nothing retries a grant that is gone, and "Sync now" says what to do instead.
    refused = client.post(f"/api/v1/projects/{project.id}/integrations/{body['id']}/sync")
    assert refused.status_code == 409 and "reconnect" in refused.json()["error"]["message"]

    reconnect = client.post(f"/api/v1/projects/{project.id}/integrations/{body['id']}/reconnect")
    assert reconnect.status_code == 200
    callback = browser.get(follow_provider(reconnect.json()["authorize_url"]))
    # The account is known: no picking, straight back to the integrations page.
    assert callback.status_code == 302 and callback["Location"] == f"/projects/{project.id}/integrations/"
    assert jobs_run_until_idle() == ["done"]
    current = state(client, project, body["id"])
    assert current["status"] == "ok" and current["error_message"] == ""
    assert current["last_run"]["kind"] == "manual"
    assert Integration.objects.filter(project=project).count() == 1


def corrupt_first_page_with_data(fake) -> None:
    """The fake's "malformed" fault, applied to the first insights page that has rows (empty chunks pass)."""
    corrupt = fake.fault_malformed

    def fault_malformed(fault, request, normal):
        reply = normal()
        if not json.loads(reply.body)["data"]:
            fault.times += 1  # not used up on an empty page
            return reply
        return corrupt(fault, request, lambda: reply)

    fake.fault_malformed = fault_malformed
    fake.inject("malformed", path=r"/act_\d+/insights$")


def test_malformed_data_is_an_error_with_a_readable_message_and_no_gap(meta_fake, api_as, owner, project,
                                                                       browser, warehouse):
    case, fake = meta_fake
    client = api_as(owner)
    link_account(client=client, browser=browser, project=project, case=case, run_jobs=False)
    corrupt_first_page_with_data(fake)
    assert jobs_run_until_idle() == ["failed"]
    body = state(client, project, Integration.objects.get().id)
    assert body["status"] == "error"
    assert body["error_message"] == "Field 'spend' should be a number, got '12,50 EUR'."
    assert body["backfill"]["chunks_done"] == 1  # the first chunk (no data in it) loaded; the second failed
    assert body["backfill"]["percent"] < 100 and body["last_synced_at"] is None
    assert Job.objects.get().status == "failed"
    # The next sync resumes the backfill at the failed chunk and completes it.
    assert sync_now(client, project, body["id"]) == ["done"]
    current = state(client, project, body["id"])
    assert current["status"] == "ok" and current["backfill"]["percent"] == 100
    assert current["backfill"]["rows"] == 30
    assert warehouse.query(f"SELECT count(*) FROM ad_spend_daily WHERE project_id = {project.id}") == [(30,)]


def test_a_truncated_page_is_an_error_too(google_fake, api_as, owner, project, browser, warehouse):
    case, fake = google_fake
    client = api_as(owner)
    link_account(client=client, browser=browser, project=project, case=case, run_jobs=False)
    fake.inject("partial", path=r"googleAds:searchStream$", times=100)
    assert jobs_run_until_idle() == ["failed"]
    body = state(client, project, Integration.objects.get().id)
    assert body["status"] == "error"
    assert "is not valid JSON" in body["error_message"] and "truncated" in body["error_message"]


def test_transient_failures_are_retried_with_backoff_until_they_pass(meta_fake, api_as, owner, project, browser,
                                                                     warehouse):
    case, fake = meta_fake
    client = api_as(owner)
    # 8 answers of 500: one job attempt makes 6 calls (the HTTP layer's retries), the second gets through.
    fake.inject("server_error", path=r"/act_\d+/insights$", times=8)
    body = link_account(client=client, browser=browser, project=project, case=case)
    assert body["status"] == "ok" and body["backfill"]["rows"] == 30
    runs = list(SyncRun.objects.filter(integration_id=body["id"]).order_by("started_at", "id"))
    assert [run.status for run in runs] == ["retrying", "ok"]
    assert "Temporary problem (attempt 1 of 6)" in runs[0].error_message
    job = Job.objects.get()
    assert job.status == "done" and job.attempts == 2


def test_a_platform_that_stays_down_ends_in_error_after_the_last_attempt(meta_fake, api_as, owner, project, browser,
                                                                         warehouse):
    case, fake = meta_fake
    client = api_as(owner)
    fake.inject("server_error", path=r"/act_\d+/insights$", times=10_000)
    body = link_account(client=client, browser=browser, project=project, case=case)
    assert body["status"] == "error"
    assert body["error_message"] == ("Graph API error 2: An unexpected error has occurred. Please retry your request "
                                     "later.")
    job = Job.objects.get()
    assert job.status == "failed" and job.attempts == job.max_attempts == 6
    assert SyncRun.objects.filter(integration_id=body["id"], status="retrying").count() == 5


def test_a_refused_login_comes_back_as_a_message(google_fake, api_as, owner, project, browser):
    client = api_as(owner)
    created = client.post(f"/api/v1/projects/{project.id}/integrations", {"type": "google_ads"}, format="json").json()
    from urllib.parse import parse_qs, urlsplit

    state_value = parse_qs(urlsplit(created["authorize_url"]).query)["state"][0]
    response = browser.get(f"/integrations/callback?error=access_denied&state={state_value}", follow=True)
    assert response.redirect_chain[-1][0] == f"/projects/{project.id}/integrations/"
    assert "Connecting failed: The authorization was not granted: access_denied." in response.content.decode()
    assert Integration.objects.get().status == "pending"


def test_a_long_rate_limit_pause_comes_back_at_the_platforms_time(meta_fake, api_as, owner, project, browser,
                                                                  warehouse):
    from datetime import timedelta

    from django.utils import timezone

    case, fake = meta_fake
    client = api_as(owner)
    link_account(client=client, browser=browser, project=project, case=case, run_jobs=False)
    # Meta says the account may call again in 60 minutes: nobody waits inside the call; the job comes back then.
    fake.inject("rate_limit", path=r"/act_\d+/insights$", minutes=60)
    assert jobs_run_until_idle() == ["retry"]
    job = Job.objects.get()
    wait = (job.run_after - timezone.now()).total_seconds()
    assert 3500 < wait <= 3600
    body = state(client, project, Integration.objects.get().id)
    assert body["status"] == "syncing" and body["error_message"].startswith("Temporary problem (attempt 1 of 6)")
    assert jobs_run_until_idle(now=timezone.now() + timedelta(hours=1, minutes=1)) == ["done"]
    assert state(client, project, body["id"])["status"] == "ok"


def test_disconnecting_during_a_sync_stops_it_quietly(meta_fake, api_as, owner, project, browser, warehouse,
                                                      monkeypatch):
    from analyticaflow.integrations import syncing

    case, _ = meta_fake
    client = api_as(owner)
    body = link_account(client=client, browser=browser, project=project, case=case, run_jobs=False)
    keep_raw = syncing.keep_raw
    chunks = []

    def keep_raw_then_disconnect(result, *, platform):  # the user clicks Disconnect after the second chunk
        chunks.append(result)
        if len(chunks) == 2:
            assert client.delete(f"/api/v1/projects/{project.id}/integrations/{body['id']}").status_code == 204
        return keep_raw(result, platform=platform)

    monkeypatch.setattr(syncing, "keep_raw", keep_raw_then_disconnect)
    assert jobs_run_until_idle() == ["done"]
    assert len(chunks) == 2
    assert not Integration.objects.exists() and not SyncRun.objects.exists()
    assert Job.objects.get().status == "done"
