"""Replay of 10 million events from the SQLite event store into a new DuckDB generation (goal ≤ 60 s, bounded
memory).

    .venv/bin/python bench/replay_10m.py [--events 10000000] [--chunk-size 200000] [--memory-limit 2GB]
        [--mode set-based|incremental]

Setup (not timed): the log file is generated once with the bulk path of bench/projection_events.py, and the
served generation is marked current at the log's head without data, so the timed part is exactly the replay:
rebuild every projection from seq 0 into generation 2, then swap. ``set-based`` (the default, what
``analyticaflow replay`` does for a whole-log replay): every event loaded in batches of ``--chunk-size``, then
identities, orders, sessions, touchpoints and persons built in one pass each (projections/bulk.py);
``incremental``: the projector's chunk-by-chunk path. The replay streams: one batch of raw rows in Python at a
time (and the next one being read), DuckDB capped by ``memory_limit``; the peak RSS of the process is reported.
Reference, measured in the same run: one pass reading the whole log with the same column reader
(the physical bound of reading the store).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyticaflow.projections.generations import ensure_schema, save_checkpoint, served_generation, with_changes
from analyticaflow.projections.reading import read_columns
from analyticaflow.projections.replay import ReplayJob
from analyticaflow.warehouse.backends import open_warehouse
from bench.projection_events import ensure_log, open_bench_log


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--chunk-size", type=int, default=200_000)
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument("--log", type=Path, default=Path(tempfile.gettempdir()) / "af-bench-replay.sqlite3")
    parser.add_argument("--mode", choices=("set-based", "incremental"), default="set-based")
    args = parser.parse_args()
    generated = ensure_log(args.log, args.events)
    print(f"{args.events} events in {args.log} (generated in {generated:.1f}s; 0 = reused)", flush=True)
    log = open_bench_log(args.log)

    started, cpu = time.perf_counter(), time.process_time()
    after, rows = 0, 0
    while (chunk := read_columns(log, after_seq=after, limit=args.chunk_size)).num_rows:
        rows += chunk.num_rows
        after = chunk.column("seq")[-1].as_py()
    read_seconds, read_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert rows == args.events
    rss_after_read = peak_rss_mb()
    print(f"reference read pass: {read_seconds:.1f}s, peak RSS {rss_after_read:.0f} MB", flush=True)

    with tempfile.TemporaryDirectory(prefix="af-bench-replay-") as directory:
        warehouse = open_warehouse(f"duckdb:///{directory}/warehouse.duckdb?memory_limit={args.memory_limit}")
        served = ensure_schema(warehouse)
        save_checkpoint(warehouse, with_changes(served, checkpoint_seq=log.last_seq()))
        set_based = args.mode == "set-based"
        job = ReplayJob(
            warehouse=warehouse,
            log=log,
            request_id="bench",
            chunk_size=args.chunk_size,
            set_based=set_based,
            bulk_batch=args.chunk_size,
        )
        last_report = [time.perf_counter()]
        phases: dict[str, float] = {}

        def report(progress) -> None:
            now = time.perf_counter()
            if set_based and progress.checkpoint_seq >= args.events and "loaded" not in phases:
                phases["loaded"] = now - started
                print(f"  {now - started:6.0f}s every event loaded, RSS {peak_rss_mb():.0f} MB", flush=True)
            if set_based and job.building.checkpoint_seq > 0 and "finished" not in phases:
                phases["finished"] = now - started
                print(f"  {now - started:6.0f}s set-based build finished, RSS {peak_rss_mb():.0f} MB", flush=True)
            if now - last_report[0] >= 10:
                last_report[0] = now
                print(f"  {now - started:6.0f}s seq {progress.checkpoint_seq:,} RSS {peak_rss_mb():.0f} MB", flush=True)

        started, cpu = time.perf_counter(), time.process_time()
        progress = job.run(on_progress=report)
        replay_seconds, replay_cpu = time.perf_counter() - started, time.process_time() - cpu
        assert progress.phase == "done" and served_generation(warehouse).generation == 2
        counts = {
            t: warehouse.query(f"SELECT count(*) FROM {t}")[0][0]
            for t in ("events", "persons", "sessions", "touchpoints", "orders", "identity_map")
        }
        size_mb = Path(f"{directory}/warehouse.duckdb").stat().st_size / 2**20
        warehouse.close()
    log.close()
    print(f"{'scenario':<42}{'events':>12}{'wall s':>8}{'events/s':>10}{'cpu s':>8}{'events/cpu-s':>13}{'ratio':>7}")
    for label, wall, used in (
        ("reference: read the whole log", read_seconds, read_cpu),
        (f"replay ({args.mode}): rebuild all + swap", replay_seconds, replay_cpu),
    ):
        print(
            f"{label:<42}{args.events:>12,}{wall:>8.1f}{args.events / wall:>10,.0f}{used:>8.1f}"
            f"{args.events / used:>13,.0f}{read_seconds / wall:>7.2f}"
        )
    print("rows:", ", ".join(f"{k} {v:,}" for k, v in counts.items()), f"; warehouse file {size_mb:,.0f} MB")
    print(
        f"peak RSS {peak_rss_mb():.0f} MB (after the read pass: {rss_after_read:.0f} MB); "
        f"DuckDB memory_limit {args.memory_limit}"
    )


if __name__ == "__main__":
    main()
