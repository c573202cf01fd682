"""Warehouses for the attribution report tests: DuckDB and ClickHouse (chdb), fresh or with the hand-computed
shop of ``report_scenario`` loaded once per module."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import pytest

from analyticaflow.channeldata.schema import channel_tables_ensure
from analyticaflow.warehouse.backends import Warehouse
from tests.channeldata.conftest import WAREHOUSE_KINDS, open_kind


def opened_warehouse(kind: str) -> Iterator[Warehouse]:
    directory = tempfile.mkdtemp(prefix="af-attr-")
    opened = open_kind(kind, directory)
    channel_tables_ensure(warehouse=opened)
    try:
        yield opened
    finally:
        opened.close()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(params=WAREHOUSE_KINDS)
def report_warehouse(request) -> Iterator[Warehouse]:
    """An empty warehouse of each kind."""
    yield from opened_warehouse(request.param)


@pytest.fixture(scope="module", params=WAREHOUSE_KINDS)
def shop_warehouse(request) -> Iterator[Warehouse]:
    """A warehouse of each kind holding the shop of ``report_scenario`` (read-only: tests must not change it)."""
    from tests.attribution.report_scenario import load_shop

    for opened in opened_warehouse(request.param):
        load_shop(opened)
        yield opened
