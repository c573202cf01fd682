"""The scheduler tick: recover orphaned jobs, let each capability enqueue what is due, hand over due jobs.

Embedded mode calls it from a thread every ``ANALYTICAFLOW_JOBS_TICK_SECONDS``; scale mode from Celery beat.
Every step is idempotent, so an extra or a missed tick changes nothing but timing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from analyticaflow.jobs import services
from analyticaflow.jobs.registry import run_periodic


def jobs_tick(*, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    requeued = services.jobs_requeue_orphans(now=now)
    periodic = run_periodic(now)
    dispatched = services.jobs_dispatch_due(now=timezone.now())
    return {"requeued": requeued, "periodic": periodic, "dispatched": dispatched}
