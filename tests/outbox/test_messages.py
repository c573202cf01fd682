"""emit()'s cheap checks: what can never be accepted is refused at once, with the field named."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid

import pytest

from analyticaflow.outbox.conf import MAX_MESSAGE_BYTES
from analyticaflow.outbox.messages import LIBRARY, InvalidMessage, build_message, format_timestamp

NOW = dt.datetime(2025, 3, 9, 12, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.mark.parametrize(("event", "field", "reason"), [
    ({"type": "track", "event": "Signed Up"}, "userId", "'userId' or 'anonymousId' is required"),
    ({"type": "track", "userId": "", "event": "Signed Up"}, "userId", "non-empty string"),
    ({"type": "track", "userId": "  ", "event": "Signed Up"}, "userId", "non-empty string"),
    ({"type": "track", "userId": True, "event": "Signed Up"}, "userId", "non-empty string or an integer"),
    ({"type": "track", "userId": None, "anonymousId": None, "event": "X"}, "userId", "is required"),
    ({"type": "track", "userId": "u1"}, "event", "'event' is required"),
    ({"type": "track", "userId": "u1", "event": ""}, "event", "non-empty string"),
    ({"type": "track", "userId": "u1", "event": 5}, "event", "non-empty string"),
    ({"type": "track", "userId": "u1", "event": "X", "properties": [1, 2]}, "properties", "must be an object"),
    ({"type": "identify", "anonymousId": "a1", "traits": "vip"}, "traits", "must be an object"),
    ({"type": "page", "userId": "u1", "context": "web"}, "context", "must be an object"),
    ({"type": "group", "userId": "u1"}, "groupId", "'groupId' is required"),
    ({"type": "alias", "userId": "u1"}, "previousId", "'previousId' is required"),
    ({"type": "alias", "previousId": "a1", "anonymousId": "a1"}, "userId", "'userId' is required"),
    ({"type": "purchase", "userId": "u1"}, "type", "must be one of"),
    ({"userId": "u1", "event": "X"}, "type", "must be one of"),
    ({"type": "track", "userId": "u1", "event": "X", "timestamp": "yesterday"}, "timestamp", "ISO 8601"),
    ({"type": "track", "userId": "u1", "event": "X", "timestamp": 1700000000}, "timestamp", "ISO 8601"),
    ({"type": "track", "userId": "u1", "event": "X", "messageId": ""}, "messageId", "non-empty string"),
    ({"type": "track", "userId": "u1", "event": "X", "messageId": "m" * 101}, "messageId", "at most 100"),
    ({"type": "track", "userId": "u1", "event": "X", "properties": {"f": object()}}, "message", "not JSON"),
    ({"type": "track", "userId": "u1", "event": "X", "properties": {"x": float("nan")}}, "message", "JSON"),
    ({"type": "track", "userId": "u1", "event": "X", "properties": {"x": decimal.Decimal("Infinity")}},
     "message", "JSON"),
    ({"type": "track", "userId": "u1", "event": "X", "properties": {"blob": "x" * MAX_MESSAGE_BYTES}},
     "message", f"the limit is {MAX_MESSAGE_BYTES}"),
])
def test_a_message_that_can_never_be_accepted_is_refused_naming_the_field(event, field, reason):
    with pytest.raises(InvalidMessage, match=reason) as caught:
        build_message(event)
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)


def test_not_a_dict_is_refused():
    with pytest.raises(InvalidMessage, match="an event must be a dict, got list"):
        build_message([("type", "track")])


@pytest.mark.parametrize(("event", "expected"), [
    # each valid type with its minimum
    ({"type": "track", "userId": "u1", "event": "Signed Up"}, {"userId": "u1", "event": "Signed Up"}),
    ({"type": "identify", "anonymousId": "a1"}, {"anonymousId": "a1"}),
    ({"type": "page", "anonymousId": "a1", "name": "Home"}, {"name": "Home"}),
    ({"type": "screen", "userId": "u1"}, {"userId": "u1"}),
    ({"type": "group", "userId": "u1", "groupId": 77}, {"groupId": "77"}),
    ({"type": "alias", "userId": "u1", "previousId": "a1"}, {"previousId": "a1"}),
    # integer and UUID ids become strings; explicit nulls are dropped, not sent
    ({"type": "track", "userId": 42, "anonymousId": None, "event": "X"}, {"userId": "42"}),
    ({"type": "track", "userId": uuid.UUID(int=1), "event": "X"},
     {"userId": "00000000-0000-0000-0000-000000000001"}),
])
def test_valid_messages_are_kept_with_normalized_ids(event, expected):
    message, _ = build_message(event, now=NOW)
    assert {key: message[key] for key in expected} == expected
    assert "anonymousId" not in message or message["anonymousId"] is not None


def test_stamps_message_id_timestamp_and_library_but_not_sent_at():
    message, text = build_message({"type": "track", "userId": "u1", "event": "X", "sentAt": "2020-01-01T00:00:00Z",
                                   "context": {"ip": "203.0.113.9"}}, now=NOW)
    assert message["timestamp"] == "2025-03-09T12:30:15.123Z"
    assert len(message["messageId"]) == 32 and int(message["messageId"], 16) >= 0
    assert message["context"] == {"ip": "203.0.113.9", "library": LIBRARY}
    assert "sentAt" not in message
    assert json.loads(text) == message


def test_given_message_id_timestamp_and_library_are_kept():
    message, _ = build_message({"type": "track", "userId": "u1", "event": "X", "messageId": "order-17-completed",
                                "timestamp": "2024-12-31T23:59:59+02:00",
                                "context": {"library": {"name": "shop", "version": "9"}}}, now=NOW)
    assert message["messageId"] == "order-17-completed"
    assert message["timestamp"] == "2024-12-31T21:59:59.000Z"
    assert message["context"]["library"] == {"name": "shop", "version": "9"}


def test_each_message_gets_its_own_id():
    ids = {build_message({"type": "track", "userId": "u1", "event": "X"})[0]["messageId"] for _ in range(50)}
    assert len(ids) == 50


@pytest.mark.parametrize(("value", "expected"), [
    (dt.datetime(2025, 1, 2, 3, 4, 5, 999999, tzinfo=dt.UTC), "2025-01-02T03:04:05.999Z"),
    (dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5))), "2025-01-02T08:04:05.000Z"),
    (dt.datetime(2025, 1, 2, 3, 4, 5), "2025-01-02T03:04:05.000Z"),  # naive: the shop's TIME_ZONE (UTC here)
    ("2025-01-02T03:04:05Z", "2025-01-02T03:04:05.000Z"),
    ("2025-01-02T03:04:05.25+01:00", "2025-01-02T02:04:05.250Z"),
])
def test_timestamps_are_sent_in_utc_with_milliseconds(value, expected):
    message, _ = build_message({"type": "track", "userId": "u1", "event": "X", "timestamp": value})
    assert message["timestamp"] == expected


def test_format_timestamp_truncates_to_milliseconds():
    assert format_timestamp(dt.datetime(2025, 6, 1, 0, 0, 0, 1999, tzinfo=dt.UTC)) == "2025-06-01T00:00:00.001Z"


def test_shop_values_become_json():
    properties = {
        "revenue": decimal.Decimal("19.99"), "quantity": decimal.Decimal("3"), "order_uuid": uuid.UUID(int=255),
        "delivered_on": dt.date(2025, 4, 1), "paid_at": dt.datetime(2025, 4, 1, 9, 0, tzinfo=dt.UTC),
        "tags": {"sale"}, "nested": {"price": decimal.Decimal("0.5")},
    }
    message, _ = build_message({"type": "track", "userId": "u1", "event": "Order Completed",
                                "properties": properties})
    assert message["properties"] == {
        "revenue": 19.99, "quantity": 3, "order_uuid": "00000000-0000-0000-0000-0000000000ff",
        "delivered_on": "2025-04-01", "paid_at": "2025-04-01T09:00:00.000Z", "tags": ["sale"],
        "nested": {"price": 0.5},
    }


def test_unknown_top_level_fields_pass_through():
    message, _ = build_message({"type": "track", "userId": "u1", "event": "X", "integrations": {"All": True},
                                "version": 2})
    assert message["integrations"] == {"All": True} and message["version"] == 2
