"""The one registry of job functions and periodic functions, filled by the modules in ANALYTICAFLOW_JOB_MODULES.

Both runners (embedded threads and Celery workers) look job names up here, so a job is written once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import OperationalError

from analyticaflow.errors import AppError

logger = logging.getLogger(__name__)

JobFunction = Callable[..., Any]
PeriodicFunction = Callable[..., Any]


class UnknownJob(AppError):
    code = "unknown_job"
    status_code = 500
    default_message = "No job function is registered under this name."


@dataclass
class JobContext:
    """What a running job knows about itself. ``extend_lease()`` tells the runner it is still alive."""

    job_id: int
    name: str
    attempt: int  # 1-based
    max_attempts: int
    extend_lease: Callable[[], None] = field(default=lambda: None, repr=False)

    @property
    def final_attempt(self) -> bool:
        """True when a transient failure now would fail the job instead of retrying it."""
        return self.attempt >= self.max_attempts


@dataclass(frozen=True)
class JobSpec:
    name: str
    function: JobFunction
    max_attempts: int


JOBS: dict[str, JobSpec] = {}
PERIODIC: dict[str, PeriodicFunction] = {}
_loaded = False
_load_lock = threading.Lock()


def is_transient(error: BaseException) -> bool:
    """Whether retrying later may succeed: the error says so (``transient``), or the metadata database was busy
    (SQLite's "database is locked" under concurrent writers)."""
    if getattr(error, "transient", False):
        return True
    return isinstance(error, OperationalError) and "locked" in str(error)


def job(name: str, *, max_attempts: int = 6) -> Callable[[JobFunction], JobFunction]:
    """Register ``function(**kwargs, job: JobContext)`` under ``name``."""

    def register(function: JobFunction) -> JobFunction:
        JOBS[name] = JobSpec(name=name, function=function, max_attempts=max_attempts)
        return function

    return register


def periodic(name: str) -> Callable[[PeriodicFunction], PeriodicFunction]:
    """Register ``function(now: datetime)``, called on every scheduler tick (it decides itself what is due)."""

    def register(function: PeriodicFunction) -> PeriodicFunction:
        PERIODIC[name] = function
        return function

    return register


def load_job_modules() -> None:
    """Import every module named in ``settings.ANALYTICAFLOW_JOB_MODULES`` (they register their jobs)."""
    global _loaded
    if _loaded:
        return
    with _load_lock:
        if not _loaded:
            for dotted in settings.ANALYTICAFLOW_JOB_MODULES:
                import_module(dotted)
            _loaded = True


def job_spec(name: str) -> JobSpec:
    load_job_modules()
    try:
        return JOBS[name]
    except KeyError:
        raise UnknownJob(f"No job function is registered as {name!r}.") from None


def periodic_functions() -> dict[str, PeriodicFunction]:
    load_job_modules()
    return dict(PERIODIC)


def run_periodic(now: datetime) -> dict[str, str]:
    """Call every periodic function; one failing does not stop the others. Name → "ok" or the error."""
    results: dict[str, str] = {}
    for name, function in periodic_functions().items():
        try:
            function(now=now)
        except Exception as exc:
            logger.exception("periodic %s failed", name)
            results[name] = f"{type(exc).__name__}: {exc}"
        else:
            results[name] = "ok"
    return results
