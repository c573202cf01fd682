"""Funnels: how many persons go through ordered steps, how fast, and who drops out where.

Definition: a person enters with their first step-1 event in the period (project time zone); they reach step k
when they did a step-k event after the event that took them to step k-1 and within the conversion window
from their entry (``t_k - t_1 ≤ window``: exactly the window still counts). "After" is the person's timeline
order across devices — time, then arrival (log seq) for events at the same instant — so every step is a
different event, and an event matching two steps can serve either. Taking the earliest qualifying event at
each step is optimal: an earlier choice never closes a later step.

The SQL is set-based and the same on DuckDB and ClickHouse: one scan of the steps' events, then one join and
aggregation per step over the persons still in the funnel, carrying ``(k_i, t_i)`` — the timeline key (see
``Dialect.order_key``) and the epoch microseconds of the event reaching step i.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from analyticaflow.analysis.acquisition import Acquisition
from analyticaflow.analysis.breakdowns import BREAKDOWNS, NO_BREAKDOWN, entry_breakdown, epoch_micros
from analyticaflow.analysis.grouping import GroupMap
from analyticaflow.analysis.steps import EventMatcher, prefilter_sql
from analyticaflow.reports.periods import Period
from analyticaflow.reports.sqlparts import Params
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.dialects import Dialect
from analyticaflow.warehouse.sql import Sql

DEFAULT_WINDOW = timedelta(days=7)
MICROS = 1_000_000


@dataclass(frozen=True, slots=True)
class FunnelQuery:
    project_id: int
    period: Period
    steps: tuple[EventMatcher, ...]
    window: timedelta = DEFAULT_WINDOW
    breakdown: str | None = None  # see breakdowns.BREAKDOWNS
    breakdown_property: str | None = None
    breakdown_limit: int = 10
    group_map: GroupMap = field(default_factory=GroupMap)  # the project's channel groups
    acquired: Acquisition | None = None  # only the persons acquired through this ad account


@dataclass(frozen=True, slots=True)
class DroppedQuery:
    """Persons who reached step ``step - 1`` but not ``step`` (1-based), by person id after ``after``."""

    step: int
    limit: int = 50
    after: str | None = None
    group: str | None = None  # only persons of this breakdown value


@dataclass(frozen=True, slots=True)
class StepStats:
    step: int
    label: str
    persons: int
    conversion_from_previous: float | None
    conversion_from_first: float | None
    dropped: int  # reached the previous step, not this one
    median_seconds_from_previous: float | None


@dataclass(frozen=True, slots=True)
class FunnelGroup:
    value: str
    steps: tuple[StepStats, ...]


@dataclass(frozen=True, slots=True)
class DroppedPerson:
    person_id: str
    entered_at_us: int
    last_step_at_us: int


@dataclass(frozen=True, slots=True)
class FunnelResult:
    steps: tuple[StepStats, ...]
    groups: tuple[FunnelGroup, ...] = ()
    group_count: int = 0  # distinct breakdown values (groups holds the biggest breakdown_limit of them)
    dropped: tuple[DroppedPerson, ...] = ()
    dropped_next: str | None = None
    extra: dict = field(default_factory=dict)


# --- SQL -----------------------------------------------------------------------------------------------------
def _chain(dialect: Dialect, query: FunnelQuery, params: Params) -> tuple[str, str]:
    """``WITH`` ev, f1 [, fb], f2 ... fN: one row per entered person with k_i/t_i (NULL once not reached)."""
    period, n = query.period, len(query.steps)
    window_us = query.window // timedelta(microseconds=1)
    last = period.end + query.window
    p = params.add(query.project_id, "p")
    flags = ", ".join(
        f"CASE WHEN {step.sql(dialect, params)} THEN 1 ELSE 0 END AS s{i}" for i, step in enumerate(query.steps, 1)
    )
    any_step = " OR ".join(step.sql(dialect, params) for step in query.steps)
    kind = BREAKDOWNS.get(query.breakdown) if query.breakdown else None
    acquired = ""
    if query.acquired is not None:
        acquired = f"AND e.person_id IN ({query.acquired.persons_sql(dialect, params, project_marker=p)})"
    carried_value = ""
    if kind is not None and kind.on_entry_event:
        carried_value = f", {kind.entry_event_sql(dialect, params, query.breakdown_property)} AS bv"
    ev = f"""
        ev AS (
            SELECT e.person_id AS person_id, {dialect.order_key("e.event_datetime", "e.seq")} AS k,
                   {dialect.epoch_micros("e.event_datetime")} AS t, {flags}{carried_value}
            FROM events AS e
            WHERE e.project_id = {p} AND e.person_id IS NOT NULL
              AND e.event_date >= {params.add(period.start.date(), "d")}
              AND e.event_date <= {params.add(last.date(), "d")}
              AND e.event_datetime >= {params.add(period.start, "ts")}
              AND e.event_datetime < {params.add(last, "ts")}
              AND {prefilter_sql(query.steps, params)}
              AND ({any_step}) {acquired}
        )"""
    start_us = params.add(epoch_micros(period.start), "us")
    end_us = params.add(epoch_micros(period.end), "us")
    entry_value = ", argMin(bv, k) AS bv" if carried_value else ""
    ctes = [
        ev,
        f"""
        f1 AS (
            SELECT person_id, min(k) AS k1, min(t) AS t1{entry_value}
            FROM ev WHERE s1 = 1 AND t >= {start_us} AND t < {end_us}
            GROUP BY person_id
        )""",
    ]
    previous = "f1"
    if kind is not None and not kind.on_entry_event:
        ctes.append(entry_breakdown(dialect, params, kind=kind, groups=query.group_map, entered="f1", project_marker=p))
        previous = "fb"
    has_value = kind is not None
    w = params.add(window_us, "w")
    for i in range(2, n + 1):
        carried = ", ".join(f"min(f.k{j}) AS k{j}, min(f.t{j}) AS t{j}" for j in range(1, i))
        value = ", min(f.bv) AS bv" if has_value else ""
        reach = f"e.k > f.k{i - 1} AND e.t <= f.t1 + {w}"
        ctes.append(f"""
        f{i} AS (
            SELECT f.person_id AS person_id, {carried}{value},
                   min(CASE WHEN {reach} THEN e.k END) AS k{i},
                   min(CASE WHEN {reach} THEN e.t END) AS t{i}
            FROM {previous} AS f
            LEFT JOIN (SELECT person_id, k, t FROM ev WHERE s{i} = 1) AS e ON e.person_id = f.person_id
            GROUP BY f.person_id
        )""")
        previous = f"f{i}"
    return "WITH " + ",".join(ctes), previous


def summary_sql(dialect: Dialect, query: FunnelQuery, *, grouped: bool) -> Sql:
    """Persons and median seconds per step: one row overall, or one row per breakdown value (biggest first)."""
    params = Params()
    chain, last = _chain(dialect, query, params)
    n = len(query.steps)
    counts = ", ".join(["count(*) AS n1", *(f"count(t{i}) AS n{i}" for i in range(2, n + 1))])
    medians = ", ".join(f"{dialect.median(f't{i} - t{i - 1}')} AS m{i}" for i in range(2, n + 1))
    if not grouped:
        return params.sql(f"{chain} SELECT '' AS grp, {counts}, {medians} FROM {last}")
    limit = params.add(query.breakdown_limit, "lim")
    return params.sql(f"""{chain}
        SELECT grp, {", ".join([f"n{i}" for i in range(1, n + 1)] + [f"m{i}" for i in range(2, n + 1)])}, groups
        FROM (
            SELECT bv AS grp, {counts}, {medians}, count(*) OVER () AS groups
            FROM {last} GROUP BY bv
        ) AS g
        ORDER BY n1 DESC, grp
        LIMIT {limit}
    """)


def dropped_sql(dialect: Dialect, query: FunnelQuery, dropped: DroppedQuery) -> Sql:
    params = Params()
    chain, last = _chain(dialect, query, params)
    k = dropped.step
    conditions = [f"t{k - 1} IS NOT NULL", f"t{k} IS NULL"]
    if dropped.after is not None:
        conditions.append(f"person_id > {params.add(dropped.after, 'after')}")
    if dropped.group is not None and query.breakdown:
        conditions.append(f"bv = {params.add(dropped.group, 'grp')}")
    return params.sql(f"""{chain}
        SELECT person_id, t1, t{k - 1} FROM {last}
        WHERE {" AND ".join(conditions)}
        ORDER BY person_id
        LIMIT {params.add(dropped.limit + 1, "lim")}
    """)


# --- running ------------------------------------------------------------------------------------------------
def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _seconds(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if value != value else value / MICROS  # NaN: ClickHouse's median of nothing


def _steps(query: FunnelQuery, row: tuple) -> tuple[StepStats, ...]:
    n = len(query.steps)
    counts = [int(row[i]) for i in range(1, n + 1)]
    medians = [None, *(_seconds(row[n + i - 1]) for i in range(2, n + 1))]
    stats = []
    for i, step in enumerate(query.steps):
        persons = counts[i]
        before = counts[i - 1] if i else None
        stats.append(
            StepStats(
                step=i + 1,
                label=step.label,
                persons=persons,
                conversion_from_previous=None if before is None else _ratio(persons, before),
                conversion_from_first=_ratio(persons, counts[0]),
                dropped=0 if before is None else before - persons,
                median_seconds_from_previous=medians[i],
            )
        )
    return tuple(stats)


def funnel_run(*, warehouse: Warehouse, query: FunnelQuery, dropped: DroppedQuery | None = None) -> FunnelResult:
    """The funnel overall, per breakdown value (when asked) and one page of dropped persons (when asked)."""
    dialect = warehouse.dialect
    (total,) = warehouse.query(summary_sql(dialect, query, grouped=False))
    groups: tuple[FunnelGroup, ...] = ()
    group_count = 0
    if query.breakdown and query.breakdown != NO_BREAKDOWN:
        rows = warehouse.query(summary_sql(dialect, query, grouped=True))
        groups = tuple(FunnelGroup(value=str(row[0]), steps=_steps(query, row)) for row in rows)
        group_count = int(rows[0][-1]) if rows else 0
    persons: tuple[DroppedPerson, ...] = ()
    next_cursor = None
    if dropped is not None:
        rows = warehouse.query(dropped_sql(dialect, query, dropped))
        page = rows[: dropped.limit]
        persons = tuple(DroppedPerson(str(r[0]), int(r[1]), int(r[2])) for r in page)
        next_cursor = persons[-1].person_id if len(rows) > dropped.limit and persons else None
    return FunnelResult(
        steps=_steps(query, total), groups=groups, group_count=group_count, dropped=persons, dropped_next=next_cursor
    )
