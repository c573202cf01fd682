"""The embedded runner: worker threads woken by commits, a scheduler thread, and recovery at start."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from analyticaflow.jobs.embedded import EmbeddedRunner
from analyticaflow.jobs.models import Job
from analyticaflow.jobs.services import job_enqueue
from tests.jobs import sample_jobs
from tests.jobs.celery_support import holds
from tests.jobs.test_queue import dead_pid

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until(condition: Callable[[], bool], *, timeout: float = 20.0) -> float:
    started = time.monotonic()
    while not holds(condition):
        if time.monotonic() - started > timeout:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
    return time.monotonic() - started


def test_worker_threads_run_committed_jobs_at_once_and_the_scheduler_ticks():
    runner = EmbeddedRunner(threads=2, tick_seconds=0.2, poll_seconds=30)
    runner.start()
    try:
        time.sleep(0.3)  # the workers are idle, waiting (their poll is 30 s: only a wake-up can start a job)
        with transaction.atomic():
            job_enqueue(name="tests.record", kwargs={"value": "a"})
            job_enqueue(name="tests.slow", kwargs={"seconds": 0.5})
            job_enqueue(name="tests.record", kwargs={"value": "b"})
            time.sleep(0.3)
            assert sample_jobs.RECORDED == []  # nothing runs before the commit
        elapsed = wait_until(lambda: len(sample_jobs.RECORDED) == 3)
        assert elapsed < 10
        assert {entry["thread"] for entry in sample_jobs.RECORDED} <= {"analyticaflow-job-1", "analyticaflow-job-2"}
        # The slow job took one thread; the others ran beside it.
        assert sample_jobs.RECORDED[-1]["value"] == "slow done"
        wait_until(lambda: len(sample_jobs.TICKS) >= 2)
        # A job is marked done just after its function returns.
        wait_until(lambda: set(Job.objects.values_list("status", flat=True)) == {"done"})
    finally:
        runner.stop()


def test_a_restart_resumes_queued_and_interrupted_jobs():
    Job.objects.create(name="tests.record", kwargs={"value": "queued before the restart"})
    # The server process that ran it was killed: its lease has minutes left, but its process is gone.
    interrupted = Job.objects.create(name="tests.record", kwargs={"value": "interrupted"}, status="running",
                                     attempts=1, runner=f"{socket.gethostname()}:{dead_pid()}:analyticaflow-job-1",
                                     lease_expires_at=timezone.now() + timedelta(minutes=5))
    runner = EmbeddedRunner(threads=1, tick_seconds=60, poll_seconds=0.2)
    runner.start()
    try:
        wait_until(lambda: len(sample_jobs.RECORDED) == 2)
    finally:
        runner.stop()
    assert sorted(entry["value"] for entry in sample_jobs.RECORDED) == ["interrupted", "queued before the restart"]
    interrupted.refresh_from_db()
    assert interrupted.status == "done" and interrupted.attempts == 2


def test_a_delayed_retry_is_picked_up_when_due():
    runner = EmbeddedRunner(threads=1, tick_seconds=60, poll_seconds=0.1)
    runner.start()
    try:
        job = Job.objects.create(name="tests.record", kwargs={"value": "soon"},
                                 run_after=timezone.now() + timedelta(seconds=0.5))
        time.sleep(0.3)
        assert sample_jobs.RECORDED == []
        wait_until(lambda: len(sample_jobs.RECORDED) == 1)
    finally:
        runner.stop()
    job.refresh_from_db()
    assert job.status == "done"
