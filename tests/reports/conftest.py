from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import pytest

from analyticaflow.channeldata.schema import channel_tables_ensure
from analyticaflow.warehouse.backends import Warehouse
from tests.channeldata.conftest import WAREHOUSE_KINDS, duck, open_kind, process_warehouse  # noqa: F401


@pytest.fixture(params=WAREHOUSE_KINDS)
def warehouse(request) -> Iterator[Warehouse]:
    directory = tempfile.mkdtemp(prefix="af-rp-")
    opened = open_kind(request.param, directory)
    channel_tables_ensure(warehouse=opened)
    try:
        yield opened
    finally:
        opened.close()
        shutil.rmtree(directory, ignore_errors=True)

