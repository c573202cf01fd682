"""The official ``segment-analytics-python`` SDK, unchanged, pointed at a real AnalyticaFlow server."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from segment.analytics import Client
from segment.analytics.version import VERSION

pytestmark = pytest.mark.timeout(120)

CONTEXT = {
    "ip": "203.0.113.7",
    "userAgent": "Mozilla/5.0 (X11; Linux x86_64)",
    "campaign": {"source": "google", "medium": "cpc", "name": "spring-sale"},
    "page": {"url": "https://shop.test/landing?gclid=abc123", "referrer": "https://www.google.com/"},
    "traits": {"email": "ann@shop.test"},
}
LIBRARY = {"name": "analytics-python", "version": VERSION}


def sent_calls(client: Client) -> dict[str, dict]:
    """One call of every kind, each with its own messageId, a timestamp in an offset zone and the context."""
    when = datetime(2024, 5, 1, 14, 30, 15, 250000, tzinfo=timezone(timedelta(hours=2)))
    calls = {
        "track": dict(user_id="u-1", event="Order Completed", properties={"order_id": "o-1", "revenue": 42.5}),
        "identify": dict(user_id="u-1", traits={"plan": "pro"}),
        "page": dict(anonymous_id="a-1", category="Docs", name="Pricing", properties={"path": "/pricing"}),
        "screen": dict(user_id="u-1", name="Checkout"),
        "group": dict(user_id="u-1", group_id="company-9", traits={"employees": 12}),
        "alias": dict(previous_id="a-1", user_id="u-1"),
    }
    sent = {}
    for kind, arguments in calls.items():
        message_id = f"sdk-{kind}-{uuid.uuid4()}"
        context = {k: (dict(v) if isinstance(v, dict) else v) for k, v in CONTEXT.items()}
        getattr(client, kind)(**arguments, context=context, timestamp=when, message_id=message_id)
        sent[message_id] = {"type": kind, **arguments}
    return sent


def assert_delivered_intact(capture_server, project, sent: dict[str, dict]) -> None:
    events = {e.record.message_id: e for e in capture_server.events(project) if e.record.message_id in sent}
    assert set(events) == set(sent)
    for message_id, expected in sent.items():
        event = events[message_id]
        payload = orjson.loads(event.record.payload)
        assert event.record.type == expected["type"]
        assert payload["messageId"] == message_id
        # The SDK writes the call's timestamp with milliseconds; it arrives unchanged as originalTimestamp and,
        # corrected by the (sub-second, same-machine) skew between sentAt and receivedAt, as timestamp.
        assert payload["originalTimestamp"] == "2024-05-01T14:30:15.250+02:00"
        happened = datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=UTC)
        assert abs(event.record.timestamp - happened) < timedelta(seconds=5)
        assert datetime.fromisoformat(payload["timestamp"]) == event.record.timestamp
        assert payload["context"] == {**CONTEXT, "library": LIBRARY}
        for argument, field in (("user_id", "userId"), ("anonymous_id", "anonymousId"), ("event", "event"),
                                ("properties", "properties"), ("traits", "traits"), ("group_id", "groupId"),
                                ("previous_id", "previousId"), ("name", "name"), ("category", "category")):
            if argument in expected:
                assert payload[field] == expected[argument], field


def test_the_official_sdk_in_sync_mode_delivers_every_call_intact(capture_server):
    errors = []
    client = Client(capture_server.a.write_key, host=capture_server.url, sync_mode=True, max_retries=0,
                    on_error=lambda error, batch: errors.append(error))
    sent = sent_calls(client)
    assert errors == []
    assert_delivered_intact(capture_server, capture_server.a, sent)


def test_the_official_sdk_batching_and_gzipping_in_the_background_delivers_every_call(capture_server):
    errors = []
    client = Client(capture_server.b.write_key, host=capture_server.url, gzip=True, upload_interval=0.1,
                    max_retries=0, on_error=lambda error, batch: errors.append(error))
    sent = sent_calls(client)
    client.flush()
    client.join()
    assert errors == []
    assert_delivered_intact(capture_server, capture_server.b, sent)


def test_the_sdk_resending_a_batch_stores_it_once(capture_server):
    client = Client(capture_server.a.write_key, host=capture_server.url, sync_mode=True, max_retries=0)
    message_id = f"sdk-retry-{uuid.uuid4()}"
    for _ in range(3):
        client.track(user_id="u-2", event="Signed Up", message_id=message_id)
    stored = [e for e in capture_server.events(capture_server.a) if e.record.message_id == message_id]
    assert len(stored) == 1
