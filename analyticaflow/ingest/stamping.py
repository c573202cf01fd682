"""The server's stamps on an accepted message: ``receivedAt``, a ``messageId`` when missing, the corrected time.

Clock-skew correction as Segment does it: a client whose clock is off stamps both ``timestamp`` (when the
event happened) and ``sentAt`` (when it was sent) with the same wrong clock, so the event happened at
``timestamp + (receivedAt - sentAt)`` on the server's clock. The client's own value is kept as
``originalTimestamp``. Without ``sentAt`` the client's ``timestamp`` is kept as sent; without ``timestamp`` the
event happened when it was received.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from analyticaflow.ingest.schema import parse_time

SKEW_OUT_OF_RANGE = "puts the corrected timestamp out of range"


def format_time(moment: datetime) -> str:
    """UTC ISO 8601 with ``Z``; milliseconds when exact (the SDKs' own precision), else microseconds."""
    moment = moment.astimezone(UTC)
    spec = "milliseconds" if moment.microsecond % 1000 == 0 else "microseconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def stamp_message(message: dict[str, Any], *, received_at: datetime, received_at_text: str,
                  sent_at_text: str | None, correct_skew: bool) -> datetime | None:
    """Stamp a valid message in place and return when it happened (UTC); None when the skew-corrected
    time falls out of range.

    ``sent_at_text`` is the batch's ``sentAt``, for messages that carry none of their own.
    """
    if not message.get("messageId"):
        message["messageId"] = str(uuid4())
    if message.get("sentAt") is None and sent_at_text is not None:
        message["sentAt"] = sent_at_text
    message["receivedAt"] = received_at_text
    timestamp = parse_time(message.get("timestamp"))
    sent_at = parse_time(message.get("sentAt")) if correct_skew else None
    if timestamp is None:
        message["timestamp"] = received_at_text
        return received_at
    if sent_at is None:
        return timestamp
    try:
        corrected = timestamp + (received_at - sent_at)
    except OverflowError:
        return None
    message["originalTimestamp"] = message["timestamp"]
    message["timestamp"] = format_time(corrected)
    return corrected
