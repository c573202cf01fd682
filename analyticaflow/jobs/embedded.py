"""Embedded mode's runner: worker threads and a scheduler thread inside the server process.

Jobs are rows in the metadata database, so whatever was queued (or running when the process died) is picked
up again when the server starts. ``start_embedded_runner`` is a background service of the server process
(``settings.ANALYTICAFLOW_BACKGROUND_SERVICES``); ``jobs_run_until_idle`` runs the queue in the calling thread.
"""

from __future__ import annotations

import atexit
import logging
import threading
from datetime import datetime

from django.conf import settings
from django.db import close_old_connections, connection

from analyticaflow.jobs import services, wakeup
from analyticaflow.jobs.execution import job_execute
from analyticaflow.jobs.scheduling import jobs_tick

logger = logging.getLogger(__name__)

POLL_SECONDS = 2.0  # idle workers look for delayed jobs that became due at least this often


class EmbeddedRunner:
    def __init__(self, *, threads: int, tick_seconds: float, poll_seconds: float = POLL_SECONDS) -> None:
        self.threads = max(1, threads)
        self.tick_seconds = tick_seconds
        self.poll_seconds = poll_seconds
        self._stopping = threading.Event()
        self._workers: list[threading.Thread] = []

    def start(self, *, recover: bool = True) -> None:
        """Start the threads. ``recover``: first requeue the jobs of runners that died (a crash or a restart)."""
        if recover:
            services.jobs_requeue_orphans(at_start=True)
            connection.close()
        for number in range(self.threads):
            thread = threading.Thread(target=self._work, name=f"analyticaflow-job-{number + 1}", daemon=True)
            thread.start()
            self._workers.append(thread)
        scheduler = threading.Thread(target=self._schedule, name="analyticaflow-job-scheduler", daemon=True)
        scheduler.start()
        self._workers.append(scheduler)

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        wakeup.notify()
        for thread in self._workers:
            if thread is not threading.current_thread():
                thread.join(timeout)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def _work(self) -> None:
        runner = services.runner_name()
        try:
            while not self._stopping.is_set():
                seen = wakeup.generation()
                try:
                    close_old_connections()
                    job = services.job_claim_next(runner=runner)
                    if job is not None:
                        job_execute(job=job, runner=runner)
                        continue
                except Exception:
                    logger.exception("job worker step failed")
                    self._stopping.wait(self.poll_seconds)
                    continue
                wakeup.wait(seen=seen, timeout=self.poll_seconds)
        finally:
            connection.close()

    def _schedule(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    close_old_connections()
                    jobs_tick()
                except Exception:
                    logger.exception("job scheduler tick failed")
                self._stopping.wait(self.tick_seconds)
        finally:
            connection.close()


def jobs_run_until_idle(*, max_jobs: int | None = None, now: datetime | None = None) -> list[str]:
    """Run due jobs in this thread until none is left (the CLI's ``jobs run --until-idle``, and tests)."""
    runner = services.runner_name()
    outcomes: list[str] = []
    while max_jobs is None or len(outcomes) < max_jobs:
        job = services.job_claim_next(runner=runner, now=now)
        if job is None:
            break
        outcomes.append(job_execute(job=job, runner=runner))
    return outcomes


_runner: EmbeddedRunner | None = None
_runner_lock = threading.Lock()


def start_embedded_runner() -> EmbeddedRunner | None:
    """Background service of the server process: runs the jobs when the embedded backend is configured."""
    global _runner
    if settings.ANALYTICAFLOW_JOBS_BACKEND != "embedded":
        return None
    with _runner_lock:
        if _runner is None:
            _runner = EmbeddedRunner(
                threads=settings.ANALYTICAFLOW_JOB_THREADS, tick_seconds=settings.ANALYTICAFLOW_JOBS_TICK_SECONDS
            )
            _runner.start()
            atexit.register(stop_embedded_runner)
        return _runner


def stop_embedded_runner() -> None:
    global _runner
    with _runner_lock:
        if _runner is not None:
            _runner.stop()
            _runner = None
