"""Writes on jobs: enqueue, claim, finish, retry, recover orphans, hand due jobs to the configured backend.

Claiming is one conditional UPDATE (``status = queued`` → ``running``), so two runners never run the same job;
finishing is conditional on still holding it (a runner that lost its lease cannot overwrite the next run).
"""

from __future__ import annotations

import functools
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from analyticaflow.jobs import broker, wakeup
from analyticaflow.jobs.models import ACTIVE_STATUSES, Job, JobStatus
from analyticaflow.jobs.registry import job_spec

logger = logging.getLogger(__name__)

MAX_ERROR_CHARS = 4000
LOCK_PAUSES = (0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
T = TypeVar("T")


def retry_when_locked(function: Callable[..., T]) -> Callable[..., T]:
    """Run a runner's bookkeeping again when the metadata database is momentarily locked by another writer
    (SQLite): losing it would leave a job claimed, or finished work unrecorded."""

    @functools.wraps(function)
    def attempt(*args: Any, **kwargs: Any) -> T:
        for pause in LOCK_PAUSES:
            try:
                return function(*args, **kwargs)
            except OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                time.sleep(pause)
        return function(*args, **kwargs)

    return attempt


def runner_name() -> str:
    """``host:pid:thread``: who holds a running job."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


def _lease() -> timedelta:
    return timedelta(seconds=settings.ANALYTICAFLOW_JOBS_LEASE_SECONDS)


# --- handing jobs to runners ---------------------------------------------------------------------------------
def _notify_embedded(job_ids: list[int]) -> None:
    wakeup.notify()


def _notify_celery(job_ids: list[int]) -> None:
    now = timezone.now()
    for job_id in job_ids:
        broker.send_run(job_id)
    Job.objects.filter(id__in=job_ids, status=JobStatus.QUEUED).update(dispatched_at=now)


BACKENDS = {"embedded": _notify_embedded, "celery": _notify_celery}


def backend_name() -> str:
    name = settings.ANALYTICAFLOW_JOBS_BACKEND
    if name not in BACKENDS:
        raise ValueError(f"ANALYTICAFLOW_JOBS_BACKEND must be one of {', '.join(BACKENDS)}, got {name!r}")
    return name


def _notify(job_ids: list[int]) -> None:
    if not job_ids:
        return
    try:
        BACKENDS[backend_name()](job_ids)
    except Exception:
        # The jobs are stored: the next tick hands them over again. Enqueueing never fails the caller's request.
        logger.exception("could not hand jobs %s to the %s runner; the next tick retries", job_ids, backend_name())


def job_enqueue(
    *,
    name: str,
    kwargs: dict[str, Any] | None = None,
    dedupe_key: str = "",
    run_after: datetime | None = None,
    max_attempts: int | None = None,
) -> Job:
    """Store a job (part of the caller's transaction); runners are told once it commits.

    With a ``dedupe_key`` already held by a queued or running job, that job is returned instead of a new one.
    """
    spec = job_spec(name)
    if dedupe_key:
        existing = Job.objects.filter(dedupe_key=dedupe_key, status__in=ACTIVE_STATUSES).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            job = Job.objects.create(
                name=name,
                kwargs=kwargs or {},
                dedupe_key=dedupe_key,
                run_after=run_after or timezone.now(),
                max_attempts=max_attempts or spec.max_attempts,
            )
    except IntegrityError:
        existing = Job.objects.filter(dedupe_key=dedupe_key, status__in=ACTIVE_STATUSES).first()
        if existing is None:
            raise
        return existing
    if job.run_after <= timezone.now():
        transaction.on_commit(lambda: _notify([job.id]))
    return job


# --- running -------------------------------------------------------------------------------------------------
@retry_when_locked
def job_claim(*, job_id: int, runner: str, now: datetime | None = None) -> Job | None:
    """Take a queued, due job for ``runner``; None when someone else has it or it is not due."""
    now = now or timezone.now()
    taken = Job.objects.filter(id=job_id, status=JobStatus.QUEUED, run_after__lte=now).update(
        status=JobStatus.RUNNING,
        runner=runner,
        attempts=F("attempts") + 1,
        started_at=now,
        lease_expires_at=now + _lease(),
    )
    return Job.objects.get(id=job_id) if taken else None


@retry_when_locked
def job_claim_next(*, runner: str, now: datetime | None = None) -> Job | None:
    """The oldest due queued job, claimed for ``runner`` (None when there is nothing to do)."""
    for _ in range(10):  # another runner may take the candidate between the read and the claim
        now = now or timezone.now()
        candidate = (
            Job.objects.filter(status=JobStatus.QUEUED, run_after__lte=now)
            .order_by("run_after", "id")
            .values_list("id", flat=True)
            .first()
        )
        if candidate is None:
            return None
        claimed = job_claim(job_id=candidate, runner=runner, now=now)
        if claimed is not None:
            return claimed
    return None


@retry_when_locked
def job_extend_lease(*, job_id: int, runner: str) -> bool:
    """Keep a running job's lease; False when this runner no longer holds it."""
    return bool(
        Job.objects.filter(id=job_id, status=JobStatus.RUNNING, runner=runner).update(
            lease_expires_at=timezone.now() + _lease()
        )
    )


def _trim(error: str) -> str:
    return error if len(error) <= MAX_ERROR_CHARS else error[: MAX_ERROR_CHARS - 1] + "…"


@retry_when_locked
def job_succeed(*, job_id: int, runner: str) -> bool:
    return bool(
        Job.objects.filter(id=job_id, status=JobStatus.RUNNING, runner=runner).update(
            status=JobStatus.DONE, finished_at=timezone.now(), lease_expires_at=None, last_error=""
        )
    )


@retry_when_locked
def job_fail(*, job_id: int, runner: str, error: str) -> bool:
    return bool(
        Job.objects.filter(id=job_id, status=JobStatus.RUNNING, runner=runner).update(
            status=JobStatus.FAILED, finished_at=timezone.now(), lease_expires_at=None, last_error=_trim(error)
        )
    )


def retry_delay(*, attempt: int, retry_after: float | None, rng: random.Random | None = None) -> float:
    """Seconds before retry ``attempt`` + 1: the platform's own wait when given, else exponential with jitter."""
    if retry_after is not None:
        return max(float(retry_after), 0.0)
    base = float(settings.ANALYTICAFLOW_JOBS_RETRY_BASE_SECONDS)
    ceiling = min(float(settings.ANALYTICAFLOW_JOBS_RETRY_MAX_SECONDS), base * 2 ** max(attempt - 1, 0))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


@retry_when_locked
def job_retry_later(*, job_id: int, runner: str, error: str, delay: float) -> datetime | None:
    """Put a running job back in the queue ``delay`` seconds from now; when it will run (None: not held)."""
    run_after = timezone.now() + timedelta(seconds=delay)
    held = Job.objects.filter(id=job_id, status=JobStatus.RUNNING, runner=runner).update(
        status=JobStatus.QUEUED,
        run_after=run_after,
        runner="",
        lease_expires_at=None,
        dispatched_at=None,
        last_error=_trim(error),
    )
    if not held:
        return None
    if delay <= 0:
        transaction.on_commit(lambda: _notify([job_id]))
    return run_after


# --- recovery and hand-over ----------------------------------------------------------------------------------
ORPHANED = "The runner stopped while running this job (crash or restart); it runs again."


def runner_alive(runner: str) -> bool:
    """Whether the process named in ``runner`` (``[celery:]host:pid:thread``) may still run; only a process of
    this host other than this one can be checked, others count as alive (their lease decides)."""
    parts = runner.removeprefix("celery:").split(":")
    if len(parts) < 3 or parts[0] != socket.gethostname():
        return True
    try:
        pid = int(parts[1])
    except ValueError:
        return True
    if pid == os.getpid():
        return False  # this process is starting: nothing of it runs yet
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@retry_when_locked
def jobs_requeue_orphans(*, now: datetime | None = None, at_start: bool = False) -> int:
    """Running jobs whose runner is gone go back to the queue (those at their last attempt fail): their lease
    expired, or, when a runner starts (``at_start``), their process on this host no longer exists."""
    now = now or timezone.now()
    orphaned = Q(status=JobStatus.RUNNING)
    if at_start:
        dead = [job_id for job_id, runner in Job.objects.filter(orphaned).values_list("id", "runner")
                if not runner_alive(runner)]
        orphaned &= Q(lease_expires_at__lt=now) | Q(id__in=dead)
    else:
        orphaned &= Q(lease_expires_at__lt=now)
    exhausted = Job.objects.filter(orphaned, attempts__gte=F("max_attempts")).update(
        status=JobStatus.FAILED, finished_at=now, lease_expires_at=None, last_error=ORPHANED
    )
    requeued = list(Job.objects.filter(orphaned).values_list("id", flat=True))
    Job.objects.filter(id__in=requeued, status=JobStatus.RUNNING).update(
        status=JobStatus.QUEUED,
        run_after=now,
        runner="",
        lease_expires_at=None,
        dispatched_at=None,
        last_error=ORPHANED,
    )
    if requeued or exhausted:
        logger.warning("requeued %d orphaned job(s), failed %d at their last attempt", len(requeued), exhausted)
    return len(requeued)


@retry_when_locked
def jobs_dispatch_due(*, now: datetime | None = None) -> int:
    """Scale mode: send due queued jobs that no worker has been sent recently (retries, lost messages)."""
    if backend_name() != "celery":
        return 0
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.ANALYTICAFLOW_JOBS_REDISPATCH_SECONDS)
    due = list(
        Job.objects.filter(status=JobStatus.QUEUED, run_after__lte=now)
        .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=stale))
        .values_list("id", flat=True)[:1000]
    )
    _notify(due)
    return len(due)
