"""The relay against a real local HTTP server that fails in scripted ways before it accepts."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import transaction
from django.utils import timezone

from analyticaflow import outbox
from analyticaflow.outbox import services
from analyticaflow.outbox.models import OutboxMessage, OutboxStatus
from analyticaflow.outbox.relay import Relay
from tests.outbox.collector import Drop, Hang, Reply
from tests.outbox.conftest import WRITE_KEY, fast_config

pytestmark = pytest.mark.django_db


def emit_orders(count: int, *, start: int = 0, blob: str = "", event: str = "Order Completed") -> list[str]:
    with transaction.atomic():
        return [outbox.track(user_id=f"u{n}", event=event, properties={"order_id": f"A-{n}", "blob": blob})
                for n in range(start, start + count)]


def drain(collector, *, max_wait: float = 10.0, **config):
    relay = Relay(fast_config(collector.url, **config))
    try:
        return relay.drain(max_wait=max_wait)
    finally:
        relay.close()


@pytest.mark.parametrize("failures", [
    [Reply(500, {"error": "boom"})],
    [Reply(503, {"error": "log unavailable"}, {"Retry-After": "0"})],
    [Reply(429, {"error": "slow down"})],
    [Hang(3.0)],  # the relay times out after 1 s
    [Drop()],
    [Reply(502), Reply(500), Reply(408)],
    [Reply(401, {"error": "unknown write key"})],  # fixed by the shop's operator while the rows wait
])
def test_transient_failures_are_retried_until_delivered_once(collector, failures):
    ids = emit_orders(3)
    collector.script(*failures)
    stats = drain(collector, timeout=1.0 if any(isinstance(f, Hang) for f in failures) else 5.0)
    assert len(collector.requests) == len(failures) + 1
    for request in collector.requests:
        assert request.path == "/v1/batch"
        assert request.basic_auth == (WRITE_KEY, "")
        assert request.message_ids == ids  # the same messageIds on every try
    assert collector.delivered() == ids
    rows = list(OutboxMessage.objects.order_by("id"))
    assert [row.status for row in rows] == [OutboxStatus.SENT] * 3
    assert [row.attempts for row in rows] == [len(failures) + 1] * 3
    assert all(row.sent_at is not None and row.last_error == "" for row in rows)
    assert (stats.sent, stats.requests, stats.rejected) == (3, len(failures) + 1, 0)


def test_each_message_carries_its_ids_timestamp_and_the_send_time(collector):
    with transaction.atomic():
        outbox.track(anonymous_id="anon-1", event="Product Viewed", timestamp="2025-01-01T10:00:00Z")
    before = timezone.now()
    drain(collector)
    [request] = collector.requests
    [message] = request.batch
    assert message["anonymousId"] == "anon-1" and message["type"] == "track" and message["messageId"]
    assert message["timestamp"] == "2025-01-01T10:00:00.000Z"
    sent_at = dt.datetime.fromisoformat(message["sentAt"])
    assert message["sentAt"] == request.body["sentAt"]
    assert before - dt.timedelta(milliseconds=1) <= sent_at <= timezone.now()


def test_sent_at_is_set_anew_on_every_try(collector):
    emit_orders(1)
    collector.script(Reply(503))
    drain(collector, backoff_base=0.1, backoff_max=0.1)
    first, second = (request.batch[0]["sentAt"] for request in collector.requests)
    assert second > first


def test_retry_after_is_honoured(collector):
    emit_orders(2)
    collector.script(Reply(429, {"error": "slow down"}, {"Retry-After": "1"}))
    drain(collector, backoff_max=5.0)
    first, second = collector.requests
    assert second.at - first.at >= 1.0
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 2


def test_a_huge_retry_after_is_capped_at_the_longest_backoff(collector):
    emit_orders(1)
    collector.script(Reply(503, headers={"Retry-After": "86400"}))
    drain(collector, backoff_max=0.3)
    first, second = collector.requests
    assert 0.3 <= second.at - first.at < 5.0  # not a day


def test_an_outage_costs_one_request_per_backoff_step_not_one_per_batch(collector):
    emit_orders(250)
    collector.answer = lambda request: Reply(503, {"error": "down"})
    stats = drain(collector, max_wait=0, backoff_base=30.0, backoff_max=60.0)
    assert len(collector.requests) == 1 and stats.retried == 100
    assert OutboxMessage.objects.filter(attempts=1).count() == 100
    assert OutboxMessage.objects.filter(attempts=0).count() == 150
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 250
    tried = OutboxMessage.objects.filter(attempts=1).first()
    assert tried.last_error.startswith("HTTP 503") and tried.next_attempt_at > timezone.now()


def test_server_down_leaves_messages_pending_with_the_reason(collector):
    ids = emit_orders(2)
    collector.stop()  # nothing listens any more: connection refused
    stats = drain(collector, max_wait=0)
    assert stats.sent == 0 and stats.retried == 2
    rows = list(OutboxMessage.objects.order_by("id"))
    assert [row.message_id for row in rows] == ids
    assert all(row.status == OutboxStatus.PENDING and row.attempts == 1 for row in rows)
    assert "ConnectError" in rows[0].last_error


def test_batches_hold_at_most_100_messages(collector):
    ids = emit_orders(250)
    drain(collector)
    assert [len(request.batch) for request in collector.requests] == [100, 100, 50]
    assert collector.delivered() == ids


def test_batch_size_setting_is_respected(collector):
    ids = emit_orders(7)
    drain(collector, batch_size=3)
    assert [len(request.batch) for request in collector.requests] == [3, 3, 1]
    assert collector.delivered() == ids


def test_big_messages_are_split_under_the_byte_limit(collector):
    ids = emit_orders(40, blob="x" * 30_000)
    drain(collector)
    sizes = [len(request.raw) for request in collector.requests]
    assert all(size <= 450 * 1024 for size in sizes), sizes
    # 30 KB messages: 15 of them fit in 450 KB, 16 would not.
    assert [len(request.batch) for request in collector.requests] == [15, 15, 10]
    assert collector.delivered() == ids


def rejecting(event_name: str):
    """A server answering like the capture API: 200, with the invalid messages listed as rejected."""

    def answer(request):
        rejected = [{"index": index, "messageId": message["messageId"], "errors": {"event": ["is reserved"]}}
                    for index, message in enumerate(request.batch) if message["event"] == event_name]
        return Reply(200, {"success": True, "accepted": len(request.batch) - len(rejected), "duplicates": 0,
                           "rejected": rejected})

    return answer


def test_messages_rejected_in_the_batch_answer_are_failed_and_not_retried(collector):
    good = emit_orders(2)
    [bad] = emit_orders(1, start=2, event="Reserved")
    more = emit_orders(2, start=3)
    collector.answer = rejecting("Reserved")
    stats = drain(collector)
    assert (stats.sent, stats.rejected) == (4, 1)
    failed = OutboxMessage.objects.get(status=OutboxStatus.FAILED)
    assert failed.message_id == bad and failed.failed_at is not None and failed.sent_at is None
    assert failed.last_error == '{"event": ["is reserved"]}'
    assert set(OutboxMessage.objects.filter(status=OutboxStatus.SENT).values_list("message_id", flat=True)) == {
        *good, *more}
    drain(collector)
    assert len(collector.requests) == 1  # nothing left to send: the failed message is not retried


def refusing(event_name: str):
    """A server refusing a whole request (400) when any message in it is bad."""

    def answer(request):
        if any(message["event"] == event_name for message in request.batch):
            return Reply(400, {"error": {"code": "invalid", "message": "The batch envelope is invalid."}})
        return Reply(200, {"success": True})

    return answer


def test_a_refused_batch_is_halved_until_the_bad_message_stands_alone(collector):
    ids = emit_orders(8)
    poison = ids[5]
    OutboxMessage.objects.filter(message_id=poison).update(
        message={**OutboxMessage.objects.get(message_id=poison).message, "event": "Poison"})
    collector.answer = refusing("Poison")
    stats = drain(collector)
    # 8 refused -> [0-3] ok, [4-7] refused -> [4,5] refused -> [4] ok, [5] refused; [6,7] ok
    assert [len(request.batch) for request in collector.requests] == [8, 4, 4, 2, 1, 1, 2]
    assert sorted(collector.delivered()) == sorted(set(ids) - {poison})
    assert (stats.sent, stats.rejected) == (7, 1)
    failed = OutboxMessage.objects.get(status=OutboxStatus.FAILED)
    assert failed.message_id == poison and failed.last_error.startswith("HTTP 400")


def test_a_single_message_refused_as_too_large_is_failed(collector):
    [mid] = emit_orders(1)
    collector.answer = lambda request: Reply(413, {"error": {"code": "payload_too_large"}})
    drain(collector)
    row = OutboxMessage.objects.get()
    assert (row.message_id, row.status, row.attempts) == (mid, OutboxStatus.FAILED, 1)
    assert row.last_error.startswith("HTTP 413")


def test_plain_segment_style_answer_marks_everything_sent(collector):
    emit_orders(3)
    collector.answer = lambda request: Reply(200, {"success": True})
    assert drain(collector).sent == 3
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 3


def test_claims_keep_concurrent_relays_apart():
    ids = emit_orders(5)
    rows = {row.message_id: row.id for row in OutboxMessage.objects.all()}
    first = services.outbox_claim(token="relay-a", limit=2, lease=60)
    second = services.outbox_claim(token="relay-b", limit=10, lease=60)
    assert [row.message_id for row in first] == ids[:2]
    assert [row.message_id for row in second] == ids[2:]
    assert services.outbox_claim(token="relay-c", limit=10, lease=60) == []
    # a relay that died holding a claim only delays its rows until the lease ends
    later = timezone.now() + dt.timedelta(seconds=61)
    taken = services.outbox_claim(token="relay-c", limit=10, lease=60, now=later)
    assert sorted(row.id for row in taken) == sorted(rows.values())
    assert set(OutboxMessage.objects.values_list("claimed_by", flat=True)) == {"relay-c"}


def test_sent_and_failed_rows_are_never_claimed():
    emit_orders(3)
    a, b, c = OutboxMessage.objects.order_by("id").values_list("id", flat=True)
    services.outbox_mark_sent(ids=[a])
    services.outbox_mark_failed(reasons={b: "bad"})
    assert [row.id for row in services.outbox_claim(token="t", limit=10, lease=60)] == [c]


def test_old_sent_rows_are_purged_pending_and_failed_rows_stay():
    now = timezone.now()
    emit_orders(5)
    old_sent, recent_sent, old_pending, old_failed, _ = OutboxMessage.objects.order_by("id").values_list(
        "id", flat=True)
    OutboxMessage.objects.filter(id=old_sent).update(status=OutboxStatus.SENT, sent_at=now - dt.timedelta(days=8))
    OutboxMessage.objects.filter(id=recent_sent).update(status=OutboxStatus.SENT,
                                                        sent_at=now - dt.timedelta(days=6))
    OutboxMessage.objects.filter(id=old_pending).update(created_at=now - dt.timedelta(days=30))
    OutboxMessage.objects.filter(id=old_failed).update(status=OutboxStatus.FAILED,
                                                       failed_at=now - dt.timedelta(days=30))
    assert services.outbox_purge_sent(older_than=dt.timedelta(days=7), now=now) == 1
    assert not OutboxMessage.objects.filter(id=old_sent).exists()
    assert OutboxMessage.objects.count() == 4


def test_the_relay_purges_by_its_retention_setting(collector):
    emit_orders(2)
    drain(collector)
    OutboxMessage.objects.update(sent_at=timezone.now() - dt.timedelta(days=2))
    relay = Relay(fast_config(collector.url, sent_retention_days=3))
    assert relay.purge_if_due() == 0
    relay = Relay(fast_config(collector.url, sent_retention_days=1))
    assert relay.purge_if_due() == 2
    assert relay.purge_if_due() == 0  # not again before PURGE_INTERVAL
    assert OutboxMessage.objects.count() == 0


def test_failed_messages_can_be_queued_again(collector):
    emit_orders(1, event="Reserved")
    collector.answer = rejecting("Reserved")
    drain(collector)
    assert services.outbox_requeue_failed() == 1
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts, row.failed_at) == (OutboxStatus.PENDING, 0, None)
    collector.answer = lambda request: Reply()
    drain(collector)
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT
    assert collector.requests[0].message_ids == collector.requests[1].message_ids


def test_drain_gives_up_after_max_wait(collector):
    emit_orders(1)
    collector.answer = lambda request: Reply(503)
    started = time.monotonic()
    drain(collector, max_wait=0.5, backoff_base=0.05, backoff_max=0.1)
    assert time.monotonic() - started < 5.0
    assert 2 <= len(collector.requests) <= 12  # backoff between tries, not a busy loop
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING
