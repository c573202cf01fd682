"""Creating the report-side derived tables once per warehouse, safely when many requests arrive at once.

Two threads issuing ``CREATE TABLE IF NOT EXISTS`` for the same table on DuckDB at the same moment make one of
them fail with a write-write conflict on the catalog (both see no table, both create it). The first requests to
a fresh warehouse often come in parallel (the dashboard asks for tiles, table and chart together), so creation
is serialized in the process: the file is open in this process only, and ClickHouse's ``IF NOT EXISTS`` is
idempotent anyway.
"""

from __future__ import annotations

import threading
import weakref

from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.schema import TableSpec

_guard = threading.Lock()
_created: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # warehouse → names of the tables it has


def derived_tables_ensure(warehouse: Warehouse, specs: tuple[TableSpec, ...]) -> None:
    """Create the tables of ``specs`` (named as their spec) if this process has not yet done it."""
    done = _created.get(warehouse)
    if done is not None and all(spec.name in done for spec in specs):
        return
    with _guard:
        done = _created.setdefault(warehouse, set())
        for spec in specs:
            if spec.name in done:
                continue
            with warehouse.transaction():
                for statement in warehouse.dialect.create_table(spec, spec.name):
                    warehouse.execute(statement)
            done.add(spec.name)


_project_locks: dict[tuple[int, str, int], threading.Lock] = {}


def project_lock(warehouse: Warehouse, table: str, project_id: int) -> threading.Lock:
    """The lock under which one project's rows of a derived table are rebuilt (one rebuild at a time)."""
    with _guard:
        return _project_locks.setdefault((id(warehouse), table, project_id), threading.Lock())
