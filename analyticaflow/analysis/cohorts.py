"""Cohorts: persons grouped by the calendar period of their first start event, and how many come back.

Definition: a person's cohort is the calendar day, ISO week (from Monday) or calendar month, in the project's
time zone, of their first-ever start event (default ``Signed Up``); the report covers the cohorts of every
period touching the date range, each with its whole period. ``retention[k]`` is the share of the whole cohort
with at least one return event (default ``Order Completed``) in calendar period cohort + k, events before the
person's start (in timeline order: time, then log seq) being ignored, for k = 0..N. Revenue per member is the
cohort's order revenue (merged orders, from the person's start on) in period cohort + k divided by the
cohort's size.

A cell is *complete* once its period has ended in the project's time zone at ``as_of``; a cell whose period
has not started yet has no values. The average row weighs each cohort by its size, over complete cells only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from analyticaflow.analysis.acquisition import Acquisition
from analyticaflow.analysis.cohort_rows import cohort_rows_ready, cohort_rows_reflect, stored_relations
from analyticaflow.analysis.money import convert, foreign_columns, person_orders_sql
from analyticaflow.analysis.steps import EventMatcher, prefilter_sql
from analyticaflow.reports.currency import RateBook
from analyticaflow.reports.periods import ONE_DAY, Period, bucket_start, local_day, local_midnight_utc, next_bucket
from analyticaflow.reports.sqlparts import Params
from analyticaflow.reports.sqlparts import local_day as local_day_sql
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.dialects import Dialect
from analyticaflow.warehouse.sql import Sql

COHORT_GRANULARITIES = ("day", "week", "month")
DEFAULT_PERIODS = {"day": 30, "week": 12, "month": 12}
SIGNED_UP = EventMatcher("track", "Signed Up")
ORDER_COMPLETED = EventMatcher("track", "Order Completed")


@dataclass(frozen=True, slots=True)
class CohortQuery:
    project_id: int
    period: Period  # cohorts of the periods touching these local dates
    granularity: str
    periods: int  # N: cells k = 0..N
    as_of: datetime  # naive UTC: what has been observed
    currency: str
    start: EventMatcher = SIGNED_UP
    returning: EventMatcher = ORDER_COMPLETED
    acquired: Acquisition | None = None  # only the persons acquired through this ad account (read live)


@dataclass(frozen=True, slots=True)
class Cell:
    k: int
    period_start: date
    observed: bool  # the period has started
    complete: bool  # the period has ended
    persons: int | None
    retention: float | None
    revenue: float | None
    revenue_per_member: float | None


@dataclass(frozen=True, slots=True)
class CohortRow:
    cohort: date
    size: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class AverageCell:
    k: int
    cohorts: int  # cohorts whose cell k is complete
    members: int
    retention: float | None
    revenue_per_member: float | None


@dataclass(frozen=True, slots=True)
class CohortResult:
    rows: tuple[CohortRow, ...]
    average: tuple[AverageCell, ...]
    warnings: list[dict] = field(default_factory=list)
    # Read from the stored rows: (log seq they include up to, when they were built); None: read the events live.
    stored_through: tuple[int, datetime] | None = None


def advance(start: date, granularity: str, k: int) -> date:
    """The first day of the k-th bucket after the bucket starting ``start``."""
    if granularity == "day":
        return start + timedelta(days=k)
    if granularity == "week":
        return start + timedelta(weeks=k)
    month = start.month - 1 + k
    return start.replace(year=start.year + month // 12, month=month % 12 + 1, day=1)


def cohort_keys(query: CohortQuery) -> list[date]:
    """Every cohort period touching the range (whole periods: a month cohort holds the whole month)."""
    keys, key = [], bucket_start(query.period.date_from, query.granularity)
    while key <= query.period.date_to:
        keys.append(key)
        key = next_bucket(key, query.granularity)
    return keys


def _period_index(granularity: str, cohort: str, day: str) -> str:
    if granularity == "day":
        return f"date_diff('day', {cohort}, {day})"
    if granularity == "week":
        return f"CAST(date_diff('day', {cohort}, {day}) / 7 AS BIGINT)"
    return f"(year({day}) * 12 + month({day})) - (year({cohort}) * 12 + month({cohort}))"


def _span(query: CohortQuery, keys: list[date]) -> Period:
    """Local dates from the first cohort to the end of the last cell: the SQL's time-zone segments cover them."""
    last = next_bucket(advance(keys[-1], query.granularity, query.periods), query.granularity) - ONE_DAY
    return Period(keys[0], last, query.period.timezone)


