"""Per platform: OAuth link against the fake provider → backfill → rows in the warehouse → the KPI API's totals.

The fakes serve 3 campaigns x 10 days (Instagram: 10 account days) placed a month ago; the expected totals are
derived by hand in tests/integrations/support.py. The backfill covers the whole last year in the platform's
chunks, so most chunks are empty: the totals also prove no chunk loaded a day twice.
"""

from __future__ import annotations

import pytest

from analyticaflow.integrations.models import Integration, SyncRun
from tests.integrations.conftest import link_account
from tests.integrations.support import FIRST_DAY, LAST_DAY

pytestmark = pytest.mark.django_db


def kpi(client, project, metrics, **extra):
    response = client.post(f"/api/v1/projects/{project.id}/reports/kpi",
                           {"date_from": FIRST_DAY.isoformat(), "date_to": LAST_DAY.isoformat(), "metrics": metrics,
                            **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_link_backfill_and_report(platform, api_as, owner, project, browser, warehouse):
    case, _ = platform
    project.currency = case.currency  # report in the account's currency: no exchange rate needed
    project.save()
    client = api_as(owner)
    body = link_account(client=client, browser=browser, project=project, case=case)

    assert body["status"] == "ok", body["error_message"]
    assert body["account"]["id"] == case.account_id
    assert body["account"]["currency"] == (None if case.table == "social_daily" else case.currency)
    backfill = body["backfill"]
    assert backfill["percent"] == 100 and backfill["rows"] == case.rows
    assert backfill["chunks_done"] == backfill["chunks_total"] > 1 and backfill["finished_at"]
    assert body["last_synced_at"] and body["last_run"]["kind"] == "backfill" and body["last_run"]["status"] == "ok"
    assert body["last_run"]["rows"] == case.rows and body["last_run"]["duration_seconds"] >= 0

    stored = warehouse.query(f"SELECT count(*) FROM {case.table} "
                             f"WHERE project_id = {project.id} AND account_id = '{case.account_id}'")
    assert stored == [(case.rows,)]

    report = kpi(client, project, list(case.kpis), filters={"source": [case.platform]})
    assert report["current"] == pytest.approx(case.kpis), report
    assert not report.get("warnings")


def test_a_second_sync_replaces_the_restatement_window_without_duplicates(meta_fake, api_as, owner, project,
                                                                          browser, warehouse):
    case, fake = meta_fake
    project.currency = "EUR"
    project.save()
    client = api_as(owner)
    body = link_account(client=client, browser=browser, project=project, case=case)
    # The platform restates a day inside the 28-day window: the daily sync must replace, not add.
    fake.campaigns = fake.campaigns[:2]  # campaign 3 disappears from every day (e.g. removed as invalid traffic)
    fake.row_cache = {}
    response = client.post(f"/api/v1/projects/{project.id}/integrations/{body['id']}/sync")
    assert response.status_code == 202
    from analyticaflow.jobs.embedded import jobs_run_until_idle

    assert jobs_run_until_idle() == ["done"]
    run = SyncRun.objects.filter(integration_id=body["id"]).first()
    assert run.kind == "manual" and run.status == "ok"
    # Days inside the restatement window now hold campaigns 1 and 2 only; days before it keep all three.
    window_first = run.date_from
    report = kpi(client, project, ["spend", "clicks"])
    days_in = sum(1 for offset in range(10) if FIRST_DAY.toordinal() + offset >= window_first.toordinal())
    days_out = 10 - days_in
    # Σclicks per day: campaigns 1..3 → 10·6 = 60; campaigns 1..2 → 10·3 = 30.
    assert report["current"]["clicks"] == 60 * days_out + 30 * days_in
    assert Integration.objects.get(id=body["id"]).status == "ok"


def test_the_sync_command(google_fake, api_as, owner, project, browser, warehouse, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    case, _ = google_fake
    body = link_account(client=api_as(owner), browser=browser, project=project, case=case)
    call_command("sync", "--list")
    listed = capsys.readouterr().out
    assert f"project {project.id} google_ads   1234567890" in listed and "history 100%" in listed
    call_command("sync", "--integration", str(body["id"]), "--run-here")
    out = capsys.readouterr().out
    assert out.startswith("queued 1 sync(s)") and " ok " in out
    assert SyncRun.objects.filter(integration_id=body["id"]).first().kind == "manual"
    with pytest.raises(CommandError, match="No linked integration 999"):
        call_command("sync", "--integration", "999")
    with pytest.raises(CommandError, match="--project"):
        call_command("sync")
