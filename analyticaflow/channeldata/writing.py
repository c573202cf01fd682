"""Writing normalized rows: Arrow staging and the idempotent replace of a window (per dialect)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pyarrow as pa

from analyticaflow.channeldata.schema import channel_tables_ensure
from analyticaflow.channeldata.tables import data_table
from analyticaflow.warehouse.backends import ARROW_TYPES, Warehouse
from analyticaflow.warehouse.schema import DECIMAL_PRECISION, DECIMAL_SCALE, ColumnType, TableSpec, col
from analyticaflow.warehouse.sql import Sql, ident

_ARROW = {**ARROW_TYPES, ColumnType.DECIMAL: pa.decimal128(DECIMAL_PRECISION, DECIMAL_SCALE)}


def arrow_schema(spec: TableSpec) -> pa.Schema:
    return pa.schema([pa.field(c.name, _ARROW[c.type], nullable=c.nullable) for c in spec.columns])


def arrow_rows(spec: TableSpec, columns: dict[str, Sequence[Any]]) -> pa.Table:
    schema = arrow_schema(spec)
    return pa.Table.from_arrays([pa.array(columns[f.name], type=f.type) for f in schema], schema=schema)


def scope_spec(spec: TableSpec, scope_columns: tuple[str, ...]) -> TableSpec:
    by_name = {c.name: c for c in spec.columns}
    return TableSpec(f"{spec.name}_scope", tuple(col(n, by_name[n].type) for n in scope_columns), key=scope_columns)


@dataclass(frozen=True, slots=True)
class Window:
    """A reloaded window: every row whose ``fixed`` columns hold these values and whose DATE ``column`` lies in
    ``[first, last]`` (e.g. one ad account's days), the same rows as the scope of each such day."""

    fixed: dict[str, Any]
    column: str
    first: date
    last: date

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def scope_columns(self) -> tuple[str, ...]:
        return (*self.fixed, self.column)

    def scope_rows(self) -> dict[str, list[Any]]:
        days = self.days()
        return {**{name: [value] * len(days) for name, value in self.fixed.items()}, self.column: days}


def _duckdb_window_replace(spec: TableSpec, table: str, stage: str, window: Window) -> list[Sql]:
    """One range DELETE (no scope table to stage and join: the date zone maps skip most of a large table),
    then the INSERT, inside the caller's transaction."""
    match = " AND ".join(f"{ident(name)} = {{fixed_{index}}}" for index, name in enumerate(window.fixed))
    params = {f"fixed_{index}": value for index, value in enumerate(window.fixed.values())}
    column = ident(window.column)
    delete = Sql(f"DELETE FROM {ident(table)} WHERE {match} AND {column} >= {{first}} AND {column} <= {{last}}",
                 {**params, "first": window.first, "last": window.last})
    names = ", ".join(ident(name) for name in spec.column_names)
    return [delete, Sql(f"INSERT INTO {ident(table)} ({names}) SELECT {names} FROM {ident(stage)}")]


# Dialects that replace a window with a range statement; the others get its days as a staged scope.
WINDOW_REPLACES: dict[str, Callable[[TableSpec, str, str, Window], list[Sql]]] = {"duckdb": _duckdb_window_replace}


def write_rows(
    warehouse: Warehouse,
    spec: TableSpec,
    rows: dict[str, list[Any]] | pa.Table,
    *,
    scope_columns: tuple[str, ...] | None = None,
    scope_rows: dict[str, list[Any]] | pa.Table | None = None,
    window: Window | None = None,
) -> None:
    """Upsert ``rows`` (by the table's key); with a scope, first remove every row of the scope (e.g. each
    ``(project, source, account, date)`` of a reloaded window) that ``rows`` do not hold again. A ``window``
    is that scope given as a date range (cheaper on DuckDB; the same rows removed).

    Rows and scope are column lists or Arrow tables with the spec's columns. On DuckDB the whole write is one
    transaction; on ClickHouse it is a tombstone insert and a row insert of one version (safe to repeat)."""
    channel_tables_ensure(warehouse=warehouse)
    if window is not None:
        replace = WINDOW_REPLACES.get(warehouse.dialect.name)
        if replace is not None:
            _write_window(warehouse, spec, rows, window, replace)
            return
        scope_columns, scope_rows = window.scope_columns(), window.scope_rows()
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


def _write_window(warehouse: Warehouse, spec: TableSpec, rows: dict[str, list[Any]] | pa.Table, window: Window,
                  replace: Callable[[TableSpec, str, str, Window], list[Sql]]) -> None:
    stage = f"stage_{spec.name}_{uuid.uuid4().hex[:12]}"
    warehouse.stage(stage, spec, rows if isinstance(rows, pa.Table) else arrow_rows(spec, rows))
    try:
        with warehouse.transaction():
            for statement in replace(spec, data_table(spec.name), stage, window):
                warehouse.execute(statement)
    finally:
        warehouse.drop_stage(stage)
