from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import pytest

from analyticaflow.projections.generations import ensure_schema
from analyticaflow.projections.services import projections_catch_up
from analyticaflow.warehouse.backends import Warehouse, open_warehouse
from analyticaflow.warehouse.tables import PROJECTED_TABLES, RAW_EVENTS
from tests.projections.streams import ListLog

WAREHOUSE_KINDS = ["duckdb", "chdb"]


def open_kind(kind: str, directory: str) -> Warehouse:
    if kind == "duckdb":
        return open_warehouse(f"duckdb:///{directory}/warehouse.duckdb")
    return open_warehouse(f"chdb:///{directory}/chdb")


@pytest.fixture(params=WAREHOUSE_KINDS)
def warehouse(request) -> Iterator[Warehouse]:
    directory = tempfile.mkdtemp(prefix="af-wh-")
    opened = open_kind(request.param, directory)
    ensure_schema(opened)
    try:
        yield opened
    finally:
        opened.close()
        shutil.rmtree(directory, ignore_errors=True)


def normalize(value):
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    return value


def table_rows(warehouse: Warehouse, name: str) -> list[tuple]:
    """A served table's rows, in a backend-independent order and representation."""
    rows = warehouse.query(f"SELECT * FROM {name}")
    return sorted((tuple(normalize(v) for v in row) for row in rows), key=repr)


def snapshot(warehouse: Warehouse) -> dict[str, list[tuple]]:
    return {spec.name: table_rows(warehouse, spec.name) for spec in (*PROJECTED_TABLES, RAW_EVENTS)}


def project(warehouse: Warehouse, records, *, chunk_size: int = 10_000) -> ListLog:
    log = ListLog(records)
    projections_catch_up(warehouse=warehouse, log=log, chunk_size=chunk_size)
    return log


def rows_as_dicts(warehouse: Warehouse, sql: str) -> list[dict]:
    table = warehouse.query_arrow(sql)
    names = table.column_names
    return [dict(zip(names, row, strict=True)) for row in warehouse.query(sql)]
