"""The shop side: emit() cost per shop transaction and relay throughput, each next to its raw reference.

    .venv/bin/python bench/outbox_relay.py [--events 20000]

A bare shop (only the outbox app; SQLite file in WAL mode, synchronous=NORMAL) in a temporary directory:

* ``emit, one transaction each``        — ``outbox.track()`` inside ``transaction.atomic()``, one commit per event
  (what a shop's request pays);
* ``ORM create, one transaction each``   — reference: ``OutboxMessage.objects.create()`` of the already built
  messages, one commit each: what any Django model write costs the shop (emit = checks + this);
* ``raw sqlite3 INSERT, commit each``    — reference: the same JSON text inserted with ``sqlite3`` into an
  equivalent table (same columns and indexes), one commit per row: SQLite's own bound;
* ``relay drain to a local sink``        — ``Relay.drain()`` shipping every row in batches of 100 to an HTTP sink on
  loopback (claims, encodes with ``sentAt``, posts, marks sent);
* ``raw httpx posts of the same bodies`` — reference: the same number of pre-encoded batch bodies posted with one
  ``httpx.Client`` to the same sink, nothing else.

The ratios printed are the scenario's rate over its reference's: emit against the ORM create and against raw
sqlite3, the relay against the raw posts.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import django
from django.conf import settings


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    body = b'{"success": true}'

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


def configure(directory: Path, url: str) -> None:
    settings.configure(
        INSTALLED_APPS=["analyticaflow.outbox"], USE_TZ=True, SECRET_KEY="bench",
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(directory / "shop.sqlite3"),
                               "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}},
        ANALYTICAFLOW_OUTBOX={"URL": url, "WRITE_KEY": "wk_bench", "THREAD": False},
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def properties(number: int) -> dict:
    return {"order_id": f"SO-{number}", "revenue": 20 + number % 300, "currency": "EUR",
            "products": [{"sku": f"sku-{number % 900}", "price": 19.5, "quantity": 1}]}


CONTEXT = {"campaign": {"source": "google", "medium": "cpc", "name": "spring-sale"},
           "page": {"url": "https://shop.example/checkout", "referrer": "https://google.com/"},
           "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124",
           "ip": "203.0.113.9"}


def bench_emit(count: int) -> float:
    from django.db import transaction

    from analyticaflow import outbox

    began = time.perf_counter()
    for number in range(count):
        with transaction.atomic():
            outbox.track(user_id=f"customer-{number % 5000}", event="Order Completed", properties=properties(number),
                         context=CONTEXT)
    return time.perf_counter() - began


def bench_orm_create(messages: list[dict]) -> float:
    from django.db import transaction

    from analyticaflow.outbox.models import OutboxMessage

    began = time.perf_counter()
    for message in messages:
        with transaction.atomic():
            OutboxMessage.objects.create(message_id=message["messageId"], message=message)
    seconds = time.perf_counter() - began
    return seconds


def bench_raw_insert(directory: Path, texts: list[str]) -> float:
    connection = sqlite3.connect(directory / "raw.sqlite3", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, message_id TEXT, message TEXT, status TEXT, "
                       "created_at TEXT, attempts INTEGER, next_attempt_at TEXT, last_error TEXT, sent_at TEXT, "
                       "failed_at TEXT, claimed_by TEXT)")
    connection.execute("CREATE INDEX m_id ON m (message_id)")
    connection.execute("CREATE INDEX m_due ON m (status, next_attempt_at, id)")
    connection.execute("CREATE INDEX m_sent ON m (status, sent_at)")
    began = time.perf_counter()
    for number, text in enumerate(texts):
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO m (message_id, message, status, created_at, attempts, next_attempt_at, "
                           "last_error, claimed_by) VALUES (?, ?, 'pending', ?, 0, ?, '', '')",
                           (f"id-{number}", text, "2025-01-01 00:00:00", "2025-01-01 00:00:00"))
        connection.execute("COMMIT")
    seconds = time.perf_counter() - began
    connection.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()

    sink = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    sink.daemon_threads = True
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{sink.server_address[1]}"

    with tempfile.TemporaryDirectory(prefix="af-bench-outbox-") as tmp:
        directory = Path(tmp)
        configure(directory, url)
        import httpx

        from analyticaflow.outbox.conf import load_config
        from analyticaflow.outbox.messages import build_message
        from analyticaflow.outbox.models import OutboxMessage, OutboxStatus
        from analyticaflow.outbox.relay import Relay, batch_body, encode

        built = [build_message({"type": "track", "userId": f"customer-{number % 5000}", "event": "Order Completed",
                                "properties": properties(number), "context": CONTEXT})[0]
                 for number in range(args.events)]
        orm_seconds = bench_orm_create(built)  # on the empty table, as emit gets it
        OutboxMessage.objects.all().delete()
        emit_seconds = bench_emit(args.events)
        texts = [json.dumps(message, separators=(",", ":"))
                 for message in OutboxMessage.objects.order_by("id").values_list("message", flat=True)]
        raw_seconds = bench_raw_insert(directory, texts)
        size = sum(len(text) for text in texts) // len(texts)

        bodies = [batch_body([encode(json.loads(text), sent_at="2025-01-01T00:00:00.000Z")
                              for text in texts[offset:offset + 100]], sent_at="2025-01-01T00:00:00.000Z")
                  for offset in range(0, len(texts), 100)]
        with httpx.Client(timeout=10) as client:
            began = time.perf_counter()
            for body in bodies:
                client.post(f"{url}/v1/batch", content=body, auth=("wk_bench", ""),
                            headers={"Content-Type": "application/json"}).raise_for_status()
            post_seconds = time.perf_counter() - began

        relay = Relay(load_config())
        began = time.perf_counter()
        stats = relay.drain(max_wait=0)
        relay_seconds = time.perf_counter() - began
        relay.close()
        assert stats.sent == args.events, stats
        assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == args.events

    sink.shutdown()
    print(f"{args.events} events (message ~{size} B as JSON), {len(bodies)} batch requests; "
          f"emit / ORM create rate: {orm_seconds / emit_seconds:.2f}")
    print(f"{'scenario':<36} {'seconds':>8} {'events/s':>10} {'ratio':>6}")
    for label, seconds, reference in (
        ("emit, one transaction each", emit_seconds, raw_seconds),
        ("ORM create, one transaction each", orm_seconds, raw_seconds),
        ("raw sqlite3 INSERT, commit each", raw_seconds, raw_seconds),
        ("relay drain to a local sink", relay_seconds, post_seconds),
        ("raw httpx posts of the same bodies", post_seconds, post_seconds),
    ):
        print(f"{label:<36} {seconds:>8.2f} {args.events / seconds:>10,.0f} {reference / seconds:>6.2f}")


if __name__ == "__main__":
    main()
