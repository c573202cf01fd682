"""Writing normalized rows: Arrow staging and the idempotent replace of a window (per dialect)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from analyticaflow.channeldata.schema import channel_tables_ensure
from analyticaflow.channeldata.tables import data_table
from analyticaflow.warehouse.backends import ARROW_TYPES, Warehouse
from analyticaflow.warehouse.schema import DECIMAL_PRECISION, DECIMAL_SCALE, ColumnType, TableSpec, col

_ARROW = {**ARROW_TYPES, ColumnType.DECIMAL: pa.decimal128(DECIMAL_PRECISION, DECIMAL_SCALE)}


def arrow_schema(spec: TableSpec) -> pa.Schema:
    return pa.schema([pa.field(c.name, _ARROW[c.type], nullable=c.nullable) for c in spec.columns])


def arrow_rows(spec: TableSpec, columns: dict[str, Sequence[Any]]) -> pa.Table:
    schema = arrow_schema(spec)
    return pa.Table.from_arrays([pa.array(columns[f.name], type=f.type) for f in schema], schema=schema)


def scope_spec(spec: TableSpec, scope_columns: tuple[str, ...]) -> TableSpec:
    by_name = {c.name: c for c in spec.columns}
    return TableSpec(f"{spec.name}_scope", tuple(col(n, by_name[n].type) for n in scope_columns), key=scope_columns)


def write_rows(
    warehouse: Warehouse,
    spec: TableSpec,
    rows: dict[str, list[Any]] | pa.Table,
    *,
    scope_columns: tuple[str, ...] | None = None,
    scope_rows: dict[str, list[Any]] | pa.Table | None = None,
) -> None:
    """Upsert ``rows`` (by the table's key); with a scope, first remove every row of the scope (e.g. each
    ``(project, source, account, date)`` of a reloaded window) that ``rows`` do not hold again.

    Rows and scope are column lists or Arrow tables with the spec's columns. On DuckDB the whole write is one
    transaction; on ClickHouse it is a tombstone insert and a row insert of one version (safe to repeat)."""
    channel_tables_ensure(warehouse=warehouse)
    dialect = warehouse.dialect
    table = data_table(spec.name)
    token = uuid.uuid4().hex[:12]
    stage = f"stage_{spec.name}_{token}"
    scope = f"stage_{spec.name}_scope_{token}"
    version = time.time_ns()
    warehouse.stage(stage, spec, rows if isinstance(rows, pa.Table) else arrow_rows(spec, rows))
    try:
        with warehouse.transaction():
            if scope_columns:
                scoped = scope_spec(spec, scope_columns)
                scope_data = scope_rows if isinstance(scope_rows, pa.Table) else arrow_rows(scoped, scope_rows or {})
                warehouse.stage(scope, scoped, scope_data)
                statements = dialect.replace_scope(spec, table, new_rows=stage, scope=scope,
                                                   scope_columns=scope_columns, version=version)
            else:
                statements = dialect.upsert(spec, table, stage, version=version)
            for statement in statements:
                warehouse.execute(statement)
    finally:
        warehouse.drop_stage(stage)
        if scope_columns:
            warehouse.drop_stage(scope)