def general_relations(dialect: Dialect, params: Params, query: CohortQuery, *, project: str, cohort_start: str,
                      cohort_end: str, horizon: str, first_day: str) -> tuple[str, str, str]:
    """The cohort query's inputs read from the projected events: (person_id, k0, t0) of every person whose
    first-ever start event is in the cohorts' span; (person_id, at, seq) of the return events from the first
    cohort on; the persons' orders (person_id, ordered_at, revenue, currency).

    Each scan has its own event name pushed into the table scan (one scan with an OR of both kinds reads every
    row of the shared type)."""
    starts = f"""
        SELECT e.person_id AS person_id, min({dialect.order_key("e.event_datetime", "e.seq")}) AS k0,
               min(e.event_datetime) AS t0
        FROM events AS e
        WHERE e.project_id = {project} AND e.person_id IS NOT NULL AND e.event_datetime < {cohort_end}
          AND {prefilter_sql((query.start,), params)} AND {query.start.sql(dialect, params)}
        GROUP BY e.person_id
        HAVING min(e.event_datetime) >= {cohort_start}"""
    returns = f"""
        SELECT e.person_id AS person_id, e.event_datetime AS at, e.seq AS seq
        FROM events AS e
        WHERE e.project_id = {project} AND e.person_id IS NOT NULL AND e.event_datetime >= {cohort_start}
          AND e.event_datetime < {horizon} AND e.event_date >= {first_day}
          AND {prefilter_sql((query.returning,), params)} AND {query.returning.sql(dialect, params)}"""
    return starts, returns, person_orders_sql(dialect, params, project_marker=project)


def cohort_sql(dialect: Dialect, query: CohortQuery, keys: list[date], *, stored: bool = False) -> Sql:
    """Rows (kind, cohort, k, persons, fx_currency, fx_day, revenue, orders): kind 'size' (k = -1), 'return'
    (distinct returning persons) or 'revenue'. ``stored``: read the derived ``analysis_cohort_rows`` (integer
    person keys; the caller made them current) instead of the events, for the same answer."""
    params = Params()
    span = _span(query, keys)
    p = params.add(query.project_id, "p")
    g = query.granularity
    bounds = {"project": p, "cohort_start": params.add(local_midnight_utc(keys[0], span.zone), "ts"),
              "cohort_end": params.add(local_midnight_utc(next_bucket(keys[-1], g), span.zone), "ts"),
              "horizon": params.add(span.end, "ts")}
    if stored:
        starts, returns, orders = stored_relations(dialect, params, start=query.start, returning=query.returning,
                                                   **bounds)
    else:
        first_day = params.add(local_midnight_utc(keys[0], span.zone).date(), "d")
        starts, returns, orders = general_relations(dialect, params, query, first_day=first_day, **bounds)
    start_day = local_day_sql(dialect, "s.t0", span, params)
    return_day = local_day_sql(dialect, "r.at", span, params)
    order_day = local_day_sql(dialect, "o.ordered_at", span, params)
    max_k = params.add(query.periods, "n")
    fx = foreign_columns(currency_expr="o.currency", day_expr=order_day,
                         reporting_marker=params.add(query.currency.upper(), "cur"))
    acquired = ""
    if query.acquired is not None:
        acquired = f"WHERE s.person_id IN ({query.acquired.persons_sql(dialect, params, project_marker=p)})"
    text = f"""
        WITH cohort AS (
            SELECT s.person_id AS person_id, s.k0 AS k0, s.t0 AS t0, {dialect.bucket_start(g, start_day)} AS cs
            FROM ({starts}) AS s {acquired}
        ), returned AS (
            SELECT DISTINCT r.person_id AS person_id, co.cs AS cs,
                   {_period_index(g, "co.cs", dialect.bucket_start(g, return_day))} AS k
            FROM ({returns}) AS r
            INNER JOIN cohort AS co ON co.person_id = r.person_id
            WHERE {dialect.order_key("r.at", "r.seq")} >= co.k0
        ), spent AS (
            SELECT co.cs AS cs, {_period_index(g, "co.cs", dialect.bucket_start(g, order_day))} AS k, {fx},
                   o.revenue AS revenue
            FROM {_relation(orders)} AS o
            INNER JOIN cohort AS co ON co.person_id = o.person_id
            WHERE o.ordered_at >= co.t0 AND o.ordered_at < {bounds["horizon"]}
        )
        SELECT 'size' AS kind, cs, -1 AS k, count(*) AS persons, '' AS fx_currency, NULL AS fx_day,
               0.0 AS revenue, 0 AS orders
        FROM cohort GROUP BY cs
        UNION ALL
        SELECT 'return' AS kind, cs, k, count(*) AS persons, '' AS fx_currency, NULL AS fx_day,
               0.0 AS revenue, 0 AS orders
        FROM returned WHERE k <= {max_k} GROUP BY cs, k
        UNION ALL
        SELECT 'revenue' AS kind, cs, k, 0 AS persons, fx_currency, fx_day, sum(revenue) AS revenue,
               count(*) AS orders
        FROM spent WHERE k <= {max_k} GROUP BY cs, k, fx_currency, fx_day
    """
    return params.sql(text)


