"""Capture's writes: prepared messages appended to the event log, durably, before anyone is told "accepted".

``EventLogUnavailable`` from the log propagates unchanged: nothing of that call was stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from analyticaflow.eventlog.backends import get_event_log
from analyticaflow.eventlog.contracts import EventLog
from analyticaflow.ingest.pipeline import Envelope, Rejection, prepare_messages


@dataclass(slots=True)
class CaptureOutcome:
    accepted: int = 0  # stored now or already stored (duplicates are accepted: producers retry)
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    message_ids: list[str] = field(default_factory=list)  # of the messages stored now, in order


def messages_capture(*, items: Iterable[tuple[int, Any]], envelope: Envelope,
                     event_log: EventLog | None = None) -> CaptureOutcome:
    """Validate, stamp and append numbered messages; report what was accepted and what was rejected why."""
    prepared = prepare_messages(items, envelope)
    duplicates = prepared.repeated
    if prepared.records:
        duplicates += (event_log or get_event_log()).append(prepared.records).duplicates
    return CaptureOutcome(
        accepted=len(prepared.records) + prepared.repeated,
        duplicates=duplicates,
        rejected=prepared.rejected,
        message_ids=[record.message_id for record in prepared.records],
    )
