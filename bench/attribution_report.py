"""The attribution report end to end on a generated shop: warehouse reads, journeys, all eight models, spend join.

    .venv/bin/python bench/attribution_report.py --persons 300000 --days 120 --runs 3 [--chdb]

Persons get a Poisson number of visits (mean 3) over ``--days`` days through ten channels and campaigns; about a
third of them order (some twice) after their visits. Touchpoints, orders and daily spend go straight into the
warehouse tables (bulk insert, seeded). Timed on the last 30 days:

- the attribution report with all eight models, grouped by channel and by campaign (p50 of ``--runs``), with the
  time of its steps (warehouse reads, engine, spend) from one run;
- reference in the same run: the KPI report grouped by channel with SQL last touch (orders, revenue, spend,
  ROAS), and the same KPI report with ``attribution_model: markov`` (the engine behind the KPI report).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "analyticaflow.settings")

import django

django.setup()

from analyticaflow.attribution import AttributionOptions, attribute_all, journeys_from_columns  # noqa: E402
from analyticaflow.attribution.contracts import epoch_us  # noqa: E402
from analyticaflow.channeldata.schema import channel_tables_ensure  # noqa: E402
from analyticaflow.channeldata.services import ad_spend_load  # noqa: E402
from analyticaflow.channelgroups.rules import ChannelGrouping  # noqa: E402
from analyticaflow.projections.generations import ensure_schema, served_generation  # noqa: E402
from analyticaflow.reports.attribution_report.query import AttributionQuery  # noqa: E402
from analyticaflow.reports.attribution_report.runner import attribution_report, read_inputs  # noqa: E402
from analyticaflow.reports.currency import RateBook  # noqa: E402
from analyticaflow.reports.kpi import kpi_report  # noqa: E402
from analyticaflow.reports.periods import Period  # noqa: E402
from analyticaflow.reports.query import ReportQuery  # noqa: E402
from analyticaflow.warehouse.backends import Warehouse, arrow_schema, open_warehouse  # noqa: E402
from analyticaflow.warehouse.tables import ORDERS, TOUCHPOINTS  # noqa: E402

PROJECT_ID = 1
FIRST_DAY = datetime(2026, 1, 1)
# (source, medium, campaign, spend platform, campaign id, share of visits)
CHANNELS = [
    ("google", "cpc", "Search | Brand", "google_ads", "g1", 0.14),
    ("google", "cpc", "Search | Generic", "google_ads", "g2", 0.10),
    ("facebook", "cpc", "Prospecting", "meta_ads", "m1", 0.12),
    ("facebook", "paid_social", "Retargeting", "meta_ads", "m2", 0.08),
    ("twitter", "cpc", "Launch", "twitter_ads", "t1", 0.03),
    ("newsletter", "email", "weekly", None, None, 0.10),
    ("google", "organic", None, None, None, 0.13),
    ("bing", "organic", None, None, None, 0.03),
    ("instagram", "social", None, None, None, 0.05),
    ("direct", None, None, None, None, 0.22),
]


def generate(persons: int, days: int, seed: int) -> tuple[pa.Table, pa.Table]:
    rng = np.random.default_rng(seed)
    visits = 1 + rng.poisson(2.0, size=persons)
    person = np.repeat(np.arange(persons, dtype=np.int64), visits)
    n = len(person)
    base_us = epoch_us(FIRST_DAY)
    span = days * 86_400_000_000
    first = rng.integers(0, span, size=persons, dtype=np.int64)
    time_us = base_us + np.minimum(np.repeat(first, visits) + rng.exponential(4 * 86_400_000_000, size=n).astype(
        np.int64), span - 1)
    channel = rng.choice(len(CHANNELS), size=n, p=[c[5] for c in CHANNELS])
    order = np.lexsort((time_us, person))
    person, time_us, channel = person[order], time_us[order], channel[order]
    seq = np.arange(1, n + 1, dtype=np.int64)
    moments = pa.array(time_us, pa.timestamp("us"))
    person_ids = pc.binary_join_element_wise("u:p", pa.array(person).cast(pa.string()), "")
    pick = lambda i: pa.array([CHANNELS[c][i] for c in range(len(CHANNELS))], pa.string()).take(  # noqa: E731
        pa.array(channel))
    touch_columns = {
        "project_id": pa.array(np.full(n, PROJECT_ID)), "person_id": person_ids, "seq": pa.array(seq),
        "message_id": pc.binary_join_element_wise("m", pa.array(seq).cast(pa.string()), ""),
        "session_id": pa.array(seq), "touch_date": moments.cast(pa.date32()), "touched_at": moments,
        "channel": pick(0), "source": pc.if_else(pc.equal(pick(0), "direct"), pa.nulls(n, pa.string()), pick(0)),
        "medium": pick(1), "campaign": pick(2), "is_first_page": pa.array(np.zeros(n, dtype=np.uint8)),
    }
    # A third of the persons order after their last visit within a few days; a tenth of those order twice.
    buyer = rng.random(persons) < 0.33
    last_visit = np.maximum.reduceat(time_us, np.r_[0, np.cumsum(visits)[:-1]])
    buyers = np.flatnonzero(buyer)
    again = buyers[rng.random(len(buyers)) < 0.1]
    who = np.concatenate([buyers, again])
    when = np.minimum(last_visit[who] + rng.exponential(2 * 86_400_000_000, size=len(who)).astype(np.int64)
                      + np.where(np.arange(len(who)) >= len(buyers), 7 * 86_400_000_000, 0), base_us + span - 1)
    m = len(who)
    order_moments = pa.array(when, pa.timestamp("us"))
    order_columns = {
        "project_id": pa.array(np.full(m, PROJECT_ID)), "order_id": pa.array([f"o{i}" for i in range(m)]),
        "seq": pa.array(n + 1 + np.arange(m)), "message_id": pa.array([f"mo{i}" for i in range(m)]),
        "person_id": pc.binary_join_element_wise("u:p", pa.array(who).cast(pa.string()), ""),
        "distinct_id": pc.binary_join_element_wise("u:p", pa.array(who).cast(pa.string()), ""),
        "order_date": order_moments.cast(pa.date32()), "ordered_at": order_moments,
        "revenue": pa.array(np.round(rng.gamma(2.0, 45.0, size=m), 2)), "currency": pa.array(["EUR"] * m),
    }
    return _table(TOUCHPOINTS, touch_columns, n), _table(ORDERS, order_columns, m)


def _table(spec, columns: dict, n: int) -> pa.Table:
    schema = arrow_schema(spec)
    return pa.Table.from_arrays([columns[f.name].cast(f.type) if f.name in columns else pa.nulls(n, f.type)
                                 for f in schema], schema=schema)


def load(warehouse: Warehouse, touches: pa.Table, orders: pa.Table, days: int) -> None:
    generation = served_generation(warehouse) or ensure_schema(warehouse)
    for spec, data in ((TOUCHPOINTS, touches), (ORDERS, orders)):
        stage = f"bench_{spec.name}"
        warehouse.stage(stage, spec, data)
        names = ", ".join(spec.column_names)
        extra, values = ("", "") if warehouse.dialect.name == "duckdb" else (", _version, _deleted", ", 1, 0")
        warehouse.execute(f"INSERT INTO {generation.table(spec)} ({names}{extra}) SELECT {names}{values} FROM {stage}")
        warehouse.drop_stage(stage)
    rng = np.random.default_rng(5)
    for source, account in {(c[3], f"{c[3]}-1") for c in CHANNELS if c[3]}:
        rows = [{"campaign_id": c[4], "campaign_name": c[2], "date": FIRST_DAY.date() + timedelta(days=d),
                 "spend": f"{rng.uniform(50, 400):.2f}", "impressions": 1000, "clicks": 50, "currency": "EUR"}
                for c in CHANNELS if c[3] == source for d in range(days)]
        ad_spend_load(project_id=PROJECT_ID, source=source, account_id=account, date_from=FIRST_DAY.date(),
                      date_to=FIRST_DAY.date() + timedelta(days=days - 1), rows=rows, warehouse=warehouse)


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=300_000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--chdb", action="store_true", help="also on the ClickHouse engine (chdb)")
    args = parser.parse_args()
    started = time.perf_counter()
    touches, orders = generate(args.persons, args.days, args.seed)
    print(f"generated {touches.num_rows:,} touchpoints and {orders.num_rows:,} orders of {args.persons:,} persons "
          f"over {args.days} days in {time.perf_counter() - started:.1f} s")
    last = FIRST_DAY.date() + timedelta(days=args.days - 1)
    period = Period(last - timedelta(days=29), last, "UTC")
    book = RateBook("EUR")
    for kind in ["duckdb", *(["chdb"] if args.chdb else [])]:
        directory = tempfile.mkdtemp(prefix="af-bench-attr-")
        warehouse = open_warehouse(f"duckdb:///{directory}/w.duckdb" if kind == "duckdb" else f"chdb:///{directory}/c")
        channel_tables_ensure(warehouse=warehouse)
        started = time.perf_counter()
        load(warehouse, touches, orders, args.days)
        print(f"\n[{kind}] loaded in {time.perf_counter() - started:.1f} s")
        for group_by in ("channel", "campaign"):
            query = AttributionQuery(project_id=PROJECT_ID, timezone="UTC", currency="EUR", period=period,
                                     models=("first_touch", "last_touch", "last_non_direct", "linear", "time_decay",
                                             "position_based", "markov", "shapley"), group_by=group_by)
            seconds, result = timed(lambda q=query, w=warehouse: attribution_report(warehouse=w, query=q, rates=book,
                                                                       grouping=ChannelGrouping()), args.runs)
            print(f"attribution report, 8 models, by {group_by}: p50 {seconds * 1000:.0f} ms "
                  f"({result['conversions']['count']:,} conversions, {len(result['rows'])} rows, "
                  f"{result['conversions']['non_converting_paths']:,} non-converting paths)")
        step = time.perf_counter()
        window, inputs = read_inputs(warehouse=warehouse, query=query, rates=book)
        read = time.perf_counter() - step
        step = time.perf_counter()
        journeys = journeys_from_columns(touchpoints=inputs.touchpoints, conversions=inputs.conversions,
                                         lookback=window.lookback, data_end_us=epoch_us(window.data_end))
        built = time.perf_counter() - step
        step = time.perf_counter()
        attribute_all(journeys=journeys, options=AttributionOptions())
        models = time.perf_counter() - step
        print(f"  steps: warehouse reads {read * 1000:.0f} ms ({len(inputs.touchpoints.id):,} touchpoints), "
              f"journeys {built * 1000:.0f} ms, 8 models {models * 1000:.0f} ms")
        for model in ("last_touch", "markov"):
            kpi = ReportQuery(project_id=PROJECT_ID, timezone="UTC", currency="EUR", period=period,
                              metrics=("orders", "revenue", "spend", "roas"), group_by="channel",
                              attribution_model=model)
            seconds, _ = timed(lambda q=kpi, w=warehouse: kpi_report(warehouse=w, query=q, rates=book), args.runs)
            engine = "engine" if model != "last_touch" else "SQL"
            print(f"reference: KPI report by channel, {model} ({engine}): p50 {seconds * 1000:.0f} ms")
        warehouse.close()


if __name__ == "__main__":
    main()
