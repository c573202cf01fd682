"""Cohorts by hand-computed cases in New York time (DST starts 8 March 2026), on DuckDB and ClickHouse."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from analyticaflow.analysis.cohorts import CohortQuery, cohort_run
from analyticaflow.analysis.steps import EventMatcher
from analyticaflow.reports.currency import Rate, RateBook
from analyticaflow.reports.periods import Period
from tests.analysis.conftest import build_shop
from tests.projections.streams import identify, track

NY = "America/New_York"
AS_OF = datetime(2026, 3, 25, 12, 0)  # Wednesday 25 March, 08:00 in New York


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def order(who: dict, when: datetime, order_id: str, revenue: float, currency: str = "USD"):
    return track("Order Completed", timestamp=when, **who,
                 properties={"order_id": order_id, "revenue": revenue, "currency": currency})


def signup(who: dict, when: datetime):
    return track("Signed Up", timestamp=when, **who)


P1, P2, P3, P4, OLD = ({"anonymous_id": name} for name in ("p1", "p2", "p3", "p4", "old"))


@pytest.fixture(scope="module")
def cohort_shop(analysis_warehouse):
    return build_shop(analysis_warehouse, [
        # P1 signs up Sat 28 Feb 23:30 in New York (1 March 04:30 UTC): week of 23 Feb, February.
        signup(P1, utc(2026, 3, 1, 4, 30)),
        order(P1, utc(2026, 3, 2, 14), "a", 10),  # Mon 2 March: week +1
        order(P1, utc(2026, 3, 9, 3, 30), "b", 20),  # Sun 8 March 23:30 EDT: still week +1
        # P2: an order before signing up does not count; signs up Tue 3 March.
        order(P2, utc(2026, 3, 1, 12), "c", 99),
        signup(P2, utc(2026, 3, 3, 15)),
        order(P2, utc(2026, 4, 1, 3), "d", 30),  # Tue 31 March 23:00 EDT: March, week of 30 March (+4)
        # P3 signs up twice: only the first counts.
        signup(P3, utc(2026, 3, 4, 15)),
        signup(P3, utc(2026, 3, 10, 15)),
        # P4: an order at the very instant of the sign-up but logged before it comes before the start.
        order({"user_id": "U4"}, utc(2026, 3, 5, 12), "e", 0),
        signup(P4, utc(2026, 3, 5, 12)),
        identify(anonymous_id="p4", user_id="U4", timestamp=utc(2026, 3, 5, 12, 1)),
        order({"user_id": "U4"}, utc(2026, 3, 20, 14), "f", 40),  # Fri 20 March: week +2
        # OLD's first sign-up is before the range: not a member of a later cohort.
        signup(OLD, utc(2026, 1, 10, 12)),
        signup(OLD, utc(2026, 3, 3, 12)),
    ])


def query(shop, granularity: str, date_from: date, date_to: date, periods: int, **kw) -> CohortQuery:
    return CohortQuery(project_id=shop.project_id, period=Period(date_from, date_to, NY), granularity=granularity,
                       periods=periods, as_of=AS_OF, currency="USD", **kw)


def run(shop, q: CohortQuery, rates: RateBook | None = None):
    return cohort_run(warehouse=shop.warehouse, query=q, rates=rates or RateBook("USD"))


def test_weekly_cohorts_retention_revenue_and_observation(cohort_shop):
    result = run(cohort_shop, query(cohort_shop, "week", date(2026, 3, 1), date(2026, 3, 8), 4))
    assert [(r.cohort, r.size) for r in result.rows] == [(date(2026, 2, 23), 1), (date(2026, 3, 2), 3)]
    feb23, mar2 = result.rows
    assert [c.persons for c in feb23.cells] == [0, 1, 0, 0, 0]
    assert [c.revenue for c in feb23.cells] == [0, 30, 0, 0, 0]
    assert [c.complete for c in feb23.cells] == [True, True, True, True, False]
    assert [c.period_start for c in feb23.cells] == [date(2026, 2, 23), date(2026, 3, 2), date(2026, 3, 9),
                                                     date(2026, 3, 16), date(2026, 3, 23)]
    assert [c.persons for c in mar2.cells] == [0, 0, 1, 0, None]  # 30 March has not begun on 25 March
    assert [c.retention for c in mar2.cells] == [0, 0, 1 / 3, 0, None]
    assert [c.revenue_per_member for c in mar2.cells] == [0, 0, 40 / 3, 0, None]
    assert [(c.observed, c.complete) for c in mar2.cells] == [
        (True, True), (True, True), (True, True), (True, False), (False, False)]
    assert [(a.k, a.cohorts, a.members, a.retention, a.revenue_per_member) for a in result.average] == [
        (0, 2, 4, 0.0, 0.0), (1, 2, 4, 0.25, 7.5), (2, 2, 4, 0.25, 10.0), (3, 1, 1, 0.0, 0.0),
        (4, 0, 0, None, None)]


def test_monthly_cohorts_follow_the_local_calendar(cohort_shop):
    result = run(cohort_shop, query(cohort_shop, "month", date(2026, 3, 1), date(2026, 3, 8), 1))
    assert [(r.cohort, r.size) for r in result.rows] == [(date(2026, 3, 1), 3)]
    (march,) = result.rows
    # P2's order at 1 April 03:00 UTC is 31 March in New York: month 0, as is P4's.
    assert [c.persons for c in march.cells] == [2, None]
    assert march.cells[0].revenue == 70.0 and march.cells[0].complete is False
    feb = run(cohort_shop, query(cohort_shop, "month", date(2026, 2, 1), date(2026, 2, 28), 2))
    assert [(r.cohort, r.size, [c.persons for c in r.cells]) for r in feb.rows] == [(date(2026, 2, 1), 1, [0, 1, None])]


def test_daily_cohorts_and_other_events(cohort_shop):
    daily = run(cohort_shop, query(cohort_shop, "day", date(2026, 2, 28), date(2026, 3, 1), 2))
    assert [(r.cohort, r.size, [c.persons for c in r.cells]) for r in daily.rows] == [
        (date(2026, 2, 28), 1, [0, 0, 1]), (date(2026, 3, 1), 0, [0, 0, 0])]
    assert daily.rows[1].cells[0].retention is None  # an empty cohort has no share
    by_signup = run(cohort_shop, query(cohort_shop, "week", date(2026, 3, 2), date(2026, 3, 8), 1,
                                       returning=EventMatcher("track", "Signed Up")))
    # Returning by signing up: everyone's first sign-up is in week 0; P3's second one in week 1.
    assert [c.persons for c in by_signup.rows[0].cells] == [3, 1]


def test_revenue_in_other_currencies_is_converted_or_left_out_with_a_warning(shop):
    who = {"anonymous_id": "fx"}
    fx = shop([signup(who, utc(2026, 3, 2, 12)), order(who, utc(2026, 3, 3, 12), "x1", 100, "EUR"),
               order(who, utc(2026, 3, 4, 12), "x2", 50, "GBP"), order(who, utc(2026, 3, 4, 13), "x3", 5)])
    rates = RateBook("USD", [Rate("EUR", date(2026, 1, 1), Decimal("1.1"))])
    result = run(fx, query(fx, "week", date(2026, 3, 2), date(2026, 3, 2), 0), rates)
    assert result.rows[0].cells[0].revenue == pytest.approx(115.0)
    (warning,) = result.warnings
    assert (warning["code"], warning["currency"], warning["rows"], warning["amount"]) == (
        "missing_exchange_rate", "GBP", 1, 50.0)


def test_no_start_events_give_empty_cohorts(shop):
    empty = shop([track("Product Viewed", anonymous_id="x", timestamp=utc(2026, 3, 2))])
    result = run(empty, replace(query(empty, "week", date(2026, 3, 2), date(2026, 3, 15), 1)))
    assert [(r.size, [c.persons for c in r.cells]) for r in result.rows] == [(0, [0, 0]), (0, [0, 0])]
    assert [a.retention for a in result.average] == [None, None]
