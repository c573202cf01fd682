"""Each validation rule of the capture schemas: input → (field, reason). Pure, no server."""

from __future__ import annotations

import pytest

from analyticaflow.ingest.schema import (
    IDENTITY_REQUIRED,
    NOT_ID,
    NOT_OBJECT,
    NOT_STRING,
    NOT_TIME,
    REQUIRED,
    SCHEMAS,
    TOO_LONG,
    UNKNOWN_TYPE,
    schema_for,
    validate_message,
)

VALID = {
    "track": {"event": "Order Completed", "userId": "u1"},
    "identify": {"userId": "u1", "traits": {"email": "a@shop.test"}},
    "page": {"anonymousId": "a1", "name": "Home"},
    "screen": {"anonymousId": "a1", "name": "Cart"},
    "group": {"userId": "u1", "groupId": "g1"},
    "alias": {"previousId": "a1", "userId": "u1"},
}


def errors_of(message_type: str, message: dict) -> dict[str, list[str]]:
    return validate_message(message, SCHEMAS[message_type])


@pytest.mark.parametrize("message_type", sorted(VALID))
def test_a_minimal_valid_message_of_each_type_passes(message_type):
    assert errors_of(message_type, dict(VALID[message_type])) == {}


@pytest.mark.parametrize(
    ("message_type", "message", "field", "reason"),
    [
        # identity: userId or anonymousId (absent, null and "" are all missing)
        ("track", {"event": "E"}, "userId", IDENTITY_REQUIRED),
        ("track", {"event": "E", "userId": None, "anonymousId": None}, "userId", IDENTITY_REQUIRED),
        ("identify", {"userId": "", "anonymousId": ""}, "userId", IDENTITY_REQUIRED),
        ("page", {}, "userId", IDENTITY_REQUIRED),
        ("screen", {"name": "Cart"}, "userId", IDENTITY_REQUIRED),
        ("group", {"groupId": "g"}, "userId", IDENTITY_REQUIRED),
        # per-type required fields
        ("track", {"userId": "u"}, "event", REQUIRED),
        ("track", {"userId": "u", "event": None}, "event", REQUIRED),
        ("track", {"userId": "u", "event": ""}, "event", REQUIRED),
        ("group", {"userId": "u"}, "groupId", REQUIRED),
        ("alias", {"userId": "u"}, "previousId", REQUIRED),
        ("alias", {"previousId": "a", "anonymousId": "a2"}, "userId", REQUIRED),
        # field types
        ("track", {"userId": "u", "event": 42}, "event", NOT_STRING),
        ("track", {"userId": ["u"], "event": "E"}, "userId", NOT_ID),
        ("track", {"userId": True, "event": "E"}, "userId", NOT_ID),
        ("track", {"userId": 1.5, "event": "E"}, "userId", NOT_ID),
        ("track", {"anonymousId": {"a": 1}, "event": "E", "userId": "u"}, "anonymousId", NOT_ID),
        ("group", {"userId": "u", "groupId": False}, "groupId", NOT_ID),
        ("alias", {"userId": "u", "previousId": 3.0}, "previousId", NOT_ID),
        ("track", {"userId": "u", "event": "E", "messageId": 7}, "messageId", NOT_STRING),
        ("page", {"userId": "u", "name": ["Home"]}, "name", NOT_STRING),
        ("page", {"userId": "u", "category": 1}, "category", NOT_STRING),
        ("track", {"userId": "u", "event": "E", "properties": []}, "properties", NOT_OBJECT),
        ("identify", {"userId": "u", "traits": "vip"}, "traits", NOT_OBJECT),
        ("track", {"userId": "u", "event": "E", "context": "web"}, "context", NOT_OBJECT),
        ("track", {"userId": "u", "event": "E", "integrations": 1}, "integrations", NOT_OBJECT),
        ("identify", {"userId": "u", "context": {"traits": ["x"]}}, "context.traits", NOT_OBJECT),
        # lengths
        ("track", {"userId": "u" * 256, "event": "E"}, "userId", TOO_LONG),
        ("track", {"userId": "u", "event": "E" * 256}, "event", TOO_LONG),
        ("track", {"userId": "u", "event": "E", "messageId": "m" * 256}, "messageId", TOO_LONG),
        # time fields
        ("track", {"userId": "u", "event": "E", "timestamp": "2024-05-01T12:00:00"}, "timestamp", NOT_TIME),
        ("track", {"userId": "u", "event": "E", "timestamp": "2024-05-01"}, "timestamp", NOT_TIME),
        ("track", {"userId": "u", "event": "E", "timestamp": "yesterday"}, "timestamp", NOT_TIME),
        ("track", {"userId": "u", "event": "E", "timestamp": 1714564800000}, "timestamp", NOT_TIME),
        ("track", {"userId": "u", "event": "E", "timestamp": "2024-13-01T00:00:00Z"}, "timestamp", NOT_TIME),
        ("track", {"userId": "u", "event": "E", "sentAt": "not a time"}, "sentAt", NOT_TIME),
        ("track", {"userId": "u", "event": "E", "timestamp": "0001-01-01T00:00:00+01:00"}, "timestamp", NOT_TIME),
    ],
)
def test_each_rule_names_the_field_and_the_reason(message_type, message, field, reason):
    assert reason in errors_of(message_type, message).get(field, []), errors_of(message_type, message)


def test_every_problem_of_a_message_is_reported_at_once():
    errors = errors_of("track", {"event": 1, "properties": [], "timestamp": "soon"})
    assert errors == {"event": [NOT_STRING], "properties": [NOT_OBJECT], "timestamp": [NOT_TIME],
                      "userId": [IDENTITY_REQUIRED]}


@pytest.mark.parametrize(
    "message",
    [
        # what real SDKs send: explicit nulls for what they do not have
        {"event": "E", "userId": None, "anonymousId": "a", "messageId": None, "timestamp": None, "context": None,
         "properties": None, "integrations": None, "traits": None, "sentAt": None},
        {"event": "E", "userId": 12345},  # numeric ids
        {"event": "E", "anonymousId": "a", "context": {"traits": {"email": "a@shop.test"}}},
        {"event": "E", "anonymousId": "a", "context": {"traits": None}},
        {"event": "E", "anonymousId": "a", "unknownField": [1, 2]},  # unknown fields are kept, not refused
    ],
)
def test_what_real_sdks_send_is_accepted(message):
    assert errors_of("track", message) == {}


@pytest.mark.parametrize(
    ("message", "endpoint", "expected_type", "errors"),
    [
        ({"type": "track"}, None, "track", {}),
        ({"type": "alias"}, None, "alias", {}),
        ({}, None, None, {"type": [REQUIRED]}),
        ({"type": "Track"}, None, None, {"type": [UNKNOWN_TYPE]}),
        ({"type": 1}, None, None, {"type": [UNKNOWN_TYPE]}),
        ({}, "page", "page", {}),
        ({"type": "page"}, "page", "page", {}),
        ({"type": "track"}, "page", None, {"type": ["must be 'page' (or absent) on /v1/page"]}),
    ],
)
def test_the_schema_comes_from_the_endpoint_or_the_batch_message_type(message, endpoint, expected_type, errors):
    schema, found = schema_for(message, endpoint)
    assert (schema.type if schema else None, found) == (expected_type, errors)
