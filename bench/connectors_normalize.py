"""Connector benchmarks, run by hand (not a test):

1. a 365-day backfill of one account with 300 campaigns against each ad platform's fake server, in the
   connector's own backfill chunks (goal: under 60 s per platform);
2. normalization of the raw pages that backfill kept, re-parsed from their text as a re-normalization would
   (goal of the issue: 200,000 rows/s normalized and loaded), with plain parsing of the same pages (orjson,
   the parser the connectors use; csv for Yahoo) as the reference measured in the same run;
3. loading the normalized rows into the DuckDB warehouse with the warehouse's own loader
   (``channeldata.services.ad_spend_load``, one call per backfill chunk, as a sync job does), beside a bare Arrow
   insert into a plain DuckDB table as the reference floor;
4. the set-based path (``connectors.sql_normalize``: DuckDB parses and reshapes each chunk's raw pages, the loader
   takes the Arrow table), for the platforms with a SQL transform, checked to store the same count and spend.

    PYTHONPATH=. .venv/bin/python bench/connectors_normalize.py [--campaigns 300] [--days 365]

Report jobs are polled through a clock that sleeps 1/100 of the requested wait (the fakes finish a job after
two or three polls; real platforms take minutes, which is not the connector's cost). The simulated wait is
printed beside each backfill.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "analyticaflow.settings")
os.environ.setdefault("ANALYTICAFLOW_DATA_DIR", tempfile.mkdtemp(prefix="af-bench-connectors-"))

import django

django.setup()

import duckdb  # noqa: E402
import orjson  # noqa: E402
import pyarrow as pa  # noqa: E402

from analyticaflow.channeldata.schema import channel_tables_ensure  # noqa: E402
from analyticaflow.channeldata.services import ad_spend_load  # noqa: E402
from analyticaflow.connectors import dates  # noqa: E402
from analyticaflow.connectors.clock import SystemClock  # noqa: E402
from analyticaflow.connectors.http import HttpOptions  # noqa: E402
from analyticaflow.connectors.raw import RawPage  # noqa: E402
from analyticaflow.connectors.rows import AdSpendRow, column_names  # noqa: E402
from analyticaflow.connectors.sql_normalize import TRANSFORMS, ad_spend_arrow  # noqa: E402
from analyticaflow.warehouse.backends import open_warehouse  # noqa: E402
from analyticaflow.warehouse.sql import sql  # noqa: E402
from tests.connectors import harnesses  # noqa: E402
from tests.connectors.fakes import google_ads, meta, twitter_ads, yahoo_ads  # noqa: E402

FIRST_DAY = date(2025, 3, 1)


class ScaledClock(SystemClock):
    """Real time, but waits shortened by ``factor``; the requested total is kept for the report."""

    def __init__(self, factor: float) -> None:
        self.factor = factor
        self.requested = 0.0

    def sleep(self, seconds: float) -> None:
        self.requested += seconds
        time.sleep(seconds * self.factor)


def fakes(campaigns: int, days: int) -> dict[str, tuple[object, object]]:
    """platform → (fake server, harness that knows how to connect to it)."""
    by_name = {harness.platform: harness for harness in harnesses.HARNESSES}
    return {
        "meta_ads": (meta.FakeMetaAds(campaign_count=campaigns, days=days), by_name["meta_ads"]),
        "google_ads": (google_ads.FakeGoogleAds(campaign_count=campaigns, days=days, batch_size=10_000),
                       by_name["google_ads"]),
        "twitter_ads": (twitter_ads.FakeTwitterAds(campaign_count=campaigns, days=days, max_page_size=1000),
                        by_name["twitter_ads"]),
        "yahoo_ads": (yahoo_ads.FakeYahooAds(campaign_count=campaigns, days=days), by_name["yahoo_ads"]),
    }


Chunk = tuple[date, date, list[AdSpendRow], list[RawPage]]


def backfill(platform: str, fake, harness, days: int) -> tuple[float, float, list[RawPage], list[Chunk], str]:
    clock = ScaledClock(0.01)
    fake.start()
    try:
        connector = harness.connector(fake, clock)
        connector.options = HttpOptions(clock=clock, rng=random.Random(1), timeout=60.0)
        if hasattr(fake, "now"):
            fake.now = clock.now
        started = time.perf_counter()
        pages: list[RawPage] = []
        chunks: list[Chunk] = []
        with connector.open(credentials=harness.credentials(fake)) as session:
            account = harness.account(session.list_accounts())
            last_day = FIRST_DAY + timedelta(days=days - 1)
            for first, last in dates.windows(FIRST_DAY, last_day, days=connector.backfill_chunk_days):
                result = session.fetch(account=account, date_from=first, date_to=last)
                pages.extend(result.pages)
                chunks.append((first, last, result.rows, result.pages))
        return time.perf_counter() - started, clock.requested, pages, chunks, account.account_id
    finally:
        fake.stop()


def fresh(pages: list[RawPage]) -> list[RawPage]:
    """Copies without the cached parse, so normalization parses the text again."""
    return [RawPage.from_dict(page.to_dict()) for page in pages]


def parse_only(pages: list[RawPage]) -> int:
    for page in pages:
        if page.content_type == "csv":
            list(csv.reader(io.StringIO(page.body)))
        else:
            orjson.loads(page.body)
    return len(pages)


def best_of(repeats: int, action) -> tuple[float, float]:
    """Best (wall seconds, CPU seconds of this process) over the repeats. Other engineers share the machine:
    CPU time is what the code costs; wall time is what it took among them."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu


