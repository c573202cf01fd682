"""DuckDB ↔ ClickHouse parity of every analysis on a generated shop: three weeks of the demo shop's traffic
(paid and unpaid visits, sign-ups, identity merges on new devices, repeat orders) captured through the real
capture pipeline, projected into both warehouses, and every analysis compared result for result."""

from __future__ import annotations

import dataclasses
import math
from datetime import date, datetime, timedelta

import pytest

from analyticaflow.analysis.acquisition import Acquisition, resolve
from analyticaflow.analysis.cohorts import CohortQuery, cohort_run
from analyticaflow.analysis.funnels import DroppedQuery, FunnelQuery, funnel_run
from analyticaflow.analysis.grouping import group_map
from analyticaflow.analysis.ltv import LtvQuery, ltv_run
from analyticaflow.analysis.paths import PathsQuery, paths_run
from analyticaflow.analysis.steps import EventMatcher, PropertyFilter
from analyticaflow.analysis.timeline import TimelineQuery, timeline_run
from analyticaflow.channeldata.schema import channel_tables_ensure
from analyticaflow.channeldata.services import ad_spend_load
from analyticaflow.channelgroups.rules import ChannelGrouping
from analyticaflow.demo.spend import spend_rows
from analyticaflow.demo.traffic import simulate
from analyticaflow.ingest.importing import import_envelope
from analyticaflow.ingest.services import messages_capture
from analyticaflow.projections.services import projections_catch_up
from analyticaflow.reports.currency import RateBook
from analyticaflow.reports.periods import Period
from tests.projections.conftest import open_kind
from tests.projections.streams import ListLog

FIRST, LAST = date(2026, 2, 20), date(2026, 3, 12)  # crosses the start of New York's summer time (8 March)
TZ = "America/New_York"
PERIOD = Period(FIRST, LAST, TZ)
AS_OF = datetime(2026, 3, 10, 12)


@pytest.fixture(scope="module")
def shops(tmp_path_factory):
    log = ListLog()
    sim = None
    for _day, messages, sim in simulate(first_day=FIRST, last_day=LAST, seed=5, scale=0.5, unpaid_per_day=130,
                                         time_zone=TZ, currency="USD"):
        outcome = messages_capture(items=enumerate(messages), envelope=import_envelope(1), event_log=log)
        assert not outcome.rejected
    assert len(log.events) > 3000
    opened = {}
    for kind in ("duckdb", "chdb"):
        warehouse = open_kind(kind, str(tmp_path_factory.mktemp(kind)))
        channel_tables_ensure(warehouse=warehouse)
        projections_catch_up(warehouse=warehouse, log=log, chunk_size=2000)
        by_account: dict[tuple[str, str], list] = {}
        for row in spend_rows(days=sim.campaign_days, seed=5, first_day=FIRST):
            by_account.setdefault((row.source, row.account_id), []).append(row)
        for (source, account_id), rows in by_account.items():
            ad_spend_load(project_id=1, source=source, account_id=account_id, date_from=FIRST, date_to=LAST,
                          rows=rows, warehouse=warehouse)
        opened[kind] = warehouse
    yield opened
    for warehouse in opened.values():
        warehouse.close()


