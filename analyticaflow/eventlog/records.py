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
EVENT_TYPES_SET = frozenset(EVENT_TYPES)


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
    that a bad record fails its whole call before anything is written. It runs on every appended event, so a
    record of the usual shape (exact types, UTC instants) passes one inlined test; any other record gets the
    detailed check, which also names what is wrong.
    """
    types, utc = EVENT_TYPES_SET, UTC
    for index, record in enumerate(records):
        if (
            type(record) is EventRecord
            and type(record.project_id) is int
            and record.project_id > 0
            and type(record.message_id) is str
            and 0 < len(record.message_id) <= MAX_MESSAGE_ID_LENGTH
            and type(record.type) is str
            and record.type in types
            and (record.name is None or type(record.name) is str)
            and (record.anonymous_id is None or type(record.anonymous_id) is str)
            and (record.user_id is None or type(record.user_id) is str)
            and type(record.timestamp) is datetime
            and record.timestamp.tzinfo is utc
            and type(record.received_at) is datetime
            and record.received_at.tzinfo is utc
            and type(record.payload) is bytes
        ):
            continue
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
