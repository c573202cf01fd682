"""Creating the report-side derived tables once per warehouse, safely when many requests arrive at once.

Two threads issuing ``CREATE TABLE IF NOT EXISTS`` for the same table on DuckDB at the same moment make one of
them fail with a write-write conflict on the catalog (both see no table, both create it). The first requests to
a fresh warehouse often come in parallel (the dashboard asks for tiles, table and chart together), so creation
is serialized in the process: the file is open in this process only, and ClickHouse's ``IF NOT EXISTS`` is
idempotent anyway.

:func:`derived_refresh` is the policy that keeps one project's rows of such a table current (rebuild before
answering when the sources changed in kind, in the background when only new events arrived), and
:func:`derived_replace` the atomic swap of a project's rows and state row that a rebuild ends with.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.readcache import query_unchanged
from analyticaflow.warehouse.schema import TableSpec
from analyticaflow.warehouse.sql import Sql, ident

logger = logging.getLogger(__name__)
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


Built = tuple[str, datetime]  # a project's last build: its source fingerprint and when it was made (naive UTC)


def derived_refresh(*, warehouse: Warehouse, table: str, project_id: int, fingerprint: Callable[[], str],
                    built: Callable[[], Built | None], only_events_moved: Callable[[str, str], bool],
                    rebuild: Callable[[str], None], refresh_after: timedelta) -> bool:
    """Bring one project's rows of a derived table up to date; whether they were rebuilt here (synchronously).

    ``built`` reads the last build (None: none the caller can use), ``fingerprint`` what the sources are now,
    ``rebuild(fingerprint)`` replaces the rows. A missing build, or sources that moved otherwise than by new
    events (a replay, shop orders...), are rebuilt before returning. When ``only_events_moved(built, current)``,
    readers keep the last build and, once it is ``refresh_after`` old, a background thread rebuilds it (at most
    one per table and project at a time). Everything runs under the table's :func:`project_lock`."""
    with project_lock(warehouse, table, project_id):
        current = fingerprint()
        last = built()
        if last is not None:
            made, built_at = last
            if made == current:
                return False
            if only_events_moved(made, current):
                if datetime.now(UTC).replace(tzinfo=None) - built_at >= refresh_after:
                    _rebuild_in_background(warehouse, table, project_id, fingerprint, rebuild)
                return False
        rebuild(current)
        return True


_background: dict[tuple[int, str, int], threading.Thread] = {}


def _rebuild_in_background(warehouse: Warehouse, table: str, project_id: int, fingerprint: Callable[[], str],
                           rebuild: Callable[[str], None]) -> None:
    key = (id(warehouse), table, project_id)

    def run() -> None:
        try:
            with project_lock(warehouse, table, project_id):
                rebuild(fingerprint())
        except Exception:  # the next report tries again; the last build keeps serving meanwhile
            logger.exception("rebuilding %s of project %s in the background failed", table, project_id)
        finally:
            with _guard:
                _background.pop(key, None)

    with _guard:
        if key in _background:
            return
        thread = _background[key] = threading.Thread(target=run, name=f"{table}-{project_id}", daemon=True)
    thread.start()


def background_rebuilds_join(timeout: float = 60.0) -> None:
    """Wait for the background rebuilds running now (tests, shutdown)."""
    with _guard:
        running = list(_background.values())
    for thread in running:
        thread.join(timeout)


def derived_state(warehouse: Warehouse, state: TableSpec, project_id: int, columns: tuple[str, ...]) -> tuple | None:
    """A project's row of a derived table's state table (the given columns), or None before its first build."""
    rows = query_unchanged(warehouse, Sql(
        f"SELECT {', '.join(ident(c) for c in columns)} FROM {warehouse.dialect.read(state.name)} "
        "WHERE project_id = {project}", {"project": project_id}))
    return tuple(rows[0]) if rows else None


def derived_replace(warehouse: Warehouse, *, table: TableSpec, state: TableSpec, project_id: int, select: Sql,
                    state_values: dict[str, Any]) -> None:
    """Replace a project's rows of ``table`` by ``select`` and its ``state`` row by ``state_values`` (plus
    ``project_id``) in one transaction: readers see the old build or the new one."""
    dialect = warehouse.dialect
    token = f"{table.name}_{project_id}_{time.time_ns()}"
    rows, scope, new_state = f"{token}_rows", f"{token}_scope", f"{token}_state"
    values = {"project_id": project_id, **state_values}
    version = time.time_ns()
    try:
        for statement in dialect.materialize(rows, select):
            warehouse.execute(statement)
        for statement in dialect.materialize(scope, Sql("SELECT {project} AS project_id", {"project": project_id})):
            warehouse.execute(statement)
        columns = ", ".join(f"{{{ident(name)}}} AS {name}" for name in values)
        for statement in dialect.materialize(new_state, Sql(f"SELECT {columns}", values)):
            warehouse.execute(statement)
        with warehouse.transaction():
            for statement in (
                *dialect.replace_scope(table, table.name, new_rows=rows, scope=scope, scope_columns=("project_id",),
                                       version=version),
                *dialect.upsert(state, state.name, new_state, version=version),
            ):
                warehouse.execute(statement)
    finally:
        for name in (rows, scope, new_state):
            for statement in dialect.drop_table(name):
                warehouse.execute(statement)
