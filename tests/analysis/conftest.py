"""One warehouse per backend for a test module; every ``shop(records)`` call gets a project of its own in it
(projects never share persons), so a module builds the schema once per backend."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import pytest

from analyticaflow.channeldata.schema import channel_tables_ensure
from analyticaflow.projections.services import projections_catch_up
from analyticaflow.warehouse.backends import Warehouse
from tests.projections.conftest import WAREHOUSE_KINDS, open_kind
from tests.projections.streams import ListLog

_project_ids = itertools.count(1000)


@dataclass(frozen=True)
class Shop:
    warehouse: Warehouse
    project_id: int


@pytest.fixture(scope="module", params=WAREHOUSE_KINDS)
def analysis_warehouse(request) -> Iterator[tuple[Warehouse, ListLog]]:
    directory = tempfile.mkdtemp(prefix="af-analysis-")
    warehouse = open_kind(request.param, directory)
    channel_tables_ensure(warehouse=warehouse)
    try:
        yield warehouse, ListLog()
    finally:
        warehouse.close()
        shutil.rmtree(directory, ignore_errors=True)


def build_shop(analysis_warehouse: tuple[Warehouse, ListLog], records, *, chunk_size: int = 1000) -> Shop:
    """The records projected as a new project of the module's warehouse (``chunk_size`` events per chunk)."""
    warehouse, log = analysis_warehouse
    project_id = next(_project_ids)
    log.append([replace(record, project_id=project_id) for record in records])
    projections_catch_up(warehouse=warehouse, log=log, chunk_size=chunk_size)
    return Shop(warehouse, project_id)


@pytest.fixture
def shop(analysis_warehouse) -> Callable[..., Shop]:
    """``shop(records)`` → the records projected as a new project of the module's warehouse."""
    return lambda records: build_shop(analysis_warehouse, records)
