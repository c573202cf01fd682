"""One schema per message type of the Segment tracking spec, checked by precomputed hand-written rules.

Capture validates every message of every request, so the rules are data built once (the kind of each
field the spec defines, the required fields of each type) checked by one inlined pass over the message's
own fields. Absent and ``null`` are the same thing (real SDKs send explicit nulls for ids they do not have).

Errors come back as ``{field: [reason, ...]}``, the product's field-error shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from analyticaflow.eventlog.contracts import EVENT_TYPES

MAX_TEXT_LENGTH = 255  # ids, messageId, event and page names

REQUIRED = "is required"
IDENTITY_REQUIRED = "userId or anonymousId is required"
NOT_OBJECT = "must be an object"
NOT_STRING = "must be a string"
NOT_ID = "must be a string or an integer"
TOO_LONG = f"must be at most {MAX_TEXT_LENGTH} characters"
NOT_TIME = "must be an ISO 8601 date-time with a time zone, e.g. 2024-05-01T12:00:00.123Z or ...+02:00"
UNKNOWN_TYPE = "must be one of " + ", ".join(EVENT_TYPES)

# The last string parse_time answered and its answer: validation parses a message's timestamp, then stamping asks
# for the same string object again. Compared by identity (the entry keeps its string alive, so no other object can
# take its address); one tuple, swapped whole, so concurrent threads read a consistent pair.
_last_parsed: tuple[Any, datetime | None] = (None, None)


def parse_time(value: Any) -> datetime | None:
    """The UTC datetime of an ISO 8601 string with ``Z`` or an offset (any fraction digits), else None."""
    global _last_parsed
    last = _last_parsed
    if value is last[0]:
        return last[1]
    if type(value) is not str or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value)
        zone = parsed.tzinfo
        if zone is not UTC:  # "Z" and "+00:00", what the SDKs send, are already the answer
            parsed = parsed.astimezone(UTC) if zone is not None else None
    except (ValueError, OverflowError):
        parsed = None
    _last_parsed = (value, parsed)
    return parsed


# The kinds of the fields the spec defines, checked on every message type when present and not null.
ID, TEXT, OBJECT, TIME = range(4)  # ordered: the kinds up to TEXT take a string
FIELD_KINDS: dict[str, int] = {
    "messageId": TEXT,
    "anonymousId": ID,
    "userId": ID,
    "previousId": ID,
    "groupId": ID,
    "event": TEXT,
    "name": TEXT,
    "category": TEXT,
    "properties": OBJECT,
    "traits": OBJECT,
    "context": OBJECT,
    "integrations": OBJECT,
    "timestamp": TIME,
    "sentAt": TIME,
}


@dataclass(frozen=True, slots=True)
class MessageSchema:
    type: str
    required: tuple[str, ...] = ()  # fields that must be present, non-null and non-empty
    needs_identity: bool = True  # userId or anonymousId
    name_field: str | None = None  # the field the log keeps as the record's name


SCHEMAS: dict[str, MessageSchema] = {
    schema.type: schema
    for schema in (
        MessageSchema("track", required=("event",), name_field="event"),
        MessageSchema("identify"),
        MessageSchema("page", name_field="name"),
        MessageSchema("screen", name_field="name"),
        MessageSchema("group", required=("groupId",)),
        MessageSchema("alias", required=("previousId", "userId"), needs_identity=False),
    )
}
assert set(SCHEMAS) == set(EVENT_TYPES)


def _field_reason(kind: int, value: Any) -> str | None:
    """Why a present, non-null value is wrong for its kind of field, or None. Inlined checks: this runs per field
    of every captured message."""
    value_type = type(value)
    if kind == OBJECT:
        return None if value_type is dict else NOT_OBJECT
    if kind == TIME:
        return None if parse_time(value) is not None else NOT_TIME
    if value_type is str:
        return None if len(value) <= MAX_TEXT_LENGTH else TOO_LONG
    if kind == ID:
        return None if value_type is int else NOT_ID
    return NOT_STRING


def validate_message(message: dict[str, Any], schema: MessageSchema) -> dict[str, list[str]]:
    """Field errors of one message against its type's schema; empty when the message is valid."""
    errors: dict[str, list[str]] = {}
    kinds = FIELD_KINDS
    for name, value in message.items():
        kind = kinds.get(name)
        if kind is None or value is None:
            continue
        # The commonest cases, decided without a call: an object where one belongs, a short id or text.
        value_type = type(value)
        if value_type is dict:
            if kind == OBJECT:
                continue
        elif value_type is str and kind <= TEXT and len(value) <= MAX_TEXT_LENGTH:
            continue
        reason = _field_reason(kind, value)
        if reason is not None:
            errors[name] = [reason]
    get = message.get
    for field in schema.required:
        value = get(field)
        if (value is None or value == "") and field not in errors:
            errors[field] = [REQUIRED]
    if schema.needs_identity:
        user_id, anonymous_id = get("userId"), get("anonymousId")
        if (user_id is None or user_id == "") and (anonymous_id is None or anonymous_id == ""):
            errors.setdefault("userId", []).append(IDENTITY_REQUIRED)
    context = get("context")
    if type(context) is dict:
        traits = context.get("traits")
        if traits is not None and type(traits) is not dict:
            errors["context.traits"] = [NOT_OBJECT]
    return errors


def schema_for(message: dict[str, Any], endpoint_type: str | None) -> tuple[MessageSchema | None, dict[str, list[str]]]:
    """The schema a message is checked against: the endpoint's type, or the message's own ``type`` in a batch."""
    declared = message.get("type")
    if endpoint_type is not None:
        if declared is not None and declared != endpoint_type:
            return None, {"type": [f"must be {endpoint_type!r} (or absent) on /v1/{endpoint_type}"]}
        return SCHEMAS[endpoint_type], {}
    if declared is None:
        return None, {"type": [REQUIRED]}
    schema = SCHEMAS.get(declared) if type(declared) is str else None
    if schema is None:
        return None, {"type": [UNKNOWN_TYPE]}
    return schema, {}
