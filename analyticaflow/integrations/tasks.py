"""The integrations' jobs, registered once for both runners (embedded threads and Celery workers)."""

from __future__ import annotations

from datetime import datetime

from analyticaflow.integrations.services import SYNC_JOB, integrations_enqueue_due, links_delete_expired
from analyticaflow.integrations.syncing import integration_sync
from analyticaflow.jobs.registry import JobContext, job, periodic


@job(SYNC_JOB, max_attempts=6)
def sync(*, integration_id: int, kind: str, job: JobContext) -> None:
    integration_sync(integration_id=integration_id, kind=kind, job=job)


@periodic("integrations.daily_syncs")
def daily_syncs(*, now: datetime) -> None:
    integrations_enqueue_due(now=now)


@periodic("integrations.expired_links")
def expired_links(*, now: datetime) -> None:
    links_delete_expired(now=now)
