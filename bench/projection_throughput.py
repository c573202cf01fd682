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


def reference(log, directory: Path, chunk_size: int) -> tuple[float, float]:
    """The physical bound: the projector's own column reader, and the raw rows bulk-loaded into DuckDB."""
    warehouse = open_warehouse(f"duckdb:///{directory}/reference.duckdb")
    cursor = warehouse._cursor()
    cursor.execute(
        "CREATE TABLE raw (seq BIGINT, project_id BIGINT, message_id VARCHAR, type VARCHAR, name VARCHAR,"
        " anonymous_id VARCHAR, user_id VARCHAR, ts TIMESTAMP, received_at TIMESTAMP, payload VARCHAR)"
    )
    started, cpu = time.perf_counter(), time.process_time()
    after = 0
    while (chunk := read_columns(log, after_seq=after, limit=chunk_size)).num_rows:
        cursor.register("chunk", chunk)
        cursor.execute("INSERT INTO raw SELECT * FROM chunk")
        cursor.unregister("chunk")
        after = chunk.column("seq")[-1].as_py()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    warehouse.close()
    return elapsed, cpu


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
        bound, bound_cpu = reference(log, Path(directory), args.chunk_size)
        warehouse = open_warehouse(f"duckdb:///{directory}/warehouse.duckdb")
        ensure_schema(warehouse)
        started, cpu = time.perf_counter(), time.process_time()
        generation = projections_catch_up(warehouse=warehouse, log=log, chunk_size=args.chunk_size)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert generation.checkpoint_seq == args.events
        counts = {
            t: warehouse.query(f"SELECT count(*) FROM {t}")[0][0]
            for t in ("events", "persons", "sessions", "touchpoints", "orders", "identity_map")
        }
        warehouse.close()
    log.close()
    print(f"{'scenario':<42}{'events':>10}{'wall s':>8}{'events/s':>10}{'cpu s':>8}{'events/cpu-s':>13}{'ratio':>7}")
    for label, wall, used in (
        ("reference: read log + raw bulk load", bound, bound_cpu),
        (f"projector: all projections, chunk {args.chunk_size}", elapsed, cpu),
    ):
        print(
            f"{label:<42}{args.events:>10}{wall:>8.1f}{args.events / wall:>10,.0f}{used:>8.1f}"
            f"{args.events / used:>13,.0f}{bound / wall:>7.2f}"
        )
    print("rows:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
