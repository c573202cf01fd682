"""The ad-account filter of the analyses (persons acquired through the account: their first-ever touchpoint is
one of its campaigns), hand-computed on DuckDB and ClickHouse.

Accounts: A = google_ads 111 (campaign "Spring A"), B = meta_ads act_2 (campaign "Summer B"); UTC shop.
- pa: first touch A (3 Mar), signs up, orders 100 on 3 Mar and 50 on 2 Apr.
- pb: first touch B (4 Mar), signs up, never orders.
- pd: a direct visit (5 Mar), signs up, orders 30.
- px: first touch B (6 Mar 10:00), a later visit through A (12:00), signs up, orders 70: B's, not A's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from analyticaflow.analysis.acquisition import Acquisition, resolve
from analyticaflow.analysis.cohorts import CohortQuery, cohort_run
from analyticaflow.analysis.funnels import FunnelQuery, funnel_run
from analyticaflow.analysis.ltv import LtvQuery, ltv_run
from analyticaflow.analysis.paths import PathsQuery, paths_run
from analyticaflow.analysis.steps import EventMatcher
from analyticaflow.channelgroups.rules import ChannelGrouping
from analyticaflow.reports.currency import RateBook
from analyticaflow.reports.periods import Period
from tests.analysis.conftest import build_shop
from tests.projections.streams import track
from tests.reports.helpers import daily_spend, order, utc, visit

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31), "UTC")
AS_OF = datetime(2026, 5, 15, 12, 0)
A = Acquisition("google_ads", "111")
B = Acquisition("meta_ads", "act_2")
NOBODY = Acquisition("google_ads", "999")  # an account without spend campaigns


def signed_up(user: str, when: datetime):
    return track("Signed Up", user_id=user, timestamp=when)


def records():
    return [
        visit("pa", utc(2026, 3, 3, 10), source="google", medium="cpc", campaign="Spring A"),
        signed_up("pa", utc(2026, 3, 3, 10, 5)),
        order("pa", "a1", utc(2026, 3, 3, 11), 100),
        order("pa", "a2", utc(2026, 4, 2, 11), 50),
        visit("pb", utc(2026, 3, 4, 10), source="facebook", medium="cpc", campaign="Summer B"),
        signed_up("pb", utc(2026, 3, 4, 10, 5)),
        visit("pd", utc(2026, 3, 5, 10)),
        signed_up("pd", utc(2026, 3, 5, 10, 5)),
        order("pd", "d1", utc(2026, 3, 5, 11), 30),
        visit("px", utc(2026, 3, 6, 10), source="facebook", medium="cpc", campaign="Summer B"),
        visit("px", utc(2026, 3, 6, 12), source="google", medium="cpc", campaign="Spring A"),
        signed_up("px", utc(2026, 3, 6, 12, 5)),
        order("px", "x1", utc(2026, 3, 6, 13), 70),
    ]


@pytest.fixture(scope="module")
def acquired_shop(analysis_warehouse):
    shop = build_shop(analysis_warehouse, records())
    daily_spend(shop.warehouse, source="google_ads", account="111", campaign_id="ga1", name="Spring A",
                first=date(2026, 3, 1), days=10, spend="10", project_id=shop.project_id)
    daily_spend(shop.warehouse, source="meta_ads", account="act_2", campaign_id="mb1", name="Summer B",
                first=date(2026, 3, 1), days=10, spend="5", project_id=shop.project_id)
    return shop


def resolved(shop, account):
    return None if account is None else resolve(warehouse=shop.warehouse, project_id=shop.project_id,
                                                acquisition=account)


@pytest.mark.parametrize(("account", "persons"), [
    (None, [4, 4, 3]), (A, [1, 1, 1]), (B, [2, 2, 1]), (NOBODY, [0, 0, 0])])
def test_funnel_counts_only_the_accounts_acquired_persons(acquired_shop, account, persons):
    query = FunnelQuery(project_id=acquired_shop.project_id, period=MARCH, acquired=resolved(acquired_shop, account),
                        steps=(EventMatcher("page"), EventMatcher("track", "Signed Up"),
                               EventMatcher("track", "Order Completed")))
    result = funnel_run(warehouse=acquired_shop.warehouse, query=query)
    assert [s.persons for s in result.steps] == persons


@pytest.mark.parametrize(("account", "size", "returned"), [
    (None, 4, [3, 1]), (A, 1, [1, 1]), (B, 2, [1, 0]), (NOBODY, 0, [0, 0])])
def test_cohort_sizes_and_returns_of_the_accounts_persons(acquired_shop, account, size, returned):
    query = CohortQuery(project_id=acquired_shop.project_id, period=MARCH, granularity="month", periods=1,
                        as_of=AS_OF, currency="EUR", acquired=resolved(acquired_shop, account))
    (row,) = cohort_run(warehouse=acquired_shop.warehouse, query=query, rates=RateBook("EUR")).rows
    assert (row.size, [c.persons for c in row.cells]) == (size, returned)


def test_cohorts_filtered_read_the_events_like_the_unfiltered_general_path(acquired_shop):
    query = CohortQuery(project_id=acquired_shop.project_id, period=MARCH, granularity="month", periods=1,
                        as_of=AS_OF, currency="EUR")
    every = cohort_run(warehouse=acquired_shop.warehouse, query=query, rates=RateBook("EUR"), stored=False)
    a = cohort_run(warehouse=acquired_shop.warehouse, query=replace(query, acquired=resolved(acquired_shop, A)),
                   rates=RateBook("EUR"))
    assert a.stored_through is None  # the stored rows key persons by integers: the filter reads the events
    assert every.rows[0].cells[1].revenue == 50.0 and a.rows[0].cells[1].revenue == 50.0


@pytest.mark.parametrize(("account", "customers", "ltv"), [
    (None, 3, (200 / 3, 250 / 3)), (A, 1, (100.0, 150.0)), (B, 1, (70.0, 70.0))])
def test_ltv_customers_of_the_account(acquired_shop, account, customers, ltv):
    query = LtvQuery(project_id=acquired_shop.project_id, period=MARCH, months=1, as_of=AS_OF, currency="EUR",
                     acquired=resolved(acquired_shop, account))
    result = ltv_run(warehouse=acquired_shop.warehouse, query=query, rates=RateBook("EUR"))
    assert result.overall.customers == customers
    assert result.overall.ltv == pytest.approx(ltv)


@pytest.mark.parametrize(("account", "paths", "non_converting"), [
    (None, [(("direct",), 1), (("facebook", "google"), 1), (("google",), 1)], 1),
    (A, [(("google",), 1)], 0),
    (B, [(("facebook", "google"), 1)], 1)])
def test_top_paths_of_the_accounts_persons(acquired_shop, account, paths, non_converting):
    query = PathsQuery(project_id=acquired_shop.project_id, timezone="UTC", currency="EUR", period=MARCH,
                       acquired=resolved(acquired_shop, account))
    result = paths_run(warehouse=acquired_shop.warehouse, query=query, rates=RateBook("EUR"),
                       grouping=ChannelGrouping())
    assert sorted((row.path, row.conversions) for row in result.paths if row.conversions) == paths
    assert result.non_converting == non_converting  # pb's facebook visit: B's only


def test_resolve_keeps_the_first_touch_combinations_of_the_accounts_campaigns(acquired_shop):
    assert len(resolved(acquired_shop, A).combos) == 1
    assert len(resolved(acquired_shop, B).combos) == 1
    assert resolved(acquired_shop, NOBODY).combos == ()
