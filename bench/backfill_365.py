"""Integration backfill benchmark, run by hand (not a test):

1. the product's own backfill of a linked account with 300 campaigns over 365 days, against each ad platform's
   fake server (in a child process, as a real API is remote: its CPU is not counted as the product's): the
   sync job function (``integrations.sync``) run by the embedded runner, with everything a
   real backfill does (chunked fetches, window loads into the DuckDB warehouse through the channel-data
   loader, raw pages kept on disk, progress committed per chunk in the SQLite metadata DB). Goal: < 60 s.
2. normalizing and loading those rows: the connector's normalization of the kept raw pages plus the
   warehouse loader (``channeldata.services.ad_spend_load``, one call per backfill chunk), in rows/s.
   Goal: >= 200,000 rows/s. Reference in the same run: the same rows as one Arrow table inserted into a
   bare DuckDB table (the floor any loader into DuckDB pays). Measured twice: with the Python normalizer, and
   the way the sync job normalizes now (``connectors.sql_normalize.ad_spend_rows``: the set-based DuckDB SQL
   transform where the platform has one — Meta Ads, Google Ads — with the Python normalizer as fallback).

    PYTHONPATH=. .venv/bin/python bench/backfill_365.py [--campaigns 300] [--platforms meta_ads,google_ads,...]
        [--python-normalizer]   # the sync jobs without the SQL transforms, for comparison

Report jobs (X, Yahoo) are polled through a clock that sleeps 1/1000 of the requested wait: the fakes finish a
job after two or three polls, real platforms after minutes, which is not the product's cost.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

DATA_DIR = tempfile.mkdtemp(prefix="af-bench-backfill-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "analyticaflow.settings")
os.environ["ANALYTICAFLOW_DATA_DIR"] = DATA_DIR
os.environ["ANALYTICAFLOW_CONNECTOR_CLOCK"] = "tests.integrations.support.FastClock"
os.environ["ANALYTICAFLOW_JOBS_BACKEND"] = "embedded"

import django  # noqa: E402

django.setup()

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from analyticaflow.accounts import services as accounts  # noqa: E402
from analyticaflow.channeldata.services import ad_spend_load  # noqa: E402
from analyticaflow.connectors import sql_normalize  # noqa: E402
from analyticaflow.connectors.credentials import Credentials  # noqa: E402
from analyticaflow.connectors.rows import AdSpendRow, column_names  # noqa: E402
from analyticaflow.connectors.secret import Secret  # noqa: E402
from analyticaflow.connectors.sql_normalize import ad_spend_rows  # noqa: E402
from analyticaflow.integrations.loading import raw_store  # noqa: E402
from analyticaflow.integrations.models import Integration, SyncRun  # noqa: E402
from analyticaflow.integrations.platforms import connector_for  # noqa: E402
from analyticaflow.integrations.services import integration_sync_enqueue  # noqa: E402
from analyticaflow.integrations.syncing import credential_store  # noqa: E402
from analyticaflow.jobs.embedded import jobs_run_until_idle  # noqa: E402
from analyticaflow.warehouse.backends import close_warehouse, get_warehouse, open_warehouse  # noqa: E402
from tests.connectors.fakes import google_ads, meta, twitter_ads, yahoo_ads  # noqa: E402
from tests.integrations.support import CASES  # noqa: E402

TODAY = datetime.now(UTC).date()
FIRST_DAY = TODAY - timedelta(days=366)  # the fakes serve 367 days: every account time zone's last year is covered


def fakes(campaigns: int) -> dict:
    days = 367
    return {
        "meta_ads": lambda: meta.FakeMetaAds(campaign_count=campaigns, first_day=FIRST_DAY, days=days),
        "google_ads": lambda: google_ads.FakeGoogleAds(campaign_count=campaigns, first_day=FIRST_DAY, days=days,
                                                        batch_size=10_000),
        "twitter_ads": lambda: twitter_ads.FakeTwitterAds(campaign_count=campaigns, first_day=FIRST_DAY, days=days,
                                                          max_page_size=200),
        "yahoo_ads": lambda: yahoo_ads.FakeYahooAds(campaign_count=campaigns, first_day=FIRST_DAY, days=days),
    }


ACCOUNT = {  # platform → (account id, name, currency, time zone, details) as the link would store them
    "meta_ads": ("1234567890", "Shop EU", "EUR", "Europe/Berlin", {}),
    "google_ads": ("1234567890", "Shop US", "USD", "America/New_York", {"login_customer_id": "1112223333"}),
    "twitter_ads": ("18ce54d4x5t", "Shop US", "USD", "America/Los_Angeles", {}),
    "yahoo_ads": ("1002345678", "Shop JP Search", "JPY", "Asia/Tokyo",
                  {"product": "search", "base_account_id": "1000000001"}),
}


def serve_fake(platform: str, campaigns: int, pipe) -> None:
    """Child process: the platform's fake server (a real API runs elsewhere; its CPU is not the product's)."""
    fake = fakes(campaigns)[platform]().start()
    pipe.send({"url": fake.url, "access_token": fake.access_token,
               "refresh_token": getattr(fake, "refresh_token", None),
               "token_secret": getattr(fake, "token_secret", None)})
    pipe.recv()
    fake.stop()


@contextmanager
def fake_server(platform: str, campaigns: int):
    parent, child = multiprocessing.get_context("fork").Pipe()
    process = multiprocessing.get_context("fork").Process(target=serve_fake, args=(platform, campaigns, child),
                                                          daemon=True)
    process.start()
    try:
        yield SimpleNamespace(**parent.recv())
    finally:
        parent.send("stop")
        process.join(timeout=30)


def credentials(platform: str, fake) -> Credentials:
    if platform == "twitter_ads":
        return Credentials(access_token=Secret(fake.access_token), token_secret=Secret(fake.token_secret))
    refresh = getattr(fake, "refresh_token", None)
    return Credentials(access_token=Secret(fake.access_token), refresh_token=Secret(refresh) if refresh else None)


def backfill(platform: str, fake, project) -> tuple[tuple[float, float], Integration, SyncRun]:
    for name, value in CASES[platform].settings(fake).items():
        setattr(settings, name, value)
    account_id, name, currency, zone, details = ACCOUNT[platform]
    integration = Integration.objects.create(
        project=project, platform=platform, account_id=account_id, account_name=name, account_currency=currency,
        account_time_zone=zone, account_details=details, settings=dict(CASES[platform].settings_data))
    credential_store(integration_id=integration.id, credentials=credentials(platform, fake))
    integration_sync_enqueue(integration=integration, kind="backfill")
    started = time.perf_counter(), time.process_time()
    outcomes = jobs_run_until_idle()
    elapsed = time.perf_counter() - started[0], time.process_time() - started[1]
    integration.refresh_from_db()
    run = SyncRun.objects.filter(integration=integration).first()
    if outcomes != ["done"] or integration.status != "ok":
        raise SystemExit(f"{platform}: backfill did not finish: {outcomes} {integration.error_message}")
    return elapsed, integration, run


def timed(action) -> tuple[object, float, float]:
    """(result, CPU seconds of this process, wall seconds)."""
    started = time.process_time(), time.perf_counter()
    result = action()
    return result, time.process_time() - started[0], time.perf_counter() - started[1]


def load_chunks(platform: str, account_id: str, normalized: list, windows: list) -> tuple[int, float, float]:
    """Each chunk's rows loaded as the job does, into a fresh warehouse file: (rows, CPU s, wall s)."""
    warehouse = open_warehouse(f"duckdb:///{tempfile.mkdtemp(prefix='af-bench-load-')}/warehouse.duckdb")
    ad_spend_load(project_id=1, source=platform, account_id="warmup", date_from=TODAY, date_to=TODAY, rows=[],
                  warehouse=warehouse)  # creates the tables outside the timing
    loaded, cpu, wall = timed(lambda: sum(
        ad_spend_load(project_id=1, source=platform, account_id=account_id, date_from=first, date_to=last,
                      rows=rows, warehouse=warehouse) for rows, (first, last) in zip(normalized, windows, strict=True)))
    warehouse.close()
    return loaded, cpu, wall


