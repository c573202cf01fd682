"""Projection throughput, event log → DuckDB warehouse (goal ≥ 200,000 events/s).

    .venv/bin/python bench/projection_throughput.py [--events 1000000] [--chunk-size 100000]

Reference, measured in the same run: the same log read by the same reader and its raw rows bulk-loaded into
DuckDB with no derivation at all (the physical bound of "log → DuckDB"). The ratio is projector / reference.
Both read with the projector's column reader (straight from the SQLite log's reader connection).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyticaflow.projections.generations import ensure_schema
from analyticaflow.projections.reading import read_columns
from analyticaflow.projections.services import projections_catch_up
from analyticaflow.warehouse.backends import open_warehouse
from bench.projection_events import ensure_log, open_bench_log


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reference(log, directory: Path, chunk_size: int) -> float:
    """The physical bound: the projector's own column reader, and the raw rows bulk-loaded into DuckDB."""
    warehouse = open_warehouse(f"duckdb:///{directory}/reference.duckdb")
    cursor = warehouse._cursor()
    cursor.execute(
        "CREATE TABLE raw (seq BIGINT, project_id BIGINT, message_id VARCHAR, type VARCHAR, name VARCHAR,"
        " anonymous_id VARCHAR, user_id VARCHAR, ts TIMESTAMP, received_at TIMESTAMP, payload VARCHAR)"
    )
    started = time.perf_counter()
    after = 0
    while (chunk := read_columns(log, after_seq=after, limit=chunk_size)).num_rows:
        cursor.register("chunk", chunk)
        cursor.execute("INSERT INTO raw SELECT * FROM chunk")
        cursor.unregister("chunk")
        after = chunk.column("seq")[-1].as_py()
    elapsed = time.perf_counter() - started
    warehouse.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--chunk-size", type=int, default=100_000)
    parser.add_argument("--log", type=Path, default=Path(tempfile.gettempdir()) / "af-bench-projection.sqlite3")
    args = parser.parse_args()
    generated = ensure_log(args.log, args.events)
    print(f"{args.events} events in {args.log} (generated in {generated:.1f}s; 0 = reused)")
    log = open_bench_log(args.log)
    with tempfile.TemporaryDirectory(prefix="af-bench-") as directory:
        bound = reference(log, Path(directory), args.chunk_size)
        warehouse = open_warehouse(f"duckdb:///{directory}/warehouse.duckdb")
        ensure_schema(warehouse)
        started = time.perf_counter()
        generation = projections_catch_up(warehouse=warehouse, log=log, chunk_size=args.chunk_size)
        elapsed = time.perf_counter() - started
        assert generation.checkpoint_seq == args.events
        counts = {
            t: warehouse.query(f"SELECT count(*) FROM {t}")[0][0]
            for t in ("events", "persons", "sessions", "touchpoints", "orders", "identity_map")
        }
        warehouse.close()
    log.close()
    print(f"{'scenario':<44}{'events':>10}{'seconds':>9}{'events/s':>11}{'ratio':>7}")
    print(
        f"{'reference: read log + raw bulk load':<44}{args.events:>10}{bound:>9.2f}{args.events / bound:>11,.0f}"
        f"{1.0:>7.2f}"
    )
    print(
        f"{'projector: all projections, chunk ' + str(args.chunk_size):<44}{args.events:>10}{elapsed:>9.2f}"
        f"{args.events / elapsed:>11,.0f}{bound / elapsed:>7.2f}"
    )
    print("rows:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
