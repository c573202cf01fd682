"""Latency of the KPI and time-series reports on DuckDB embedded (goal: p50 ≤ 50 ms per report).

    .venv/bin/python bench/reports_latency.py [--orders 1000000] [--campaigns 300] [--days 730] [--runs 30]
                                              [--data DIR] [--threads N]

Data (seeded, built once into DIR/warehouse.duckdb and reused): 2 years x 300 campaigns of daily spend in 11 ad
accounts (Meta in EUR, Google Ads in USD, TikTok from a CSV source), loaded with ``ad_spend_load``; 1,000,000
orders of 400,000 persons (5 % in USD), 2,000,000 touchpoints (two per order; 70 % of orders have one 0-72 h
before them, tagged with the campaign's id or a hand-typed spelling of its name, or organic/direct) and one session
per touchpoint,
written straight into the served projection tables in time order (the projector's own write path is benchmarked
in projection_throughput.py). The project is in Europe/Berlin with EUR as reporting currency and a USD rate.

Reports read the derived order touches (``reports/credits.py``) and spend days (``reports/spend.py``): the first
report builds them (each rebuild is timed at the end). Each report runs ``--runs`` times after one warm-up through
the same functions the API calls (``kpi_report``, ``timeseries_report``: every step including the exchange-rate
and touch-group stages).
Reference in the same run: a bare ``SELECT sum(spend) FROM ad_spend_daily`` over the same table, timed the same way.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "analyticaflow.settings")

from analyticaflow.channeldata.schema import channel_tables_ensure
from analyticaflow.channeldata.services import ad_spend_load
from analyticaflow.projections.generations import served_generation
from analyticaflow.reports.credits import order_touches_refresh
from analyticaflow.reports.currency import Rate, RateBook
from analyticaflow.reports.customers import first_orders_refresh
from analyticaflow.reports.kpi import kpi_report
from analyticaflow.reports.periods import Period
from analyticaflow.reports.query import Filters, ReportQuery, validate_query
from analyticaflow.reports.spend import spend_days_refresh
from analyticaflow.reports.timeseries import timeseries_report
from analyticaflow.warehouse.backends import Warehouse, arrow_table, open_warehouse
from analyticaflow.warehouse.tables import ORDERS, SESSIONS, TOUCHPOINTS

PROJECT_ID = 1
TIMEZONE = "Europe/Berlin"
FIRST_DAY = date(2025, 1, 1)
PERSONS = 400_000
ACCOUNTS = [("meta_ads", f"act_{n}", "EUR", "facebook", "cpc") for n in range(5)] + \
           [("google_ads", f"{n}00-000-000{n}", "USD", "google", "cpc") for n in range(4)] + \
           [("tiktok", f"tt-{n}", "EUR", "tiktok", "paid") for n in range(2)]
RATES = RateBook("EUR", [Rate("USD", FIRST_DAY - timedelta(days=1), Decimal("0.91"))])


def campaigns(count: int) -> list[tuple[str, str, str, str, str, str, str]]:
    """(source, account, currency, utm source, medium, campaign id, name) spread over the accounts."""
    return [(*ACCOUNTS[n % len(ACCOUNTS)][:3], *ACCOUNTS[n % len(ACCOUNTS)][3:], f"c{n:04d}",
             f"Campaign {n:04d} | {['Sale', 'Brand', 'Retargeting'][n % 3]} (DE)") for n in range(count)]


def load_spend(warehouse: Warehouse, plan, days: int, rng: np.random.Generator) -> int:
    loaded = 0
    last = FIRST_DAY + timedelta(days=days - 1)
    for source, account, currency, *_ in ACCOUNTS:
        mine = [c for c in plan if c[0] == source and c[1] == account]
        rows = []
        for _, _, _, _, _, campaign_id, name in mine:
            spend = rng.gamma(2.0, 40.0, days)
            impressions = rng.poisson(4000, days)
            for day in range(days):
                rows.append({"campaign_id": campaign_id, "campaign_name": name,
                             "date": FIRST_DAY + timedelta(days=day), "spend": f"{spend[day]:.2f}",
                             "impressions": int(impressions[day]), "clicks": int(impressions[day] // 40),
                             "platform_conversions": f"{spend[day] / 60:.1f}",
                             "platform_conversion_value": f"{spend[day] * 3.1:.2f}", "currency": currency})
        loaded += ad_spend_load(project_id=PROJECT_ID, source=source, account_id=account, date_from=FIRST_DAY,
                                date_to=last, rows=rows, warehouse=warehouse)
    return loaded


def load_first_party(warehouse: Warehouse, plan, orders: int, days: int, rng: np.random.Generator) -> None:
    generation = served_generation(warehouse)
    start = np.datetime64(datetime.combine(FIRST_DAY, datetime.min.time()), "us")
    span_us = days * 86_400_000_000
    order_at = np.sort(start + rng.integers(0, span_us, orders).astype("timedelta64[us]"))
    order_person = rng.integers(0, PERSONS, orders)
    order_rows = {
        "project_id": np.full(orders, PROJECT_ID), "order_id": [f"o{n}" for n in range(orders)],
        "seq": np.arange(orders), "message_id": [f"m{n}" for n in range(orders)],
        "person_id": [f"u:{p}" for p in order_person], "distinct_id": [f"u:{p}" for p in order_person],
        "order_date": order_at.astype("datetime64[D]"), "ordered_at": order_at,
        "revenue": np.round(rng.uniform(10, 300, orders), 2),
        "currency": np.where(rng.random(orders) < 0.05, "USD", "EUR"),
    }
    _insert(warehouse, ORDERS, generation.table(ORDERS), order_rows)

    attributed = rng.random(orders) < 0.7
    before = order_at[attributed] - rng.integers(0, 72 * 3_600_000_000, attributed.sum()).astype("timedelta64[us]")
    noise = 2 * orders - int(attributed.sum())
    times = np.concatenate([before, start + rng.integers(0, span_us, noise).astype("timedelta64[us]")])
    people = np.concatenate([order_person[attributed], rng.integers(0, PERSONS, noise)])
    order_ = np.argsort(times, kind="stable")
    times, people = times[order_], people[order_]
    count = len(times)
    kind = rng.random(count)
    pick = rng.integers(0, len(plan), count)
    sources, mediums, names, channels = [], [], [], []
    for n in range(count):
        if kind[n] < 0.6:
            _, _, _, utm_source, medium, campaign_id, name = plan[pick[n]]
            sources.append(utm_source)
            mediums.append(medium)
            names.append(campaign_id if kind[n] < 0.3 else name.lower().replace(" | ", " ").replace("(de)", "de"))
            channels.append(utm_source)
        elif kind[n] < 0.8:
            sources.append("google"), mediums.append("organic"), names.append(None), channels.append("google")
        elif kind[n] < 0.85:
            sources.append("newsletter"), mediums.append("email"), names.append("weekly"), channels.append("newsletter")
        else:
            sources.append(None), mediums.append(None), names.append(None), channels.append("direct")
    seqs = np.arange(orders, orders + count)
    nones = [None] * count
    touch_rows = {
        "project_id": np.full(count, PROJECT_ID), "person_id": [f"u:{p}" for p in people], "seq": seqs,
        "message_id": [f"t{s}" for s in seqs], "session_id": seqs, "touch_date": times.astype("datetime64[D]"),
        "touched_at": times, "channel": channels, "source": sources, "medium": mediums, "campaign": names,
        "term": nones, "content": nones, "gclid": nones, "fbclid": nones, "yclid": nones, "twclid": nones,
        "referrer": nones, "referrer_domain": nones, "landing_url": ["https://shop.test/"] * count,
        "landing_path": ["/"] * count, "is_first_page": np.zeros(count, dtype=np.uint8),
    }
    _insert(warehouse, TOUCHPOINTS, generation.table(TOUCHPOINTS), touch_rows)
    session_rows = {
        "project_id": np.full(count, PROJECT_ID), "person_id": touch_rows["person_id"], "session_id": seqs,
        "session_date": touch_rows["touch_date"], "started_at": times,
        "ended_at": times + np.timedelta64(600_000_000, "us"), "event_count": np.full(count, 3),
        "page_count": np.full(count, 2),
    }
    _insert(warehouse, SESSIONS, generation.table(SESSIONS), session_rows)


def _insert(warehouse: Warehouse, spec, table: str, columns) -> None:
    data = arrow_table(spec, {name: pa.array(values) if isinstance(values, np.ndarray) else values
                              for name, values in columns.items()})
    warehouse.stage("bench_rows", spec, data)
    warehouse.execute(f"INSERT INTO {table} SELECT * FROM bench_rows")
    warehouse.drop_stage("bench_rows")


def build(path: Path, *, orders: int, campaign_count: int, days: int) -> None:
    rng = np.random.default_rng(20261123)
    warehouse = open_warehouse(f"duckdb:///{path}")
    channel_tables_ensure(warehouse=warehouse)
    plan = campaigns(campaign_count)
    started = time.perf_counter()
    rows = load_spend(warehouse, plan, days, rng)
    print(f"spend: {rows:,} rows in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    load_first_party(warehouse, plan, orders, days, rng)
    print(f"orders, touchpoints, sessions in {time.perf_counter() - started:.1f} s")
    warehouse.checkpoint()
    warehouse.close()


def timed(function, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and process CPU milliseconds of each run (CPU counts every DuckDB thread of the process)."""
    function()  # warm-up
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def report_cases(last: date) -> list[tuple[str, str, ReportQuery]]:
    month = Period(last - timedelta(days=29), last, TIMEZONE)
    year = Period(last - timedelta(days=364), last, TIMEZONE)
    everything = Period(FIRST_DAY, last, TIMEZONE)
    tiles = ("spend", "revenue", "orders", "roas", "romi", "cac", "new_customers", "aov")

    def q(period, metrics, **options):
        return validate_query(ReportQuery(project_id=PROJECT_ID, timezone=TIMEZONE, currency="EUR", period=period,
                                          metrics=metrics, **options))

    return [
        ("kpi", "tiles, 30 days vs previous period", q(month, tiles, compare="previous_period")),
        ("kpi", "by source, 30 days vs previous period", q(month, tiles, group_by="source",
                                                            compare="previous_period")),
        ("kpi", "by campaign, 30 days", q(month, ("spend", "clicks", "cpc", "orders", "revenue", "roas"),
                                          group_by="campaign")),
        ("kpi", "one ad account by campaign, 30 days vs previous",
         q(month, ("spend", "impressions", "clicks", "ctr", "cpc", "platform_roas", "roas"), group_by="campaign",
           compare="previous_period", filters=Filters(source=("meta_ads",), account_id=("act_1",)))),
        ("kpi", "sessions and users by channel, 30 days", q(month, ("sessions", "users", "conversion_rate"),
                                                            group_by="channel")),
        ("timeseries", "daily spend & revenue, 30 days vs previous",
         q(month, ("spend", "revenue", "roas"), granularity="day", compare="previous_period")),
        ("timeseries", "weekly, 1 year vs previous year",
         q(year, ("spend", "revenue", "orders"), granularity="week", compare="previous_year")),
        ("kpi", "tiles, all 2 years", q(everything, tiles)),
        ("timeseries", "monthly by source, all 2 years",
         q(everything, ("spend", "revenue"), granularity="month", group_by="source")),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--campaigns", type=int, default=300)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--data", type=Path, default=Path("/tmp/af-bench-reports"))
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: DuckDB's default)")
    args = parser.parse_args()

    import django

    django.setup()
    args.data.mkdir(parents=True, exist_ok=True)
    path = args.data / f"warehouse-{args.orders}-{args.campaigns}-{args.days}.duckdb"
    if not path.exists():
        build(path, orders=args.orders, campaign_count=args.campaigns, days=args.days)
    url = f"duckdb:///{path}" + (f"?threads={args.threads}" if args.threads else "")
    warehouse = open_warehouse(url)
    channel_tables_ensure(warehouse=warehouse)
    counts = {name: warehouse.query(f"SELECT count(*) FROM {name}")[0][0]
              for name in ("ad_spend_daily", "orders", "touchpoints", "sessions")}
    print("rows: " + ", ".join(f"{name} {count:,}" for name, count in counts.items()))
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    reference, reference_cpu = timed(lambda: warehouse.query("SELECT sum(spend) FROM ad_spend_daily"), args.runs)
    reference_p50 = statistics.median(reference)
    print(f"{'report':<11} {'case':<52} {'p50 ms':>8} {'p95 ms':>8} {'cpu ms':>8} {'ratio':>7}")
    print(f"{'reference':<11} {'SELECT sum(spend) FROM ad_spend_daily':<52} {reference_p50:8.1f} "
          f"{np.percentile(reference, 95):8.1f} {statistics.median(reference_cpu):8.1f} {1:7.1f}")
    last = FIRST_DAY + timedelta(days=args.days - 1)
    runners = {"kpi": kpi_report, "timeseries": timeseries_report}
    for kind, name, query in report_cases(last):
        samples, cpu = timed(lambda kind=kind, query=query: runners[kind](warehouse=warehouse, query=query,
                                                                          rates=RATES), args.runs)
        p50 = statistics.median(samples)
        print(f"{kind:<11} {name:<52} {p50:8.1f} {np.percentile(samples, 95):8.1f} {statistics.median(cpu):8.1f} "
              f"{p50 / reference_p50:7.1f}")
    # While the warehouse is unwritten, a report's freshness checks are answered from memory; here a one-row
    # write to a table reports never read precedes each report (timed with it), so every check queries again.
    warehouse.execute("CREATE TABLE IF NOT EXISTS bench_writes (n INTEGER)")
    kind, name, query = report_cases(last)[0]

    def after_a_write() -> None:
        warehouse.execute("INSERT INTO bench_writes VALUES (1)")
        kpi_report(warehouse=warehouse, query=query, rates=RATES)

    samples, cpu = timed(after_a_write, args.runs)
    p50 = statistics.median(samples)
    print(f"{kind:<11} {name + ', after a write':<52} {p50:8.1f} {np.percentile(samples, 95):8.1f} "
          f"{statistics.median(cpu):8.1f} {p50 / reference_p50:7.1f}")
    for name, state, refresh in (
            ("first orders rebuilt after an orders change", "report_first_orders_state", first_orders_refresh),
            ("order touches rebuilt (every order, both models)", "report_order_touches_state",
             order_touches_refresh),
            ("spend days rebuilt after a spend load", "report_spend_days_state", spend_days_refresh)):
        rebuilds = []
        for _ in range(3):
            warehouse.execute(f"DELETE FROM {state}")
            started = time.perf_counter()
            refresh(warehouse=warehouse, project_id=PROJECT_ID)
            rebuilds.append((time.perf_counter() - started) * 1000)
        print(f"{'derived':<11} {name:<52} {statistics.median(rebuilds):8.1f}")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    warehouse.close()


if __name__ == "__main__":
    main()
