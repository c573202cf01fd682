"""What cohorts read, kept per project as a derived warehouse table with integer person keys.

A cohort report over the projected events groups the start events by text person id and joins the return
events and the orders on it: the text ids are the expensive part. ``analysis_cohort_rows`` holds, per project,
each person once under a small integer key (``person_key``, numbered at build time) and:

- ``kind = 'first'``: per person and event (type, name), the first one in timeline order (time, then log seq);
- ``kind = 'event'``: every event of those names (its time and seq);
- ``kind = 'order'``: every merged order of a person (``money.person_orders_sql``: identity-mapped, shop orders
  included) with its revenue and upper-cased currency.

Persons are those of the projections (the identity map has already merged them), so a cohort query over this
table gives exactly the general query's answer; the time zone is applied at query time, as there.

Only plainly named events (no property filter) are kept, for the names reports asked for (at most
``MAX_EVENT_NAMES`` per project; ``Signed Up`` and ``Order Completed`` always). The table is rebuilt for a
project, before the report reads it, whenever what it copies moved: the served projection generation (a
replay) or its checkpoint (new events), the project's shop orders, or the set of names.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from analyticaflow.analysis.money import person_orders_sql
from analyticaflow.analysis.steps import EventMatcher
from analyticaflow.reports.customers import fingerprint
from analyticaflow.reports.derived import derived_tables_ensure, project_lock
from analyticaflow.reports.sqlparts import Params
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.schema import FLOAT, INT, TEXT, TIMESTAMP, TableSpec, col
from analyticaflow.warehouse.sql import Sql

COHORT_ROWS = TableSpec(
    "analysis_cohort_rows",
    (col("project_id", INT), col("kind", TEXT), col("event_type", TEXT), col("event_name", TEXT),
     col("person_key", INT), col("seq", INT), col("happened_at", TIMESTAMP), col("revenue", FLOAT),
     col("currency", TEXT)),
    key=("project_id", "kind", "event_type", "event_name", "person_key", "seq"),
)
COHORT_ROWS_STATE = TableSpec(
    "analysis_cohort_rows_state",
    (col("project_id", INT), col("fingerprint", TEXT), col("events", TEXT), col("built_at", TIMESTAMP)),
    key=("project_id",),
)
MAX_EVENT_NAMES = 8
ALWAYS = (("track", "Order Completed"), ("track", "Signed Up"))

EventKey = tuple[str, str]


def storable(matcher: EventMatcher) -> bool:
    """Whether the table can stand for the matcher: a named event without property filters."""
    return matcher.event is not None and not matcher.filters


def cohort_rows_ready(*, warehouse: Warehouse, project_id: int, matchers: tuple[EventMatcher, ...]) -> bool:
    """Make the project's rows current and holding the matchers' events; False when the table cannot serve
    them (a property filter, or too many distinct names asked for: the caller reads the events instead)."""
    if not all(storable(m) for m in matchers):
        return False
    derived_tables_ensure(warehouse, (COHORT_ROWS, COHORT_ROWS_STATE))
    wanted = {(m.type, m.event) for m in matchers}
    with project_lock(warehouse, COHORT_ROWS.name, project_id):
        current = fingerprint(warehouse, project_id)
        state = warehouse.query(Sql(
            f"SELECT fingerprint, events FROM {warehouse.dialect.read(COHORT_ROWS_STATE.name)} "
            "WHERE project_id = {project}", {"project": project_id}))
        kept: set[EventKey] = {tuple(item) for item in json.loads(state[0][1])} if state else set(ALWAYS)
        if state and state[0][0] == current and wanted <= kept:
            return True
        events = kept | wanted
        if len(events) > MAX_EVENT_NAMES:
            events = set(ALWAYS) | wanted
            if len(events) > MAX_EVENT_NAMES:
                return False
        cohort_rows_rebuild(warehouse=warehouse, project_id=project_id, events=events, current=current)
        return True


def _select(warehouse: Warehouse, project_id: int, events: set[EventKey]) -> Sql:
    dialect, params = warehouse.dialect, Params()
    p = params.add(project_id, "p")
    named = " OR ".join(f"(e.event_type = {params.add(t, 'et')} AND e.event_name = {params.add(n, 'en')})"
                        for t, n in sorted(events))
    types = params.in_list("e.event_type", sorted({t for t, _ in events}), "pt")
    names = params.in_list("e.event_name", sorted({n for _, n in events}), "pn")
    text = f"""
        WITH ev AS (
            SELECT e.person_id AS person_id, e.event_type AS event_type, e.event_name AS event_name,
                   e.seq AS seq, e.event_datetime AS happened_at
            FROM events AS e
            WHERE e.project_id = {p} AND e.person_id IS NOT NULL AND {types} AND {names} AND ({named})
        ), od AS (
            SELECT o.person_id AS person_id, o.order_id AS order_id, o.ordered_at AS ordered_at,
                   coalesce({dialect.to_float("o.revenue")}, 0.0) AS revenue, o.currency AS currency
            FROM {person_orders_sql(dialect, params, project_marker=p)} AS o
        ), persons AS (
            SELECT u.person_id AS person_id, row_number() OVER (ORDER BY u.person_id) AS person_key
            FROM (SELECT person_id FROM ev UNION DISTINCT SELECT person_id FROM od) AS u
        )
        SELECT {p} AS project_id, 'event' AS kind, ev.event_type AS event_type, ev.event_name AS event_name,
               k.person_key AS person_key, ev.seq AS seq, ev.happened_at AS happened_at, 0.0 AS revenue,
               '' AS currency
        FROM ev INNER JOIN persons AS k ON k.person_id = ev.person_id
        UNION ALL
        SELECT {p} AS project_id, 'first' AS kind, f.event_type AS event_type, f.event_name AS event_name,
               k.person_key AS person_key, f.seq AS seq, f.happened_at AS happened_at, 0.0 AS revenue,
               '' AS currency
        FROM (
            SELECT ev.*, row_number() OVER (PARTITION BY ev.person_id, ev.event_type, ev.event_name
                                            ORDER BY ev.happened_at, ev.seq) AS n
            FROM ev
        ) AS f INNER JOIN persons AS k ON k.person_id = f.person_id
        WHERE f.n = 1
        UNION ALL
        SELECT {p} AS project_id, 'order' AS kind, '' AS event_type, '' AS event_name,
               k.person_key AS person_key,
               CAST(row_number() OVER (ORDER BY od.ordered_at, od.order_id) AS BIGINT) AS seq,
               od.ordered_at AS happened_at, od.revenue AS revenue, od.currency AS currency
        FROM od INNER JOIN persons AS k ON k.person_id = od.person_id
    """
    return params.sql(f"SELECT * FROM ({text}) AS r ORDER BY kind, event_type, event_name, happened_at")


def cohort_rows_rebuild(*, warehouse: Warehouse, project_id: int, events: set[EventKey], current: str) -> None:
    """Replace the project's rows (one transaction: readers see the old build or the new one)."""
    derived_tables_ensure(warehouse, (COHORT_ROWS, COHORT_ROWS_STATE))
    dialect = warehouse.dialect
    token = f"{project_id}_{time.time_ns()}"
    rows, scope, state = f"cohort_rows_new_{token}", f"cohort_rows_scope_{token}", f"cohort_rows_state_{token}"
    version = time.time_ns()
    try:
        for statement in dialect.materialize(rows, _select(warehouse, project_id, events)):
            warehouse.execute(statement)
        for statement in dialect.materialize(scope, Sql("SELECT {project} AS project_id", {"project": project_id})):
            warehouse.execute(statement)
        for statement in dialect.materialize(state, Sql(
                "SELECT {project} AS project_id, {fingerprint} AS fingerprint, {events} AS events, {now} AS built_at",
                {"project": project_id, "fingerprint": current, "events": json.dumps(sorted(events)),
                 "now": datetime.now(UTC).replace(tzinfo=None)})):
            warehouse.execute(statement)
        with warehouse.transaction():
            for statement in (
                *dialect.replace_scope(COHORT_ROWS, COHORT_ROWS.name, new_rows=rows, scope=scope,
                                       scope_columns=("project_id",), version=version),
                *dialect.upsert(COHORT_ROWS_STATE, COHORT_ROWS_STATE.name, state, version=version),
            ):
                warehouse.execute(statement)
    finally:
        for name in (rows, scope, state):
            for statement in dialect.drop_table(name):
                warehouse.execute(statement)


