"""Job functions for the runner tests, registered like any capability's (ANALYTICAFLOW_JOB_MODULES)."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from analyticaflow.errors import AppError
from analyticaflow.jobs.registry import JobContext, job, periodic

RECORDED: list[dict] = []
TICKS: list[datetime] = []
_lock = threading.Lock()


class PlatformHiccup(AppError):
    code = "hiccup"
    transient = True

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@job("tests.record")
def record(*, value: str, job: JobContext) -> None:
    with _lock:
        RECORDED.append({"value": value, "attempt": job.attempt, "thread": threading.current_thread().name})


@job("tests.flaky", max_attempts=4)
def flaky(*, succeed_on: int, retry_after: float | None = None, job: JobContext) -> None:
    if job.attempt < succeed_on:
        raise PlatformHiccup(f"hiccup on attempt {job.attempt}", retry_after=retry_after)
    record(value=f"flaky ok on {job.attempt}", job=job)


@job("tests.broken")
def broken(*, job: JobContext) -> None:
    raise ValueError("the input makes no sense")


@job("tests.slow")
def slow(*, seconds: float, job: JobContext) -> None:
    time.sleep(seconds)
    record(value="slow done", job=job)


@periodic("tests.tick")
def tick(*, now: datetime) -> None:
    with _lock:
        TICKS.append(now)


def reset() -> None:
    with _lock:
        RECORDED.clear()
        TICKS.clear()
