"""Backfilling history from JSON Lines: one Segment message per line, streamed in bounded chunks.

Same validation, stamps and dedupe as the capture endpoints, with two differences that history needs:

* no clock-skew correction — a file's ``sentAt`` belongs to some earlier delivery, not to this one;
* a line without ``messageId`` gets one derived from its bytes, so importing the same file twice stores
  its events once.

Memory stays bounded whatever the file size: lines are read one at a time (at most ``MAX_LINE_BYTES``
each) and appended every ``CHUNK_MESSAGES`` messages; at most ``MAX_LISTED_REJECTIONS`` rejected lines are
kept in the report (all are counted).
"""

from __future__ import annotations

import gzip
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

import orjson

from analyticaflow.ingest.pipeline import MAX_MESSAGE_BYTES, Envelope, Rejection

MAX_LINE_BYTES = 2 * MAX_MESSAGE_BYTES  # room for whitespace; the message itself must still fit 32 KB
CHUNK_MESSAGES = 1000
MAX_LISTED_REJECTIONS = 1000
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(slots=True)
class ImportReport:
    lines: int = 0  # non-blank lines read
    accepted: int = 0
    duplicates: int = 0
    rejected_count: int = 0
    rejected: list[Rejection] = field(default_factory=list)  # the first MAX_LISTED_REJECTIONS, by line number

    def reject(self, rejection: Rejection) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_LISTED_REJECTIONS:
            self.rejected.append(rejection)

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected_count": self.rejected_count,
            "rejected": [{"line": r.index, "messageId": r.message_id, "errors": r.errors} for r in self.rejected],
        }


class ImportInterrupted(Exception):
    """The event log became unavailable mid-import. Lines before ``line`` are stored; rerunning is safe."""

    def __init__(self, *, line: int, report: ImportReport) -> None:
        super().__init__(f"the event log is unavailable; stopped before line {line}")
        self.line = line
        self.report = report


def maybe_gunzip(stream: IO[bytes]) -> IO[bytes]:
    """``stream`` itself, or a decompressing reader when it starts with the gzip magic (needs ``seek``)."""
    head = stream.read(2)
    stream.seek(0)
    return gzip.GzipFile(fileobj=stream, mode="rb") if head == GZIP_MAGIC else stream


def numbered_lines(stream: IO[bytes], *, max_line: int = MAX_LINE_BYTES) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) for every non-blank line; None for a line longer than ``max_line`` bytes."""
    number = 0
    while True:
        line = stream.readline(max_line + 1)
        if not line:
            return
        number += 1
        if len(line) > max_line and not line.endswith(b"\n"):
            while True:  # skip the rest of the over-long line without holding it
                rest = stream.readline(MAX_LINE_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        if line.strip():
            yield number, line


def parse_line(number: int, line: bytes | None) -> tuple[int, Any] | Rejection:
    """A line's message with a stable ``messageId``, or why the line cannot be a message."""
    if line is None:
        return Rejection(index=number, message_id=None, errors={"message": [f"longer than {MAX_LINE_BYTES} bytes"]})
    try:
        message = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return Rejection(index=number, message_id=None, errors={"message": [f"is not valid JSON: {exc}"]})
    if type(message) is dict and not message.get("messageId"):
        digest = hashlib.blake2b(line.strip(), digest_size=16).digest()
        message["messageId"] = str(uuid.UUID(bytes=digest))
    return number, message


def import_envelope(project_id: int) -> Envelope:
    return Envelope(project_id=project_id, received_at=datetime.now(UTC), correct_skew=False)
