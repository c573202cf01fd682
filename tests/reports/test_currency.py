from __future__ import annotations

from datetime import date
from decimal import Decimal

from analyticaflow.reports.currency import (
    Rate,
    RateBook,
    Uncovered,
    missing_rate_warnings,
    plan_conversion,
)

BOOK = RateBook("EUR", [Rate("USD", date(2026, 3, 1), Decimal("0.9")), Rate("USD", date(2026, 3, 10),
                                                                            Decimal("0.8"))])


def test_a_rate_holds_from_its_day_until_the_next():
    assert BOOK.rate("USD", date(2026, 2, 28)) is None
    assert BOOK.rate("USD", date(2026, 3, 1)) == Decimal("0.9")
    assert BOOK.rate("USD", date(2026, 3, 9)) == Decimal("0.9")
    assert BOOK.rate("USD", date(2026, 3, 10)) == Decimal("0.8")
    assert BOOK.rate("USD", date(2027, 1, 1)) == Decimal("0.8")
    assert BOOK.rate("EUR", date(2000, 1, 1)) == Decimal(1)
    assert BOOK.rate("GBP", date(2026, 3, 5)) is None


def test_plan_converts_what_it_can_and_lists_the_rest():
    plan = plan_conversion(BOOK, [Uncovered("USD", date(2026, 2, 28), 2, Decimal("10")),
                                  Uncovered("USD", date(2026, 3, 10), 1, Decimal("5")),
                                  Uncovered("GBP", date(2026, 3, 1), 1, Decimal("7"))])
    assert plan.rates == [("USD", date(2026, 3, 10), 0.8)]
    assert [(m.currency, m.day) for m in plan.missing] == [("USD", date(2026, 2, 28)), ("GBP", date(2026, 3, 1))]


def test_warnings_join_consecutive_days_per_currency():
    missing = [Uncovered("USD", date(2026, 3, d), 1, Decimal("1.5")) for d in (1, 2, 3, 7)]
    [warning] = missing_rate_warnings(missing, reporting="EUR", data="ad spend", left_out="spend",
                                      period="current")
    assert warning["date_ranges"] == [["2026-03-01", "2026-03-03"], ["2026-03-07", "2026-03-07"]]
    assert warning["rows"] == 4 and warning["amount"] == 6.0
    assert warning["message"] == ("No exchange rate USD→EUR for 2026-03-01 to 2026-03-03, 2026-03-07 (current "
                                  "period): 4 ad spend row(s) worth 6.00 USD are left out of spend. Add the rates "
                                  "under exchange rates.")


def test_a_constant_rate_over_a_range():
    assert BOOK.constant_rate("USD", date(2026, 3, 1), date(2026, 3, 9)) == Decimal("0.9")
    assert BOOK.constant_rate("USD", date(2026, 3, 10), date(2026, 12, 31)) == Decimal("0.8")
    assert BOOK.constant_rate("USD", date(2026, 3, 5), date(2026, 3, 10)) is None  # the rate changes on the 10th
    assert BOOK.constant_rate("USD", date(2026, 2, 27), date(2026, 3, 2)) is None  # no rate before 1 March
    assert BOOK.constant_rate("EUR", date(2026, 1, 1), date(2026, 12, 31)) == Decimal(1)
    assert BOOK.constant_rate("GBP", date(2026, 1, 1), date(2026, 1, 2)) is None
