"""Shared by the projection benchmarks: a realistic shop event stream written straight into a SQLite log file.

Setup uses a bulk path: one transaction of ``executemany`` into the log's ``events`` table, without the
secondary indexes the support queries use (the projector reads by ``seq``, the primary key, so its read path
is the same). The file is reused when it already holds the requested number of events.
"""

from __future__ import annotations

import random
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

from analyticaflow.eventlog import sqlite as sqlite_log

T0_US = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp() * 1_000_000)
PAGES = ["/", "/c/shoes", "/c/bags", "/p/1001", "/p/1002", "/p/2001", "/cart", "/checkout"]
REFERRERS = [
    "",
    "",
    "",
    "https://www.google.com/",
    "https://www.bing.com/",
    "https://l.facebook.com/",
    "https://t.co/x",
    "https://blog.example.org/review",
]
CAMPAIGNS = [
    None,
    None,
    None,
    {"source": "google", "medium": "cpc", "name": "brand_search"},
    {"source": "facebook", "medium": "paid_social", "name": "spring_sale", "content": "video_1"},
    {"source": "newsletter", "medium": "email", "name": "weekly"},
]
CLICKS = ["", "", "", "", "?gclid=Cj0KCQ", "?fbclid=IwAR2x", "?yclid=77", "?twclid=2b"]
TRACKS = ["Product Viewed", "Product Added", "Checkout Started", "Signed Up"]


def open_bench_log(path: Path) -> sqlite_log.SqliteEventLog:
    """The real SQLite log over ``path``, without building the support indexes on it."""
    schema = sqlite_log.SCHEMA
    sqlite_log.SCHEMA = tuple(s for s in schema if "CREATE INDEX" not in s)
    try:
        return sqlite_log.SqliteEventLog(path, synchronous="normal")
    finally:
        sqlite_log.SCHEMA = schema


def rows(count: int, *, seed: int = 1, project_id: int = 1, persons: int | None = None):
    """Log rows (without seq): visits of 2-12 events a few minutes apart, ~3 visits per person, landing pages
    with UTM/click ids/referrers, identify (some on a second device), alias, orders; ~550-byte payloads."""
    rng = random.Random(seed)
    persons = persons or max(1, count // 20)
    clock = T0_US
    visits: list[list] = []  # [person, anonymous_id, events left, clock]
    for index in range(count):
        if not visits or (len(visits) < 500 and rng.random() < 0.25):
            person = rng.randrange(persons)
            visits.append([person, f"anon-{person}-{rng.randrange(2)}", rng.randint(2, 12), clock, True])
        visit = rng.choice(visits)
        person, anonymous_id, _, moment, landing = visit
        visit[3] = moment = max(moment, clock) + rng.randint(5_000_000, 180_000_000)
        clock += rng.randint(0, 2_000_000)
        visit[2] -= 1
        visit[4] = False
        if visit[2] == 0:
            visits.remove(visit)
        user_id = f"user-{person}" if person % 3 == 0 and rng.random() < 0.5 else None
        roll = 0.0 if landing else rng.random()
        message_id = f"bench-{seed}-{index}"
        payload: dict = {
            "messageId": message_id,
            "anonymousId": anonymous_id,
            "userId": user_id,
            "context": {
                "library": {"name": "analytics.js", "version": "5.2.0"},
                "userAgent": "Mozilla/5.0 (X11; Linux x86_64)",
                "ip": "203.0.113.9",
            },
        }
        name = None
        if roll < 0.55:
            type_ = "page"
            url = "https://shop.example" + rng.choice(PAGES) + (rng.choice(CLICKS) if landing else "")
            referrer = rng.choice(REFERRERS) if landing else "https://shop.example/"
            payload["properties"] = {
                "url": url,
                "path": url.split("example", 1)[1].split("?")[0],
                "referrer": referrer,
                "title": "Shop",
            }
            payload["context"]["page"] = {"url": url, "referrer": referrer}
            campaign = rng.choice(CAMPAIGNS) if landing else None
            if campaign:
                payload["context"]["campaign"] = campaign
        elif roll < 0.87:
            type_, name = "track", rng.choice(TRACKS)
            payload["event"] = name
            payload["properties"] = {"product_id": str(rng.randrange(5000)), "price": 19.9, "currency": "USD"}
        elif roll < 0.95:
            type_ = "identify"
            user_id = f"user-{person}"
            payload["userId"] = user_id
            payload["traits"] = {"email": f"p{person}@mail.example", "plan": "free"}
        elif roll < 0.955:
            type_ = "alias"
            user_id = f"member-{person}"
            payload["userId"], payload["previousId"] = user_id, f"user-{person}"
        else:
            type_, name = "track", "Order Completed"
            payload["event"] = name
            payload["properties"] = {
                "order_id": f"o-{seed}-{rng.randrange(count)}",
                "revenue": 49.5,
                "currency": "USD",
                "products": [{"product_id": "1001", "quantity": 1}],
            }
        payload["type"] = type_
        payload["timestamp"] = datetime.fromtimestamp(moment / 1_000_000, UTC).isoformat()
        yield (
            project_id,
            message_id,
            type_,
            name,
            anonymous_id,
            user_id,
            moment,
            moment + 300_000,
            orjson.dumps(payload),
        )


def ensure_log(path: Path, count: int, *, batch: int = 200_000) -> float:
    """A log file holding ``count`` generated events; the seconds spent generating (0 when reused)."""
    if path.exists():
        with sqlite3.connect(path) as connection:
            if connection.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0] == count:
                return 0.0
        path.unlink()
    open_bench_log(path).close()
    started = time.perf_counter()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    pending = []
    for row in rows(count):
        pending.append(row)
        if len(pending) == batch:
            connection.executemany(sqlite_log.INSERT, pending)
            pending.clear()
    if pending:
        connection.executemany(sqlite_log.INSERT, pending)
    connection.commit()
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return time.perf_counter() - started
