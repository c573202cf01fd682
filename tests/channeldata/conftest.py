from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import pytest

from analyticaflow.channeldata.schema import channel_tables_ensure
from analyticaflow.warehouse.backends import Warehouse, close_warehouse, get_warehouse, open_warehouse

WAREHOUSE_KINDS = ["duckdb", "chdb"]


def open_kind(kind: str, directory: str) -> Warehouse:
    if kind == "duckdb":
        return open_warehouse(f"duckdb:///{directory}/warehouse.duckdb")
    return open_warehouse(f"chdb:///{directory}/chdb")


@pytest.fixture(params=WAREHOUSE_KINDS)
def warehouse(request) -> Iterator[Warehouse]:
    """A fresh warehouse of each kind with the projection and channel-data tables."""
    directory = tempfile.mkdtemp(prefix="af-cd-")
    opened = open_kind(request.param, directory)
    channel_tables_ensure(warehouse=opened)
    try:
        yield opened
    finally:
        opened.close()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def duck() -> Iterator[Warehouse]:
    """A fresh DuckDB warehouse, for behaviour that does not depend on the warehouse kind."""
    directory = tempfile.mkdtemp(prefix="af-cd-")
    opened = open_kind("duckdb", directory)
    channel_tables_ensure(warehouse=opened)
    try:
        yield opened
    finally:
        opened.close()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def process_warehouse(settings, tmp_path) -> Iterator[Warehouse]:
    """The process-wide warehouse the API serves from (``get_warehouse()``), on a fresh DuckDB file."""
    close_warehouse()
    settings.ANALYTICAFLOW_WAREHOUSE_URL = f"duckdb:///{tmp_path}/warehouse.duckdb"
    opened = get_warehouse()
    channel_tables_ensure(warehouse=opened)
    yield opened
    close_warehouse()
