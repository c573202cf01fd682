"""Capture's writes: prepared messages appended to the event log, durably, before anyone is told "accepted".

``EventLogUnavailable`` from the log propagates unchanged: nothing of that call was stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from analyticaflow.eventlog.backends import get_event_log
from analyticaflow.eventlog.contracts import EventLog, EventLogUnavailable
from analyticaflow.ingest.importing import (
    CHUNK_MESSAGES,
    ImportInterrupted,
    ImportReport,
    import_envelope,
    numbered_lines,
    parse_line,
)
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


def events_import(*, project_id: int, stream: IO[bytes], event_log: EventLog | None = None,
                  chunk_size: int = CHUNK_MESSAGES) -> ImportReport:
    """Import a JSON Lines stream of messages into a project; report accepted, duplicate and rejected lines.

    Raises :class:`ImportInterrupted` (carrying the report so far) if the event log becomes unavailable.
    """
    log = event_log or get_event_log()
    report = ImportReport()
    chunk: list[tuple[int, Any]] = []
    rejections: list[Rejection] = []  # of the lines in this chunk

    def flush() -> None:
        if chunk:
            try:
                outcome = messages_capture(items=chunk, envelope=import_envelope(project_id), event_log=log)
            except EventLogUnavailable as exc:
                raise ImportInterrupted(line=chunk[0][0], report=report) from exc
            report.accepted += outcome.accepted
            report.duplicates += outcome.duplicates
            rejections.extend(outcome.rejected)
        for rejection in sorted(rejections, key=lambda r: r.index):
            report.reject(rejection)
        chunk.clear()
        rejections.clear()

    for number, line in numbered_lines(stream):
        report.lines += 1
        parsed = parse_line(number, line)
        if isinstance(parsed, Rejection):
            rejections.append(parsed)
        else:
            chunk.append(parsed)
        if len(chunk) + len(rejections) >= chunk_size:
            flush()
    flush()
    return report
