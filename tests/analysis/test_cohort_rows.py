"""The cohorts' derived integer-keyed rows: the same answer as reading the events, kept current after new
events (in the background: the last build answers meanwhile), late identity merges, new names and a replay
(generation swap, rebuilt before answering), on DuckDB and ClickHouse."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from analyticaflow.analysis import cohort_rows
from analyticaflow.analysis.cohort_rows import COHORT_ROWS, MAX_EVENT_NAMES, cohort_rows_ready
from analyticaflow.analysis.cohorts import cohort_run
from analyticaflow.analysis.steps import EventMatcher, PropertyFilter
from analyticaflow.projections.generations import physical_name, served_generation
from analyticaflow.projections.replay import ReplayJob
from analyticaflow.projections.services import projections_catch_up, projections_served
from analyticaflow.reports.currency import RateBook
from analyticaflow.reports.derived import background_rebuilds_join
from tests.analysis.test_cohorts import cohort_shop, order, query, signup, utc  # noqa: F401 (a fixture)
from tests.projections.streams import identify, track

USD = RateBook("USD")


def outcome(result) -> list:
    return [(r.cohort, r.size, [(c.persons, c.revenue) for c in r.cells]) for r in result.rows]


def both(shop, q):
    """(stored, general) results of one query."""
    stored = cohort_run(warehouse=shop.warehouse, query=q, rates=USD)
    general = cohort_run(warehouse=shop.warehouse, query=q, rates=USD, stored=False)
    return stored, general


def stored_row_count(shop) -> int:
    (count,), = shop.warehouse.query(
        f"SELECT count(*) FROM {shop.warehouse.dialect.read(COHORT_ROWS.name)} WHERE project_id = {shop.project_id}")
    return int(count)


def add(shop, analysis_warehouse, records) -> None:
    warehouse, log = analysis_warehouse
    log.append([replace(record, project_id=shop.project_id) for record in records])
    projections_catch_up(warehouse=warehouse, log=log)


@pytest.mark.parametrize(("granularity", "date_from", "date_to", "periods", "kw"), [
    ("day", date(2026, 2, 28), date(2026, 3, 6), 10, {}),
    ("week", date(2026, 3, 1), date(2026, 3, 8), 4, {}),
    ("month", date(2026, 2, 1), date(2026, 3, 31), 2, {}),
    ("week", date(2026, 3, 2), date(2026, 3, 8), 1, {"returning": EventMatcher("track", "Signed Up")}),
    ("week", date(2026, 1, 1), date(2026, 3, 31), 3, {"start": EventMatcher("track", "Order Completed")}),
])
def test_the_stored_rows_answer_exactly_like_the_events(cohort_shop, granularity,  # noqa: F811
                                                         date_from, date_to, periods, kw):
    q = query(cohort_shop, granularity, date_from, date_to, periods, **kw)
    stored, general = both(cohort_shop, q)
    assert outcome(stored) == outcome(general)
    assert stored.average == general.average
    assert stored_row_count(cohort_shop) > 0


def test_new_events_are_answered_from_the_last_build_until_the_background_rebuild(shop, analysis_warehouse,
                                                                                 monkeypatch):
    warehouse, _ = analysis_warehouse
    a, b = {"anonymous_id": "fresh-a"}, {"anonymous_id": "fresh-b"}
    fresh = shop([signup(a, utc(2026, 3, 2, 12)), order({"user_id": "FU"}, utc(2026, 3, 10, 12), "o1", 25)])
    q = query(fresh, "week", date(2026, 3, 2), date(2026, 3, 8), 2)
    first, _ = both(fresh, q)
    # fresh-a has signed up; FU's order is nobody's in the cohort yet.
    before = [(date(2026, 3, 2), 1, [(0, 0.0), (0, 0.0), (0, 0.0)])]
    assert outcome(first) == before
    built_seq = projections_served(warehouse=warehouse).checkpoint_seq
    assert first.stored_through[0] == built_seq
    add(fresh, analysis_warehouse, [
        signup(b, utc(2026, 3, 3, 12)), order(b, utc(2026, 3, 4, 12), "o2", 5),
        # fresh-a turns out to be FU: FU's order of 10 March (before identifying) is now fresh-a's.
        identify(anonymous_id="fresh-a", user_id="FU", timestamp=utc(2026, 3, 20, 12)),
    ])
    after = [(date(2026, 3, 2), 2, [(1, 5.0), (1, 25.0), (0, 0.0)])]
    # Only new events: the report answers at once from the last build (built moments ago: no rebuild yet).
    lagging, general = both(fresh, q)
    assert outcome(lagging) == before and lagging.stored_through[0] == built_seq
    assert outcome(general) == after
    # Once the build is REFRESH_AFTER old, the report still answers from it and a thread rebuilds it.
    monkeypatch.setattr(cohort_rows, "REFRESH_AFTER", timedelta(0))
    still = cohort_run(warehouse=fresh.warehouse, query=q, rates=USD)
    background_rebuilds_join()
    assert outcome(still) in (before, after)  # the thread may already have swapped the build in
    monkeypatch.setattr(cohort_rows, "REFRESH_AFTER", timedelta(hours=1))
    rebuilt, general = both(fresh, q)
    assert outcome(rebuilt) == after
    assert outcome(rebuilt) == outcome(general)
    assert rebuilt.stored_through[0] == projections_served(warehouse=warehouse).checkpoint_seq > built_seq


def test_a_name_not_kept_yet_is_rebuilt_before_answering_even_while_only_events_moved(shop, analysis_warehouse):
    who = {"anonymous_id": "named"}
    named = shop([signup(who, utc(2026, 3, 2, 12))])
    q = query(named, "week", date(2026, 3, 2), date(2026, 3, 8), 1)
    assert outcome(both(named, q)[0]) == [(date(2026, 3, 2), 1, [(0, 0.0), (0, 0.0)])]
    add(named, analysis_warehouse, [track("Plan Chosen", timestamp=utc(2026, 3, 3, 12), **who)])
    # "Plan Chosen" is not in the build: it is rebuilt now, with the new events.
    chosen = replace(q, returning=EventMatcher("track", "Plan Chosen"))
    stored, general = both(named, chosen)
    assert outcome(stored) == [(date(2026, 3, 2), 1, [(1, 0.0), (0, 0.0)])]
    assert outcome(stored) == outcome(general)


def test_a_replay_rebuilds_them_from_the_new_generation(shop, analysis_warehouse):
    warehouse, log = analysis_warehouse
    who = {"anonymous_id": "replayed"}
    replayed = shop([signup(who, utc(2026, 3, 2, 12)), order(who, utc(2026, 3, 9, 12), "r1", 30)])
    q = query(replayed, "week", date(2026, 3, 2), date(2026, 3, 8), 1)
    # Lose the project's order, as a projection bug would have: the reports see what is served.
    served = served_generation(warehouse)
    warehouse.execute(f"DELETE FROM {physical_name('events', served.generation)} "
                      f"WHERE project_id = {replayed.project_id} AND event_name = 'Order Completed'")
    warehouse.execute(f"DELETE FROM {physical_name('orders', served.generation)} "
                      f"WHERE project_id = {replayed.project_id}")
    damaged, _ = both(replayed, q)
    assert outcome(damaged) == [(date(2026, 3, 2), 1, [(0, 0.0), (0, 0.0)])]
    ReplayJob(warehouse=warehouse, log=log, request_id="cohort-rows", project_id=replayed.project_id).run()
    assert served_generation(warehouse).generation != served.generation
    repaired, general = both(replayed, q)
    assert outcome(repaired) == [(date(2026, 3, 2), 1, [(0, 0.0), (1, 30.0)])]
    assert outcome(repaired) == outcome(general)


def test_filtered_events_and_too_many_names_read_the_events(cohort_shop):  # noqa: F811
    filtered = EventMatcher("track", "Order Completed", (PropertyFilter("revenue", "gt", 15),))
    assert not cohort_rows_ready(warehouse=cohort_shop.warehouse, project_id=cohort_shop.project_id,
                                 matchers=(EventMatcher("track", "Signed Up"), filtered))
    q = query(cohort_shop, "week", date(2026, 3, 1), date(2026, 3, 8), 4, returning=filtered)
    stored, general = both(cohort_shop, q)
    # Week of 23 Feb: P1's orders of 20 (week +1); week of 2 March: P2's 30 (+4) and P4's 40 (+2).
    assert [[c.persons for c in r.cells] for r in stored.rows] == [[0, 1, 0, 0, 0], [0, 0, 1, 0, None]]
    assert outcome(stored) == outcome(general)
    many = tuple(EventMatcher("track", f"Event {n}") for n in range(MAX_EVENT_NAMES))
    assert not cohort_rows_ready(warehouse=cohort_shop.warehouse, project_id=cohort_shop.project_id, matchers=many)
