"""The capture endpoints over real HTTP against a real ``analyticaflow serve`` process."""

from __future__ import annotations

import gzip
import time
from datetime import datetime, timedelta

import orjson
import pytest

from analyticaflow.ingest.schema import IDENTITY_REQUIRED, REQUIRED
from tests.ingest.conftest import basic, new_id

pytestmark = pytest.mark.timeout(120)

MESSAGES = {
    "track": {"event": "Order Completed", "userId": "u-1", "properties": {"order_id": "o-1", "revenue": 30}},
    "identify": {"userId": "u-1", "traits": {"email": "ann@shop.test"}},
    "page": {"anonymousId": "a-1", "name": "Home", "properties": {"url": "https://shop.test/"}},
    "screen": {"anonymousId": "a-1", "name": "Cart"},
    "group": {"userId": "u-1", "groupId": "company-1", "traits": {"plan": "pro"}},
    "alias": {"previousId": "a-1", "userId": "u-1"},
}
NAMES = {"track": "Order Completed", "page": "Home", "screen": "Cart"}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize("message_type", sorted(MESSAGES))
def test_each_single_endpoint_stores_its_message(capture_server, message_type):
    message_id = new_id()
    response = capture_server.post(f"/v1/{message_type}", {**MESSAGES[message_type], "messageId": message_id},
                                   key=capture_server.a.write_key)
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "accepted": 1, "duplicates": 0, "messageId": message_id}
    [event] = [e for e in capture_server.events(capture_server.a) if e.record.message_id == message_id]
    assert event.record.type == message_type
    assert event.record.name == NAMES.get(message_type)
    payload = orjson.loads(event.record.payload)
    assert payload["type"] == message_type
    for name, value in MESSAGES[message_type].items():
        assert payload[name] == value


def test_batch_stores_every_type_in_one_request(capture_server):
    batch = [{**MESSAGES[t], "type": t, "messageId": new_id()} for t in sorted(MESSAGES)]
    response = capture_server.post("/v1/batch", {"batch": batch}, key=capture_server.a.write_key)
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "accepted": 6, "duplicates": 0, "rejected": []}
    stored = capture_server.payloads_by_id(capture_server.a)
    assert [stored[m["messageId"]]["type"] for m in batch] == sorted(MESSAGES)


def test_the_write_key_may_come_in_the_body_and_is_not_stored(capture_server):
    message_id = new_id()
    body = {"writeKey": capture_server.b.write_key, "batch": [{"type": "track", "event": "E", "userId": "u",
                                                               "messageId": message_id}]}
    assert capture_server.post("/v1/batch", body).status_code == 200
    single = {"writeKey": capture_server.b.write_key, "event": "E", "userId": "u", "messageId": message_id + "-s"}
    assert capture_server.post("/v1/track", single).status_code == 200
    stored = capture_server.payloads_by_id(capture_server.b)
    assert "writeKey" not in stored[message_id] and "writeKey" not in stored[message_id + "-s"]


