"""The projector as a running service: the server's thread, the worker command and replay hand-over."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from analyticaflow.eventlog.sqlite import SqliteEventLog
from analyticaflow.projections import control
from analyticaflow.projections.generations import served_generation
from analyticaflow.projections.runtime import GATHER_SECONDS, ProjectorService
from analyticaflow.warehouse.backends import open_warehouse
from tests.projections.streams import at, generated_stream, page
from tests.serving import run_cli, serving


def wait_until(condition, timeout: float = 30.0, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout}s")


def test_the_projector_thread_follows_the_log_while_other_threads_read(tmp_path):
    log = SqliteEventLog(tmp_path / "events.sqlite3")
    warehouse = open_warehouse(f"duckdb:///{tmp_path}/warehouse.duckdb")
    service = ProjectorService(data_dir=tmp_path, chunk_size=100, warehouse=warehouse, log=log)
    service.start()
    try:
        log.append(generated_stream(31, events=300, unknown_types=False))
        wait_until(lambda: service.checkpoint_seq == 300)
        # A new event is projected quickly: the log wakes the projector on append.
        started = time.monotonic()
        log.append([page(anonymous_id="late", timestamp=at(5000))])
        wait_until(lambda: service.checkpoint_seq == 301, timeout=5)
        assert time.monotonic() - started < 2.0
        counts, errors = [], []

        def read_while_writing():
            try:
                for _ in range(20):
                    counts.append(warehouse.query("SELECT count(*) FROM events")[0][0])
            except Exception as exc:
                errors.append(exc)

        readers = [threading.Thread(target=read_while_writing) for _ in range(3)]
        for reader in readers:
            reader.start()
        log.append(generated_stream(32, events=200, unknown_types=False))
        for reader in readers:
            reader.join()
        assert errors == [] and all(301 <= c <= 501 for c in counts)
        wait_until(lambda: service.checkpoint_seq == 501)
        wait_until(lambda: (control.live_projector(tmp_path) or {}).get("checkpoint_seq") == 501)
        # A replay requested through the data dir runs between live chunks.
        request_id = control.request_replay(tmp_path, project_id=None)
        wait_until(lambda: (control.read_json(control.status_path(tmp_path)) or {}).get("phase") == "done")
        assert control.read_json(control.status_path(tmp_path))["request_id"] == request_id
        assert control.pending_request(tmp_path) is None
        assert served_generation(warehouse).generation == 2
        assert warehouse.query("SELECT count(*) FROM events")[0][0] == 501
    finally:
        service.stop(timeout=10)
        assert not service._thread.is_alive()
        warehouse.close()
        log.close()
    assert control.live_projector(tmp_path) is None  # the last heartbeat says it stopped


def test_the_projector_gathers_a_trickle_of_appends_into_few_chunks(tmp_path):
    log = SqliteEventLog(tmp_path / "events.sqlite3")
    warehouse = open_warehouse(f"duckdb:///{tmp_path}/warehouse.duckdb")
    service = ProjectorService(data_dir=tmp_path, chunk_size=100, warehouse=warehouse, log=log)
    service.start()
    try:
        wait_until(lambda: service.live_chunks == 0 and service._thread.is_alive())
        started = time.monotonic()
        for n in range(40):  # one small request every 25 ms, as a busy capture endpoint sees them
            log.append([page(anonymous_id=f"visitor-{n}", timestamp=at(n))])
            time.sleep(0.025)
        trickle_seconds = time.monotonic() - started
        wait_until(lambda: service.checkpoint_seq == 40)
        # Each append wakes the projector; it waits a moment for more before projecting what has arrived.
        assert service.live_chunks <= trickle_seconds / GATHER_SECONDS + 3
        assert warehouse.query("SELECT count(*) FROM events")[0][0] == 40
    finally:
        service.stop(timeout=10)
        warehouse.close()
        log.close()


def test_replay_hands_over_to_a_running_server_and_runs_alone_without_one(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    log = SqliteEventLog(data_dir / "events.sqlite3")
    log.append(generated_stream(33, events=150, unknown_types=False))
    with serving(data_dir):
        beat = wait_until(
            lambda: (
                (control.live_projector(data_dir) or {}).get("checkpoint_seq") == 150
                and control.live_projector(data_dir)
            ),
            timeout=60,
        )
        assert beat["status"]["served_generation"] == 1
        handed = run_cli(data_dir, "replay")
        assert handed.returncode == 0, handed.stderr
        assert "handed to the running projector" in handed.stdout
        assert "replay done: generation 2" in handed.stdout
        status = run_cli(data_dir, "replay", "--status")
        assert status.returncode == 0, status.stderr
        assert "served generation 2" in status.stdout and "from the running projector" in status.stdout
        assert "STALE" not in status.stdout
    log.close()
    alone = run_cli(data_dir, "replay", "--project", "1")
    assert alone.returncode == 0, alone.stderr
    assert "generation 3 is served" in alone.stdout
    warehouse = open_warehouse(f"duckdb:///{Path(data_dir)}/warehouse.duckdb")
    try:
        assert warehouse.query("SELECT count(*) FROM events")[0][0] == 150
        assert served_generation(warehouse).generation == 3
    finally:
        warehouse.close()


def test_the_worker_command_catches_up_and_exits_with_once(tmp_path):
    log = SqliteEventLog(tmp_path / "events.sqlite3")
    log.append(generated_stream(34, events=80, unknown_types=False))
    log.close()
    result = run_cli(tmp_path, "worker", "--once", "--chunk-size", "25")
    assert result.returncode == 0, result.stderr
    assert "stopped at seq 80" in result.stdout
    status = run_cli(tmp_path, "replay", "--status")
    assert "served generation 1, log head seq 80" in status.stdout
    assert status.stdout.count("current") == 6
