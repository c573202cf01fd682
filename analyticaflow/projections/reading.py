"""Reading the log as columns (an Arrow table per chunk), for the set-based DuckDB path.

The SQLite log offers ``reader_connection()``; reading its rows straight into columns skips building a
``StoredEvent`` per event. Any other log goes through the contract's ``read()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pyarrow as pa

from analyticaflow.eventlog.contracts import EventLog, StoredEvent
from analyticaflow.projections.sql_derive import RAW_SCHEMA

# The SQLite log's table (analyticaflow/eventlog/sqlite.py): instants are integer microseconds (UTC).
SQLITE_COLUMNS = (
    "SELECT seq, project_id, message_id, type, name, anonymous_id, user_id, timestamp_us, received_at_us, payload"
    " FROM events WHERE seq > ? ORDER BY seq LIMIT ?"
)
# Rows become Python objects this many at a time, then Arrow columns: the objects of a whole chunk never coexist.
READ_BATCH = 10_000


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def columns_of(events: Sequence[StoredEvent]) -> pa.Table:
    records = [e.record for e in events]
    columns = [
        [e.seq for e in events],
        [r.project_id for r in records],
        [r.message_id for r in records],
        [r.type for r in records],
        [r.name for r in records],
        [r.anonymous_id for r in records],
        [r.user_id for r in records],
        [_micros(r.timestamp) for r in records],
        [_micros(r.received_at) for r in records],
        [bytes(r.payload).decode("utf-8", "replace") for r in records],
    ]
    return _table(columns)


def _table(columns: list[Sequence]) -> pa.Table:
    return pa.Table.from_batches([_batch(columns)], schema=RAW_SCHEMA)


def _batch(columns: list[Sequence]) -> pa.RecordBatch:
    arrays = []
    for field, values in zip(RAW_SCHEMA, columns, strict=True):
        if pa.types.is_timestamp(field.type):
            arrays.append(pa.array(values, pa.int64()).cast(field.type))
        elif field.name == "payload" and values and not isinstance(values[0], str):
            arrays.append(_payload_texts(values))
        else:
            arrays.append(pa.array(values, field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=RAW_SCHEMA)


def _payload_texts(blobs: Sequence[bytes]) -> pa.Array:
    """Stored payload bytes as text, validated in bulk; invalid UTF-8 decoded with replacement characters."""
    try:
        return pa.array(blobs, pa.binary()).cast(pa.string())
    except pa.ArrowInvalid:
        return pa.array([bytes(b).decode("utf-8", "replace") for b in blobs], pa.string())


def read_columns(log: EventLog, *, after_seq: int, limit: int) -> pa.Table:
    """Up to ``limit`` events after ``after_seq`` in seq order, as a table of :data:`RAW_SCHEMA`."""
    reader = getattr(log, "reader_connection", None)
    if reader is None:
        return columns_of(log.read(after_seq=after_seq, limit=limit))
    cursor = reader().execute(SQLITE_COLUMNS, (after_seq, limit))
    batches = []
    while rows := cursor.fetchmany(READ_BATCH):
        batches.append(_batch(list(zip(*rows, strict=True))))
    return pa.Table.from_batches(batches, schema=RAW_SCHEMA)
