"""The same reports on DuckDB and on the ClickHouse engine (chdb) give equal results."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date

import orjson
import pytest

from analyticaflow.channeldata.schema import channel_tables_ensure
from analyticaflow.reports.audit import utm_audit_report
from tests.channeldata.conftest import open_kind
from tests.reports.generated import load_generated
from tests.reports.helpers import kpi, query, rates, timeseries

BOOK = rates(USD=[(date(2026, 1, 1), "0.9"), (date(2026, 2, 1), "0.92")])
EVERYTHING = ("spend", "impressions", "clicks", "ctr", "cpc", "cpm", "platform_conversions",
              "platform_conversion_value", "platform_roas", "sessions", "users", "orders", "revenue", "aov",
              "conversion_rate", "new_customers", "cac", "cpa", "roas", "romi")
OWN_ACCOUNT = ("ga4_sessions", "ga4_revenue", "new_followers", "engagement_rate", "deals", "won_deals",
               "won_value", "spend")
FEB = (date(2026, 2, 1), date(2026, 2, 28))
REPORTS = [
    ("kpi", FEB, EVERYTHING, {"compare": "previous_period"}),
    ("kpi", FEB, EVERYTHING, {"group_by": "source", "compare": "previous_year"}),
    ("kpi", FEB, EVERYTHING, {"group_by": "campaign", "attribution_model": "first_touch"}),
    ("kpi", FEB, EVERYTHING, {"group_by": "channel", "filters": {"source": ["meta_ads", "direct"]}}),
    ("kpi", FEB, OWN_ACCOUNT, {"group_by": "account", "compare": "previous_period"}),
    ("timeseries", FEB, ("orders", "users", "revenue", "roas"), {"granularity": "week", "group_by": "account",
                                                                   "compare": "previous_period"}),
    ("timeseries", (date(2026, 1, 1), date(2026, 3, 11)), ("spend", "won_value", "ga4_sessions"),
     {"granularity": "day"}),
]


@pytest.fixture(scope="module")
def warehouses():
    opened = {}
    directories = []
    for kind in ("duckdb", "chdb"):
        directory = tempfile.mkdtemp(prefix="af-parity-")
        directories.append(directory)
        warehouse = open_kind(kind, directory)
        channel_tables_ensure(warehouse=warehouse)
        load_generated(warehouse)
        opened[kind] = warehouse
    yield opened
    for warehouse in opened.values():
        warehouse.close()
    for directory in directories:
        shutil.rmtree(directory, ignore_errors=True)


def canonical(report: dict) -> dict:
    """The report as JSON; rows in a fixed order (equal sort keys may come back in either order)."""
    body = orjson.loads(orjson.dumps(report))
    body["rows"] = sorted(body.get("rows", []), key=lambda row: orjson.dumps(row["group"], option=orjson.OPT_SORT_KEYS))
    return body


@pytest.mark.parametrize(("kind", "dates", "metrics", "options"), REPORTS)
def test_reports_are_equal_on_both_warehouses(warehouses, kind, dates, metrics, options):
    run = kpi if kind == "kpi" else timeseries
    results = {name: canonical(run(w, query(*dates, metrics, **options), BOOK)) for name, w in warehouses.items()}
    assert results["duckdb"] == results["chdb"]
    body = results["duckdb"]
    assert (body.get("current") or body["buckets"][0]["metrics"])  # the report is not trivially empty
    if kind == "kpi":
        assert any(value for value in body["current"].values())


def test_the_generated_shop_exercises_conversion_and_warnings(warehouses):
    body = kpi(warehouses["duckdb"], query(*FEB, ("orders", "revenue", "spend")), BOOK)
    assert {w["currency"] for w in body["warnings"]} == {"GBP"}
    assert body["current"]["spend"] > 0 and body["current"]["orders"] > 0


def test_utm_audit_is_equal_on_both_warehouses(warehouses):
    results = {name: orjson.loads(orjson.dumps(utm_audit_report(warehouse=w, query=query(*FEB, ["spend"]),
                                                                rates=BOOK)))
               for name, w in warehouses.items()}
    assert results["duckdb"] == results["chdb"]
    campaigns = {(row["utm_source"], row["utm_campaign"]) for row in results["duckdb"]["utm_campaigns_without_spend"]}
    assert ("google", "generic-typo") in campaigns
    untracked = {row["campaign_id"] for row in results["duckdb"]["spend_without_touchpoints"]["campaigns"]}
    assert "g2" in untracked
