"""The stored job queue: enqueue and dedupe, exclusive claims, outcomes by error type, backoff, orphans."""

from __future__ import annotations

import os
import random
import socket
import subprocess
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from analyticaflow.jobs import services
from analyticaflow.jobs.embedded import jobs_run_until_idle
from analyticaflow.jobs.execution import job_execute
from analyticaflow.jobs.models import Job
from analyticaflow.jobs.registry import UnknownJob, is_transient
from tests.jobs import sample_jobs

pytestmark = pytest.mark.django_db


def test_a_job_runs_once_with_its_arguments():
    job = services.job_enqueue(name="tests.record", kwargs={"value": "hello"})
    assert job.status == "queued" and job.max_attempts == 6
    assert jobs_run_until_idle() == ["done"]
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 1 and job.finished_at is not None
    assert [entry["value"] for entry in sample_jobs.RECORDED] == ["hello"]
    assert jobs_run_until_idle() == []


def test_unknown_job_names_are_refused_at_enqueue():
    with pytest.raises(UnknownJob):
        services.job_enqueue(name="tests.nope")


def test_a_dedupe_key_holds_one_active_job():
    first = services.job_enqueue(name="tests.record", kwargs={"value": "a"}, dedupe_key="sync:1")
    again = services.job_enqueue(name="tests.record", kwargs={"value": "b"}, dedupe_key="sync:1")
    other = services.job_enqueue(name="tests.record", kwargs={"value": "c"}, dedupe_key="sync:2")
    assert again.id == first.id and other.id != first.id
    jobs_run_until_idle()
    later = services.job_enqueue(name="tests.record", kwargs={"value": "d"}, dedupe_key="sync:1")
    assert later.id not in (first.id, other.id)  # the key is free once its job finished
    assert sorted(entry["value"] for entry in sample_jobs.RECORDED) == ["a", "c"]


def test_only_one_runner_claims_a_job():
    job = services.job_enqueue(name="tests.record", kwargs={"value": "x"})
    assert services.job_claim(job_id=job.id, runner="one") is not None
    assert services.job_claim(job_id=job.id, runner="two") is None
    assert services.job_claim_next(runner="two") is None


def test_a_job_is_not_claimed_before_its_time():
    services.job_enqueue(name="tests.record", kwargs={"value": "later"}, run_after=timezone.now() + timedelta(hours=1))
    assert services.job_claim_next(runner="r") is None
    assert services.job_claim_next(runner="r", now=timezone.now() + timedelta(hours=2)) is not None


@pytest.mark.parametrize(("attempt", "low", "high"), [(1, 15, 30), (2, 30, 60), (3, 60, 120), (8, 1800, 3600),
                                                      (20, 1800, 3600)])
def test_backoff_doubles_with_jitter_up_to_the_cap(attempt, low, high):
    rng = random.Random(3)
    delays = [services.retry_delay(attempt=attempt, retry_after=None, rng=rng) for _ in range(200)]
    assert low <= min(delays) and max(delays) <= high
    assert max(delays) - min(delays) > (high - low) / 2  # jittered, not a constant


def test_the_platforms_own_wait_wins_over_the_backoff():
    assert services.retry_delay(attempt=1, retry_after=900.0) == 900.0


def test_a_transient_error_puts_the_job_back_with_a_delay():
    job = services.job_enqueue(name="tests.flaky", kwargs={"succeed_on": 3})
    before = timezone.now()
    assert jobs_run_until_idle() == ["retry"]
    job.refresh_from_db()
    assert job.status == "queued" and job.attempts == 1 and job.runner == ""
    assert job.last_error == "PlatformHiccup: hiccup on attempt 1"
    assert before + timedelta(seconds=15) <= job.run_after <= timezone.now() + timedelta(seconds=30)
    # Two hours later both the retry and the one after it (30-60 s later) are due.
    assert jobs_run_until_idle(now=timezone.now() + timedelta(hours=2)) == ["retry", "done"]
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 3
    assert [entry["value"] for entry in sample_jobs.RECORDED] == ["flaky ok on 3"]


def test_retry_after_from_the_error_sets_the_delay():
    job = services.job_enqueue(name="tests.flaky", kwargs={"succeed_on": 2, "retry_after": 600})
    jobs_run_until_idle()
    job.refresh_from_db()
    wait = (job.run_after - timezone.now()).total_seconds()
    assert 590 <= wait <= 600


