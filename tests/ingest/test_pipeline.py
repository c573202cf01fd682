"""Messages → event-log records: what is stored, what is refused and why. Pure, no server, no log."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from analyticaflow.eventlog.contracts import EventRecord
from analyticaflow.ingest.pipeline import (
    MAX_MESSAGE_BYTES,
    NOT_OBJECT,
    TOO_DEEP,
    TOO_LARGE,
    Envelope,
    prepare_message,
    prepare_messages,
)

RECEIVED = datetime(2024, 5, 1, 12, 0, 8, 250000, tzinfo=UTC)


def envelope(**overrides) -> Envelope:
    values = {"project_id": 7, "received_at": RECEIVED}
    values.update(overrides)
    return Envelope(**values)


def test_a_track_message_becomes_a_record_with_the_whole_message_as_payload():
    message = {
        "type": "track", "event": "Order Completed", "userId": "u1", "anonymousId": None,
        "messageId": "m-1", "timestamp": "2024-05-01T12:00:00Z", "sentAt": "2024-05-01T12:00:05Z",
        "properties": {"order_id": "o1", "revenue": 99.5, "currency": "EUR"},
        "context": {"page": {"url": "https://shop.test/?utm_source=google"}, "campaign": {"source": "google"}},
        "integrations": {"All": True}, "custom": {"kept": [1, 2]}, "writeKey": "wk_secret",
    }
    record = prepare_message(message, envelope())
    assert (record.project_id, record.message_id, record.type, record.name) == (7, "m-1", "track", "Order Completed")
    assert (record.user_id, record.anonymous_id) == ("u1", None)
    assert record.timestamp == datetime(2024, 5, 1, 12, 0, 3, 250000, tzinfo=UTC)
    assert record.received_at == RECEIVED
    assert orjson.loads(record.payload) == {
        "type": "track", "event": "Order Completed", "userId": "u1", "anonymousId": None, "messageId": "m-1",
        "timestamp": "2024-05-01T12:00:03.250Z", "originalTimestamp": "2024-05-01T12:00:00Z",
        "sentAt": "2024-05-01T12:00:05Z", "receivedAt": "2024-05-01T12:00:08.250Z",
        "properties": {"order_id": "o1", "revenue": 99.5, "currency": "EUR"},
        "context": {"page": {"url": "https://shop.test/?utm_source=google"}, "campaign": {"source": "google"}},
        "integrations": {"All": True}, "custom": {"kept": [1, 2]},
    }



@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            {"type": "track", "event": "Signed Up", "userId": 42, "anonymousId": "a-1", "messageId": "m-2",
             "timestamp": "2024-05-01T14:00:00+02:00"},
            dict(message_id="m-2", type="track", name="Signed Up", anonymous_id="a-1", user_id="42",
                 timestamp=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
                 payload={"type": "track", "event": "Signed Up", "userId": "42", "anonymousId": "a-1",
                          "messageId": "m-2", "timestamp": "2024-05-01T14:00:00+02:00",
                          "receivedAt": "2024-05-01T12:00:08.250Z"}),
        ),
        (
            {"type": "identify", "userId": "", "anonymousId": "a-2", "messageId": "m-3"},
            dict(message_id="m-3", type="identify", name=None, anonymous_id="a-2", user_id=None, timestamp=RECEIVED,
                 payload={"type": "identify", "userId": "", "anonymousId": "a-2", "messageId": "m-3",
                          "timestamp": "2024-05-01T12:00:08.250Z", "receivedAt": "2024-05-01T12:00:08.250Z"}),
        ),
    ],
    ids=["track", "identify"],
)
def test_the_record_equals_the_one_the_contract_constructor_builds(message, expected):
    record = prepare_message(message, envelope())

    payload = expected.pop("payload")
    assert type(record) is EventRecord
    assert orjson.loads(record.payload) == payload
    assert record == EventRecord(project_id=7, received_at=RECEIVED, payload=record.payload, **expected)
    with pytest.raises(AttributeError):
        record.name = "changed"  # still the contract's frozen record


@pytest.mark.parametrize(
    ("message", "name"),
    [
        ({"type": "track", "event": "Signed Up", "userId": "u"}, "Signed Up"),
        ({"type": "page", "name": "Home", "userId": "u"}, "Home"),
        ({"type": "page", "name": None, "category": None, "userId": "u"}, None),
        ({"type": "screen", "name": "Cart", "userId": "u"}, "Cart"),
        ({"type": "identify", "userId": "u", "traits": {"name": "Ann"}}, None),
        ({"type": "group", "userId": "u", "groupId": "g"}, None),
        ({"type": "alias", "userId": "u", "previousId": "a"}, None),
    ],
)
def test_the_record_name_is_the_event_or_page_name(message, name):
    assert prepare_message(message, envelope()).name == name


def test_the_endpoint_type_is_written_into_the_payload():
    record = prepare_message({"event": "E", "userId": "u"}, envelope(endpoint_type="track"))
    assert orjson.loads(record.payload)["type"] == "track"


def test_numeric_ids_are_stored_as_strings():
    record = prepare_message({"type": "alias", "userId": 42, "previousId": 7}, envelope())
    assert record.user_id == "42"
    payload = orjson.loads(record.payload)
    assert (payload["userId"], payload["previousId"]) == ("42", "7")


def test_empty_ids_are_no_person():
    record = prepare_message({"type": "track", "event": "E", "userId": "", "anonymousId": "a"}, envelope())
    assert (record.user_id, record.anonymous_id) == (None, "a")


def test_traits_in_the_context_are_kept():
    message = {"type": "identify", "anonymousId": "a", "context": {"traits": {"email": "ann@shop.test"}}}
    payload = orjson.loads(prepare_message(message, envelope()).payload)
    assert payload["context"] == {"traits": {"email": "ann@shop.test"}}


def test_the_batch_context_and_integrations_are_merged_under_the_message_own():
    shared = envelope(context={"library": {"name": "analytics-go"}, "ip": "10.0.0.1"},
                      integrations={"All": False})
    own = prepare_message({"type": "track", "event": "E", "userId": "u", "context": {"ip": "10.0.0.2"}}, shared)
    bare = prepare_message({"type": "track", "event": "E", "userId": "u"}, shared)
    assert orjson.loads(own.payload)["context"] == {"library": {"name": "analytics-go"}, "ip": "10.0.0.2"}
    assert orjson.loads(bare.payload)["context"] == {"library": {"name": "analytics-go"}, "ip": "10.0.0.1"}
    assert orjson.loads(bare.payload)["integrations"] == {"All": False}


@pytest.mark.parametrize(
    ("message", "errors"),
    [
        (5, {"message": [NOT_OBJECT]}),
        ([{"type": "track"}], {"message": [NOT_OBJECT]}),
        (None, {"message": [NOT_OBJECT]}),
        ({"type": "track", "userId": "u", "event": "E", "properties": {"blob": "x" * MAX_MESSAGE_BYTES}},
         {"message": [TOO_LARGE]}),
        ({"type": "track", "userId": "u", "event": "E", "properties": {"deep": orjson.loads("[" * 300 + "]" * 300)}},
         {"message": [TOO_DEEP]}),
        ({"type": "track", "userId": "u", "event": "E", "timestamp": "9999-12-31T23:59:59Z",
          "sentAt": "0001-01-01T00:00:00Z"}, {"sentAt": ["puts the corrected timestamp out of range"]}),
    ],
)
def test_messages_that_cannot_be_stored_are_refused_with_a_reason(message, errors):
    assert prepare_message(message, envelope()) == errors


def test_a_message_just_under_the_size_limit_is_accepted():
    message = {"type": "track", "userId": "u", "event": "E", "properties": {"blob": ""}}
    message["properties"]["blob"] = "x" * (MAX_MESSAGE_BYTES - len(orjson.dumps(message)))
    assert len(orjson.dumps(message)) == MAX_MESSAGE_BYTES
    record = prepare_message(message, envelope())
    assert len(record.payload) > MAX_MESSAGE_BYTES  # the server's stamps do not count against the client


def test_a_batch_keeps_valid_messages_and_numbers_the_rejected_ones():
    batch = [
        {"type": "track", "event": "A", "userId": "u", "messageId": "m1"},
        {"type": "track", "userId": "u", "messageId": "m2"},
        {"type": "nope", "messageId": "m3"},
        {"type": "identify", "anonymousId": "a", "messageId": "m4"},
        "junk",
    ]
    prepared = prepare_messages(enumerate(batch), envelope())
    assert [record.message_id for record in prepared.records] == ["m1", "m4"]
    assert [(r.index, r.message_id, list(r.errors)) for r in prepared.rejected] == [
        (1, "m2", ["event"]), (2, "m3", ["type"]), (4, None, ["message"])]


def test_a_message_id_repeated_in_one_request_is_stored_once():
    batch = [{"type": "track", "event": "A", "userId": "u", "messageId": "same"}] * 3
    prepared = prepare_messages(enumerate([dict(m) for m in batch]), envelope())
    assert len(prepared.records) == 1 and prepared.repeated == 2
