"""Generations of projection tables: what is served, what is being rebuilt, and their checkpoints.

Every projected table exists physically once per generation (``events_g1``, ``events_g2``...). The served
names (``events``, ``sessions``...) are views over the served generation; a replay builds the next generation
beside it and swaps the views. ``raw_events`` (the archive) has one physical table (``raw_events_archive``)
and no generation.

``projection_generations`` holds one row per generation: status (building, served, retired), the code
versions it was built with, its checkpoint (the last log seq applied), and for a one-project replay the
project rebuilt and the seq from which the other projects' rows were carried over.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from analyticaflow.warehouse.backends import Warehouse, arrow_table
from analyticaflow.warehouse.readcache import query_unchanged
from analyticaflow.warehouse.schema import INT, TEXT, TIMESTAMP, TableSpec, col
from analyticaflow.warehouse.sql import Sql, ident
from analyticaflow.warehouse.tables import ARCHIVE_TABLES, PROJECTED_TABLES

# Bump a number when its projection's logic changes: `analyticaflow replay --status` then shows it stale.
PROJECTION_VERSIONS: dict[str, int] = {
    "events": 1,
    "identity_map": 1,
    "persons": 1,
    "sessions": 1,
    "touchpoints": 1,
    "orders": 1,
}

GENERATIONS = TableSpec(
    "projection_generations",
    (
        col("generation", INT),
        col("status", TEXT),
        col("versions", TEXT),  # JSON {projection: version}
        col("project_id", INT, True),  # a one-project replay: the project rebuilt from the log
        col("base_seq", INT),  # ... and the seq up to which the other projects were copied
        col("updated_at", TIMESTAMP),
    ),
    key=("generation",),
)
# Apart from the status rows, so that a projector moving its checkpoint never rewrites a status that a replay
# changed meanwhile (ClickHouse has no transactions to order the two).
CHECKPOINTS = TableSpec(
    "projection_checkpoints",
    (col("generation", INT), col("checkpoint_seq", INT), col("updated_at", TIMESTAMP)),
    key=("generation",),
)

BUILDING, SERVED, RETIRED = "building", "served", "retired"


@dataclass(frozen=True, slots=True)
class Generation:
    generation: int
    status: str
    versions: dict[str, int]
    checkpoint_seq: int
    project_id: int | None
    base_seq: int
    updated_at: datetime

    def table(self, spec: TableSpec) -> str:
        return physical_name(spec.name, self.generation)


def archive_name(name: str) -> str:
    """The physical table of an archive (``raw_events`` is served through a view over it)."""
    return ident(f"{name}_archive")


def physical_name(name: str, generation: int) -> str:
    return ident(f"{name}_g{int(generation)}")


def ensure_schema(warehouse: Warehouse) -> Generation:
    """Create the archive, the bookkeeping table and a first served generation if there is none."""
    dialect = warehouse.dialect
    with warehouse.transaction():
        for spec in (GENERATIONS, CHECKPOINTS):
            for statement in dialect.create_table(spec, spec.name):
                warehouse.execute(statement)
        for spec in ARCHIVE_TABLES:
            for statement in (
                *dialect.create_table(spec, archive_name(spec.name)),
                *dialect.create_view(spec.name, spec, archive_name(spec.name)),
            ):
                warehouse.execute(statement)
        served = served_generation(warehouse)
        if served is None:
            served = create_generation(warehouse, generation=1, status=SERVED, checkpoint_seq=0)
        # Also repairs views left pointing elsewhere by a swap that stopped halfway (ClickHouse).
        point_views(warehouse, served)
    return served


def generations(warehouse: Warehouse) -> list[Generation]:
    dialect = warehouse.dialect
    rows = query_unchanged(warehouse, Sql(
        f"SELECT g.generation, g.status, g.versions, coalesce(c.checkpoint_seq, 0), g.project_id, g.base_seq, "
        f"g.updated_at FROM {dialect.read_as(GENERATIONS.name, 'g')} "
        f"LEFT JOIN (SELECT generation, checkpoint_seq FROM {dialect.read(CHECKPOINTS.name)}) AS c "
        "ON g.generation = c.generation ORDER BY g.generation"
    ))
    return [Generation(g, s, json.loads(v), c, p, b, u) for g, s, v, c, p, b, u in rows]


def served_generation(warehouse: Warehouse) -> Generation | None:
    served = [g for g in generations(warehouse) if g.status == SERVED]
    return served[-1] if served else None


def building_generation(warehouse: Warehouse) -> Generation | None:
    building = [g for g in generations(warehouse) if g.status == BUILDING]
    return building[-1] if building else None


def generation_by_number(warehouse: Warehouse, number: int) -> Generation:
    for found in generations(warehouse):
        if found.generation == number:
            return found
    raise LookupError(f"no projection generation {number}")


def _upsert_one(warehouse: Warehouse, spec: TableSpec, values: dict, *, version: int) -> None:
    stage = ident(f"stage_{spec.name}_{values['generation']}")
    warehouse.stage(stage, spec, arrow_table(spec, {name: [value] for name, value in values.items()}))
    try:
        for statement in warehouse.dialect.upsert(spec, spec.name, stage, version=version):
            warehouse.execute(statement)
    finally:
        warehouse.drop_stage(stage)


def save_generation(warehouse: Warehouse, generation: Generation) -> None:
    """Store the generation's status row (its checkpoint is :func:`save_checkpoint`'s)."""
    values = {
        "generation": generation.generation,
        "status": generation.status,
        "versions": json.dumps(generation.versions, sort_keys=True),
        "project_id": generation.project_id,
        "base_seq": generation.base_seq,
        "updated_at": generation.updated_at.replace(tzinfo=None),
    }
    # A wall-clock version: status rows change without the log moving.
    _upsert_one(warehouse, GENERATIONS, values, version=time.time_ns())


def save_checkpoint(warehouse: Warehouse, generation: Generation) -> None:
    values = {
        "generation": generation.generation,
        "checkpoint_seq": generation.checkpoint_seq,
        "updated_at": datetime.now(UTC).replace(tzinfo=None),
    }
    _upsert_one(warehouse, CHECKPOINTS, values, version=generation.checkpoint_seq)


def with_changes(generation: Generation, **changes) -> Generation:
    return replace(generation, **changes, updated_at=datetime.now(UTC).replace(tzinfo=None))


def create_generation(
    warehouse: Warehouse,
    *,
    generation: int,
    status: str,
    checkpoint_seq: int,
    project_id: int | None = None,
    base_seq: int = 0,
) -> Generation:
    dialect = warehouse.dialect
    created = Generation(
        generation=generation,
        status=status,
        versions=dict(PROJECTION_VERSIONS),
        checkpoint_seq=checkpoint_seq,
        project_id=project_id,
        base_seq=base_seq,
        updated_at=datetime.now(UTC).replace(tzinfo=None),
    )
    with warehouse.transaction():
        for spec in PROJECTED_TABLES:
            table = created.table(spec)
            for statement in (*dialect.drop_table(table), *dialect.create_table(spec, table)):
                warehouse.execute(statement)
        save_generation(warehouse, created)
        save_checkpoint(warehouse, created)
    return created


def point_views(warehouse: Warehouse, generation: Generation) -> None:
    """Serve ``generation``: each served name becomes a view over its physical table."""
    for spec in PROJECTED_TABLES:
        for statement in warehouse.dialect.create_view(spec.name, spec, generation.table(spec)):
            warehouse.execute(statement)


def drop_generation_tables(warehouse: Warehouse, generation: int) -> None:
    for spec in PROJECTED_TABLES:
        for statement in warehouse.dialect.drop_table(physical_name(spec.name, generation)):
            warehouse.execute(statement)


def copy_other_projects(warehouse: Warehouse, *, source: Generation, target: Generation, project_id: int) -> None:
    """Carry every other project's rows from ``source`` into ``target`` (a one-project replay)."""
    dialect = warehouse.dialect
    for spec in PROJECTED_TABLES:
        select = Sql(
            f"SELECT * FROM (SELECT {', '.join(spec.column_names)} FROM {dialect.read(source.table(spec))}) AS s "
            "WHERE s.project_id != {project_id}",
            {"project_id": project_id},
        )
        statement = dialect.insert_from(
            spec, target.table(spec), ", ".join(spec.column_names), f"({select.text}) AS c", source.checkpoint_seq
        )
        warehouse.execute(Sql(statement.text, {**statement.params, **select.params}))


def versions_json(versions: dict[str, int]) -> str:
    return json.dumps(versions, sort_keys=True)
