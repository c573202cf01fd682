"""A generated shop for the analysis benchmarks, written straight into the warehouse tables (bulk).

    .venv/bin/python bench/analysis_data.py --events 10000000 --persons 1000000 --out /tmp/af-analysis

Every person gets a Poisson number of events (mean events / persons) spread over the days after a random
first visit: page views, "Product Viewed", "Product Added", "Checkout Started", "Order Completed" and
"Signed Up", in proportions of a real shop. The rows go into one Parquet file (seeded, so both warehouses
load identical data), then into DuckDB and the ClickHouse engine (chdb) with one bulk insert each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyticaflow.channeldata.schema import channel_tables_ensure
from analyticaflow.projections.generations import ensure_schema, served_generation
from analyticaflow.warehouse.backends import Warehouse, arrow_schema, open_warehouse
from analyticaflow.warehouse.tables import EVENTS, ORDERS

PROJECT_ID = 1
FIRST_DAY = datetime(2026, 1, 1)
DAYS = 90
# (type, name, share): what a shop's event stream is made of.
KINDS = [
    ("page", "Home", 0.38),
    ("track", "Product Viewed", 0.25),
    ("track", "Product Added", 0.14),
    ("track", "Checkout Started", 0.09),
    ("track", "Order Completed", 0.06),
    ("track", "Signed Up", 0.08),
]
FUNNEL = ("Product Viewed", "Product Added", "Checkout Started", "Order Completed")


def timed(run, runs: int) -> tuple[float, float, float, object]:
    """Best and median wall seconds, and the median CPU seconds of this process (all its threads, the engines'
    included: on a machine shared with other work, CPU time is the steadier measure)."""
    result = run()  # warm-up
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = run()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return min(times), statistics.median(times), statistics.median(cpu), result


def generate(*, events: int, persons: int, seed: int) -> pa.Table:
    """The events table's rows (only what analyses read is filled; the rest is empty or null)."""
    rng = np.random.default_rng(seed)
    # Every person has at least one event; the others fall on persons at random (about Poisson).
    extra = rng.integers(0, persons, size=events - persons)
    counts = 1 + np.bincount(extra, minlength=persons)
    person = np.repeat(np.arange(persons, dtype=np.int64), counts)
    n = len(person)
    first_visit_us = rng.integers(0, DAYS * 86_400_000_000, size=persons, dtype=np.int64)
    gaps = rng.exponential(6 * 3_600_000_000, size=n).astype(np.int64)  # hours between a person's events
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    running = np.cumsum(gaps)
    running -= np.repeat(running[starts] - gaps[starts], counts)
    base_us = int((FIRST_DAY - datetime(1970, 1, 1)).total_seconds()) * 1_000_000
    time_us = base_us + np.repeat(first_visit_us, counts) + running
    order = np.argsort(time_us, kind="stable")  # the log's arrival order is time order
    person, time_us = person[order], time_us[order]
    kind = rng.choice(len(KINDS), size=n, p=[k[2] for k in KINDS])
    types = np.array([k[0] for k in KINDS], dtype=object)[kind]
    names = np.array([k[1] for k in KINDS], dtype=object)[kind]
    is_order = names == "Order Completed"
    revenue = np.where(is_order, np.round(rng.gamma(2.0, 40.0, size=n), 2), 0.0)
    moments = pa.array(time_us, pa.timestamp("us"))
    person_ids = pc.binary_join_element_wise("p", pa.array(person).cast(pa.string()), "")
    seq = np.arange(1, n + 1, dtype=np.int64)
    columns = {
        "project_id": pa.array(np.full(n, PROJECT_ID, dtype=np.int64)),
        "event_date": moments.cast(pa.date32()),
        "event_datetime": moments,
        "seq": pa.array(seq),
        "message_id": pc.binary_join_element_wise("m", pa.array(seq).cast(pa.string()), ""),
        "received_at": moments,
        "source_type": pa.array(np.full(n, "direct", dtype=object), pa.string()),
        "event_type": pa.array(types, pa.string()),
        "event_name": pa.array(names, pa.string()),
        "order_id": pc.if_else(pa.array(is_order), pc.binary_join_element_wise("o", pa.array(seq).cast(pa.string()),
                                                                               ""), pa.nulls(n, pa.string())),
        "currency": pc.if_else(pa.array(is_order), pa.scalar("EUR"), pa.nulls(n, pa.string())),
        "revenue": pa.array(revenue),
        "transactions": pa.array(is_order.astype(np.int64)),
        "client_id": person_ids,
        "distinct_id": person_ids,
        "person_id": person_ids,
        "cost": pa.array(np.zeros(n)),
    }
    schema = arrow_schema(EVENTS)
    arrays = []
    for field in schema:
        if field.name in columns:
            arrays.append(columns[field.name].cast(field.type))
        elif pa.types.is_map(field.type):
            arrays.append(pa.array([[]] * n, type=field.type))
        else:
            arrays.append(pa.nulls(n, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, row_group_size=1_000_000)


def load(warehouse: Warehouse, parquet: Path) -> None:
    """Bulk-insert the Parquet file into the served generation's events table, and its orders into orders."""
    generation = served_generation(warehouse) or ensure_schema(warehouse)
    events, orders = generation.table(EVENTS), generation.table(ORDERS)
    names = ", ".join(EVENTS.column_names)
    order_names = ", ".join(ORDERS.column_names)
    order_rows = ("SELECT project_id, order_id, seq, message_id, person_id, distinct_id, event_date AS order_date, "
                  f"event_datetime AS ordered_at, revenue, currency FROM {events} WHERE order_id IS NOT NULL")
    if warehouse.dialect.name == "duckdb":
        warehouse.execute(f"INSERT INTO {events} ({names}) SELECT {names} FROM read_parquet('{parquet}')")
        warehouse.execute(f"INSERT INTO {orders} ({order_names}) {order_rows}")
        warehouse.execute("CHECKPOINT")
    else:
        versioned = "_version, _deleted"
        warehouse.execute(f"INSERT INTO {events} ({names}, {versioned}) "
                          f"SELECT {names}, 1, 0 FROM file('{parquet}', Parquet)")
        warehouse.execute(f"INSERT INTO {orders} ({order_names}, {versioned}) SELECT *, 1, 0 FROM ({order_rows})")
        for table in (events, orders):
            warehouse.execute(f"OPTIMIZE TABLE {table} FINAL")


def prepare(directory: Path, *, events: int, persons: int, seed: int, kinds: tuple[str, ...] = ("duckdb", "chdb"),
            echo=print) -> dict[str, Warehouse]:
    """Warehouses holding the generated shop, reused when ``directory`` already has them."""
    directory.mkdir(parents=True, exist_ok=True)
    marker = directory / f"events-{events}-{persons}-{seed}.parquet"
    if not marker.exists():
        started = time.perf_counter()
        write_parquet(generate(events=events, persons=persons, seed=seed), marker)
        echo(f"generated {events:,} events of {persons:,} persons in {time.perf_counter() - started:.1f} s")
    opened: dict[str, Warehouse] = {}
    for kind in kinds:
        url = (f"duckdb:///{directory}/{marker.stem}.duckdb" if kind == "duckdb"
               else f"chdb:///{directory}/{marker.stem}.chdb")
        warehouse = open_warehouse(url)
        channel_tables_ensure(warehouse=warehouse)
        (count,) = warehouse.query("SELECT count(*) FROM events")[0]
        if count != events:
            started = time.perf_counter()
            if count:
                raise SystemExit(f"{url} holds {count} events, not {events}: remove {directory} and run again")
            load(warehouse, marker)
            echo(f"loaded into {kind} in {time.perf_counter() - started:.1f} s")
        opened[kind] = warehouse
    return opened


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=Path("/tmp/af-analysis-bench"))
    args = parser.parse_args()
    for warehouse in prepare(args.out, events=args.events, persons=args.persons, seed=args.seed).values():
        warehouse.close()


if __name__ == "__main__":
    main()
