"""Checks and conversions of :class:`EventRecord` shared by the event-log backends.

Both backends store instants as integer microseconds since the Unix epoch (UTC): exact, compact, and
ordered the same way as the instants themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from analyticaflow.eventlog.contracts import EVENT_TYPES, EventRecord

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)
MAX_MESSAGE_ID_LENGTH = 256


def to_micros(moment: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    return (moment - EPOCH) // ONE_MICROSECOND


# Below 2**33 seconds (year 2242) a float of seconds is within a quarter microsecond of the exact value, so
# rounding to the microsecond (what fromtimestamp does) gives it back exactly — at twice the speed of timedelta
# arithmetic, which matters when projections read millions of events.
FLOAT_EXACT_LIMIT_MICROS = 2**33 * 1_000_000


def from_micros(micros: int) -> datetime:
    """The aware UTC datetime for microseconds since the epoch."""
    if -FLOAT_EXACT_LIMIT_MICROS < micros < FLOAT_EXACT_LIMIT_MICROS:
        return datetime.fromtimestamp(micros / 1_000_000, UTC)
    return EPOCH + timedelta(microseconds=micros)


def check_records(records: Sequence[EventRecord]) -> None:
    """Raise ``ValueError`` naming the first record that breaks the contract; nothing is appended then.

    Capture validates the messages it accepts; this guards the log against a caller's programming error so
    that a bad record fails its whole call before anything is written.
    """
    for index, record in enumerate(records):
        problem = _record_problem(record)
        if problem:
            raise ValueError(f"event record {index}: {problem}")


def _record_problem(record: EventRecord) -> str | None:
    if not isinstance(record, EventRecord):
        return f"expected an EventRecord, got {type(record).__name__}"
    if not isinstance(record.project_id, int) or isinstance(record.project_id, bool) or record.project_id <= 0:
        return "project_id must be a positive integer"
    if not isinstance(record.message_id, str) or not record.message_id:
        return "message_id must be a non-empty string"
    if len(record.message_id) > MAX_MESSAGE_ID_LENGTH:
        return f"message_id is longer than {MAX_MESSAGE_ID_LENGTH} characters"
    if record.type not in EVENT_TYPES:
        return f"type must be one of {', '.join(EVENT_TYPES)}"
    for field in ("name", "anonymous_id", "user_id"):
        value = getattr(record, field)
        if value is not None and not isinstance(value, str):
            return f"{field} must be a string or None"
    for field in ("timestamp", "received_at"):
        value = getattr(record, field)
        if not isinstance(value, datetime) or value.utcoffset() is None:
            return f"{field} must be a timezone-aware datetime"
    if not isinstance(record.payload, bytes | bytearray | memoryview):
        return "payload must be bytes"
    return None
