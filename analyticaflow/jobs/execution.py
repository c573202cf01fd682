"""Running one claimed job, the same way in both runners: call its function, keep its lease, record the outcome.

The outcome follows the error's own ``transient`` property: transient → back in the queue after a backoff
(or the ``retry_after`` the error carries) until ``max_attempts``; anything else → failed with its message.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from django.conf import settings
from django.db import close_old_connections, connection

from analyticaflow.errors import AppError
from analyticaflow.jobs import services
from analyticaflow.jobs.models import Job
from analyticaflow.jobs.registry import JobContext, UnknownJob, is_transient, job_spec

logger = logging.getLogger(__name__)

DONE, RETRY, FAILED = "done", "retry", "failed"


class LeaseKeeper:
    """Renews a running job's lease from a side thread while the job works (a crash stops the renewals)."""

    def __init__(self, *, job_id: int, runner: str) -> None:
        self.job_id = job_id
        self.runner = runner
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job_id}-lease", daemon=True)

    def _run(self) -> None:
        interval = max(settings.ANALYTICAFLOW_JOBS_LEASE_SECONDS / 4, 0.5)
        try:
            while not self._stop.wait(interval):
                try:
                    services.job_extend_lease(job_id=self.job_id, runner=self.runner)
                except Exception:
                    logger.exception("could not renew the lease of job %s", self.job_id)
        finally:
            connection.close()

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if text.startswith(type(error).__name__) else f"{type(error).__name__}: {text}"


def job_execute(*, job: Job, runner: str) -> str:
    """Run a job this runner has claimed; returns ``done``, ``retry`` or ``failed``."""
    try:
        spec = job_spec(job.name)
    except UnknownJob as exc:
        services.job_fail(job_id=job.id, runner=runner, error=exc.message)
        return FAILED
    context = JobContext(
        job_id=job.id,
        name=job.name,
        attempt=job.attempts,
        max_attempts=job.max_attempts,
        extend_lease=lambda: services.job_extend_lease(job_id=job.id, runner=runner),
    )
    try:
        with LeaseKeeper(job_id=job.id, runner=runner):
            spec.function(**job.kwargs, job=context)
    except Exception as exc:
        message = describe(exc)
        if is_transient(exc) and not context.final_attempt:
            delay = services.retry_delay(attempt=job.attempts, retry_after=getattr(exc, "retry_after", None))
            services.job_retry_later(job_id=job.id, runner=runner, error=message, delay=delay)
            logger.info(
                "job %s %s: attempt %d/%d failed (%s); retry in %.0fs",
                job.name,
                job.id,
                job.attempts,
                job.max_attempts,
                message,
                delay,
            )
            return RETRY
        if isinstance(exc, AppError):  # an expected, typed failure: its message says it all
            logger.warning("job %s %s failed: %s", job.name, job.id, message)
        else:
            logger.exception("job %s %s failed", job.name, job.id)
        services.job_fail(job_id=job.id, runner=runner, error=message)
        return FAILED
    services.job_succeed(job_id=job.id, runner=runner)
    return DONE


def job_run_claimed(*, job_id: int, runner: str) -> str | None:
    """Claim one job by id and run it (the scale-mode task); None when it is not claimable (taken, done, not due)."""
    close_old_connections()
    job = services.job_claim(job_id=job_id, runner=runner)
    if job is None:
        return None
    return job_execute(job=job, runner=runner)
