"""The relay's entry points: ``manage.py outbox_relay`` and the daemon thread in the web process."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from analyticaflow import outbox
from analyticaflow.outbox import worker
from analyticaflow.outbox.models import OutboxMessage, OutboxStatus
from tests.outbox.collector import Hang, Reply
from tests.outbox.conftest import WRITE_KEY


def shop_settings(collector, **extra) -> dict:
    return {"URL": collector.url, "WRITE_KEY": WRITE_KEY, "TIMEOUT": 5.0, "BACKOFF_BASE": 0.02,
            "BACKOFF_MAX": 0.2, "POLL_INTERVAL": 0.05, "LEASE": 10.0, "THREAD": False, **extra}


def run(*args: str) -> str:
    out = StringIO()
    call_command("outbox_relay", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_once_drains_and_reports(settings, collector):
    settings.ANALYTICAFLOW_OUTBOX = shop_settings(collector)
    with transaction.atomic():
        ids = [outbox.track(user_id="u1", event=f"Step {n}") for n in range(3)]
    collector.script(Reply(503))
    assert run("--once").strip() == "sent 3, rejected 0, retries scheduled 3, requests 2, still pending 0"
    assert collector.delivered() == ids
    assert run("--status").startswith("pending 0, sent 3, failed 0")


@pytest.mark.django_db
def test_once_exits_with_status_1_while_the_server_stays_down(settings, collector):
    settings.ANALYTICAFLOW_OUTBOX = shop_settings(collector)
    outbox.track(user_id="u1", event="Signed Up")
    collector.answer = lambda request: Reply(503)
    expected = r"1 message\(s\) still pending: the server was unavailable at the last try after waiting 0.3 s"
    with pytest.raises(CommandError, match=expected) as caught:
        run("--once", "--max-wait", "0.3")
    assert caught.value.returncode == 1
    assert run("--status").startswith("pending 1, sent 0, failed 0, oldest pending queued")


@pytest.mark.django_db
def test_requeue_failed(settings, collector):
    settings.ANALYTICAFLOW_OUTBOX = shop_settings(collector)
    outbox.track(user_id="u1", event="Signed Up")
    OutboxMessage.objects.update(status=OutboxStatus.FAILED)
    assert run("--requeue-failed").strip() == "1 failed message(s) queued again"
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING


@pytest.mark.django_db
def test_missing_settings_are_named(settings):
    settings.ANALYTICAFLOW_OUTBOX = {"URL": "http://analytics.shop.test"}
    with pytest.raises(CommandError, match="WRITE_KEY is required"):
        run("--once")


def wait_until(condition, *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def no_relay_thread():
    worker.stop_relay_thread()
    worker._declined.clear()
    yield
    worker.stop_relay_thread()
    worker._declined.clear()


@pytest.mark.django_db(transaction=True)
def test_the_thread_ships_right_after_commit(settings, collector, no_relay_thread):
    settings.ANALYTICAFLOW_OUTBOX = shop_settings(collector, THREAD=True, POLL_INTERVAL=30.0)
    with transaction.atomic():
        ids = [outbox.track(user_id="u1", event=f"Step {n}") for n in range(3)]
        time.sleep(0.2)
        assert collector.requests == []  # nothing leaves before the commit
        assert not worker.relay_thread_running()
    # The commit rings the bell: the thread starts and ships at once, long before its 30 s poll.
    wait_until(lambda: collector.delivered() == ids, timeout=5.0)
    worker.stop_relay_thread()
    assert list(OutboxMessage.objects.values_list("status", flat=True)) == [OutboxStatus.SENT] * 3


@pytest.mark.django_db(transaction=True)
def test_the_thread_retries_in_the_background(settings, collector, no_relay_thread):
    settings.ANALYTICAFLOW_OUTBOX = shop_settings(collector, THREAD=True)
    collector.script(Reply(500), Reply(503))
    mid = outbox.track(user_id="u1", event="Signed Up")
    wait_until(lambda: collector.delivered() == [mid])
    worker.stop_relay_thread()
    assert len(collector.requests) == 3
    assert OutboxMessage.objects.get().attempts == 3


@pytest.mark.django_db(transaction=True)
def test_the_first_request_starts_the_thread(settings, collector, client, no_relay_thread):
    settings.ANALYTICAFLOW_OUTBOX = shop_settings(collector, THREAD=True)
    assert not worker.relay_thread_running()
    client.get("/")
    assert worker.relay_thread_running()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("configured", [
    {"THREAD": False},
    None,  # the app installed without settings: messages queue, no thread
])
def test_no_thread_unless_enabled(settings, collector, client, no_relay_thread, configured):
    if configured is None:
        del settings.ANALYTICAFLOW_OUTBOX
    else:
        settings.ANALYTICAFLOW_OUTBOX = shop_settings(collector, **configured)
    client.get("/")
    outbox.track(user_id="u1", event="Signed Up")
    assert not worker.relay_thread_running()
    time.sleep(0.2)
    assert collector.requests == []
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_the_shop_never_waits_for_a_hanging_analytics_server(settings, collector, no_relay_thread):
    settings.ANALYTICAFLOW_OUTBOX = shop_settings(collector, THREAD=True, TIMEOUT=1.5)
    collector.answer = lambda request: Hang(2.0)
    outbox.track(user_id="u0", event="Signed Up")  # wakes the thread, which now waits on the server
    wait_until(lambda: len(collector.requests) == 1)
    slowest = 0.0
    for number in range(1, 51):
        started = time.perf_counter()
        with transaction.atomic():
            outbox.track(user_id=f"u{number}", event="Product Viewed", properties={"sku": number})
        slowest = max(slowest, time.perf_counter() - started)
    assert len(collector.requests) == 1  # the relay is still stuck on its first request...
    assert slowest < 0.5, f"an emit took {slowest:.2f} s"  # ...and no emit waited for it
    worker.stop_relay_thread()
    assert not worker.relay_thread_running()
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 51
