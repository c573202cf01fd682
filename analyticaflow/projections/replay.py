"""Replay: rebuild every projection from the event store into a new generation, then swap — no downtime.

1. **begin**: create generation N+1 (status ``building``) beside the served one — or resume the building one
   a stopped replay left (same project and code versions). A one-project replay copies every other project's
   rows from the served generation and rebuilds only that project from the log.
2. **build**: apply the log from seq 0 to the new generation, with its own checkpoint. A whole-log replay
   builds set-based (projections/bulk.py: every event loaded in batches, then each per-person table in one
   pass) up to the head it finds, then goes on chunk by chunk; a one-project replay goes chunk by chunk from
   the start. The served tables keep answering queries and the live projector keeps them current meanwhile.
3. **swap**: once the new generation has caught up with the served one at the log's head, the served-name
   views move to it (DuckDB: one transaction with the status rows; ClickHouse: ``CREATE OR REPLACE VIEW``
   per table, then the status rows — a stop between them is repaired by the next start) and the old
   generation's tables are dropped.

A crash at any point leaves the served tables untouched; running replay again resumes the building generation.
On DuckDB the two generations are brought to exactly the same seq before the swap (the archive ``raw_events``
is written by the served generation only, once per event); ClickHouse writes are idempotent, so there the new
generation only has to reach the served checkpoint.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from analyticaflow.eventlog.contracts import EventLog
from analyticaflow.projections import bulk
from analyticaflow.projections.generations import (
    BUILDING,
    PROJECTION_VERSIONS,
    RETIRED,
    SERVED,
    Generation,
    building_generation,
    copy_other_projects,
    create_generation,
    drop_generation_tables,
    ensure_schema,
    generations,
    point_views,
    save_generation,
    served_generation,
    with_changes,
)
from analyticaflow.projections.services import DEFAULT_CHUNK_SIZE, projections_catch_up
from analyticaflow.warehouse.backends import Warehouse

logger = logging.getLogger(__name__)


@dataclass
class ReplayProgress:
    """What a replay is doing; written to the status file for ``analyticaflow replay`` to follow."""

    request_id: str
    project_id: int | None
    generation: int | None = None
    phase: str = "waiting"  # waiting, building, swapping, done, failed
    checkpoint_seq: int = 0
    head_seq: int = 0
    events_applied: int = 0
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    finished_at: str | None = None
    error: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def replay_begin(*, warehouse: Warehouse, project_id: int | None = None) -> Generation:
    """The generation to build into: the resumable building one, else a new one."""
    ensure_schema(warehouse)
    building = building_generation(warehouse)
    if building is not None:
        if building.project_id == project_id and building.versions == PROJECTION_VERSIONS:
            if project_id is not None and building.checkpoint_seq == 0 and warehouse.dialect.versioned:
                # The copy may have stopped halfway; copying again is idempotent on ClickHouse.
                copy_other_projects(
                    warehouse, source=served_generation(warehouse), target=building, project_id=project_id
                )
            logger.info(
                "resuming the replay into generation %s at seq %s", building.generation, building.checkpoint_seq
            )
            return building
        replay_abandon(warehouse=warehouse, generation=building)
    served = served_generation(warehouse)
    number = max(g.generation for g in generations(warehouse)) + 1
    with warehouse.transaction():
        created = create_generation(
            warehouse,
            generation=number,
            status=BUILDING,
            checkpoint_seq=0,
            project_id=project_id,
            base_seq=served.checkpoint_seq if project_id is not None else 0,
        )
        if project_id is not None:
            copy_other_projects(warehouse, source=served, target=created, project_id=project_id)
    logger.info("replay into generation %s started", number)
    return created


def replay_abandon(*, warehouse: Warehouse, generation: Generation) -> None:
    """Give up a building generation (another project or older code): retire it and drop its tables."""
    save_generation(warehouse, with_changes(generation, status=RETIRED))
    drop_generation_tables(warehouse, generation.generation)
    bulk.drop_scratch(warehouse, generation.generation)


def replay_swap(*, warehouse: Warehouse, building: Generation, served: Generation) -> Generation:
    """Serve ``building`` instead of ``served`` and drop the old tables."""
    now_served = with_changes(building, status=SERVED)
    with warehouse.transaction():
        point_views(warehouse, now_served)
        save_generation(warehouse, now_served)
        save_generation(warehouse, with_changes(served, status=RETIRED))
    drop_generation_tables(warehouse, served.generation)
    logger.info("generation %s is served (was %s)", building.generation, served.generation)
    return now_served


class ReplayJob:
    """A replay advanced step by step, so that one thread can interleave it with the live projector."""

    def __init__(
        self,
        *,
        warehouse: Warehouse,
        log: EventLog,
        request_id: str,
        project_id: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        set_based: bool = True,
        bulk_batch: int = bulk.DEFAULT_BATCH,
    ) -> None:
        self.warehouse = warehouse
        self.log = log
        self.chunk_size = chunk_size
        self.progress = ReplayProgress(request_id=request_id, project_id=project_id)
        self.building: Generation | None = None
        # A whole-log replay builds set-based (projections/bulk.py) up to the head it finds, then incrementally.
        self.set_based = set_based
        self.bulk_batch = bulk_batch
        self._bulk: bulk.SetBasedBuild | None = None

    @property
    def finished(self) -> bool:
        return self.progress.phase in {"done", "failed"}

    def step(self) -> ReplayProgress:
        """Advance by one chunk (or the swap); the progress after it."""
        progress = self.progress
        if self.building is None:
            self.building = replay_begin(warehouse=self.warehouse, project_id=progress.project_id)
            progress.generation = self.building.generation
            progress.phase = "building"
        head = self.log.last_seq()
        progress.head_seq = head
        if self.set_based and bulk.applies_to(self.building) and head > 0:
            return self._bulk_step(head)
        before = self.building.checkpoint_seq
        if before < head:
            self.building = projections_catch_up(
                warehouse=self.warehouse,
                log=self.log,
                generation=self.building,
                chunk_size=self.chunk_size,
                max_chunks=1,
            )
            progress.events_applied += max(0, self.building.checkpoint_seq - before)
        else:
            progress.phase = "swapping"
            self._swap_if_level()
        progress.checkpoint_seq = self.building.checkpoint_seq
        return progress

    def _bulk_step(self, head: int) -> ReplayProgress:
        progress = self.progress
        if self._bulk is None:
            self._bulk = bulk.SetBasedBuild(self.warehouse, self.log, self.building, batch=self.bulk_batch)
        try:
            result = self._bulk.step(head_seq=head)
        except BaseException:
            self._bulk.close()
            self._bulk = None
            raise
        progress.events_applied += result.events
        progress.checkpoint_seq = self._bulk.loaded_seq
        if result.finished:
            self.building, self._bulk = self._bulk.generation, None
        return progress

    def _swap_if_level(self) -> None:
        served = served_generation(self.warehouse)
        target = self.building.checkpoint_seq
        if self.warehouse.dialect.versioned and target < served.checkpoint_seq:
            return  # the live projector moved on: build further first
        if served.checkpoint_seq < target:
            # The served generation writes the archive: bring it to the same seq, then swap. On DuckDB this
            # thread is the only writer of both; on ClickHouse a worker may write too (idempotent).
            served = projections_catch_up(
                warehouse=self.warehouse, log=self.log, generation=served, chunk_size=self.chunk_size, until_seq=target
            )
        elif served.checkpoint_seq > target:
            self.building = projections_catch_up(
                warehouse=self.warehouse,
                log=self.log,
                generation=self.building,
                chunk_size=self.chunk_size,
                until_seq=served.checkpoint_seq,
            )
        if served.checkpoint_seq != self.building.checkpoint_seq and not self.warehouse.dialect.versioned:
            return
        replay_swap(warehouse=self.warehouse, building=self.building, served=served)
        self.progress.phase = "done"
        self.progress.finished_at = datetime.now(UTC).isoformat()

    def run(self, *, on_progress=None) -> ReplayProgress:
        """Run to the end in this thread (the CLI without a server, tests)."""
        while not self.finished:
            progress = self.step()
            if on_progress is not None:
                on_progress(progress)
        return self.progress


@dataclass(frozen=True)
class ProjectionStatus:
    projection: str
    served_version: int | None
    code_version: int
    checkpoint_seq: int
    head_seq: int

    @property
    def stale(self) -> bool:
        return self.served_version != self.code_version

    @property
    def lag(self) -> int:
        return max(0, self.head_seq - self.checkpoint_seq)


def replay_status(*, warehouse: Warehouse, log: EventLog) -> dict:
    """Per projection: served vs code version, checkpoint vs log head, stale or not; and a replay under way."""
    served = served_generation(warehouse) or ensure_schema(warehouse)
    building = building_generation(warehouse)
    head = log.last_seq()
    rows = [
        ProjectionStatus(name, served.versions.get(name), version, served.checkpoint_seq, head)
        for name, version in sorted(PROJECTION_VERSIONS.items())
    ]
    return {
        "served_generation": served.generation,
        "head_seq": head,
        "projections": [{**asdict(row), "stale": row.stale, "lag": row.lag} for row in rows],
        "building": None
        if building is None
        else {
            "generation": building.generation,
            "project_id": building.project_id,
            "checkpoint_seq": building.checkpoint_seq,
            # A set-based build loads the log before its checkpoint moves: how far it has loaded.
            "loaded_seq": _loaded_seq(warehouse, building),
        },
    }


def _loaded_seq(warehouse: Warehouse, building: Generation) -> int:
    if not bulk.applies_to(building):
        return building.checkpoint_seq
    return bulk.loaded_seq(warehouse, building.generation)
