"""The relay's pure rules: how answers are read, how batches are packed, how long to back off, settings."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured

from analyticaflow.outbox.conf import load_config
from analyticaflow.outbox.relay import BODY_OVERHEAD, backoff_delay, batch_body, pack
from analyticaflow.outbox.transport import Delivered, Refused, Retry, outcome_of, parse_retry_after, rejections

NOW = dt.datetime(2025, 5, 1, 12, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("header", "expected"), [
    (None, None),
    ("", None),
    ("7", 7.0),
    ("0", 0.0),
    ("2.5", 2.5),
    ("-3", 0.0),
    ("Thu, 01 May 2025 12:00:30 GMT", 30.0),
    ("Thu, 01 May 2025 11:00:00 GMT", 0.0),  # in the past: go now
    ("soon", None),
])
def test_retry_after_is_seconds_or_an_http_date(header, expected):
    assert parse_retry_after(header, now=NOW) == expected


IDS = ["m0", "m1", "m2", "m3"]


@pytest.mark.parametrize(("body", "expected"), [
    ({"success": True}, {}),
    (None, {}),
    ({"success": True, "accepted": 4, "duplicates": 1, "rejected": []}, {}),
    ({"rejected": [{"index": 2, "messageId": "m2", "errors": {"event": ["required"]}}]},
     {2: '{"event": ["required"]}'}),
    # the messageId wins when the index does not match it
    ({"rejected": [{"index": 0, "messageId": "m3", "errors": {"userId": ["bad"]}}]}, {3: '{"userId": ["bad"]}'}),
    ({"rejected": [{"messageId": "m1", "error": "too old"}]}, {1: "too old"}),
    ({"rejected": [{"index": 1}]}, {1: "rejected by the server (no reason given)"}),
    ({"rejected": [{"index": 9, "messageId": "unknown"}, "junk"]}, {}),
])
def test_rejections_map_to_positions_in_the_request(body, expected):
    assert rejections(body, message_ids=IDS) == expected


def response(status: int, body: bytes = b'{"success": true}', **headers: str) -> httpx.Response:
    return httpx.Response(status, content=body, headers=headers)


@pytest.mark.parametrize(("status", "headers", "expected"), [
    (200, {}, Delivered()),
    (202, {}, Delivered()),
    (400, {}, Refused(error='HTTP 400: {"success": true}')),
    (413, {}, Refused(error='HTTP 413: {"success": true}')),
    (422, {}, Refused(error='HTTP 422: {"success": true}')),
    (408, {}, Retry(error='HTTP 408: {"success": true}')),
    (429, {"Retry-After": "3"}, Retry(error='HTTP 429: {"success": true}', retry_after=3.0)),
    (500, {}, Retry(error='HTTP 500: {"success": true}')),
    (503, {"Retry-After": "10"}, Retry(error='HTTP 503: {"success": true}', retry_after=10.0)),
    (401, {}, Retry(error='HTTP 401: {"success": true} (the server does not know this WRITE_KEY)',
                    configuration=True)),
    (404, {}, Retry(error='HTTP 404: {"success": true} (nothing answers at this URL: check '
                    "ANALYTICAFLOW_OUTBOX['URL'])", configuration=True)),
    (308, {"Location": "https://a.test/v1/batch"},
     Retry(error='HTTP 308: {"success": true} (redirected to https://a.test/v1/batch: set URL to the final address)',
           configuration=True)),
])
def test_answers_are_classified(status, headers, expected):
    assert outcome_of(response(status, **headers), message_ids=IDS) == expected


def test_a_2xx_with_a_body_that_is_not_json_delivers_everything():
    assert outcome_of(response(200, b"OK"), message_ids=IDS) == Delivered()


@pytest.mark.parametrize(("sizes", "max_messages", "max_bytes", "expected"), [
    ([], 100, 1000, []),
    ([10, 10, 10], 100, 1000, [range(0, 3)]),
    ([10, 10, 10, 10, 10], 2, 1000, [range(0, 2), range(2, 4), range(4, 5)]),
    # 3 messages of 100 bytes + 2 commas + overhead fit in exactly BODY_OVERHEAD + 302 bytes...
    ([100, 100, 100], 100, BODY_OVERHEAD + 302, [range(0, 3)]),
    # ...and not in one byte less
    ([100, 100, 100], 100, BODY_OVERHEAD + 301, [range(0, 2), range(2, 3)]),
    # a message too big for any request travels alone
    ([50, 5000, 50], 100, 1000, [range(0, 1), range(1, 2), range(2, 3)]),
])
def test_pack_respects_count_and_byte_limits(sizes, max_messages, max_bytes, expected):
    assert pack(sizes, max_messages=max_messages, max_bytes=max_bytes) == expected


def test_body_overhead_is_the_exact_envelope_size():
    parts = [b'{"a":1}', b'{"b":22}']
    body = batch_body(parts, sent_at="2025-05-01T12:00:00.000Z")
    assert body == b'{"batch":[{"a":1},{"b":22}],"sentAt":"2025-05-01T12:00:00.000Z"}'
    assert len(body) == BODY_OVERHEAD + 7 + 1 + 8


@pytest.mark.parametrize(("attempt", "jitter", "expected"), [
    (1, 0.0, 0.5), (1, 1.0, 1.0),  # base 1 s: between half and all of it
    (2, 0.0, 1.0), (2, 1.0, 2.0),
    (4, 0.5, 6.0),  # 8 s ceiling, halfway jitter
    (10, 0.0, 30.0), (10, 1.0, 60.0),  # 512 s capped at 60
    (500, 1.0, 60.0),  # no overflow for a very long outage
    (0, 1.0, 1.0),
])
def test_backoff_is_exponential_capped_and_jittered(attempt, jitter, expected):
    assert backoff_delay(attempt, base=1.0, cap=60.0, rng=lambda: jitter) == expected


def test_settings_with_defaults(settings):
    settings.ANALYTICAFLOW_OUTBOX = {"URL": "https://analytics.shop.test/", "WRITE_KEY": "wk_1"}
    config = load_config()
    assert config.batch_url == "https://analytics.shop.test/v1/batch"
    assert (config.batch_size, config.max_batch_bytes, config.thread) == (100, 450 * 1024, True)


def test_a_url_that_already_names_the_batch_path_is_kept(settings):
    settings.ANALYTICAFLOW_OUTBOX = {"URL": "https://a.test/v1/batch", "WRITE_KEY": "wk_1"}
    assert load_config().batch_url == "https://a.test/v1/batch"


@pytest.mark.parametrize(("value", "message"), [
    ({"WRITE_KEY": "wk"}, "URL must be the AnalyticaFlow server's http"),
    ({"URL": "analytics.test", "WRITE_KEY": "wk"}, "URL must be"),
    ({"URL": "http://a.test"}, "WRITE_KEY is required"),
    ({"URL": "http://a.test", "WRITE_KEY": "wk", "BATCH_SIZE": 101}, "BATCH_SIZE must be between 1 and 100"),
    ({"URL": "http://a.test", "WRITE_KEY": "wk", "BATCH_SIZE": 2.5}, "expected a whole number"),
    ({"URL": "http://a.test", "WRITE_KEY": "wk", "MAX_BATCH_BYTES": 600_000}, "MAX_BATCH_BYTES must be between"),
    ({"URL": "http://a.test", "WRITE_KEY": "wk", "TIMEOUT": 0}, "TIMEOUT must be a positive"),
    ({"URL": "http://a.test", "WRITE_KEY": "wk", "TIMEOUT": "10"}, "expected a number"),
    ({"URL": "http://a.test", "WRITE_KEY": "wk", "THREAD": "yes"}, "expected True or False"),
    ({"URL": "http://a.test", "WRITE_KEY": "wk", "TIMEOUT": 400}, "LEASE must be longer than TIMEOUT"),
    ({"URL": "http://a.test", "WRITE_KEY": "wk", "BATCHSIZE": 10}, "unknown keys \\['BATCHSIZE'\\]"),
    ("http://a.test", "must be a dict"),
])
def test_bad_settings_are_named(settings, value, message):
    settings.ANALYTICAFLOW_OUTBOX = value
    with pytest.raises(ImproperlyConfigured, match=message):
        load_config()


def test_the_system_check_reports_bad_settings(settings):
    from analyticaflow.outbox.checks import check_outbox_settings

    settings.ANALYTICAFLOW_OUTBOX = {"URL": "http://a.test"}
    [error] = check_outbox_settings()
    assert error.id == "analyticaflow_outbox.E001" and "WRITE_KEY is required" in error.msg
    del settings.ANALYTICAFLOW_OUTBOX
    assert check_outbox_settings() == []
