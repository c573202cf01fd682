"""Each person's first-ever order, kept as a derived warehouse table so reports need not scan all history.

``new_customers`` counts persons whose first-ever order falls in the period. Finding it at query time means
reading every order of the project (person ids are text: the most expensive column to scan). Instead the
table ``report_first_orders`` holds, per project and person, the first order (earliest ``ordered_at``, then
smallest ``order_id``) of the merged orders (``channeldata.orders``), sorted by time — a period's new
customers are then a range read.

It is rebuilt for a project when its source data changed: the served projection generation or its checkpoint,
or the project's shop orders. A replay, a shop import or the first report rebuild it at once, before the report
reads it. While events stream in, reports keep reading the last build and a background thread rebuilds it at
most every ``REFRESH_AFTER`` (new-customer figures may lag the live stream by that much plus the rebuild's own
time; every other metric is live).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from analyticaflow.channeldata.orders import merged_orders
from analyticaflow.projections.services import projections_served
from analyticaflow.reports.derived import derived_tables_ensure, project_lock
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.schema import INT, TEXT, TIMESTAMP, TableSpec, col
from analyticaflow.warehouse.sql import Sql

FIRST_ORDERS = TableSpec(
    "report_first_orders",
    (col("project_id", INT), col("person_id", TEXT, True), col("first_ordered_at", TIMESTAMP),
     col("first_order_id", TEXT)),
    key=("project_id", "person_id"),  # no time in the sort key: a person's newer build must replace the older one
)
FIRST_ORDERS_STATE = TableSpec(
    "report_first_orders_state",
    (col("project_id", INT), col("fingerprint", TEXT), col("built_at", TIMESTAMP)),
    key=("project_id",),
)
REFRESH_AFTER = timedelta(seconds=30)
logger = logging.getLogger(__name__)

_locks_guard = threading.Lock()


def _lock(warehouse: Warehouse, project_id: int) -> threading.Lock:
    return project_lock(warehouse, FIRST_ORDERS.name, project_id)


def _ensure_tables(warehouse: Warehouse) -> None:
    derived_tables_ensure(warehouse, (FIRST_ORDERS, FIRST_ORDERS_STATE))


def fingerprint(warehouse: Warehouse, project_id: int) -> str:
    """What a project's first orders depend on: ``g<generation>@<checkpoint>|shop:<rows>:<last load>``."""
    served = projections_served(warehouse=warehouse)
    events = f"g{served.generation}@{served.checkpoint_seq}" if served else "none@0"
    shop = warehouse.query(Sql("SELECT count(*), max(loaded_at) FROM shop_orders WHERE project_id = {project}",
                               {"project": project_id}))[0]
    return f"{events}|shop:{shop[0]}:{shop[1]}"


def only_events_moved(built: str, current: str) -> bool:
    """Same generation and shop orders; only the checkpoint advanced (the live event stream)."""
    (built_events, built_shop), (events, shop) = built.split("|", 1), current.split("|", 1)
    return built_shop == shop and built_events.split("@")[0] == events.split("@")[0]


def first_orders_refresh(*, warehouse: Warehouse, project_id: int) -> bool:
    """Bring a project's first orders up to date if needed; whether it rebuilt them (here, not in the
    background)."""
    _ensure_tables(warehouse)
    with _lock(warehouse, project_id):
        current = fingerprint(warehouse, project_id)
        state = warehouse.query(Sql(
            f"SELECT fingerprint, built_at FROM {warehouse.dialect.read(FIRST_ORDERS_STATE.name)} "
            "WHERE project_id = {project}", {"project": project_id}))
        if state:
            built, built_at = state[0]
            if built == current:
                return False
            if only_events_moved(built, current):
                if datetime.now(UTC).replace(tzinfo=None) - built_at >= REFRESH_AFTER:
                    _rebuild_in_background(warehouse, project_id)
                return False
        _rebuild(warehouse, project_id, current)
        return True


_background: set[tuple[int, int]] = set()


def _rebuild_in_background(warehouse: Warehouse, project_id: int) -> None:
    """Only new events since the last build: reports keep reading it while a thread rebuilds (one at a time)."""
    key = (id(warehouse), project_id)
    with _locks_guard:
        if key in _background:
            return
        _background.add(key)

    def run() -> None:
        try:
            with _lock(warehouse, project_id):
                _rebuild(warehouse, project_id, fingerprint(warehouse, project_id))
        except Exception:  # the next report tries again; the old table keeps serving meanwhile
            logger.exception("rebuilding the first orders of project %s failed", project_id)
        finally:
            with _locks_guard:
                _background.discard(key)

    threading.Thread(target=run, name=f"first-orders-{project_id}", daemon=True).start()


def _rebuild(warehouse: Warehouse, project_id: int, current: str) -> None:
    dialect = warehouse.dialect
    merged = merged_orders(dialect, event_where="e.project_id = {project}", shop_where="s.project_id = {project}")
    select = Sql(
        f"""SELECT r.project_id AS project_id, r.person_id AS person_id, r.ordered_at AS first_ordered_at,
                   r.order_id AS first_order_id
            FROM (
                SELECT m.project_id AS project_id, m.person_id AS person_id, m.ordered_at AS ordered_at,
                       m.order_id AS order_id,
                       row_number() OVER (PARTITION BY m.person_id ORDER BY m.ordered_at, m.order_id) AS n
                FROM ({merged.text}) AS m
                WHERE m.person_id IS NOT NULL
            ) AS r
            WHERE r.n = 1
            ORDER BY first_ordered_at""",
        {"project": project_id},
    )
    token = f"{project_id}_{time.time_ns()}"
    rows, scope, state = f"first_orders_new_{token}", f"first_orders_scope_{token}", f"first_orders_state_{token}"
    version = time.time_ns()
    try:
        for statement in dialect.materialize(rows, select):
            warehouse.execute(statement)
        for statement in dialect.materialize(scope, Sql("SELECT {project} AS project_id", {"project": project_id})):
            warehouse.execute(statement)
        now = datetime.now(UTC).replace(tzinfo=None)
        for statement in dialect.materialize(state, Sql(
                "SELECT {project} AS project_id, {fingerprint} AS fingerprint, {now} AS built_at",
                {"project": project_id, "fingerprint": current, "now": now})):
            warehouse.execute(statement)
        with warehouse.transaction():
            for statement in (
                *dialect.replace_scope(FIRST_ORDERS, FIRST_ORDERS.name, new_rows=rows, scope=scope,
                                       scope_columns=("project_id",), version=version),
                *dialect.upsert(FIRST_ORDERS_STATE, FIRST_ORDERS_STATE.name, state, version=version),
            ):
                warehouse.execute(statement)
    finally:
        for name in (rows, scope, state):
            for statement in dialect.drop_table(name):
                warehouse.execute(statement)


def first_orders_in(dialect, *, project: str, start: str, end: str) -> str:
    """SQL selecting the ids of the first-ever orders placed in ``[start, end)`` (markers from the caller)."""
    return (f"SELECT f.first_order_id FROM {dialect.read_as(FIRST_ORDERS.name, 'f')} WHERE f.project_id = {project} "
            f"AND f.first_ordered_at >= {start} AND f.first_ordered_at < {end}")
