"""The outbox installed in a bare shop project (its own settings, its own database), run as real processes.

Proves the app needs nothing else from AnalyticaFlow, and that two relays draining the same outbox at once
deliver every message exactly once, on SQLite (guarded UPDATE claims) and PostgreSQL (SKIP LOCKED).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.outbox.collector import Collector, Reply
from tests.outbox.conftest import WRITE_KEY
from tests.plugins.servers import PostgresServer, service_missing

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    try:
        server = PostgresServer()
    except FileNotFoundError:
        service_missing("PostgreSQL server binaries (pg_ctl, initdb)")
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def shop_database(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    url = request.getfixturevalue("postgres_url")
    # A fresh database per test on the module's server.
    name = f"shop_{os.getpid()}_{time.monotonic_ns()}"
    subprocess.run([sys.executable, "-c", (
        "import psycopg, sys; c = psycopg.connect(sys.argv[1], autocommit=True); "
        "c.execute('CREATE DATABASE ' + sys.argv[2])"), url, name], check=True, timeout=60)
    return url.rsplit("/", 1)[0] + "/" + name


class Shop:
    def __init__(self, database: str, outbox: dict) -> None:
        keep = {key: value for key, value in os.environ.items()
                if not key.startswith(("ANALYTICAFLOW_", "DJANGO_")) and key != "DATABASE_URL"}
        self.env = {**keep, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "tests.outbox.shop.settings",
                    "SHOP_DATABASE": database, "SHOP_OUTBOX": json.dumps(outbox)}

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=self.env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def run(self, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, *args], cwd=ROOT, env=self.env, text=True, capture_output=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr
        return result

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return self.run("-m", "django", *args)

    def act(self, action: str, count: int) -> dict:
        return json.loads(self.run("-m", "tests.outbox.shop.actions", action, str(count)).stdout)


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector().start()
    try:
        yield server
    finally:
        server.stop()


def shop_outbox(collector: Collector, **extra) -> dict:
    return {"URL": collector.url, "WRITE_KEY": WRITE_KEY, "THREAD": False, "TIMEOUT": 5.0, "LEASE": 60.0,
            **extra}


def test_two_relays_at_once_deliver_every_message_exactly_once(shop_database, collector):
    shop = Shop(shop_database, shop_outbox(collector, BATCH_SIZE=5))
    shop.manage("migrate", "--verbosity", "0")
    emitted = shop.act("emit", 100)
    ids = emitted["ids"]
    # Nothing of AnalyticaFlow but the outbox app was needed.
    assert {name for name in emitted["modules"] if not name.startswith("analyticaflow.outbox")} == {"analyticaflow"}
    assert emitted["rows"] == 100

    both_sending = threading.Event()

    def answer(request):
        # The first request waits until a second one is in flight: relays send one request at a time, so
        # that second request comes from the other relay, and both relays certainly ran side by side.
        if len(collector.requests) == 1:
            both_sending.wait(30)
        else:
            both_sending.set()
        time.sleep(0.01)
        return Reply(200, {"success": True, "accepted": len(request.batch), "duplicates": 0, "rejected": []})

    collector.answer = answer
    relays = [shop.popen("-m", "django", "outbox_relay", "--once", "--max-wait", "30") for _ in range(2)]
    outputs = [relay.communicate(timeout=120) for relay in relays]
    for relay, (out, err) in zip(relays, outputs, strict=True):
        assert relay.returncode == 0, err
    assert both_sending.is_set()
    sent = [int(out.split(",")[0].removeprefix("sent ")) for out, _ in outputs]
    assert all(count > 0 for count in sent) and sum(sent) == 100, sent
    delivered = Counter(collector.delivered())
    assert set(delivered) == set(ids)
    assert max(delivered.values()) == 1, [mid for mid, n in delivered.items() if n > 1][:5]
    assert all(len(request.batch) <= 5 for request in collector.requests)
    assert shop.manage("outbox_relay", "--status").stdout.startswith("pending 0, sent 100, failed 0")
    # The shop's naive datetimes are in its TIME_ZONE (Europe/Berlin, UTC+2 in June).
    assert collector.requests[0].batch[0]["timestamp"] == "2025-06-01T10:00:00.000Z"


def test_rolled_back_emits_leave_nothing_and_the_thread_ships_committed_ones(shop_database, collector):
    shop = Shop(shop_database, shop_outbox(collector, THREAD=True, POLL_INTERVAL=0.1))
    shop.manage("migrate", "--verbosity", "0")
    assert shop.act("emit-rolled-back", 5)["rows"] == 0
    shipped = shop.act("thread", 12)
    assert shipped["rows"] == 12
    assert collector.delivered() == shipped["ids"]