def normal(value):
    """A result with floats rounded (the engines sum in different orders) and tuples for lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return normal(dataclasses.asdict(value))
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return tuple(normal(v) for v in value)
    return value


def both(shops, run):
    duck, chdb = (normal(run(shops[kind])) for kind in ("duckdb", "chdb"))
    assert duck == chdb
    return duck


PAGE, SIGNED_UP, ORDERED = EventMatcher("page"), EventMatcher("track", "Signed Up"), EventMatcher("track",
                                                                                                 "Order Completed")
BIG_ORDER = EventMatcher("track", "Order Completed", (PropertyFilter("revenue", "gte", 100),))


@pytest.mark.parametrize("breakdown", [None, "channel", "channel_group", "campaign", "property"])
def test_funnels(shops, breakdown):
    def run(warehouse):
        groups = group_map(warehouse=warehouse, project_id=1, grouping=ChannelGrouping())
        query = FunnelQuery(project_id=1, period=PERIOD, steps=(PAGE, SIGNED_UP, BIG_ORDER),
                            window=timedelta(days=2), breakdown=breakdown, group_map=groups,
                            breakdown_property="path" if breakdown == "property" else None)
        return funnel_run(warehouse=warehouse, query=query, dropped=DroppedQuery(step=2, limit=20))

    result = both(shops, run)
    assert result["steps"][0]["persons"] > 500 and result["steps"][2]["persons"] > 0
    assert len(result["dropped"]) == 20
    if breakdown:
        assert len(result["groups"]) > 1


@pytest.mark.parametrize("granularity", ["day", "week"])
def test_cohorts(shops, granularity):
    def run(warehouse):
        query = CohortQuery(project_id=1, period=PERIOD, granularity=granularity, periods=4, as_of=AS_OF,
                            currency="USD", start=PAGE, returning=ORDERED)
        return cohort_run(warehouse=warehouse, query=query, rates=RateBook("USD"))

    result = both(shops, run)
    assert sum(row["size"] for row in result["rows"]) > 500
    assert any(cell["revenue"] for row in result["rows"] for cell in row["cells"])


@pytest.mark.parametrize("by", ["channel", "channel_group"])
def test_ltv(shops, by):
    def run(warehouse):
        groups = group_map(warehouse=warehouse, project_id=1, grouping=ChannelGrouping())
        query = LtvQuery(project_id=1, period=PERIOD, months=1, as_of=AS_OF, currency="USD", by=by, group_map=groups)
        return ltv_run(warehouse=warehouse, query=query, rates=RateBook("USD"), spend={"google": 500.0})

    result = both(shops, run)
    assert result["overall"]["customers"] > 10


@pytest.mark.parametrize(("by", "collapse"), [("channel", False), ("channel_group", True)])
def test_paths(shops, by, collapse):
    def run(warehouse):
        query = PathsQuery(project_id=1, timezone=TZ, currency="USD", period=PERIOD, by=by, collapse_repeats=collapse)
        return paths_run(warehouse=warehouse, query=query, rates=RateBook("USD"), grouping=ChannelGrouping())

    result = both(shops, run)
    assert result["conversions"] > 10 and result["non_converting"] > 100


def test_timelines_of_merged_customers(shops):
    merged = shops["duckdb"].query("SELECT person_id FROM identity_map WHERE project_id = 1 AND person_id != "
                                   "distinct_id GROUP BY person_id ORDER BY count(*) DESC, person_id LIMIT 3")
    assert merged
    for (person,) in merged:
        result = both(shops, lambda wh, p=person: timeline_run(warehouse=wh, query=TimelineQuery(project_id=1,
                                                                                             person=p, limit=500)))
        assert len(result["person"]["identities"]) >= 2


@pytest.mark.parametrize("account", [Acquisition("google_ads", "123-456-7890"),
                                     Acquisition("meta_ads", "act_1029384756")])
def test_every_analysis_of_an_accounts_acquired_persons(shops, account):
    def run(warehouse, acquired=None):
        if acquired is not None:
            acquired = resolve(warehouse=warehouse, project_id=1, acquisition=acquired)
        funnel = funnel_run(warehouse=warehouse, query=FunnelQuery(
            project_id=1, period=PERIOD, steps=(PAGE, SIGNED_UP, ORDERED), acquired=acquired))
        cohorts = cohort_run(warehouse=warehouse, query=CohortQuery(
            project_id=1, period=PERIOD, granularity="week", periods=2, as_of=AS_OF, currency="USD", start=PAGE,
            returning=ORDERED, acquired=acquired), rates=RateBook("USD"))
        ltv = ltv_run(warehouse=warehouse, query=LtvQuery(project_id=1, period=PERIOD, months=1, as_of=AS_OF,
                                                          currency="USD", acquired=acquired), rates=RateBook("USD"))
        paths = paths_run(warehouse=warehouse, query=PathsQuery(project_id=1, timezone=TZ, currency="USD",
                                                                period=PERIOD, acquired=acquired),
                          rates=RateBook("USD"), grouping=ChannelGrouping())
        return {"funnel": funnel, "cohorts": cohorts, "ltv": ltv, "paths": paths}

    every = normal(run(shops["duckdb"]))
    result = both(shops, lambda warehouse: run(warehouse, account))
    persons = result["funnel"]["steps"][0]["persons"]
    assert 0 < persons < every["funnel"]["steps"][0]["persons"]
    sizes = [sum(row["size"] for row in answer["cohorts"]["rows"]) for answer in (result, every)]
    assert 0 < sizes[0] < sizes[1]
    assert 0 < result["ltv"]["overall"]["customers"] < every["ltv"]["overall"]["customers"]
    assert 0 < result["paths"]["conversions"] < every["paths"]["conversions"]
