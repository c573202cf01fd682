"""Scale mode: the same jobs through Celery workers and beat on a real redis-server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from analyticaflow.jobs.models import Job
from analyticaflow.jobs.services import job_enqueue
from tests.jobs import sample_jobs
from tests.jobs.celery_support import celery_beat, celery_worker, use_celery, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_jobs_run_on_celery_workers_and_beat_brings_retries_and_lost_messages(settings, redis_url):
    app = use_celery(settings, redis_url)
    settings.ANALYTICAFLOW_JOBS_RETRY_BASE_SECONDS = 1
    with celery_worker(app):
        with transaction.atomic():
            job = job_enqueue(name="tests.record", kwargs={"value": "via redis"})
        wait_until(lambda: Job.objects.get(id=job.id).status == "done", what="the job ran")
        assert sample_jobs.RECORDED[0]["value"] == "via redis"
        assert Job.objects.get(id=job.id).dispatched_at is not None

        # A transient failure is put back with a delay; only the tick (beat) sends it again when due.
        flaky = job_enqueue(name="tests.flaky", kwargs={"succeed_on": 2})
        # A job stored while the broker was unreachable: never sent, only in the database.
        lost = Job.objects.create(name="tests.record", kwargs={"value": "never sent"})
        wait_until(lambda: Job.objects.get(id=flaky.id).attempts == 1 and
                   Job.objects.get(id=flaky.id).status == "queued", what="the first attempt failed")
        assert Job.objects.get(id=lost.id).status == "queued"
        with celery_beat(app):
            wait_until(lambda: set(Job.objects.filter(id__in=[flaky.id, lost.id]).values_list("status", flat=True))
                       == {"done"}, what="beat dispatched the retry and the lost job")
    assert Job.objects.get(id=flaky.id).attempts == 2
    assert sorted(entry["value"] for entry in sample_jobs.RECORDED) == ["flaky ok on 2", "never sent", "via redis"]


def test_orphaned_jobs_of_a_dead_worker_are_run_again(settings, redis_url):
    app = use_celery(settings, redis_url)
    orphan = Job.objects.create(name="tests.record", kwargs={"value": "worker died"}, status="running", attempts=1,
                                runner="celery:gone:1:t", lease_expires_at=timezone.now() - timedelta(seconds=5))
    with celery_worker(app), celery_beat(app):
        wait_until(lambda: Job.objects.get(id=orphan.id).status == "done", what="the orphan was re-run")
    assert Job.objects.get(id=orphan.id).attempts == 2
