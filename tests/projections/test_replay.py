"""Replay in the process that runs it: rebuild beside the served tables, catch up, swap; crash and resume."""

from __future__ import annotations

import pytest

from analyticaflow.projections import generations as generations_module
from analyticaflow.projections.generations import ensure_schema, generations, physical_name, served_generation
from analyticaflow.projections.replay import ReplayJob, replay_status
from analyticaflow.projections.services import projections_catch_up
from tests.projections.conftest import open_kind, snapshot, table_rows
from tests.projections.streams import ListLog, generated_stream


def existing_tables(warehouse) -> set[str]:
    if warehouse.dialect.name == "duckdb":
        rows = warehouse.query("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'")
    else:
        rows = warehouse.query("SELECT name FROM system.tables WHERE database = currentDatabase()")
    return {name for (name,) in rows}


@pytest.fixture(params=[True, False], ids=["set-based", "incremental"], autouse=True)
def set_based(request) -> bool:
    """Every replay here runs both ways: the set-based build (a whole-log replay's default) and chunk by chunk."""
    return request.param


def job(warehouse, log, *, set_based: bool, **kw) -> ReplayJob:
    return ReplayJob(
        warehouse=warehouse, log=log, request_id="test", chunk_size=60, bulk_batch=60, set_based=set_based, **kw
    )


def test_replay_repairs_the_served_tables_and_swaps_generations(warehouse, set_based):
    records = generated_stream(21, events=250, unknown_types=False)
    log = ListLog(records)
    projections_catch_up(warehouse=warehouse, log=log, chunk_size=100)
    expected = snapshot(warehouse)
    # Damage the served tables, as a projection bug would have.
    served = served_generation(warehouse)
    warehouse.execute(f"TRUNCATE TABLE {physical_name('sessions', served.generation)}")
    assert table_rows(warehouse, "sessions") == []
    progress = job(warehouse, log, set_based=set_based).run()
    assert progress.phase == "done" and progress.generation == 2
    assert snapshot(warehouse) == expected
    assert served_generation(warehouse).generation == 2
    assert [g.status for g in generations(warehouse)] == ["retired", "served"]
    assert not {t for t in existing_tables(warehouse) if t.endswith("_g1")}


def test_the_served_tables_answer_during_a_replay_and_late_events_are_caught_up(warehouse, set_based, tmp_path):
    records = generated_stream(22, events=300, unknown_types=False)
    log = ListLog(records[:200])
    projections_catch_up(warehouse=warehouse, log=log)
    before = snapshot(warehouse)
    replay = job(warehouse, log, set_based=set_based)
    replay.step()
    replay.step()
    assert replay.progress.phase == "building" and 0 < replay.progress.checkpoint_seq < 200
    assert snapshot(warehouse) == before  # still the old generation, whole
    log.append(records[200:])  # events arrive during the replay
    projections_catch_up(warehouse=warehouse, log=log, chunk_size=30, max_chunks=1)  # the live projector
    replay.run()
    replayed = snapshot(warehouse)
    warehouse.close()  # one in-process ClickHouse engine at a time: build the reference after it
    reference = open_kind("duckdb" if warehouse.dialect.name == "duckdb" else "chdb", str(tmp_path))
    try:
        ensure_schema(reference)
        projections_catch_up(warehouse=reference, log=ListLog(records))
        assert replayed == snapshot(reference)
    finally:
        reference.close()
    assert len(replayed["events"]) == len(replayed["raw_events"]) == 300


def test_a_replay_stopped_halfway_leaves_the_served_tables_and_resumes(warehouse, set_based):
    records = generated_stream(23, events=240, unknown_types=False)
    log = ListLog(records)
    projections_catch_up(warehouse=warehouse, log=log)
    before = snapshot(warehouse)
    first = job(warehouse, log, set_based=set_based)
    first.step()
    first.step()
    stopped_at = first.progress.checkpoint_seq  # the set-based build: its loaded seq
    assert 0 < stopped_at < 240
    del first  # the process died here
    assert snapshot(warehouse) == before
    assert served_generation(warehouse).generation == 1
    second = job(warehouse, log, set_based=set_based)
    second.step()
    assert second.building.generation == 2 and second.progress.checkpoint_seq == stopped_at + 60  # resumed
    second.run()
    assert snapshot(warehouse) == before
    assert served_generation(warehouse).generation == 2


def test_a_one_project_replay_rebuilds_that_project_and_keeps_the_others(warehouse, set_based):
    records = generated_stream(24, events=240, unknown_types=False)
    log = ListLog(records)
    projections_catch_up(warehouse=warehouse, log=log)
    before = snapshot(warehouse)
    served = served_generation(warehouse)
    # Lose project 2's touchpoints only: the one-project replay must bring them back from the log.
    warehouse.execute(f"DELETE FROM {physical_name('touchpoints', served.generation)} WHERE project_id = 2")
    assert table_rows(warehouse, "touchpoints") != before["touchpoints"]
    progress = job(warehouse, log, project_id=2, set_based=set_based).run()
    assert progress.phase == "done"
    assert snapshot(warehouse) == before


def test_status_shows_stale_projections_until_a_replay(warehouse, set_based, monkeypatch):
    log = ListLog(generated_stream(25, events=60, unknown_types=False))
    projections_catch_up(warehouse=warehouse, log=log, chunk_size=40, max_chunks=1)
    monkeypatch.setitem(generations_module.PROJECTION_VERSIONS, "sessions", 2)
    status = replay_status(warehouse=warehouse, log=log)
    by_name = {row["projection"]: row for row in status["projections"]}
    assert by_name["sessions"] == {
        "projection": "sessions",
        "served_version": 1,
        "code_version": 2,
        "checkpoint_seq": 40,
        "head_seq": 60,
        "stale": True,
        "lag": 20,
    }
    assert by_name["events"]["stale"] is False
    job(warehouse, log, set_based=set_based).run()
    status = replay_status(warehouse=warehouse, log=log)
    assert all(not row["stale"] and row["lag"] == 0 for row in status["projections"])
    assert status["served_generation"] == 2 and status["building"] is None


@pytest.mark.parametrize("chunk", [7])
def test_replay_of_a_log_with_nothing_new_swaps_at_once(warehouse, set_based, chunk):
    log = ListLog([])
    progress = ReplayJob(warehouse=warehouse, log=log, request_id="empty", chunk_size=chunk, set_based=set_based).run()
    assert progress.phase == "done" and served_generation(warehouse).generation == 2


def test_replay_from_the_warehouse_archive_equals_the_log(warehouse, set_based):
    # Scale mode: the Redis stream is transport, raw_events is the store replay reads.
    from analyticaflow.projections.archive import WarehouseArchive

    log = ListLog(generated_stream(26, events=150, unknown_types=False))
    projections_catch_up(warehouse=warehouse, log=log, chunk_size=70)
    before = snapshot(warehouse)
    archive = WarehouseArchive(warehouse)
    assert archive.last_seq() == 150
    assert [e.record for e in archive.read(after_seq=10, limit=5)] == [
        e.record for e in log.read(after_seq=10, limit=5)
    ]
    progress = ReplayJob(
        warehouse=warehouse, log=archive, request_id="archive", chunk_size=60, bulk_batch=60, set_based=set_based
    ).run()
    assert progress.phase == "done"
    assert snapshot(warehouse) == before
