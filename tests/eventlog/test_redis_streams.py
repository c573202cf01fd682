"""Redis Streams backend specifics: failures surface as EventLogUnavailable, dedupe window, consumer groups."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from analyticaflow.eventlog.contracts import AppendResult, EventLogUnavailable
from analyticaflow.eventlog.redis_streams import RedisStreamsEventLog
from tests.eventlog.conftest import record
from tests.plugins.servers import free_port


def test_an_unreachable_server_fails_fast_with_event_log_unavailable():
    log = RedisStreamsEventLog.from_url(f"redis://127.0.0.1:{free_port()}/0?socket_connect_timeout=0.5")
    started = time.monotonic()

    for operation in (lambda: log.append([record("m")]), lambda: log.read(after_seq=0, limit=1), log.last_seq):
        with pytest.raises(EventLogUnavailable):
            operation()

    assert time.monotonic() - started < 3.0
    log.close()


def test_a_server_that_stops_answering_times_out_as_unavailable():
    with socket.socket() as silent:  # accepts connections, never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        log = RedisStreamsEventLog.from_url(f"redis://127.0.0.1:{port}/0?socket_timeout=0.3")
        started = time.monotonic()

        with pytest.raises(EventLogUnavailable):
            log.append([record("m")])

        assert time.monotonic() - started < 3.0
        log.close()


def test_a_failed_append_writes_nothing_and_the_retry_stores_everything(redis_log, redis_url):
    redis_log.append([record("a")])
    redis_log.client.set(redis_log.seq_key, 0)  # the script refuses to run on an inconsistent log

    with pytest.raises(EventLogUnavailable, match="sequence counter is behind"):
        redis_log.append([record("b"), record("c")])

    assert redis_log.client.xlen(redis_log.stream_key) == 1
    assert redis_log.client.exists(f"{redis_log.dedupe_prefix}1:b", f"{redis_log.dedupe_prefix}1:c") == 0
    redis_log.client.set(redis_log.seq_key, 1)
    assert redis_log.append([record("b"), record("c")]) == AppendResult(stored=2, duplicates=0)


def test_dedupe_keys_live_for_the_configured_window(redis_url):
    log = RedisStreamsEventLog.from_url(redis_url + "?dedupe_ttl_hours=2")
    log.client.flushdb()
    try:
        log.append([record("m", project_id=5)])
        ttl = log.client.ttl(f"{log.dedupe_prefix}5:m")
        assert 7190 <= ttl <= 7200
    finally:
        log.client.flushdb()
        log.close()


def test_after_the_dedupe_window_a_retry_is_stored_again(redis_log):
    redis_log.append([record("m")])
    redis_log.client.delete(f"{redis_log.dedupe_prefix}1:m")  # the window expired

    assert redis_log.append([record("m")]) == AppendResult(stored=1, duplicates=0)


@pytest.mark.parametrize(
    ("query", "message"),
    [("?colour=blue", "Unknown event log option"), ("?dedupe_ttl_hours=soon", "not a number")],
)
def test_bad_url_options_are_refused(redis_url, query, message):
    with pytest.raises(ValueError, match=message):
        RedisStreamsEventLog.from_url(redis_url + query)


def test_two_prefixes_are_two_independent_logs(redis_url):
    first = RedisStreamsEventLog.from_url(redis_url + "?prefix=shopA")
    second = RedisStreamsEventLog.from_url(redis_url + "?prefix=shopB")
    first.client.flushdb()
    try:
        first.append([record("m")])
        assert second.append([record("m")]) == AppendResult(stored=1, duplicates=0)
        assert (first.last_seq(), second.last_seq()) == (1, 1)
    finally:
        first.client.flushdb()
        first.close()
        second.close()


def test_consumer_group_delivers_new_events_and_redelivers_unacked_ones(redis_log):
    redis_log.append([record("a"), record("b")])
    redis_log.ensure_group("projector", after_seq=1)
    redis_log.ensure_group("projector", after_seq=0)  # exists already: no error, no reset

    delivered = redis_log.read_group("projector", "worker-1", count=10)
    assert [s.record.message_id for s in delivered] == ["b"]
    redis_log.append([record("c")])
    delivered = redis_log.read_group("projector", "worker-1", count=10)
    assert [s.record.message_id for s in delivered] == ["c"]

    assert redis_log.ack("projector", [2]) == 1
    # After a crash the consumer first takes back what it received but never acknowledged.
    assert [s.seq for s in redis_log.read_group("projector", "worker-1", count=10, pending=True)] == [3]
    assert redis_log.ack("projector", []) == 0


def test_read_group_blocks_until_an_event_arrives(redis_log):
    redis_log.ensure_group("projector")
    timer = threading.Timer(0.2, lambda: redis_log.append([record("late")]))
    timer.start()
    try:
        delivered = redis_log.read_group("projector", "worker-1", count=10, block_seconds=5)
    finally:
        timer.join()
    assert [s.record.message_id for s in delivered] == ["late"]


def test_trimming_archived_events_keeps_the_sequence_going(redis_log):
    redis_log.append([record(f"m{i}") for i in range(5)])

    assert redis_log.trim_through(3) == 3

    assert [s.seq for s in redis_log.read(after_seq=0, limit=10)] == [4, 5]
    assert redis_log.last_seq() == 5
    redis_log.append([record("m6")])
    assert [s.seq for s in redis_log.read(after_seq=5, limit=10)] == [6]


def test_wait_for_new_longer_than_the_socket_timeout_does_not_time_out(redis_url):
    log = RedisStreamsEventLog.from_url(redis_url + "?socket_timeout=0.2")
    log.client.flushdb()
    try:
        started = time.monotonic()
        assert log.wait_for_new(after_seq=0, timeout=0.5) is False
        assert 0.45 <= time.monotonic() - started < 2.0
    finally:
        log.close()
