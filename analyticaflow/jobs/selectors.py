"""Reads on jobs."""

from __future__ import annotations

from django.db.models import Count

from analyticaflow.jobs.models import ACTIVE_STATUSES, Job


def job_active_for(*, dedupe_key: str) -> Job | None:
    """The queued or running job holding ``dedupe_key``, if any."""
    return Job.objects.filter(dedupe_key=dedupe_key, status__in=ACTIVE_STATUSES).first()


def jobs_summary() -> dict[str, int]:
    """Number of jobs per status."""
    return dict(Job.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))


def job_get(*, job_id: int) -> Job | None:
    return Job.objects.filter(id=job_id).first()
