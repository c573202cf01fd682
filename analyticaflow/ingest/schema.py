"""One schema per message type of the Segment tracking spec, checked by precomputed hand-written rules.

Capture validates on every request, so the rules are plain tuples of (field, check) built once; a check
returns the reason a present, non-null value is wrong, or ``None``. Absent and ``null`` are the same thing
(real SDKs send explicit nulls for ids they do not have).

Errors come back as ``{field: [reason, ...]}``, the product's field-error shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from analyticaflow.eventlog.contracts import EVENT_TYPES

MAX_ID_LENGTH = 255
MAX_NAME_LENGTH = 255

REQUIRED = "is required"
IDENTITY_REQUIRED = "userId or anonymousId is required"
NOT_OBJECT = "must be an object"
NOT_STRING = "must be a string"
NOT_ID = "must be a string or an integer"
TOO_LONG = f"must be at most {MAX_ID_LENGTH} characters"
NOT_TIME = "must be an ISO 8601 date-time with a time zone, e.g. 2024-05-01T12:00:00.123Z or ...+02:00"
UNKNOWN_TYPE = "must be one of " + ", ".join(EVENT_TYPES)

Check = Callable[[Any], str | None]


def _id(value: Any) -> str | None:
    if type(value) is str:
        return TOO_LONG if len(value) > MAX_ID_LENGTH else None
    if type(value) is int:
        return None
    return NOT_ID


def _text(value: Any) -> str | None:
    if type(value) is not str:
        return NOT_STRING
    return TOO_LONG if len(value) > MAX_NAME_LENGTH else None


def _object(value: Any) -> str | None:
    return None if type(value) is dict else NOT_OBJECT


def parse_time(value: Any) -> datetime | None:
    """The UTC datetime of an ISO 8601 string with ``Z`` or an offset (any fraction digits), else None."""
    if type(value) is not str or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value)
        return parsed.astimezone(UTC) if parsed.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None


def _time(value: Any) -> str | None:
    return None if parse_time(value) is not None else NOT_TIME


# Every field the spec defines with a type, checked on every message type when present.
COMMON_CHECKS: tuple[tuple[str, Check], ...] = (
    ("messageId", _text),
    ("anonymousId", _id),
    ("userId", _id),
    ("previousId", _id),
    ("groupId", _id),
    ("event", _text),
    ("name", _text),
    ("category", _text),
    ("properties", _object),
    ("traits", _object),
    ("context", _object),
    ("integrations", _object),
    ("timestamp", _time),
    ("sentAt", _time),
)


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


def _present(value: Any) -> bool:
    return value is not None and value != ""


def validate_message(message: dict[str, Any], schema: MessageSchema) -> dict[str, list[str]]:
    """Field errors of one message against its type's schema; empty when the message is valid."""
    errors: dict[str, list[str]] = {}
    get = message.get
    for field, check in COMMON_CHECKS:
        value = get(field)
        if value is not None:
            reason = check(value)
            if reason is not None:
                errors[field] = [reason]
    for field in schema.required:
        if field not in errors and not _present(get(field)):
            errors[field] = [REQUIRED]
    if schema.needs_identity and not (_present(get("userId")) or _present(get("anonymousId"))):
        errors.setdefault("userId", []).append(IDENTITY_REQUIRED)
    context = get("context")
    if type(context) is dict and context.get("traits") is not None and type(context["traits"]) is not dict:
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
