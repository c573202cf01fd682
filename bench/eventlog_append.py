"""Append rate of the SQLite event log next to the physical bound, measured in the same run.

    .venv/bin/python bench/eventlog_append.py [--events 200000] [--synchronous full|normal]

Scenarios (each into a fresh file in a temporary directory):

* ``log, batches of 100 from 4 threads``   — what ``/v1/batch`` does under several concurrent clients;
* ``log, single events from 16 threads``   — what ``/v1/track`` does under concurrent requests;
* ``raw executemany, one transaction``      — the same rows into an equivalent table (same columns, indexes and
  pragmas), one ``executemany`` in one transaction: the physical bound of SQLite from Python;
* ``raw executemany, commit per 100``       — the same rows, one committed transaction per 100 rows, one thread:
  what durable batch ingest costs without group commit.

Every scenario stores exactly the prepared rows; the script checks the count. The ratio printed is each
scenario's rate divided by the physical bound's; ``CPU us/ev`` is the process's CPU time (every thread) per
event, a figure much less sensitive than events/s to other work loading the machine.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from analyticaflow.eventlog.contracts import EventRecord
from analyticaflow.eventlog.sqlite import INSERT, SCHEMA, SqliteEventLog, row_of

EVENT_NAMES = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Signed Up"]


def make_records(count: int, *, seed: int = 7) -> list[EventRecord]:
    """Realistic Segment messages: ~600-byte payloads with context, UTM and traits."""
    rng = random.Random(seed)
    start = datetime(2024, 3, 1, tzinfo=UTC)
    records = []
    for n in range(count):
        kind = rng.choice(["track", "track", "track", "page", "identify"])
        name = rng.choice(EVENT_NAMES) if kind == "track" else ("Pricing" if kind == "page" else None)
        anonymous_id = f"anon-{rng.randrange(50_000)}"
        user_id = f"user-{rng.randrange(10_000)}" if rng.random() < 0.3 else None
        timestamp = start + timedelta(seconds=n * 0.05)
        message_id = str(uuid.UUID(int=rng.getrandbits(128)))
        message = {
            "type": kind,
            "messageId": message_id,
            "event": name,
            "anonymousId": anonymous_id,
            "userId": user_id,
            "timestamp": timestamp.isoformat(),
            "properties": {"product_id": f"sku-{rng.randrange(900)}", "price": round(rng.uniform(5, 300), 2)},
            "context": {
                "page": {"url": "https://shop.example/p/123?utm_source=google", "referrer": "https://google.com/"},
                "campaign": {"source": "google", "medium": "cpc", "name": "spring-sale"},
                "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124",
                "ip": "203.0.113.9",
                "library": {"name": "analytics-python", "version": "2.3.2"},
            },
        }
        records.append(
            EventRecord(
                project_id=1 + n % 3,
                message_id=message_id,
                type=kind,
                name=name,
                anonymous_id=anonymous_id,
                user_id=user_id,
                timestamp=timestamp,
                received_at=timestamp + timedelta(milliseconds=120),
                payload=orjson.dumps(message),
            )
        )
    return records


def run_threads(threads: int, work: Callable[[int], None]) -> float:
    start = threading.Barrier(threads + 1)

    def body(index: int) -> None:
        start.wait()
        work(index)

    pool = [threading.Thread(target=body, args=(index,)) for index in range(threads)]
    for thread in pool:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in pool:
        thread.join()
    return time.perf_counter() - began


def bench_log(path: Path, records: list[EventRecord], *, threads: int, batch: int, synchronous: str) -> dict:
    log = SqliteEventLog(path, synchronous=synchronous)
    shares = [records[index::threads] for index in range(threads)]

    def work(index: int) -> None:
        share = shares[index]
        for offset in range(0, len(share), batch):
            log.append(share[offset : offset + batch])

    cpu_began = time.process_time()
    seconds = run_threads(threads, work)
    cpu = time.process_time() - cpu_began
    stored, groups = log.last_seq(), log.groups_committed
    log.close()
    assert stored == len(records), (stored, len(records))
    calls = sum((len(share) + batch - 1) // batch for share in shares)
    return {"seconds": seconds, "cpu": cpu, "groups": groups, "calls": calls}


def raw_connection(path: Path, synchronous: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={synchronous.upper()}")
    connection.execute("PRAGMA cache_size=-65536")
    for statement in SCHEMA:
        connection.execute(statement)
    return connection


def bench_raw(path: Path, records: list[EventRecord], *, per_commit: int | None, synchronous: str) -> dict:
    connection = raw_connection(path, synchronous)
    began, cpu_began = time.perf_counter(), time.process_time()
    rows = [row_of(record) for record in records]  # the log converts records too: count it on both sides
    size = per_commit or len(rows)
    for offset in range(0, len(rows), size):
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(INSERT, rows[offset : offset + size])
        connection.execute("COMMIT")
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    (stored,) = connection.execute("SELECT count(*) FROM events").fetchone()
    connection.close()
    assert stored == len(records), (stored, len(records))
    return {"seconds": seconds, "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--single-events", type=int, default=40_000, help="events for the 16-thread single run")
    parser.add_argument("--synchronous", choices=["full", "normal"], default="full")
    args = parser.parse_args()

    records = make_records(args.events)
    singles = records[: args.single_events]
    payload_bytes = sum(len(record.payload) for record in records) // len(records)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start; {args.events} events "
          f"(payload ~{payload_bytes} B), synchronous={args.synchronous}")
    with tempfile.TemporaryDirectory(prefix="af-bench-eventlog-") as tmp:
        directory = Path(tmp)
        bound = bench_raw(directory / "raw.sqlite3", records, per_commit=None, synchronous=args.synchronous)
        results = [
            ("raw executemany, one transaction", len(records), bound, ""),
            (
                "raw executemany, commit per 100",
                len(records),
                bench_raw(directory / "raw100.sqlite3", records, per_commit=100, synchronous=args.synchronous),
                "",
            ),
        ]
        for label, subset, threads, batch in (
            ("log, batches of 100 from 4 threads", records, 4, 100),
            ("log, single events from 16 threads", singles, 16, 1),
        ):
            outcome = bench_log(
                directory / f"log-{threads}.sqlite3", subset, threads=threads, batch=batch, synchronous=args.synchronous
            )
            note = f"{outcome['groups']} commits, {outcome['calls'] / outcome['groups']:.1f} calls per commit"
            results.append((label, len(subset), outcome, note))

    bound_rate = len(records) / bound["seconds"]
    print(f"{'scenario':<38} {'events':>8} {'seconds':>8} {'events/s':>10} {'ratio':>6} {'CPU us/ev':>9}  notes")
    for label, count, outcome, note in results:
        rate = count / outcome["seconds"]
        cpu_us = outcome["cpu"] / count * 1e6
        print(f"{label:<38} {count:>8} {outcome['seconds']:>8.2f} {rate:>10,.0f} {rate / bound_rate:>6.2f} "
              f"{cpu_us:>9.1f}  {note}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
