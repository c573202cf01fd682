"""A job is a row: what to run (a registered name and keyword arguments), when, and how it went."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class Job(models.Model):
    name = models.CharField(max_length=100)
    kwargs = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    # At most one queued or running job per non-empty key (e.g. one sync per integration at a time).
    dedupe_key = models.CharField(max_length=200, blank=True, default="")
    run_after = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=6)
    runner = models.CharField(max_length=200, blank=True, default="")  # host:pid:thread of whoever runs it
    lease_expires_at = models.DateTimeField(null=True, blank=True)  # a running job past this is orphaned
    dispatched_at = models.DateTimeField(null=True, blank=True)  # scale mode: last sent to the broker
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run_after", "id"]
        indexes = [models.Index(fields=["status", "run_after"], name="job_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(status__in=["queued", "running"]) & ~Q(dedupe_key=""),
                name="one_active_job_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk} ({self.status})"

    def __repr__(self) -> str:
        return f"<Job {self.pk} {self.name} {self.status} attempt {self.attempts}/{self.max_attempts}>"
