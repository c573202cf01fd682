"""Integration backfill benchmark, run by hand (not a test):

1. the product's own backfill of a linked account with 300 campaigns over 365 days, against each ad platform's
   fake server (in a child process, as a real API is remote: its CPU is not counted as the product's): the
   sync job function (``integrations.sync``) run by the embedded runner, with everything a
   real backfill does (chunked fetches, window loads into the DuckDB warehouse through the channel-data
   loader, raw pages kept on disk, progress committed per chunk in the SQLite metadata DB). Goal: < 60 s.
2. normalizing and loading those rows: the connector's normalization of the kept raw pages plus the
   warehouse loader (``channeldata.services.ad_spend_load``, one call per backfill chunk), in rows/s.
   Goal: >= 200,000 rows/s. Reference in the same run: the same rows as one Arrow table inserted into a
   bare DuckDB table (the floor any loader into DuckDB pays).

    PYTHONPATH=. .venv/bin/python bench/backfill_365.py [--campaigns 300] [--platforms meta_ads,google_ads,...]

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
from analyticaflow.connectors.credentials import Credentials  # noqa: E402
from analyticaflow.connectors.rows import AdSpendRow, column_names  # noqa: E402
from analyticaflow.connectors.secret import Secret  # noqa: E402
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


def normalize_and_load(platform: str, integration: Integration, run: SyncRun) -> dict:
    """Re-normalize the kept raw pages chunk by chunk and load each chunk as the job does, into a fresh file."""
    connector = connector_for(platform)
    chunks = [raw_store().load(reference) for reference in run.raw_refs]
    windows = [(datetime.fromisoformat(a).date(), datetime.fromisoformat(b).date())
               for a, b in integration.backfill_windows]
    assert len(chunks) == len(windows), (len(chunks), len(windows))
    started = time.process_time(), time.perf_counter()
    normalized = [connector.normalize(pages, settings=integration.settings) for pages in chunks]
    normalize_cpu = time.process_time() - started[0]
    normalize_wall = time.perf_counter() - started[1]
    directory = tempfile.mkdtemp(prefix="af-bench-load-")
    warehouse = open_warehouse(f"duckdb:///{directory}/warehouse.duckdb")
    ad_spend_load(project_id=1, source=platform, account_id="warmup", date_from=TODAY, date_to=TODAY, rows=[],
                  warehouse=warehouse)  # creates the tables outside the timing
    started = time.process_time(), time.perf_counter()
    loaded = sum(ad_spend_load(project_id=1, source=platform, account_id=integration.account_id, date_from=first,
                               date_to=last, rows=rows, warehouse=warehouse)
                 for rows, (first, last) in zip(normalized, windows, strict=True))
    load_cpu = time.process_time() - started[0]
    load_wall = time.perf_counter() - started[1]
    warehouse.close()
    rows = [row for chunk in normalized for row in chunk]
    assert loaded == len(rows)
    # Reference: the same rows as one Arrow table into a bare DuckDB table.
    names = column_names(AdSpendRow)
    staged = pa.table({name: [getattr(row, name) for row in rows] for name in names})
    connection = duckdb.connect(f"{directory}/bare.duckdb")
    connection.register("staged", staged)
    connection.execute("CREATE TABLE t AS SELECT * FROM staged LIMIT 0")
    started = time.process_time(), time.perf_counter()
    connection.execute("INSERT INTO t SELECT * FROM staged")
    arrow_cpu, arrow_wall = time.process_time() - started[0], time.perf_counter() - started[1]
    connection.close()
    return {"rows": len(rows), "normalize_cpu": normalize_cpu, "normalize_wall": normalize_wall,
            "load_cpu": load_cpu, "load_wall": load_wall, "arrow_cpu": arrow_cpu, "arrow_wall": arrow_wall}


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds > 0 else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--campaigns", type=int, default=300)
    parser.add_argument("--platforms", default="meta_ads,google_ads,twitter_ads,yahoo_ads")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    owner = accounts.user_create(email="bench@shop.test", password="a-long-enough-password", is_admin=False)
    project = accounts.project_create(owner=owner, name="Bench", timezone_name="UTC", currency="USD")
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} at the start; "
          f"{args.campaigns} campaigns x 365 days; data dir {DATA_DIR}")
    print(f"{'platform':<12} {'backfill s':>10} {'CPU s':>6} {'chunks':>6} {'rows':>8} {'rows/s e2e':>11} "
          f"{'normalize r/s':>14} {'load r/s':>10} {'norm+load r/s':>14} {'arrow ins r/s':>14}  (CPU s; wall in ())")
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
        sys.stdout.flush()
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} at the end; raw pages kept under {Path(DATA_DIR) / 'raw'}")


if __name__ == "__main__":
    main()