def load_warehouse(warehouse, platform: str, account_id: str, chunks: list[Chunk]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for first, last, rows, _ in chunks:
        ad_spend_load(project_id=1, source=platform, account_id=account_id, date_from=first, date_to=last,
                      rows=rows, warehouse=warehouse)
    return time.perf_counter() - wall, time.process_time() - cpu


def sql_path(warehouse, platform: str, account_id: str, chunks: list[Chunk], settings) -> tuple[float, float,
                                                                                                 float, float]:
    """(normalize wall, normalize CPU, load wall, load CPU) of the set-based path over fresh copies of the
    chunks' pages; exits if a chunk falls back to the Python normalizer or the stored rows differ."""
    copies = [(first, last, fresh(pages)) for first, last, _, pages in chunks]
    wall, cpu = time.perf_counter(), time.process_time()
    tables = [(first, last, ad_spend_arrow(pages, platform=platform, settings=settings))
              for first, last, pages in copies]
    normalize = time.perf_counter() - wall, time.process_time() - cpu
    if any(table is None for _, _, table in tables):
        sys.exit(f"{platform}: a chunk fell back to the Python normalizer")
    wall, cpu = time.perf_counter(), time.process_time()
    for first, last, table in tables:
        ad_spend_load(project_id=1, source=platform, account_id=account_id, date_from=first, date_to=last,
                      rows=table, warehouse=warehouse)
    return (*normalize, time.perf_counter() - wall, time.process_time() - cpu)


def sql_batch(warehouse, platform: str, account_id: str, chunks: list[Chunk], settings) -> tuple[float, float,
                                                                                                  float, float]:
    """As ``sql_path``, with every chunk's pages normalized in one query and loaded as one window."""
    pages = [page for _, _, _, chunk_pages in chunks for page in fresh(chunk_pages)]
    wall, cpu = time.perf_counter(), time.process_time()
    table = ad_spend_arrow(pages, platform=platform, settings=settings)
    normalize = time.perf_counter() - wall, time.process_time() - cpu
    if table is None:
        sys.exit(f"{platform}: the whole backfill fell back to the Python normalizer")
    wall, cpu = time.perf_counter(), time.process_time()
    ad_spend_load(project_id=1, source=platform, account_id=account_id, date_from=chunks[0][0],
                  date_to=chunks[-1][1], rows=table, warehouse=warehouse)
    return (*normalize, time.perf_counter() - wall, time.process_time() - cpu)


def best_checked(warehouse, variant, platform: str, account_id: str, chunks: list[Chunk], settings, repeats: int,
                 stored: tuple) -> tuple[float, float, float, float]:
    """The variant's best run (least CPU); exits unless the warehouse then holds the Python path's count and spend."""
    best = min((variant(warehouse, platform, account_id, chunks, settings) for _ in range(repeats)),
               key=lambda run: run[1] + run[3])
    again = warehouse.query(sql("SELECT count(*), sum(spend) FROM ad_spend_daily WHERE source = {source}",
                                source=platform))[0]
    if again != stored:
        sys.exit(f"{platform}: {variant.__name__} stored {again}, the Python path {stored}")
    return best


def load_plain_duckdb(rows: list[AdSpendRow]) -> tuple[float, float]:
    """CPU seconds of (building an Arrow table from the row objects and inserting it into a bare in-memory DuckDB
    table, the INSERT of that ready table alone)."""
    names = column_names(AdSpendRow)
    types = {"source": pa.string(), "account_id": pa.string(), "campaign_id": pa.string(),
             "campaign_name": pa.string(), "adset_id": pa.string(), "ad_id": pa.string(), "date": pa.date32(),
             "spend": pa.decimal128(18, 6), "impressions": pa.int64(), "clicks": pa.int64(),
             "platform_conversions": pa.decimal128(18, 6), "platform_conversion_value": pa.decimal128(18, 6),
             "currency": pa.string()}
    connection = duckdb.connect()
    connection.execute("CREATE TABLE ad_spend_daily (source VARCHAR, account_id VARCHAR, campaign_id VARCHAR, "
                       "campaign_name VARCHAR, adset_id VARCHAR, ad_id VARCHAR, date DATE, spend DECIMAL(18,6), "
                       "impressions BIGINT, clicks BIGINT, platform_conversions DECIMAL(18,6), "
                       "platform_conversion_value DECIMAL(18,6), currency VARCHAR)")
    started = time.process_time()
    columns = {name: [getattr(row, name) for row in rows] for name in names}
    table = pa.table({name: pa.array(columns[name], type=types[name]) for name in names})
    built = time.process_time()
    connection.register("incoming", table)
    connection.execute("INSERT INTO ad_spend_daily SELECT * FROM incoming")
    done = time.process_time()  # DuckDB may use a second thread: CPU time can exceed wall time
    assert connection.execute("SELECT count(*) FROM ad_spend_daily").fetchall()[0][0] == len(rows)
    connection.close()
    return done - started, done - built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=300)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--platforms", default="meta_ads,google_ads,twitter_ads,yahoo_ads")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    wanted = args.platforms.split(",")
    expected_rows = args.campaigns * args.days
    print(f"{args.campaigns} campaigns x {args.days} days = {expected_rows} rows per platform; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    set_based: list[str] = []
    batches: list[str] = []
    warehouse = open_warehouse(f"duckdb://{tempfile.mkdtemp(prefix='af-bench-wh-')}/warehouse.duckdb")
    channel_tables_ensure(warehouse=warehouse)
    print("Rates are rows per CPU-second of this process (wall-clock rates in parentheses).")
    print("| platform | backfill wall s | simulated job waits s | raw pages | rows | normalize rows/s | "
          "parse-only rows/s (reference) | normalize / parse | warehouse load rows/s | plain Arrow insert rows/s "
          "(reference) | of which the INSERT of the ready table rows/s | normalize + load rows/s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for platform, (fake, harness) in fakes(args.campaigns, args.days).items():
        if platform not in wanted:
            continue
        wall, waited, pages, chunks, account_id = backfill(platform, fake, harness, args.days)
        rows = [row for _, _, chunk, _ in chunks for row in chunk]
        if len(rows) != expected_rows:
            sys.exit(f"{platform}: backfill returned {len(rows)} rows, expected {expected_rows}")
        connector = harness.connector(fake, SystemClock())
        normalize = best_of(args.repeats, lambda connector=connector, pages=pages: connector.normalize(fresh(pages)))
        copying = best_of(args.repeats, lambda pages=pages: fresh(pages))
        parsing = best_of(args.repeats, lambda pages=pages: parse_only(pages))
        normalize_wall = max(normalize[0] - copying[0], 1e-9)
        normalize_seconds = max(normalize[1] - copying[1], 1e-9)
        load_wall, load_seconds = load_warehouse(warehouse, platform, account_id, chunks)
        stored = warehouse.query(sql("SELECT count(*), sum(spend) FROM ad_spend_daily WHERE source = {source}",
                                     source=platform))[0]
        if stored[0] != len(rows) or Decimal(stored[1]) != sum((row.spend for row in rows), Decimal(0)):
            sys.exit(f"{platform}: the warehouse holds {stored}, not the {len(rows)} rows fetched")
        n = len(rows)
        plain, insert_only = load_plain_duckdb(rows)
        reference_rate, insert_rate = n / plain, n / insert_only
        rate, parse_rate = n / normalize_seconds, n / max(parsing[1], 1e-9)
        cells = [platform, f"{wall:.1f}", f"{waited:.0f}", str(len(pages)), str(n),
                 f"{rate:,.0f} ({n / normalize_wall:,.0f})", f"{parse_rate:,.0f} ({n / parsing[0]:,.0f})",
                 f"{rate / parse_rate:.2f}", f"{n / load_seconds:,.0f} ({n / load_wall:,.0f})",
                 f"{reference_rate:,.0f}", f"{insert_rate:,.0f}",
                 f"{n / (normalize_seconds + load_seconds):,.0f} ({n / (normalize_wall + load_wall):,.0f})"]
        print("| " + " | ".join(cells) + " |", flush=True)
        if platform in TRANSFORMS:
            settings = connector.validate_settings(None)
            best, batch = (best_checked(warehouse, variant, platform, account_id, chunks, settings, args.repeats,
                                        stored) for variant in (sql_path, sql_batch))
            batch_cpu = batch[1] + batch[3]
            batches.append(f"| {platform} | {len(chunks)} chunks, {n:,} rows | {n / batch[1]:,.0f} | "
                           f"{n / batch[3]:,.0f} | {n / batch_cpu:,.0f} | {(best[1] + best[3]) / batch_cpu:.2f} | "
                           f"{n / batch_cpu / 200_000:.2f} |")
            sql_rate = n / (best[1] + best[3])
            set_based.append(
                f"| {platform} | {n / best[1]:,.0f} ({n / best[0]:,.0f}) | {n / best[3]:,.0f} ({n / best[2]:,.0f}) | "
                f"{sql_rate:,.0f} ({n / (best[0] + best[2]):,.0f}) | {n / (normalize_seconds + load_seconds):,.0f} | "
                f"{sql_rate * (normalize_seconds + load_seconds) / n:.1f} | {reference_rate:,.0f} | "
                f"{sql_rate / 200_000:.2f} |")
    if set_based:
        print("\nSet-based path (DuckDB SQL normalize of the chunks' raw pages + load of the Arrow table), best of "
              f"{args.repeats}:")
        print("| platform | SQL normalize rows/s | load rows/s | SQL normalize + load rows/s | Python normalize + load "
              "rows/s (above) | SQL / Python | plain Arrow insert rows/s (reference) | vs goal 200,000 |")
        print("|---|---|---|---|---|---|---|---|")
        print("\n".join(set_based))
        print("\nSet-based path over the whole backfill in one call (all pages normalized in one query, one load of "
              "the whole range): what larger chunks would give; the product loads chunk by chunk (above).")
        print("| platform | batch | SQL normalize rows/s | load rows/s | SQL normalize + load rows/s "
              "| vs chunk by chunk | vs goal 200,000 |")
        print("|---|---|---|---|---|---|---|")
        print("\n".join(batches))
    warehouse.close()


if __name__ == "__main__":
    main()
