"""Parsed messages → validated → stamped → event-log records. Pure: no I/O, no clock of its own.

The same steps serve the capture endpoints (skew-corrected from ``sentAt``) and the JSONL import (history:
its ``sentAt`` belongs to another delivery, so timestamps are kept as written).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import orjson

from analyticaflow.eventlog.contracts import EventRecord
from analyticaflow.ingest.schema import parse_time, schema_for, validate_message
from analyticaflow.ingest.stamping import SKEW_OUT_OF_RANGE, format_time, stamp_message

MAX_MESSAGE_BYTES = 32 * 1024  # per message, as Segment (the SDKs drop bigger ones before sending)
MAX_BATCH_BYTES = 500 * 1024  # per request body, decompressed

NOT_OBJECT = "must be a JSON object"
TOO_LARGE = f"must be at most {MAX_MESSAGE_BYTES} bytes as JSON"
TOO_DEEP = "is nested too deeply to store"
ID_FIELDS = ("userId", "anonymousId", "previousId", "groupId")


RECORD_FIELDS = (
    "project_id", "message_id", "type", "name", "anonymous_id", "user_id", "timestamp", "received_at", "payload",
)
# prepare_message fills every field of the contract's record through these; a changed contract fails here, at import.
if tuple(f.name for f in fields(EventRecord)) != RECORD_FIELDS or hasattr(EventRecord, "__post_init__"):
    raise ImportError("EventRecord's fields changed: update RECORD_FIELDS and prepare_message together")
_new_record = object.__new__
(
    _set_project_id, _set_message_id, _set_type, _set_name, _set_anonymous_id, _set_user_id, _set_timestamp,
    _set_received_at, _set_payload,
) = (EventRecord.__dict__[name].__set__ for name in RECORD_FIELDS)


@dataclass(frozen=True, slots=True)
class Envelope:
    """What every message of one request (or one import) shares."""

    project_id: int
    received_at: datetime
    endpoint_type: str | None = None  # None: each message names its own ``type`` (batch, import)
    sent_at: str | None = None  # the batch's ``sentAt``
    context: dict[str, Any] | None = None  # the batch's ``context``, merged under each message's own
    integrations: dict[str, Any] | None = None  # likewise
    correct_skew: bool = True
    received_at_text: str = field(init=False)
    sent_at_time: datetime | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "received_at_text", format_time(self.received_at))
        object.__setattr__(self, "sent_at_time", parse_time(self.sent_at))


@dataclass(frozen=True, slots=True)
class Rejection:
    index: int  # position in the batch (0-based) or line number in a file (1-based)
    message_id: str | None
    errors: dict[str, list[str]]


@dataclass(slots=True)
class Prepared:
    records: list[EventRecord] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    repeated: int = 0  # a messageId seen earlier in the same request: a duplicate, stored once


def _string_ids(message: dict[str, Any]) -> None:
    # Numeric ids are kept as strings, so a person's id has one form in the store.
    for name in ID_FIELDS:
        if type(message.get(name)) is int:
            message[name] = str(message[name])


def _merge_envelope(message: dict[str, Any], envelope: Envelope) -> None:
    for name, shared in (("context", envelope.context), ("integrations", envelope.integrations)):
        if shared:
            own = message.get(name)
            message[name] = {**shared, **own} if own else dict(shared)


def prepare_message(message: Any, envelope: Envelope) -> EventRecord | dict[str, list[str]]:
    """One message → its log record, or its field errors. Stamps a valid message in place."""
    if type(message) is not dict:
        return {"message": [NOT_OBJECT]}
    schema, errors = schema_for(message, envelope.endpoint_type)
    if schema is None:
        return errors
    errors = validate_message(message, schema)
    if errors:
        return errors
    message.pop("writeKey", None)  # a credential, not part of the event
    original = message.copy()  # shallow: stamping replaces top-level values, never mutates nested ones
    happened = stamp_message(message, received_at=envelope.received_at, received_at_text=envelope.received_at_text,
                             sent_at=envelope.sent_at_time, sent_at_text=envelope.sent_at,
                             correct_skew=envelope.correct_skew)
    if happened is None:
        return {"sentAt": [SKEW_OUT_OF_RANGE]}
    message["type"] = schema.type
    if envelope.context or envelope.integrations:
        _merge_envelope(message, envelope)
    _string_ids(message)
    try:
        payload = orjson.dumps(message)
        # The limit applies to what the client sent; the server's stamps and the batch context are extra.
        too_large = len(payload) > MAX_MESSAGE_BYTES and len(orjson.dumps(original)) > MAX_MESSAGE_BYTES
        reason = TOO_LARGE if too_large else None
    except orjson.JSONEncodeError:
        payload, reason = b"", TOO_DEEP
    if reason is not None:
        message.clear()
        message.update(original)  # a rejected message is reported as it came
        return {"message": [reason]}
    get = message.get
    # EventRecord(...) by keyword runs the frozen dataclass's __init__ (nine object.__setattr__ calls by name): the
    # costliest single step per captured event. Setting the slots through their descriptors builds the same record
    # at about half the cost (tests/ingest/test_pipeline.py checks it equals the constructor's).
    record = _new_record(EventRecord)
    _set_project_id(record, envelope.project_id)
    _set_message_id(record, message["messageId"])
    _set_type(record, schema.type)
    _set_name(record, (get(schema.name_field) or None) if schema.name_field else None)
    _set_anonymous_id(record, get("anonymousId") or None)
    _set_user_id(record, get("userId") or None)
    _set_timestamp(record, happened)
    _set_received_at(record, envelope.received_at)
    _set_payload(record, payload)
    return record


def prepare_messages(items: Iterable[tuple[int, Any]], envelope: Envelope) -> Prepared:
    """Numbered messages → records to append plus the rejected ones (with their number and reasons)."""
    prepared = Prepared()
    seen: set[str] = set()
    for index, message in items:
        outcome = prepare_message(message, envelope)
        if type(outcome) is dict:
            message_id = message.get("messageId") if type(message) is dict else None
            prepared.rejected.append(Rejection(index=index, message_id=message_id if type(message_id) is str
                                               and message_id else None, errors=outcome))
        elif outcome.message_id in seen:
            prepared.repeated += 1
        else:
            seen.add(outcome.message_id)
            prepared.records.append(outcome)
    return prepared