def normalize_and_load(platform: str, integration: Integration, run: SyncRun) -> dict:
    """Re-normalize the kept raw pages chunk by chunk and load each chunk as the job does, into a fresh file:
    with the Python normalizer, then as the sync job does (set-based where the platform has a transform)."""
    connector = connector_for(platform)
    chunks = [raw_store().load(reference) for reference in run.raw_refs]
    windows = [(datetime.fromisoformat(a).date(), datetime.fromisoformat(b).date())
               for a, b in integration.backfill_windows]
    assert len(chunks) == len(windows), (len(chunks), len(windows))
    connector.normalize(chunks[0], settings=integration.settings)  # warm both paths up (imports, DuckDB connection)
    ad_spend_rows(connector, raw_store().load(run.raw_refs[0]), settings=integration.settings)
    normalized, normalize_cpu, normalize_wall = timed(
        lambda: [connector.normalize(pages, settings=integration.settings) for pages in chunks])
    loaded, load_cpu, load_wall = load_chunks(platform, integration.account_id, normalized, windows)
    rows = [row for chunk in normalized for row in chunk]
    assert loaded == len(rows)
    chunks = [raw_store().load(reference) for reference in run.raw_refs]  # fresh pages, nothing cached
    chosen, sync_normalize_cpu, sync_normalize_wall = timed(
        lambda: [ad_spend_rows(connector, pages, settings=integration.settings) for pages in chunks])
    set_based = sum(isinstance(item, pa.Table) for item in chosen if len(item))
    sync_loaded, sync_load_cpu, sync_load_wall = load_chunks(platform, integration.account_id, chosen, windows)
    assert sync_loaded == len(rows), (sync_loaded, len(rows))
    # Reference: the same rows as one Arrow table into a bare DuckDB table.
    names = column_names(AdSpendRow)
    staged = pa.table({name: [getattr(row, name) for row in rows] for name in names})
    connection = duckdb.connect(f"{tempfile.mkdtemp(prefix='af-bench-bare-')}/bare.duckdb")
    connection.register("staged", staged)
    connection.execute("CREATE TABLE t AS SELECT * FROM staged LIMIT 0")
    _, arrow_cpu, arrow_wall = timed(lambda: connection.execute("INSERT INTO t SELECT * FROM staged"))
    connection.close()
    return {"rows": len(rows), "normalize_cpu": normalize_cpu, "normalize_wall": normalize_wall,
            "load_cpu": load_cpu, "load_wall": load_wall, "arrow_cpu": arrow_cpu, "arrow_wall": arrow_wall,
            "sync_normalize_cpu": sync_normalize_cpu, "sync_normalize_wall": sync_normalize_wall,
            "sync_load_cpu": sync_load_cpu, "sync_load_wall": sync_load_wall, "set_based_chunks": set_based,
            "chunks_with_rows": sum(1 for item in chosen if len(item))}


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds > 0 else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--campaigns", type=int, default=300)
    parser.add_argument("--platforms", default="meta_ads,google_ads,twitter_ads,yahoo_ads")
    parser.add_argument("--python-normalizer", action="store_true",
                        help="switch the SQL transforms off: the sync jobs normalize in Python only")
    args = parser.parse_args()
    if args.python_normalizer:
        sql_normalize.TRANSFORMS = {}
    call_command("migrate", verbosity=0)
    owner = accounts.user_create(email="bench@shop.test", password="a-long-enough-password", is_admin=False)
    project = accounts.project_create(owner=owner, name="Bench", timezone_name="UTC", currency="USD")
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} at the start; "
          f"{args.campaigns} campaigns x 365 days; data dir {DATA_DIR}"
          + ("; SQL transforms switched off" if args.python_normalizer else ""))
    print(f"{'platform':<12} {'backfill s':>10} {'CPU s':>6} {'chunks':>6} {'rows':>8} {'rows/s e2e':>11} "
          f"{'normalize r/s':>14} {'load r/s':>10} {'norm+load r/s':>14} {'arrow ins r/s':>14}  (CPU s; wall in ())")
    sync_lines = []
    for platform in args.platforms.split(","):
        close_warehouse()
        settings.ANALYTICAFLOW_WAREHOUSE_URL = f"duckdb:///{tempfile.mkdtemp(prefix='af-bench-wh-')}/warehouse.duckdb"
        with fake_server(platform, args.campaigns) as fake:
            (elapsed, cpu), integration, run = backfill(platform, fake, project)
        stored = get_warehouse().query(f"SELECT count(*) FROM ad_spend_daily WHERE source = '{platform}'")[0][0]
        assert stored == integration.backfill_rows == run.rows, (stored, integration.backfill_rows, run.rows)
        figures = normalize_and_load(platform, integration, run)
        rows = figures["rows"]
        both_cpu = figures["normalize_cpu"] + figures["load_cpu"]
        both_wall = figures["normalize_wall"] + figures["load_wall"]
        print(f"{platform:<12} {elapsed:>10.1f} {cpu:>6.1f} {run.chunks:>6} {stored:>8,} {rate(stored, elapsed):>11} "
              f"{rate(rows, figures['normalize_cpu']):>14} {rate(rows, figures['load_cpu']):>10} "
              f"{rate(rows, both_cpu):>14} {rate(rows, figures['arrow_cpu']):>14}"
              f"  ({rate(rows, figures['normalize_wall'])} / {rate(rows, figures['load_wall'])} / "
              f"{rate(rows, both_wall)} / {rate(rows, figures['arrow_wall'])})")
        sync_cpu = figures["sync_normalize_cpu"] + figures["sync_load_cpu"]
        sync_wall = figures["sync_normalize_wall"] + figures["sync_load_wall"]
        sync_lines.append(
            f"{platform:<12} {figures['set_based_chunks']:>3}/{figures['chunks_with_rows']:<3} "
            f"{rate(rows, figures['sync_normalize_cpu']):>14} {rate(rows, figures['sync_load_cpu']):>10} "
            f"{rate(rows, sync_cpu):>14} {sync_cpu and both_cpu / sync_cpu:>13.1f}x "
            f"{rate(rows, figures['arrow_cpu']):>14}"
            f" {rows / sync_cpu / 200_000 if sync_cpu else 0:>8.2f}  ({rate(rows, figures['sync_normalize_wall'])} / "
            f"{rate(rows, figures['sync_load_wall'])} / {rate(rows, sync_wall)})")
        sys.stdout.flush()
    print("\nAs the sync job normalizes now (set-based where the platform has a transform, else Python):")
    print(f"{'platform':<12} {'set/all':>7} {'normalize r/s':>14} {'load r/s':>10} {'norm+load r/s':>14} "
          f"{'vs Python':>14} {'arrow ins r/s':>14} {'vs goal':>8}  (CPU; wall in ())")
    print("\n".join(sync_lines))
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} at the end; raw pages kept under {Path(DATA_DIR) / 'raw'}")


if __name__ == "__main__":
    main()
