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
from tests.projections.conftest import WAREHOUSE_KINDS, open_kind, snapshot
from tests.projections.streams import generated_stream

ROOT = Path(__file__).resolve().parents[2]
# The in-process ClickHouse engine spends ~1 s per chunk on part writes and FINAL reads: a smaller log.
EVENTS = {"duckdb": 700, "chdb": 240}
KILLS = {"duckdb": 5, "chdb": 3}


def run_child(kind: str, directory: Path, log_path: Path, *, kill_after: float | None) -> int | None:
    """Run the projector process; kill -9 it after ``kill_after`` seconds. Its exit code, None if killed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.projections.crash_child", kind, str(directory), str(log_path), "40"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        process.wait(timeout=kill_after if kill_after is not None else 300)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        return None
    assert process.returncode == 0, process.stderr.read().decode()
    return process.returncode


@pytest.mark.parametrize("kind", WAREHOUSE_KINDS)
def test_killing_the_projector_at_random_points_changes_nothing(kind, tmp_path):
    log_path = tmp_path / "events.sqlite3"
    log = SqliteEventLog(log_path)
    log.append(generated_stream(11, events=EVENTS[kind], people=50, unknown_types=False))
    log.close()
    rng = random.Random(kind)
    crashed, kills = tmp_path / "crashed", 0
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        # Start-up (imports, opening the warehouse) takes most of a second; kill somewhere in the work after it.
        outcome = run_child(kind, crashed, log_path, kill_after=rng.uniform(1.2, 3.0) if kills < KILLS[kind] else None)
        if outcome is None:
            kills += 1
        else:
            break
    assert kills == KILLS[kind]
    run_child(kind, tmp_path / "uninterrupted", log_path, kill_after=None)
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
