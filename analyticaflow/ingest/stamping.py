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


# "YYYY-MM-DDTHH:MM:" by minute. Every skew-corrected message gets its time written, and datetime.isoformat costs
# several times more than reusing the minute's text; a batch's events share a few minutes. Bounded: emptied when full.
_MINUTE_TEXTS: dict[tuple[int, int, int, int, int], str] = {}
MINUTE_TEXTS_LIMIT = 4096


def format_time(moment: datetime) -> str:
    """UTC ISO 8601 with ``Z``; milliseconds when exact (the SDKs' own precision), else microseconds."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    minute = (moment.year, moment.month, moment.day, moment.hour, moment.minute)
    prefix = _MINUTE_TEXTS.get(minute)
    if prefix is None:
        if len(_MINUTE_TEXTS) >= MINUTE_TEXTS_LIMIT:
            _MINUTE_TEXTS.clear()
        prefix = _MINUTE_TEXTS[minute] = moment.isoformat(timespec="minutes")[:-6] + ":"  # drop "+00:00"
    micros = moment.microsecond
    if micros % 1000 == 0:
        return "%s%02d.%03dZ" % (prefix, moment.second, micros // 1000)  # noqa: UP031 - cheaper than an f-string here
    return "%s%02d.%06dZ" % (prefix, moment.second, micros)  # noqa: UP031


def stamp_message(message: dict[str, Any], *, received_at: datetime, received_at_text: str,
                  sent_at: datetime | None = None, sent_at_text: str | None = None,
                  correct_skew: bool = True) -> datetime | None:
    """Stamp a valid message in place and return when it happened (UTC); None when the skew-corrected
    time falls out of range (the message is then left as it was).

    ``sent_at``/``sent_at_text`` are the batch's ``sentAt`` (parsed and as sent), for messages without their own.
    """
    own_sent_at = message.get("sentAt")
    if own_sent_at is not None:
        sent_at = parse_time(own_sent_at)
    timestamp = parse_time(message.get("timestamp"))
    if timestamp is None:
        happened = received_at
    elif correct_skew and sent_at is not None:
        try:
            happened = timestamp + (received_at - sent_at)
        except OverflowError:
            return None
        message["originalTimestamp"] = message["timestamp"]
        message["timestamp"] = format_time(happened)
    else:
        happened = timestamp
    if timestamp is None:
        message["timestamp"] = received_at_text
    if own_sent_at is None and sent_at_text is not None:
        message["sentAt"] = sent_at_text
    if not message.get("messageId"):
        message["messageId"] = str(uuid4())
    message["receivedAt"] = received_at_text
    return happened
