"""The Celery app of scale mode: Redis as broker, one task that runs a stored job and one beat-driven tick.

Messages only carry a job id: the job itself (arguments, attempts, status) lives in the metadata database, so a
lost or repeated message can neither lose nor double a job (claiming a job is one conditional UPDATE).
"""

from __future__ import annotations

from celery import Celery
from django.conf import settings

RUN_TASK = "analyticaflow.jobs.run"
TICK_TASK = "analyticaflow.jobs.tick"
QUEUE = "analyticaflow-jobs"

app = Celery("analyticaflow")
_configured_for: str | None = None


def configure(broker_url: str | None = None) -> Celery:
    """Apply the product's settings to the Celery app once (``broker_url`` overrides the setting)."""
    global _configured_for
    url = broker_url or settings.ANALYTICAFLOW_CELERY_BROKER_URL or "redis://127.0.0.1:6379/0"
    if _configured_for == url:
        return app
    _configured_for = url
    app.conf.update(
        broker_url=url,
        result_backend=None,
        task_ignore_result=True,
        task_default_queue=QUEUE,
        # A message is acknowledged after its job ran; the database row decides what happens after a crash.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        include=["analyticaflow.jobs.celery_tasks"],
        beat_schedule={
            "analyticaflow-jobs-tick": {"task": TICK_TASK, "schedule": float(settings.ANALYTICAFLOW_JOBS_TICK_SECONDS)},
        },
        timezone="UTC",
    )
    return app


def send_run(job_id: int) -> None:
    """Hand a stored job to the workers."""
    configure().send_task(RUN_TASK, args=[job_id], queue=QUEUE)
