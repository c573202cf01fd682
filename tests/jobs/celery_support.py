"""A real Celery worker (thread pool) and beat, in this process, on the session's real redis-server."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from celery.beat import EmbeddedService
from celery.contrib.testing.worker import start_worker
from django.db import OperationalError

from analyticaflow.jobs import broker


def use_celery(settings, redis_url: str, *, tick_seconds: float = 1.0):
    settings.ANALYTICAFLOW_JOBS_BACKEND = "celery"
    settings.ANALYTICAFLOW_CELERY_BROKER_URL = redis_url
    settings.ANALYTICAFLOW_JOBS_TICK_SECONDS = tick_seconds
    app = broker.configure(redis_url)
    app.conf.beat_schedule = {"analyticaflow-jobs-tick": {"task": broker.TICK_TASK, "schedule": tick_seconds}}
    import analyticaflow.jobs.celery_tasks  # noqa: F401 - registers the tasks, as the worker's include does

    return app


@contextmanager
def celery_worker(app) -> Iterator[None]:
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING",
                      shutdown_timeout=30):
        yield


@contextmanager
def celery_beat(app) -> Iterator[None]:
    schedule = tempfile.mktemp(prefix="af-beat-")
    beat = EmbeddedService(app, thread=True, schedule_filename=schedule)
    beat.start()
    try:
        yield
    finally:
        beat.stop()


def holds(condition: Callable[[], bool]) -> bool:
    """The condition, read as "not yet" while the in-memory test database is locked by a worker thread."""
    try:
        return condition()
    except OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return False


def retry_while_locked(write: Callable[[], object], *, timeout: float = 30.0) -> None:
    """Run ``write``, again while the in-memory test database is locked by a worker thread."""
    started = time.monotonic()
    while not holds(lambda: write() or True):
        if time.monotonic() - started > timeout:
            raise AssertionError(f"the test database stayed locked for {timeout}s")
        time.sleep(0.1)


def wait_until(condition: Callable[[], bool], *, timeout: float = 60.0, what: str = "condition") -> None:
    started = time.monotonic()
    while not holds(condition):
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what} not met within {timeout}s")
        time.sleep(0.1)
