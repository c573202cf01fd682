"""Scale mode's Celery tasks: thin wrappers around the runner-neutral execution and tick."""

from __future__ import annotations

from django.db import close_old_connections

from analyticaflow.jobs.broker import RUN_TASK, TICK_TASK, app
from analyticaflow.jobs.execution import job_run_claimed
from analyticaflow.jobs.scheduling import jobs_tick
from analyticaflow.jobs.services import runner_name


@app.task(name=RUN_TASK, ignore_result=True)
def run_job(job_id: int) -> str | None:
    return job_run_claimed(job_id=job_id, runner=f"celery:{runner_name()}")


@app.task(name=TICK_TASK, ignore_result=True)
def tick() -> None:
    close_old_connections()
    jobs_tick()