def _relation(text: str) -> str:
    text = text.strip()
    return text if text.startswith("(") else f"({text})"


def cohort_run(*, warehouse: Warehouse, query: CohortQuery, rates: RateBook, stored: bool = True) -> CohortResult:
    """The report. ``stored`` (default) reads the derived integer-keyed rows (``cohort_rows``) when they can
    serve the query's events, bringing them up to date first; False always reads the events."""
    keys = cohort_keys(query)
    if not keys:
        return CohortResult(rows=(), average=())
    # The stored rows key persons by integers; the account filter names them by id, so it reads the events.
    stored = stored and query.acquired is None and cohort_rows_ready(warehouse=warehouse, project_id=query.project_id,
                                          matchers=(query.start, query.returning))
    stored_through = cohort_rows_reflect(warehouse=warehouse, project_id=query.project_id) if stored else None
    sizes: dict[date, int] = {}
    returns: dict[tuple[date, int], int] = {}
    money_rows = []
    for kind, cohort, k, persons, fx_currency, fx_day, revenue, orders in warehouse.query(
            cohort_sql(warehouse.dialect, query, keys, stored=stored)):
        if kind == "size":
            sizes[cohort] = int(persons)
        elif kind == "return":
            returns[(cohort, int(k))] = int(persons)
        else:
            money_rows.append(((cohort, int(k)), fx_currency, fx_day, revenue, orders))
    money = convert(money_rows, rates)
    today = local_day(query.period.zone, query.as_of)
    rows = []
    for cohort in keys:
        size = sizes.get(cohort, 0)
        cells = []
        for k in range(query.periods + 1):
            start = advance(cohort, query.granularity, k)
            observed = start <= today
            complete = next_bucket(start, query.granularity) <= today
            persons = returns.get((cohort, k), 0) if observed else None
            revenue = round(money.amounts.get((cohort, k), 0.0), 6) if observed else None
            cells.append(Cell(
                k=k, period_start=start, observed=observed, complete=complete, persons=persons,
                retention=persons / size if observed and size else None,
                revenue=revenue,
                revenue_per_member=revenue / size if observed and size else None,
            ))
        rows.append(CohortRow(cohort=cohort, size=size, cells=tuple(cells)))
    return CohortResult(rows=tuple(rows), average=_average(rows, query.periods),
                        warnings=money.warnings(reporting=query.currency, left_out="the cohorts' revenue"),
                        stored_through=stored_through)


def _average(rows: list[CohortRow], periods: int) -> tuple[AverageCell, ...]:
    average = []
    for k in range(periods + 1):
        counted = [(row.size, row.cells[k]) for row in rows if row.cells[k].complete and row.size]
        members = sum(size for size, _ in counted)
        persons = sum(cell.persons or 0 for _, cell in counted)
        revenue = sum(cell.revenue or 0.0 for _, cell in counted)
        average.append(AverageCell(k=k, cohorts=len(counted), members=members,
                                   retention=persons / members if members else None,
                                   revenue_per_member=revenue / members if members else None))
    return tuple(average)