def test_a_basic_header_with_only_the_key_and_no_colon_works_too(capture_server):
    import base64

    header = {"Authorization": "Basic " + base64.b64encode(capture_server.a.write_key.encode()).decode()}
    response = capture_server.post("/v1/track", {"event": "E", "userId": "u"}, headers=header)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("how", "code"),
    [
        ("unknown basic", "unknown_write_key"),
        ("unknown body", "unknown_write_key"),
        ("none", "not_authenticated"),
        ("bearer", "not_authenticated"),
        ("garbage basic", "not_authenticated"),
        ("huge basic", "unknown_write_key"),
    ],
)
def test_a_missing_or_unknown_write_key_is_401(capture_server, how, code):
    body = {"event": "E", "userId": "u"}
    headers = {}
    if how == "unknown basic":
        headers = basic("wk_does-not-exist")
    elif how == "unknown body":
        body["writeKey"] = "wk_does-not-exist"
    elif how == "bearer":
        headers = {"Authorization": f"Bearer {capture_server.token}"}
    elif how == "garbage basic":
        headers = {"Authorization": "Basic %%%not-base64"}
    elif how == "huge basic":
        headers = basic("wk_" + "x" * 5000)
    response = capture_server.post("/v1/track", body, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_rotated_write_key_stops_working_within_the_cache_time(capture_server):
    project = capture_server.new_project("Rotating shop")
    assert capture_server.post("/v1/track", {"event": "E", "userId": "u"}, key=project.write_key).status_code == 200
    rotated = capture_server.api("POST", f"/api/v1/projects/{project.id}/write-key/rotate")
    assert rotated.status_code == 200
    new_key = rotated.json()["write_key"]
    time.sleep(1.2)  # this server caches keys for 1 s
    assert capture_server.post("/v1/track", {"event": "E", "userId": "u"}, key=project.write_key).status_code == 401
    assert capture_server.post("/v1/track", {"event": "E", "userId": "u"}, key=new_key).status_code == 200


def test_gzip_bodies_are_accepted(capture_server):
    message_id = new_id()
    body = gzip.compress(orjson.dumps({"batch": [{"type": "track", "event": "Zipped", "userId": "u",
                                                  "messageId": message_id}]}))
    response = capture_server.post("/v1/batch", body, key=capture_server.a.write_key,
                                   headers={"Content-Encoding": "gzip"})
    assert response.status_code == 200, response.text
    assert capture_server.payloads_by_id(capture_server.a)[message_id]["event"] == "Zipped"


@pytest.mark.parametrize(
    ("body", "encoding", "status", "code"),
    [
        (b"\x1f\x8b not really gzip", "gzip", 400, "malformed_body"),
        (gzip.compress(b'{"batch": []}')[:-12], "gzip", 400, "malformed_body"),
        (b'{"batch": []}', "br", 400, "unsupported_encoding"),
        # a decompression bomb: 1.2 MB of zeros squeezed into about a kilobyte
        (gzip.compress(b'{"batch": [' + b" " * 1_200_000 + b"]}"), "gzip", 413, "payload_too_large"),
    ],
)
def test_bad_or_oversized_gzip_is_refused(capture_server, body, encoding, status, code):
    response = capture_server.post("/v1/batch", body, key=capture_server.a.write_key,
                                   headers={"Content-Encoding": encoding})
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_cors_preflight_allows_browsers_to_post_with_a_write_key(capture_server):
    response = capture_server.http.options("/v1/batch", headers={
        "Origin": "https://shop.test", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "content-encoding"} <= allowed
    posted = capture_server.post("/v1/page", {"anonymousId": "a"}, key=capture_server.a.write_key,
                                 headers={"Origin": "https://shop.test"})
    assert posted.headers["Access-Control-Allow-Origin"] == "*"


def test_a_browser_style_text_plain_body_with_the_key_inside_is_accepted(capture_server):
    body = orjson.dumps({"writeKey": capture_server.a.write_key, "event": "E", "anonymousId": "a"})
    response = capture_server.http.post("/v1/track", content=body, headers={"Content-Type": "text/plain"})
    assert response.status_code == 200, response.text


def test_an_invalid_single_message_is_400_naming_the_fields(capture_server):
    response = capture_server.post("/v1/track", {"messageId": "bad-1", "properties": []},
                                   key=capture_server.a.write_key)
    assert response.status_code == 400
    assert response.json() == {"error": {
        "code": "invalid", "message": "The track message is invalid.", "messageId": "bad-1",
        "fields": {"event": [REQUIRED], "properties": ["must be an object"], "userId": [IDENTITY_REQUIRED]}}}
    assert "bad-1" not in capture_server.payloads_by_id(capture_server.a)


def test_a_batch_stores_the_valid_messages_and_reports_the_invalid_ones(capture_server):
    ids = [new_id() for _ in range(5)]
    batch = [
        {"type": "track", "event": "Ok", "userId": "u", "messageId": ids[0]},
        {"type": "track", "userId": "u", "messageId": ids[1]},
        {"type": "identify", "anonymousId": "a", "messageId": ids[2]},
        {"type": "teleport", "userId": "u", "messageId": ids[3]},
        {"type": "alias", "userId": "u"},
        "not a message",
        {"type": "page", "anonymousId": "a", "messageId": ids[4], "timestamp": "last tuesday"},
    ]
    response = capture_server.post("/v1/batch", {"batch": batch}, key=capture_server.a.write_key)
    assert response.status_code == 200
    assert response.json() == {"success": True, "accepted": 2, "duplicates": 0, "rejected": [
        {"index": 1, "messageId": ids[1], "errors": {"event": [REQUIRED]}},
        {"index": 3, "messageId": ids[3], "errors": {"type": [
            "must be one of track, identify, page, screen, group, alias"]}},
        {"index": 4, "messageId": None, "errors": {"previousId": [REQUIRED]}},
        {"index": 5, "messageId": None, "errors": {"message": ["must be a JSON object"]}},
        {"index": 6, "messageId": ids[4], "errors": {"timestamp": [
            "must be an ISO 8601 date-time with a time zone, e.g. 2024-05-01T12:00:00.123Z or ...+02:00"]}},
    ]}
    stored = capture_server.payloads_by_id(capture_server.a)
    assert ids[0] in stored and ids[2] in stored
    assert not {ids[1], ids[3], ids[4]} & set(stored)


def test_the_same_message_id_is_stored_once_per_project(capture_server):
    message_id = new_id()
    message = {"event": "Order Completed", "userId": "u", "messageId": message_id}
    first = capture_server.post("/v1/track", message, key=capture_server.a.write_key)
    again = capture_server.post("/v1/track", message, key=capture_server.a.write_key)
    in_batch = capture_server.post("/v1/batch", {"batch": [{**message, "type": "track"}] * 2},
                                   key=capture_server.a.write_key)
    other_project = capture_server.post("/v1/track", message, key=capture_server.b.write_key)
    assert first.json() == {"success": True, "accepted": 1, "duplicates": 0, "messageId": message_id}
    assert again.status_code == 200
    assert again.json() == {"success": True, "accepted": 1, "duplicates": 1, "messageId": message_id}
    assert in_batch.json() == {"success": True, "accepted": 2, "duplicates": 2, "rejected": []}
    assert other_project.json()["duplicates"] == 0
    assert [e.record.message_id for e in capture_server.events(capture_server.a)].count(message_id) == 1
    assert [e.record.message_id for e in capture_server.events(capture_server.b)].count(message_id) == 1


def test_a_message_without_id_gets_one_from_the_server(capture_server):
    response = capture_server.post("/v1/track", {"event": "E", "userId": "u", "messageId": None},
                                   key=capture_server.a.write_key)
    message_id = response.json()["messageId"]
    assert len(message_id) == 36
    assert capture_server.payloads_by_id(capture_server.a)[message_id]["messageId"] == message_id


def test_single_messages_over_32_kb_are_413(capture_server):
    message = {"event": "E", "userId": "u", "properties": {"blob": "x" * (32 * 1024)}}
    response = capture_server.post("/v1/track", message, key=capture_server.a.write_key)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert "32768" in response.json()["error"]["message"]


def test_batches_over_500_kb_are_413_and_store_nothing(capture_server):
    ids = [new_id() for _ in range(20)]
    batch = [{"type": "track", "event": "E", "userId": "u", "messageId": i, "properties": {"blob": "x" * 26_000}}
             for i in ids]
    response = capture_server.post("/v1/batch", {"batch": batch}, key=capture_server.a.write_key)
    assert response.status_code == 413
    assert "512000" in response.json()["error"]["message"]
    assert not set(ids) & set(capture_server.payloads_by_id(capture_server.a))


def test_a_message_over_32_kb_in_a_batch_is_rejected_alone(capture_server):
    big, small = new_id(), new_id()
    batch = [{"type": "track", "event": "E", "userId": "u", "messageId": big, "properties": {"blob": "x" * 33_000}},
             {"type": "track", "event": "E", "userId": "u", "messageId": small}]
    response = capture_server.post("/v1/batch", {"batch": batch}, key=capture_server.a.write_key)
    assert response.status_code == 200
    assert response.json()["rejected"] == [
        {"index": 0, "messageId": big, "errors": {"message": ["must be at most 32768 bytes as JSON"]}}]
    stored = capture_server.payloads_by_id(capture_server.a)
    assert small in stored and big not in stored


@pytest.mark.parametrize(
    ("path", "body", "code", "fields"),
    [
        ("/v1/track", b'{"event": "E", "userId": ', "malformed_json", None),
        ("/v1/track", b"", "malformed_json", None),
        ("/v1/track", b"[1, 2]", "malformed_json", None),
        ("/v1/track", b'{"event": NaN, "userId": "u"}', "malformed_json", None),
        ("/v1/track", b'\xff\xfe{"event"}', "malformed_json", None),
        ("/v1/batch", b'{"batch": {"type": "track"}}', "invalid", {"batch": ["must be an array of messages"]}),
        ("/v1/batch", b'{"messages": []}', "invalid", {"batch": ["is required"]}),
        ("/v1/batch", b'{"batch": [], "context": "web"}', "invalid", {"context": ["must be an object"]}),
        ("/v1/batch", b'{"batch": [], "sentAt": "now"}', "invalid",
         {"sentAt": ["must be an ISO 8601 date-time with a time zone"]}),
    ],
)
def test_malformed_bodies_are_400_never_500(capture_server, path, body, code, fields):
    response = capture_server.post(path, body, key=capture_server.a.write_key)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == code
    if fields:
        assert response.json()["error"]["fields"] == fields


@pytest.mark.parametrize(("method", "path", "status"), [("GET", "/v1/track", 405), ("PUT", "/v1/batch", 405),
                                                         ("POST", "/v1/teleport", 404), ("POST", "/v1/", 404)])
def test_other_methods_and_paths(capture_server, method, path, status):
    response = capture_server.http.request(method, path, headers=basic(capture_server.a.write_key))
    assert response.status_code == status
    assert response.json()["error"]["code"] in {"method_not_allowed", "not_found"}


def test_clock_skew_is_corrected_with_the_server_receive_time(capture_server):
    # The client's clock is years behind: it says the event happened 10 s before it sent the request.
    message_id = new_id()
    message = {"event": "E", "userId": "u", "messageId": message_id,
               "timestamp": "2020-01-01T00:00:00.000Z", "sentAt": "2020-01-01T00:00:10.000Z"}
    assert capture_server.post("/v1/track", message, key=capture_server.a.write_key).status_code == 200
    [event] = [e for e in capture_server.events(capture_server.a) if e.record.message_id == message_id]
    payload = orjson.loads(event.record.payload)
    received = utc(payload["receivedAt"])
    assert utc(payload["timestamp"]) == received - timedelta(seconds=10)
    assert event.record.timestamp == received - timedelta(seconds=10)
    assert payload["originalTimestamp"] == "2020-01-01T00:00:00.000Z"
    assert abs((received - datetime.now(received.tzinfo)).total_seconds()) < 60


@pytest.mark.parametrize("timestamp", ["2024-05-01T12:00:00Z", "2024-05-01T12:00:00.123Z",
                                       "2024-05-01T14:00:00+02:00", "2024-05-01T12:00:00.123456+00:00"])
def test_timestamp_formats_real_sdks_send_are_accepted(capture_server, timestamp):
    message_id = new_id()
    response = capture_server.post("/v1/page", {"anonymousId": "a", "timestamp": timestamp, "messageId": message_id},
                                   key=capture_server.a.write_key)
    assert response.status_code == 200, response.text
    [event] = [e for e in capture_server.events(capture_server.a) if e.record.message_id == message_id]
    assert event.record.timestamp == utc(timestamp)


def test_explicit_nulls_and_traits_in_context_are_accepted(capture_server):
    message_id = new_id()
    message = {"userId": None, "anonymousId": "a-77", "messageId": message_id, "timestamp": None,
               "traits": None, "integrations": None,
               "context": {"traits": {"email": "ann@shop.test"}, "ip": "203.0.113.9"}}
    response = capture_server.post("/v1/identify", message, key=capture_server.a.write_key)
    assert response.status_code == 200, response.text
    [event] = [e for e in capture_server.events(capture_server.a) if e.record.message_id == message_id]
    assert (event.record.user_id, event.record.anonymous_id) == (None, "a-77")
    payload = orjson.loads(event.record.payload)
    assert payload["context"] == {"traits": {"email": "ann@shop.test"}, "ip": "203.0.113.9"}
    assert payload["userId"] is None and payload["traits"] is None