def stored_relations(dialect, params: Params, *, project: str, start: EventMatcher, returning: EventMatcher,
                     cohort_start: str, cohort_end: str, horizon: str) -> tuple[str, str, str]:
    """The cohort query's three inputs read from the table (see ``cohorts.general_relations``)."""
    table = dialect.read_as(COHORT_ROWS.name, "d")

    def rows(kind: str, matcher: EventMatcher | None) -> str:
        where = f"d.project_id = {project} AND d.kind = {params.add(kind, 'kind')}"
        if matcher is not None:
            where += (f" AND d.event_type = {params.add(matcher.type, 'et')} "
                      f"AND d.event_name = {params.add(matcher.event, 'en')}")
        return where

    starts = (f"SELECT d.person_key AS person_id, {dialect.order_key('d.happened_at', 'd.seq')} AS k0, "
              f"d.happened_at AS t0 FROM {table} WHERE {rows('first', start)} "
              f"AND d.happened_at >= {cohort_start} AND d.happened_at < {cohort_end}")
    returns = (f"SELECT d.person_key AS person_id, d.happened_at AS at, d.seq AS seq FROM {table} "
               f"WHERE {rows('event', returning)} AND d.happened_at >= {cohort_start} AND d.happened_at < {horizon}")
    orders = (f"SELECT d.person_key AS person_id, d.happened_at AS ordered_at, d.revenue AS revenue, "
              f"d.currency AS currency FROM {table} WHERE {rows('order', None)} AND d.happened_at < {horizon}")
    return starts, returns, orders