def test_a_transient_error_on_the_last_attempt_fails_the_job():
    job = services.job_enqueue(name="tests.flaky", kwargs={"succeed_on": 99})
    moment = timezone.now()
    outcomes = []
    for _ in range(4):
        moment += timedelta(days=1)
        outcomes += jobs_run_until_idle(now=moment)
    assert outcomes == ["retry", "retry", "retry", "failed"]
    job.refresh_from_db()
    assert job.status == "failed" and job.attempts == job.max_attempts == 4
    assert job.last_error == "PlatformHiccup: hiccup on attempt 4"


def test_other_errors_fail_at_once_with_their_message():
    job = services.job_enqueue(name="tests.broken")
    assert jobs_run_until_idle() == ["failed"]
    job.refresh_from_db()
    assert job.status == "failed" and job.attempts == 1
    assert job.last_error == "ValueError: the input makes no sense"


def test_a_stored_job_whose_function_is_gone_fails_with_a_message():
    job = Job.objects.create(name="tests.removed_since")
    assert jobs_run_until_idle() == ["failed"]
    job.refresh_from_db()
    assert job.last_error == "No job function is registered as 'tests.removed_since'."


def test_orphans_go_back_to_the_queue_and_exhausted_ones_fail():
    now = timezone.now()
    expired = Job.objects.create(name="tests.record", kwargs={"value": "orphan"}, status="running", attempts=1,
                                 runner="dead:1:t", lease_expires_at=now - timedelta(seconds=1))
    alive = Job.objects.create(name="tests.record", kwargs={"value": "alive"}, status="running", attempts=1,
                               runner="live:2:t", lease_expires_at=now + timedelta(minutes=1))
    spent = Job.objects.create(name="tests.record", kwargs={"value": "spent"}, status="running", attempts=6,
                               max_attempts=6, runner="dead:1:t", lease_expires_at=now - timedelta(seconds=1))
    assert services.jobs_requeue_orphans(now=now) == 1
    expired.refresh_from_db(), alive.refresh_from_db(), spent.refresh_from_db()
    assert (expired.status, expired.runner) == ("queued", "")
    assert "stopped while running this job" in expired.last_error
    assert alive.status == "running"
    assert spent.status == "failed"
    # When a runner starts, jobs of dead processes on this host are orphans at once, whatever their lease.
    host = socket.gethostname()
    crashed = Job.objects.create(name="tests.record", status="running", attempts=1, runner=f"{host}:{dead_pid()}:t",
                                 lease_expires_at=now + timedelta(minutes=1))
    sibling = Job.objects.create(name="tests.record", status="running", attempts=1,
                                 runner=f"{host}:{os.getppid()}:t", lease_expires_at=now + timedelta(minutes=1))
    assert services.jobs_requeue_orphans(now=now, at_start=True) == 1
    crashed.refresh_from_db(), sibling.refresh_from_db(), alive.refresh_from_db()
    assert crashed.status == "queued" and sibling.status == "running" and alive.status == "running"


def dead_pid() -> int:
    """The id of a process that has exited."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_runner_that_lost_the_job_cannot_finish_it():
    job = services.job_enqueue(name="tests.record", kwargs={"value": "v"})
    claimed = services.job_claim(job_id=job.id, runner="first")
    Job.objects.filter(id=job.id).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    services.jobs_requeue_orphans()  # its lease expired: it was requeued
    services.job_claim(job_id=job.id, runner="second")
    assert job_execute(job=claimed, runner="first") == "done"  # its function ran, but the row is not its own
    job.refresh_from_db()
    assert job.status == "running" and job.runner == "second"
    assert services.job_extend_lease(job_id=job.id, runner="first") is False


@pytest.mark.parametrize(("error", "transient"), [
    (sample_jobs.PlatformHiccup("429"), True),
    (OperationalError("database table is locked: jobs_job"), True),
    (OperationalError("database is locked"), True),
    (OperationalError("no such table: jobs_job"), False),
    (ValueError("bad input"), False),
])
def test_what_counts_as_transient(error, transient):
    assert is_transient(error) is transient


def test_bookkeeping_waits_out_a_locked_database():
    calls = []

    @services.retry_when_locked
    def flaky_write() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("database is locked")
        return "written"

    assert flaky_write() == "written" and len(calls) == 3

    @services.retry_when_locked
    def broken_write() -> None:
        raise OperationalError("no such column: x")

    with pytest.raises(OperationalError, match="no such column"):
        broken_write()
