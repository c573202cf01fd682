"""kill -9 of a real projector process at random moments, restart, and the tables equal an uninterrupted run."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analyticaflow.eventlog.sqlite import SqliteEventLog
from analyticaflow.projections.generations import served_generation
from tests.projections.conftest import WAREHOUSE_KINDS, open_kind, snapshot
from tests.projections.streams import generated_stream

ROOT = Path(__file__).resolve().parents[2]
# The in-process ClickHouse engine spends ~1 s per chunk on part writes and FINAL reads: a smaller log.
EVENTS = {"duckdb": 700, "chdb": 240}
KILLS = {"duckdb": 5, "chdb": 3}
CHUNK = {"duckdb": 40, "chdb": 20}


def run_child(kind: str, directory: Path, log_path: Path, *, rng: random.Random | None, last_seq: int) -> int | None:
    """Run the projector process; with ``rng``, kill -9 it in the middle of its work. Its exit code, None if killed.

    The kill follows the child's own progress, not the clock: after a random number of checkpoints (while at least
    two chunks remain) it waits a random fraction of a chunk and kills, so every kill lands in unfinished work
    however fast the machine is.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.projections.crash_child", kind, str(directory), str(log_path), str(CHUNK[kind])],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    checkpoints_before_kill = rng.randint(0, 1) if rng is not None else None
    for seen, line in enumerate(process.stdout):
        work_remains = int(line) <= last_seq - 2 * CHUNK[kind]
        if checkpoints_before_kill is not None and seen >= checkpoints_before_kill and work_remains:
            time.sleep(rng.uniform(0.0, 0.05))
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            return None
    process.wait(timeout=300)
    assert process.returncode == 0, process.stderr.read().decode()
    return process.returncode


def write_log(directory: Path, kind: str, *, seed: int) -> tuple[Path, int]:
    """A SQLite log of a generated shop stream; its path and last seq."""
    log_path = directory / "events.sqlite3"
    log = SqliteEventLog(log_path)
    log.append(generated_stream(seed, events=EVENTS[kind], people=50, unknown_types=False))
    last_seq = log.last_seq()
    log.close()
    return log_path, last_seq


@pytest.mark.parametrize("kind", WAREHOUSE_KINDS)
def test_killing_the_projector_at_random_points_changes_nothing(kind, tmp_path):
    log_path, last_seq = write_log(tmp_path, kind, seed=11)
    rng = random.Random(kind)
    crashed, kills = tmp_path / "crashed", 0
    for _ in range(KILLS[kind]):
        if run_child(kind, crashed, log_path, rng=rng, last_seq=last_seq) is None:
            kills += 1
    assert kills == KILLS[kind]
    assert run_child(kind, crashed, log_path, rng=None, last_seq=last_seq) == 0
    run_child(kind, tmp_path / "uninterrupted", log_path, rng=None, last_seq=last_seq)
    warehouse = open_kind(kind, str(crashed))
    try:
        after_crashes = snapshot(warehouse)
    finally:
        warehouse.close()
    warehouse = open_kind(kind, str(tmp_path / "uninterrupted"))
    try:
        assert after_crashes == snapshot(warehouse)
        assert len(after_crashes["events"]) == EVENTS[kind]
    finally:
        warehouse.close()


REPLAY_BATCH = {"duckdb": 100, "chdb": 60}


def replay_command(kind: str, directory: Path, log_path: Path, batch: int) -> list[str]:
    child = "tests.projections.crash_child"
    return [sys.executable, "-m", child, kind, str(directory), str(log_path), str(batch), "replay"]


@pytest.mark.parametrize("kind", WAREHOUSE_KINDS)
def test_killing_a_set_based_replay_leaves_the_served_tables_and_a_rerun_completes_it(kind, tmp_path):
    log_path, last_seq = write_log(tmp_path, kind, seed=12)
    directory = tmp_path / "warehouse"
    assert run_child(kind, directory, log_path, rng=None, last_seq=0) == 0  # the served generation, caught up
    warehouse = open_kind(kind, str(directory))
    served = snapshot(warehouse)
    warehouse.close()
    batch = REPLAY_BATCH[kind]
    rng = random.Random(f"replay-{kind}")
    kills = 0
    for _ in range(KILLS[kind]):
        process = subprocess.Popen(
            replay_command(kind, directory, log_path, batch),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        # Each step prints the seq loaded so far: killed in the load after a random one, or (once the whole log
        # is loaded) in the finish.
        kill_after = rng.choice(range(batch, last_seq + batch, batch))
        for line in process.stdout:
            if int(line) >= min(kill_after, last_seq):
                break
        time.sleep(rng.uniform(0.0, 0.02))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        kills += process.returncode == -signal.SIGKILL
        warehouse = open_kind(kind, str(directory))
        try:
            swapped = served_generation(warehouse).generation == 2  # the kill came after the swap
            assert snapshot(warehouse) == served  # untouched (or, swapped, rebuilt equal)
        finally:
            warehouse.close()
        if swapped:
            break
    assert kills >= 2
    if swapped:
        return
    process = subprocess.run(
        replay_command(kind, directory, log_path, batch),
        cwd=ROOT,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    assert process.returncode == 0, process.stderr.decode()
    warehouse = open_kind(kind, str(directory))
    try:
        assert served_generation(warehouse).generation == 2
        assert snapshot(warehouse) == served
    finally:
        warehouse.close()
