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
project, before the report reads it, when there is no build yet, when the served projection generation changed
(a replay), when the project's shop orders changed, or when the report asks for a name not kept. While only new
events arrived (the checkpoint advanced), the report answers from the last build and a background thread
rebuilds it at most every ``REFRESH_AFTER`` (the same policy as the first-orders table,
``reports.derived.derived_refresh``); ``cohort_rows_reflect`` tells up to which log seq a build reads.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from analyticaflow.analysis.money import person_orders_sql
from analyticaflow.analysis.steps import EventMatcher
from analyticaflow.reports.customers import REFRESH_AFTER, fingerprint, only_events_moved
from analyticaflow.reports.derived import derived_refresh, derived_replace, derived_state, derived_tables_ensure
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


def _names(kept: set[EventKey], wanted: set[EventKey]) -> set[EventKey] | None:
    """The names a build for ``wanted`` keeps: the kept ones too while they fit, else the always-kept ones;
    None when even those do not fit."""
    for events in (kept | wanted, set(ALWAYS) | wanted):
        if len(events) <= MAX_EVENT_NAMES:
            return events
    return None


def _kept(state: tuple | None) -> set[EventKey]:
    return {tuple(item) for item in json.loads(state[0])} if state else set(ALWAYS)


def cohort_rows_ready(*, warehouse: Warehouse, project_id: int, matchers: tuple[EventMatcher, ...]) -> bool:
    """Make the project's rows hold the matchers' events and current enough; False when the table cannot serve
    them (a property filter, or too many distinct names asked for: the caller reads the events instead).

    A missing build, a replay, changed shop orders or names not kept yet rebuild them before returning; while
    only new events arrived the last build answers and a background thread rebuilds it (``derived_refresh``)."""
    if not all(storable(m) for m in matchers):
        return False
    derived_tables_ensure(warehouse, (COHORT_ROWS, COHORT_ROWS_STATE))
    wanted = {(m.type, m.event) for m in matchers}
    if _names(set(ALWAYS), wanted) is None:
        return False

    def built() -> tuple[str, datetime] | None:
        state = derived_state(warehouse, COHORT_ROWS_STATE, project_id, ("events", "fingerprint", "built_at"))
        return state[1:] if state and wanted <= _kept(state) else None  # names not kept: no usable build

    def rebuild(current: str) -> None:
        kept = _kept(derived_state(warehouse, COHORT_ROWS_STATE, project_id, ("events",)))
        cohort_rows_rebuild(warehouse=warehouse, project_id=project_id, events=_names(kept, wanted), current=current)

    derived_refresh(warehouse=warehouse, table=COHORT_ROWS.name, project_id=project_id,
                    fingerprint=lambda: fingerprint(warehouse, project_id), built=built,
                    only_events_moved=only_events_moved, rebuild=rebuild, refresh_after=REFRESH_AFTER)
    return True


def cohort_rows_reflect(*, warehouse: Warehouse, project_id: int) -> tuple[int, datetime] | None:
    """What the project's stored rows reflect: the event-log seq they include up to (the projection checkpoint
    they were built from) and when they were built (naive UTC); None before their first build."""
    state = derived_state(warehouse, COHORT_ROWS_STATE, project_id, ("fingerprint", "built_at"))
    if state is None:
        return None
    checkpoint = state[0].split("|", 1)[0].rsplit("@", 1)[-1]
    return (int(checkpoint) if checkpoint.isdigit() else 0), state[1]


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
    derived_replace(warehouse, table=COHORT_ROWS, state=COHORT_ROWS_STATE, project_id=project_id,
                    select=_select(warehouse, project_id, events),
                    state_values={"fingerprint": current, "events": json.dumps(sorted(events)),
                                  "built_at": datetime.now(UTC).replace(tzinfo=None)})


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
