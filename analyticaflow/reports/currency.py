"""Money in the reporting currency: the user's exchange rates, which rows they convert, and the warnings
for rows they cannot. Pure functions.

A rate says how much one unit of ``currency`` is worth in the project's reporting currency from
``valid_from`` on, until the next rate of that currency. A row is converted with the rate valid on its date
(ad platforms' days; orders' local days in the project's time zone). Rows in another currency without a
rate are **left out** of the report — all of their numbers, so every ratio stays consistent — and the
response carries a ``missing_exchange_rate`` warning naming the currency, the dates and the amount left out.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Rate:
    currency: str
    valid_from: date
    rate: Decimal


class RateBook:
    def __init__(self, reporting: str, rates: Iterable[Rate] = ()) -> None:
        self.reporting = reporting
        by_currency: dict[str, list[Rate]] = {}
        for rate in rates:
            by_currency.setdefault(rate.currency, []).append(rate)
        self._starts = {c: [r.valid_from for r in sorted(rs, key=lambda r: r.valid_from)]
                        for c, rs in by_currency.items()}
        self._rates = {c: [r.rate for r in sorted(rs, key=lambda r: r.valid_from)] for c, rs in by_currency.items()}

    def rate(self, currency: str, day: date) -> Decimal | None:
        if currency == self.reporting:
            return Decimal(1)
        starts = self._starts.get(currency)
        if not starts:
            return None
        index = bisect_right(starts, day)
        return self._rates[currency][index - 1] if index else None

    def constant_rate(self, currency: str, date_from: date, date_to: date) -> Decimal | None:
        """The one rate valid on every day of ``[date_from, date_to]``, or None (no rate on some day, or the
        rate changes inside the range)."""
        rate = self.rate(currency, date_from)
        if rate is None or currency == self.reporting:
            return rate
        starts = self._starts[currency]
        if bisect_right(starts, date_to) != bisect_right(starts, date_from):
            return None
        return rate

    @property
    def empty(self) -> bool:
        return not self._starts


@dataclass(frozen=True, slots=True)
class Uncovered:
    """Rows of one currency and day that reports would convert: how many and how much."""

    currency: str
    day: date
    rows: int
    amount: Decimal | float


@dataclass(frozen=True, slots=True)
class ConversionPlan:
    rates: list[tuple[str, date, float]]  # the (currency, day) pairs to convert and their rates
    missing: list[Uncovered]  # pairs with no rate: left out


def plan_conversion(book: RateBook, foreign: Iterable[Uncovered]) -> ConversionPlan:
    rates: list[tuple[str, date, float]] = []
    missing: list[Uncovered] = []
    for item in foreign:
        rate = book.rate(item.currency, item.day)
        if rate is None:
            missing.append(item)
        else:
            rates.append((item.currency, item.day, float(rate)))
    return ConversionPlan(rates, missing)


def _ranges(days: list[date]) -> list[tuple[date, date]]:
    ranges: list[tuple[date, date]] = []
    for day in sorted(days):
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def missing_rate_warnings(missing: list[Uncovered], *, reporting: str, data: str, left_out: str,
                          period: str) -> list[dict]:
    """One warning per currency: which dates lack a rate and what was left out of the report."""
    by_currency: dict[str, list[Uncovered]] = {}
    for item in missing:
        by_currency.setdefault(item.currency, []).append(item)
    warnings = []
    for currency, items in sorted(by_currency.items()):
        ranges = _ranges([i.day for i in items])
        amount = round(float(sum(Decimal(str(i.amount)) for i in items)), 6)
        rows = sum(i.rows for i in items)
        spans = ", ".join(str(a) if a == b else f"{a} to {b}" for a, b in ranges)
        warnings.append({
            "code": "missing_exchange_rate",
            "message": (f"No exchange rate {currency}→{reporting} for {spans} ({period} period): {rows} {data} "
                        f"row(s) worth {amount:,.2f} {currency} are left out of {left_out}. Add the rates under "
                        "exchange rates."),
            "currency": currency,
            "period": period,
            "data": data,
            "date_ranges": [[a.isoformat(), b.isoformat()] for a, b in ranges],
            "rows": rows,
            "amount": amount,
        })
    return warnings
