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

from datetime import UTC, datetime, timedelta

from analyticaflow.channeldata.orders import merged_orders
from analyticaflow.projections.services import projections_served
from analyticaflow.reports.derived import derived_refresh, derived_replace, derived_state, derived_tables_ensure
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.readcache import query_unchanged
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


def fingerprint(warehouse: Warehouse, project_id: int) -> str:
    """What a project's first orders depend on: ``g<generation>@<checkpoint>|shop:<rows>:<last load>``."""
    served = projections_served(warehouse=warehouse)
    events = f"g{served.generation}@{served.checkpoint_seq}" if served else "none@0"
    shop = query_unchanged(warehouse, Sql(
        "SELECT count(*), max(loaded_at) FROM shop_orders WHERE project_id = {project}", {"project": project_id}))[0]
    return f"{events}|shop:{shop[0]}:{shop[1]}"


def only_events_moved(built: str, current: str) -> bool:
    """Same generation and shop orders; only the checkpoint advanced (the live event stream)."""
    (built_events, built_shop), (events, shop) = built.split("|", 1), current.split("|", 1)
    return built_shop == shop and built_events.split("@")[0] == events.split("@")[0]


def first_orders_refresh(*, warehouse: Warehouse, project_id: int) -> bool:
    """Bring a project's first orders up to date if needed; whether it rebuilt them (here, not in the
    background)."""
    derived_tables_ensure(warehouse, (FIRST_ORDERS, FIRST_ORDERS_STATE))
    return derived_refresh(
        warehouse=warehouse, table=FIRST_ORDERS.name, project_id=project_id,
        fingerprint=lambda: fingerprint(warehouse, project_id),
        built=lambda: derived_state(warehouse, FIRST_ORDERS_STATE, project_id, ("fingerprint", "built_at")),
        only_events_moved=only_events_moved, rebuild=lambda current: _rebuild(warehouse, project_id, current),
        refresh_after=REFRESH_AFTER)


def _rebuild(warehouse: Warehouse, project_id: int, current: str) -> None:
    merged = merged_orders(warehouse.dialect, event_where="e.project_id = {project}",
                           shop_where="s.project_id = {project}")
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
    derived_replace(warehouse, table=FIRST_ORDERS, state=FIRST_ORDERS_STATE, project_id=project_id, select=select,
                    state_values={"fingerprint": current, "built_at": datetime.now(UTC).replace(tzinfo=None)})


def first_orders_in(dialect, *, project: str, start: str, end: str) -> str:
    """SQL selecting the ids of the first-ever orders placed in ``[start, end)`` (markers from the caller)."""
    return (f"SELECT f.first_order_id FROM {dialect.read_as(FIRST_ORDERS.name, 'f')} WHERE f.project_id = {project} "
            f"AND f.first_ordered_at >= {start} AND f.first_ordered_at < {end}")
