"""Reads of the outbox: what is due, and how the queue looks (for the relay and for operators)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min

from analyticaflow.outbox.models import OutboxMessage, OutboxStatus


@dataclass(frozen=True)
class OutboxCounts:
    pending: int
    sent: int
    failed: int
    oldest_pending_at: dt.datetime | None


def outbox_next_attempt_at() -> dt.datetime | None:
    """When the earliest pending message becomes due (None when nothing is pending)."""
    return (OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
            .aggregate(first=Min("next_attempt_at"))["first"])


def outbox_counts() -> OutboxCounts:
    by_status = dict(OutboxMessage.objects.values_list("status").annotate(n=Count("id")).order_by())
    oldest = (OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
              .aggregate(first=Min("created_at"))["first"])
    return OutboxCounts(pending=by_status.get(OutboxStatus.PENDING, 0), sent=by_status.get(OutboxStatus.SENT, 0),
                        failed=by_status.get(OutboxStatus.FAILED, 0), oldest_pending_at=oldest)
