"""Customer lifetime value per acquisition channel, with CAC, the LTV/CAC ratio and the payback month.

Definitions: customers are persons with at least one order (merged orders; guests included), acquired in the
range when their first-ever order's local date falls in it. Month offsets are calendar months in the project's
time zone from the customer's first order (the first order's month is month 0). For m = 0..N:

- ``ltv[m]`` = revenue of the customers' orders with offset ≤ m / number of customers;
- ``ltv_observable[m]``: the same over only the customers observable for m months, those whose month m has
  ended at ``as_of`` (a customer acquired in March is observable for month 1 once April is over).

The acquisition channel is the channel of the person's first-ever touchpoint (``direct`` without one), or its
channel group. CAC = the range's ad spend of the channel / its customers acquired in the range; the ratio and
the payback month (the first m with ``ltv_observable[m] ≥ CAC``) use the observable curve, so a channel whose
customers pay back slowly is not judged on months its recent customers have not lived yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from analyticaflow.analysis.acquisition import Acquisition
from analyticaflow.analysis.grouping import GroupMap
from analyticaflow.analysis.money import convert, foreign_columns, person_orders_sql
from analyticaflow.reports.currency import RateBook
from analyticaflow.reports.periods import ONE_DAY, Period, local_day, local_midnight_utc
from analyticaflow.reports.sqlparts import Params
from analyticaflow.reports.sqlparts import local_day as local_day_sql
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.dialects import Dialect
from analyticaflow.warehouse.sql import Sql

LTV_GROUPINGS = ("channel", "channel_group")
DEFAULT_MONTHS = 12
ALL = "all"


@dataclass(frozen=True, slots=True)
class LtvQuery:
    project_id: int
    period: Period  # customers whose first order's local date is in it
    months: int  # N
    as_of: datetime  # naive UTC
    currency: str
    by: str = "channel"
    group_map: GroupMap = field(default_factory=GroupMap)  # for by = channel_group
    acquired: Acquisition | None = None  # only the customers acquired through this ad account


@dataclass(frozen=True, slots=True)
class LtvCurve:
    key: str  # a channel or channel group; "all" overall
    customers: int
    ltv: tuple[float | None, ...]
    observable_customers: tuple[int, ...]
    ltv_observable: tuple[float | None, ...]
    spend: float | None
    cac: float | None
    ltv_cac: float | None
    ltv_cac_month: int | None
    payback_month: int | None


@dataclass(frozen=True, slots=True)
class LtvResult:
    overall: LtvCurve
    groups: tuple[LtvCurve, ...]
    warnings: list[dict] = field(default_factory=list)


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_index_sql(day: str) -> str:
    return f"(year({day}) * 12 + month({day}) - 1)"


def _span(query: LtvQuery) -> Period:
    """Local dates from the range's start to the end of month N after its last month."""
    last = query.period.date_to.replace(day=1)
    month = last.month - 1 + query.months + 1
    end = last.replace(year=last.year + month // 12, month=month % 12 + 1) - ONE_DAY
    return Period(query.period.date_from, end, query.period.timezone)


def ltv_sql(dialect: Dialect, query: LtvQuery) -> Sql:
    """Rows (kind, key, m, obs, customers, fx_currency, fx_day, revenue, orders): kind 'customers' (per key and
    last observable month ``obs``) or 'revenue' (per key, month offset m and obs)."""
    params = Params()
    span = _span(query)
    p = params.add(query.project_id, "p")
    start = params.add(local_midnight_utc(query.period.date_from, span.zone), "ts")
    end = params.add(local_midnight_utc(query.period.date_to + ONE_DAY, span.zone), "ts")
    horizon = params.add(span.end, "ts")
    now_month = params.add(month_index(local_day(span.zone, query.as_of)), "now")
    key_expr = "tp.channel" if query.by == "channel" else query.group_map.sql(params, "tp")
    first_day = local_day_sql(dialect, "f.first_at", span, params)
    order_day = local_day_sql(dialect, "o.ordered_at", span, params)
    fx = foreign_columns(currency_expr="o.currency", day_expr=order_day,
                         reporting_marker=params.add(query.currency.upper(), "cur"))
    orders = person_orders_sql(dialect, params, project_marker=p)
    acquired = ""
    if query.acquired is not None:
        acquired = f" AND person_id IN ({query.acquired.persons_sql(dialect, params, project_marker=p)})"
    text = f"""
        WITH o AS (
            SELECT person_id, ordered_at, revenue, currency FROM {orders} AS po WHERE po.ordered_at < {horizon}
        ), f AS (
            SELECT person_id, min(ordered_at) AS first_at FROM o GROUP BY person_id
            HAVING min(ordered_at) >= {start} AND min(ordered_at) < {end}{acquired}
        ), acquired AS (
            SELECT tp.person_id AS person_id,
                   argMin({key_expr}, {dialect.order_key("tp.touched_at", "tp.seq")}) AS key
            FROM touchpoints AS tp
            WHERE tp.project_id = {p} AND tp.person_id IN (SELECT person_id FROM f)
            GROUP BY tp.person_id
        ), c AS (
            SELECT f.person_id AS person_id, coalesce(nullIf(a.key, ''), 'direct') AS key,
                   {_month_index_sql(first_day)} AS m0
            FROM f LEFT JOIN acquired AS a ON a.person_id = f.person_id
        ), spent AS (
            SELECT c.key AS key, {_month_index_sql(order_day)} - c.m0 AS m, {now_month} - c.m0 - 1 AS obs, {fx},
                   o.revenue AS revenue
            FROM o INNER JOIN c ON c.person_id = o.person_id
        )
        SELECT 'customers' AS kind, key, -1 AS m, {now_month} - m0 - 1 AS obs, count(*) AS customers,
               '' AS fx_currency, NULL AS fx_day, 0.0 AS revenue, 0 AS orders
        FROM c GROUP BY key, obs
        UNION ALL
        SELECT 'revenue' AS kind, key, m, obs, 0 AS customers, fx_currency, fx_day, sum(revenue) AS revenue,
               count(*) AS orders
        FROM spent WHERE m <= {params.add(query.months, "n")} GROUP BY key, m, obs, fx_currency, fx_day
    """
    return params.sql(text)


def _curve(key: str, months: int, customers: Mapping[int, int], revenue: Mapping[tuple[int, int], float],
           spend: float | None) -> LtvCurve:
    """``customers``: obs → count; ``revenue``: (m, obs) → amount."""
    total = sum(customers.values())
    ltv, observable, ltv_obs = [], [], []
    for m in range(months + 1):
        upto = sum(amount for (month, _), amount in revenue.items() if month <= m)
        ltv.append(upto / total if total else None)
        seen = sum(count for obs, count in customers.items() if obs >= m)
        seen_revenue = sum(amount for (month, obs), amount in revenue.items() if month <= m and obs >= m)
        observable.append(seen)
        ltv_obs.append(seen_revenue / seen if seen else None)
    cac = spend / total if spend is not None and total else None
    last = max((m for m in range(months + 1) if observable[m]), default=None)
    ratio = ltv_obs[last] / cac if cac and last is not None else None
    payback = None
    if cac is not None:
        payback = next((m for m in range(months + 1) if ltv_obs[m] is not None and ltv_obs[m] >= cac), None)
    return LtvCurve(key=key, customers=total, ltv=tuple(ltv), observable_customers=tuple(observable),
                    ltv_observable=tuple(ltv_obs), spend=spend, cac=cac, ltv_cac=ratio,
                    ltv_cac_month=last if ratio is not None else None, payback_month=payback)


def ltv_run(*, warehouse: Warehouse, query: LtvQuery, rates: RateBook,
            spend: Mapping[str, float] | None = None) -> LtvResult:
    """``spend``: the range's ad spend per channel (or group) in the reporting currency, when known."""
    customers: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    money_rows = []
    for kind, key, m, obs, count, fx_currency, fx_day, revenue, orders in warehouse.query(
            ltv_sql(warehouse.dialect, query)):
        if kind == "customers":
            customers[key][int(obs)] += int(count)
        else:
            money_rows.append(((key, int(m), int(obs)), fx_currency, fx_day, revenue, orders))
    money = convert(money_rows, rates)
    by_key: dict[str, dict[tuple[int, int], float]] = defaultdict(dict)
    for (key, m, obs), amount in money.amounts.items():
        by_key[key][(m, obs)] = amount
    spend = dict(spend or {})
    groups = [_curve(key, query.months, customers[key], by_key.get(key, {}), spend.get(key))
              for key in sorted(set(customers) | set(spend), key=lambda k: (-sum(customers[k].values()), k))]
    everyone: dict[int, int] = defaultdict(int)
    for per_obs in customers.values():
        for obs, count in per_obs.items():
            everyone[obs] += count
    all_revenue: dict[tuple[int, int], float] = defaultdict(float)
    for amounts in by_key.values():
        for cell, amount in amounts.items():
            all_revenue[cell] += amount
    overall = _curve(ALL, query.months, everyone, all_revenue, sum(spend.values()) if spend else None)
    return LtvResult(overall=overall, groups=tuple(groups),
                     warnings=money.warnings(reporting=query.currency, left_out="the customers' revenue"))
