"""Scale mode end to end: a link's backfill and the daily sync run on a Celery worker, scheduled by beat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from analyticaflow.integrations.models import Integration, SyncRun
from tests.integrations.conftest import link_account
from tests.integrations.support import FIRST_DAY, LAST_DAY
from tests.jobs.celery_support import celery_beat, celery_worker, retry_while_locked, use_celery, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_backfill_and_daily_sync_on_celery(meta_fake, settings, redis_url, api_as, owner, project, browser,
                                           warehouse):
    case, _ = meta_fake
    app = use_celery(settings, redis_url)
    project.currency = "EUR"
    project.save()
    client = api_as(owner)
    with celery_worker(app):
        body = link_account(client=client, browser=browser, project=project, case=case, run_jobs=False)
        wait_until(lambda: Integration.objects.get(id=body["id"]).status == "ok", what="the backfill finished")
        integration = Integration.objects.get(id=body["id"])
        assert integration.backfill_percent == 100 and integration.backfill_rows == 30

        # The integration's hour has come: beat's tick queues the daily sync and a worker runs it.
        retry_while_locked(lambda: Integration.objects.filter(id=body["id"]).update(
            next_sync_at=timezone.now() - timedelta(seconds=1)))
        with celery_beat(app):
            wait_until(lambda: SyncRun.objects.filter(integration_id=body["id"], kind="daily", status="ok").exists(),
                       what="the daily sync ran")
    daily = SyncRun.objects.get(integration_id=body["id"], kind="daily")
    assert (daily.date_to - daily.date_from).days + 1 == 28  # Meta's restatement window
    assert Integration.objects.get(id=body["id"]).next_sync_at > timezone.now()
    report = client.post(f"/api/v1/projects/{project.id}/reports/kpi",
                         {"date_from": FIRST_DAY.isoformat(), "date_to": LAST_DAY.isoformat(),
                          "metrics": ["spend", "clicks"]}, format="json").json()
    assert report["current"] == pytest.approx({"spend": 61.35, "clicks": 600})
