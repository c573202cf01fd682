"""The event log's contract: what capture appends and what projections read.

Two backends implement :class:`EventLog` — SQLite (embedded default: the log *is* the permanent store) and
Redis Streams (scale: transport; events are archived to the warehouse ``raw_events`` table). One contract
test suite runs against both.

Sequence numbers are positive integers assigned by the log at append time, strictly increasing in append
order across all projects. Readers keep their position as the last ``seq`` they processed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# Segment spec message types the log accepts.
EVENT_TYPES = ("track", "identify", "page", "screen", "group", "alias")


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One accepted message, as capture hands it to the log. Never mutated after append."""

    project_id: int
    message_id: str
    type: str  # one of EVENT_TYPES
    name: str | None  # track: ``event``; page/screen: ``name``; otherwise None
    anonymous_id: str | None
    user_id: str | None
    timestamp: datetime  # when it happened (UTC, corrected for client clock skew)
    received_at: datetime  # server stamp (UTC)
    payload: bytes  # the whole message as JSON: every original field plus the server's stamps


@dataclass(frozen=True, slots=True)
class StoredEvent:
    seq: int
    record: EventRecord


@dataclass(frozen=True, slots=True)
class AppendResult:
    stored: int  # newly stored
    duplicates: int  # (project_id, message_id) already in the log: not stored again, not an error


class EventLogUnavailable(Exception):
    """The log's backing service cannot be reached; nothing of the failed append was stored."""


class EventLog(Protocol):
    def append(self, records: Sequence[EventRecord]) -> AppendResult:
        """Store the records durably before returning; duplicates by (project_id, message_id) are skipped.

        All-or-nothing per call: on any error nothing of this call is visible to readers.
        """
        ...

    def read(self, *, after_seq: int, limit: int) -> list[StoredEvent]:
        """Up to ``limit`` events with ``seq > after_seq``, in seq order, across all projects."""
        ...

    def last_seq(self) -> int:
        """The highest seq stored so far (0 when empty)."""
        ...

    def close(self) -> None: ...
