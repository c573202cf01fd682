"""Building and checking Segment messages at emit time (pure functions: no database, no network).

A message that the capture API could never accept is refused here with an ``InvalidMessage`` (a
``ValueError``) naming the field, so the mistake surfaces in the shop's code and not days later in a relay log.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise

from analyticaflow.outbox.conf import MAX_MESSAGE_BYTES

LIBRARY = {"name": "analyticaflow-outbox", "version": "1"}
MAX_MESSAGE_ID_LENGTH = 100


class InvalidMessage(ValueError):
    """The message can never be accepted by the capture API; ``field`` names the offending key."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class MessageRule:
    """What one Segment message type requires beyond the common fields."""

    required_ids: tuple[str, ...]  # each must be present
    any_of_ids: tuple[str, ...]  # at least one must be present
    required_text: tuple[str, ...] = ()
    optional_text: tuple[str, ...] = ()
    objects: tuple[str, ...] = ("context", "integrations")


PERSON = ("userId", "anonymousId")
MESSAGE_RULES: dict[str, MessageRule] = {
    "track": MessageRule((), PERSON, required_text=("event",), objects=("properties", "context", "integrations")),
    "identify": MessageRule((), PERSON, objects=("traits", "context", "integrations")),
    "page": MessageRule((), PERSON, optional_text=("name", "category"),
                        objects=("properties", "context", "integrations")),
    "screen": MessageRule((), PERSON, optional_text=("name", "category"),
                          objects=("properties", "context", "integrations")),
    "group": MessageRule(("groupId",), PERSON, objects=("traits", "context", "integrations")),
    "alias": MessageRule(("userId", "previousId"), ()),
}
ID_FIELDS = ("userId", "anonymousId", "groupId", "previousId")


def new_message_id() -> str:
    return uuid.uuid4().hex


def build_message(event: Mapping[str, Any], *, now: dt.datetime | None = None) -> tuple[dict[str, Any], str]:
    """Check ``event`` and return the message to store plus its JSON text.

    Sets ``messageId`` (kept if the caller gave one) and ``timestamp`` (now, unless given), adds
    ``context.library``, drops ``sentAt`` (the relay sets it when sending) and explicit nulls.
    """
    if not isinstance(event, Mapping):
        raise InvalidMessage(f"an event must be a dict, got {type(event).__name__}", field="event")
    message = {key: value for key, value in event.items() if value is not None and key != "sentAt"}
    kind = message.get("type")
    rule = MESSAGE_RULES.get(kind) if isinstance(kind, str) else None
    if rule is None:
        raise InvalidMessage(f"'type' must be one of {sorted(MESSAGE_RULES)}, got {kind!r}", field="type")
    for field in ID_FIELDS:
        if field in message:
            message[field] = _identifier(kind, field, message[field])
    for field in rule.required_ids:
        if field not in message:
            raise InvalidMessage(f"{kind} message: '{field}' is required", field=field)
    if rule.any_of_ids and not any(field in message for field in rule.any_of_ids):
        raise InvalidMessage(f"{kind} message: 'userId' or 'anonymousId' is required (who did it)", field="userId")
    for field in rule.required_text:
        if field not in message:
            raise InvalidMessage(f"{kind} message: '{field}' is required (e.g. 'Order Completed')", field=field)
    for field in (*rule.required_text, *rule.optional_text):
        if field in message:
            message[field] = _text(kind, field, message[field])
    for field in rule.objects:
        if field in message and not isinstance(message[field], Mapping):
            raise InvalidMessage(f"{kind} message: '{field}' must be an object (dict), got "
                                 f"{type(message[field]).__name__}", field=field)
    message["messageId"] = _message_id(message.get("messageId"))
    message["timestamp"] = format_timestamp(_timestamp(message.get("timestamp"), now=now))
    context = dict(message.get("context") or {})
    context.setdefault("library", LIBRARY)
    message["context"] = context
    text = to_json(message, kind=kind)
    size = len(text.encode())
    if size > MAX_MESSAGE_BYTES:
        raise InvalidMessage(f"{kind} message is {size} bytes as JSON; the limit is {MAX_MESSAGE_BYTES} "
                             "(move bulky data out of properties/traits)", field="message")
    return json.loads(text), text


def format_timestamp(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z``, the form every Segment SDK sends."""
    moment = moment.astimezone(dt.UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def to_json(message: Mapping[str, Any], *, kind: str = "event") -> str:
    try:
        return json.dumps(message, default=_json_value, allow_nan=False, ensure_ascii=False,
                          separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise InvalidMessage(f"{kind} message cannot be sent as JSON: {exc}", field="message") from exc


def _identifier(kind: str, field: str, value: Any) -> str:
    if isinstance(value, int | uuid.UUID) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    raise InvalidMessage(f"{kind} message: '{field}' must be a non-empty string or an integer, got {value!r}",
                         field=field)


def _text(kind: str, field: str, value: Any) -> str:
    if isinstance(value, str) and value.strip():
        return value
    raise InvalidMessage(f"{kind} message: '{field}' must be a non-empty string, got {value!r}", field=field)


def _message_id(value: Any) -> str:
    if value is None:
        return new_message_id()
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, str) and value.strip() and len(value) <= MAX_MESSAGE_ID_LENGTH:
        return value
    raise InvalidMessage(f"'messageId' must be a non-empty string of at most {MAX_MESSAGE_ID_LENGTH} characters, "
                         f"got {value!r}", field="messageId")


def _timestamp(value: Any, *, now: dt.datetime | None) -> dt.datetime:
    if value is None:
        return now or dt.datetime.now(dt.UTC)
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError as exc:
            raise InvalidMessage(f"'timestamp' must be an ISO 8601 date-time, got {value!r}",
                                 field="timestamp") from exc
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)  # the shop's TIME_ZONE, as Django does for model fields
        return value
    raise InvalidMessage(f"'timestamp' must be a datetime or an ISO 8601 string, got {value!r}", field="timestamp")


def _decimal(value: decimal.Decimal) -> int | float:
    if value.is_finite() and value == value.to_integral_value():
        return int(value)
    return float(value)  # a non-finite value is refused by the JSON encoder (allow_nan=False)


JSON_CONVERSIONS: tuple[tuple[type, Callable[[Any], Any]], ...] = (
    (decimal.Decimal, _decimal),
    (dt.datetime, lambda v: format_timestamp(timezone.make_aware(v) if timezone.is_naive(v) else v)),
    (dt.date, lambda v: v.isoformat()),
    (dt.time, lambda v: v.isoformat()),
    (uuid.UUID, str),
    (set | frozenset, list),
    (Promise, str),  # lazy translation strings
)


def _json_value(value: Any) -> Any:
    for kind, convert in JSON_CONVERSIONS:
        if isinstance(value, kind):
            return convert(value)
    raise TypeError(f"a value of type {type(value).__name__} is not JSON ({value!r})")
