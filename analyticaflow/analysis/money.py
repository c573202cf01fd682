"""Orders per person and their money in the reporting currency, for cohorts and LTV.

Orders are the merged orders (``channeldata.orders.merged_orders``: event orders and shop orders, one per
order id, cancelled shop orders left out) of persons: a shop order naming a member of a merged person counts
for that person (``identity_map``). Amounts in the project's currency (or without one) are summed in SQL; the
others come back per (currency, local day) and are converted here with the project's exchange rates, rows
without a rate being left out and named in a ``missing_exchange_rate`` warning (``reports.currency``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date

from analyticaflow.channeldata.orders import merged_orders
from analyticaflow.reports.currency import RateBook, Uncovered, missing_rate_warnings
from analyticaflow.reports.sqlparts import Params
from analyticaflow.warehouse.dialects import Dialect


def person_orders_sql(dialect: Dialect, params: Params, *, project_marker: str) -> str:
    """A relation of the project's orders: person_id, order_id, ordered_at, revenue (float), currency."""
    merged = merged_orders(dialect, event_where=f"e.project_id = {project_marker}",
                           shop_where=f"s.project_id = {project_marker}")
    return f"""(
        SELECT coalesce(im.person_id, m.person_id) AS person_id, m.order_id AS order_id,
               m.ordered_at AS ordered_at, m.revenue AS revenue, upper(coalesce(m.currency, '')) AS currency
        FROM ({merged.text}) AS m
        LEFT JOIN (SELECT distinct_id, person_id FROM identity_map WHERE project_id = {project_marker}) AS im
          ON im.distinct_id = m.person_id
        WHERE m.person_id IS NOT NULL
    )"""


def foreign_columns(*, currency_expr: str, day_expr: str, reporting_marker: str) -> str:
    """SQL columns ``fx_currency, fx_day``: '' and NULL for amounts in the reporting currency."""
    foreign = f"{currency_expr} NOT IN ('', {reporting_marker})"
    return (f"CASE WHEN {foreign} THEN {currency_expr} ELSE '' END AS fx_currency, "
            f"CASE WHEN {foreign} THEN {day_expr} END AS fx_day")


@dataclass(slots=True)
class Converted:
    """Summed amounts per key in the reporting currency, and what could not be converted."""

    amounts: dict[Hashable, float] = field(default_factory=lambda: defaultdict(float))
    missing: list[Uncovered] = field(default_factory=list)

    def warnings(self, *, reporting: str, left_out: str) -> list[dict]:
        merged: dict[tuple[str, date], Uncovered] = {}
        for item in self.missing:
            known = merged.get((item.currency, item.day))
            merged[(item.currency, item.day)] = item if known is None else Uncovered(
                item.currency, item.day, known.rows + item.rows, float(known.amount) + float(item.amount))
        return missing_rate_warnings(list(merged.values()), reporting=reporting, data="order", left_out=left_out,
                                     period="current")


def convert(rows: Iterable[tuple[Hashable, str, date | None, float, int]], book: RateBook) -> Converted:
    """Rows of (key, fx_currency, fx_day, amount, order count) → amounts per key in the reporting currency."""
    result = Converted()
    for key, currency, day, amount, count in rows:
        if not currency:
            result.amounts[key] += float(amount or 0)
            continue
        rate = book.rate(currency, day)
        if rate is None:
            result.missing.append(Uncovered(currency, day, int(count), float(amount or 0)))
        else:
            result.amounts[key] += float(amount or 0) * float(rate)
    return result
