"""One row per analytics message the shop emitted, written in the shop's own business transaction."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "pending"
    SENT = "sent", "sent"
    FAILED = "failed", "failed (rejected by the server)"


class OutboxMessage(models.Model):
    """A Segment message waiting for (or past) delivery to the capture API.

    ``next_attempt_at`` is both the backoff deadline and the relay's claim: a relay that takes a row moves it
    forward by the lease, so no other relay takes it while it is in flight, and a relay that dies mid-send
    only delays the row until the lease ends.
    """

    message_id = models.CharField(max_length=100, db_index=True, help_text="Segment messageId, fixed at emit time.")
    message = models.JSONField(help_text="The Segment message as stored at emit time (sentAt is added on send).")
    status = models.CharField(max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True, default="", help_text="The relay that last took it.")

    class Meta:
        db_table = "analyticaflow_outbox_message"
        verbose_name = "outbox message"
        indexes = [
            # The relay's claim: pending rows that are due, oldest first.
            models.Index(fields=["status", "next_attempt_at", "id"], name="af_outbox_due"),
            # The retention purge: sent rows by age.
            models.Index(fields=["status", "sent_at"], name="af_outbox_sent"),
        ]

    def __str__(self) -> str:
        message = self.message if isinstance(self.message, dict) else {}
        parts = (message.get("type"), message.get("event") or message.get("name"))
        label = " ".join(str(part) for part in parts if part)
        return f"{label or 'message'} ({self.message_id}, {self.status})"
