"""End to end with the real AnalyticaFlow server process: server down → events queue up in the shop's outbox
(emit neither blocks nor fails) → server up → the relay delivers every event exactly once, read back from the
server's event log API.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from django.db import transaction
from django.utils import timezone

from analyticaflow import outbox
from analyticaflow.outbox.models import OutboxMessage, OutboxStatus
from analyticaflow.outbox.relay import Relay
from tests.outbox.conftest import fast_config
from tests.plugins.servers import free_port, wait_for_port
from tests.serving import CLI, product_env, run_cli

pytestmark = pytest.mark.django_db

EMAIL, PASSWORD = "owner@outbox-shop.test", "plum-tractor-lantern-91"
PREPARE = """
from django.core.management import call_command
from analyticaflow.accounts import services
from analyticaflow.accounts.models import User
call_command("migrate", verbosity=0)
call_command("createuser", email="{email}", password="{password}")
project = services.project_create(owner=User.objects.get(email="{email}"), name="Outbox shop")
print(project.id, project.write_key)
"""


def prepare_server_data(data_dir: Path) -> tuple[int, str]:
    """A fresh data dir with the shop owner's user and project (one process, to keep the test quick)."""
    result = run_cli(data_dir, "shell", "--no-imports", "-c", PREPARE.format(email=EMAIL, password=PASSWORD))
    assert result.returncode == 0, result.stderr
    project_id, write_key = result.stdout.split()[-2:]
    return int(project_id), write_key


@contextmanager
def product_server(data_dir: Path, port: int) -> Iterator[subprocess.Popen]:
    log = open(data_dir.parent / "server.log", "w+")  # noqa: SIM115 - closed below
    process = subprocess.Popen([*CLI, "serve", "--port", str(port)], env=product_env(data_dir), stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port(port, timeout=60)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def stored_events(base: str, project_id: int) -> list[dict]:
    with httpx.Client(base_url=base, timeout=30) as client:
        token = client.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD}).json()["access"]
        headers = {"Authorization": f"Bearer {token}"}
        events, cursor = [], None
        while True:
            params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
            response = client.get(f"/api/v1/projects/{project_id}/events", params=params, headers=headers)
            assert response.status_code == 200, response.text
            page = response.json()
            events.extend(page["results"])
            cursor = page["next"]
            if not cursor:
                return events


def shop_checkout(number: int) -> list[str]:
    """What a shop's checkout view does: business writes and analytics in one transaction."""
    with transaction.atomic():
        return [
            outbox.page(anonymous_id=f"anon-{number}", name="Checkout", properties={"path": "/checkout"},
                        context={"campaign": {"source": "google", "medium": "cpc", "name": "spring"}}),
            outbox.identify(user_id=f"customer-{number}", anonymous_id=f"anon-{number}",
                            traits={"email": f"c{number}@example.test"}),
            outbox.track(user_id=f"customer-{number}", event="Order Completed",
                         properties={"order_id": f"SO-{number}", "revenue": 25 + number, "currency": "EUR"}),
        ]


def test_events_queued_while_the_server_is_down_arrive_exactly_once(tmp_path):
    data_dir = tmp_path / "data"
    project_id, write_key = prepare_server_data(data_dir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = fast_config(base, write_key=write_key, timeout=5.0, backoff_base=0.2, backoff_max=1.0, lease=30.0)

    # 1. The server is down: checkouts still succeed at once, their events wait in the outbox.
    started = time.perf_counter()
    emitted = [message_id for number in range(40) for message_id in shop_checkout(number)]
    assert time.perf_counter() - started < 3.0
    relay = Relay(config)
    try:
        assert relay.drain(max_wait=0).sent == 0
        assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 120
        assert "ConnectError" in OutboxMessage.objects.filter(attempts=1).first().last_error
        # A message the server can never accept (written around emit()'s checks) is still only one message.
        OutboxMessage.objects.create(message_id="no-event-name", message={
            "type": "track", "userId": "customer-0", "messageId": "no-event-name",
            "timestamp": "2025-06-01T10:00:00.000Z"})

        # 2. The server comes up: everything is delivered.
        with product_server(data_dir, port):
            stats = relay.drain(max_wait=60)
            assert (stats.sent, stats.rejected) == (120, 1), stats
            assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 120
            rejected = OutboxMessage.objects.get(status=OutboxStatus.FAILED)
            assert rejected.message_id == "no-event-name" and "event" in rejected.last_error

            events = stored_events(base, project_id)
            assert Counter(event["messageId"] for event in events) == Counter(emitted)

            # 3. Acknowledgements lost (the relay died after the server stored them and the claim's lease ended):
            # resending is harmless.
            resent = emitted[:10]
            OutboxMessage.objects.filter(message_id__in=resent).update(status=OutboxStatus.PENDING, sent_at=None,
                                                                       next_attempt_at=timezone.now())
            assert relay.drain(max_wait=30).sent == 10
            events = stored_events(base, project_id)
            assert Counter(event["messageId"] for event in events) == Counter(emitted)
            relay.close()  # no keep-alive connection left to hold up the server's graceful stop
    finally:
        relay.close()

    by_id = {event["messageId"]: event for event in events}
    order = by_id[emitted[2]]
    assert (order["type"], order["event"], order["userId"]) == ("track", "Order Completed", "customer-0")
    assert order["payload"]["properties"] == {"order_id": "SO-0", "revenue": 25, "currency": "EUR"}
    assert order["payload"]["context"]["library"]["name"] == "analyticaflow-outbox"
    page = by_id[emitted[0]]["payload"]
    assert page["context"]["campaign"] == {"source": "google", "medium": "cpc", "name": "spring"}
    stored_row = OutboxMessage.objects.get(message_id=emitted[2])
    # The server keeps the shop's own clock reading and corrects skew from the relay's sentAt.
    assert order["payload"]["originalTimestamp"] == stored_row.message["timestamp"]
    assert order["payload"]["sentAt"] >= stored_row.message["timestamp"]
