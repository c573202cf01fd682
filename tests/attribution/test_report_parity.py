"""The attribution report on DuckDB and on the ClickHouse engine (chdb) gives equal results, on the reports'
generated shop (orders in three currencies, shop orders, CRM deals, six spend campaigns)."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date

import pytest

from analyticaflow.channeldata.schema import channel_tables_ensure
from analyticaflow.channelgroups.rules import ChannelGrouping
from tests.attribution.report_scenario import ALL_MODELS, attribution_query, report
from tests.channeldata.conftest import open_kind
from tests.reports.generated import load_generated
from tests.reports.helpers import rates

BOOK = rates(USD=[(date(2026, 1, 1), "0.9"), (date(2026, 2, 1), "0.92")])


@pytest.fixture(scope="module")
def warehouses():
    opened, directories = {}, []
    try:
        for kind in ("duckdb", "chdb"):
            directories.append(tempfile.mkdtemp(prefix="af-attr-parity-"))
            opened[kind] = open_kind(kind, directories[-1])
            channel_tables_ensure(warehouse=opened[kind])
            load_generated(opened[kind])
        yield opened
    finally:
        for warehouse in opened.values():
            warehouse.close()
        for directory in directories:
            shutil.rmtree(directory, ignore_errors=True)


def rounded(value):
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


@pytest.mark.parametrize(("group_by", "options"), [
    ("channel", {}),
    ("campaign", {"lookback_days": 14, "half_life_days": 3}),
    ("channel_group", {"timezone": "America/New_York"}),
])
def test_duckdb_and_clickhouse_agree(warehouses, group_by, options):
    query = attribution_query(date(2026, 2, 1), date(2026, 3, 5), models=ALL_MODELS, group_by=group_by, **options)
    results = {kind: rounded(report(warehouse, query, book=BOOK, grouping=ChannelGrouping(rules={"tiktok": "email"})))
               for kind, warehouse in warehouses.items()}
    assert results["duckdb"]["conversions"]["count"] > 20 and results["duckdb"]["totals"]["spend"] > 0
    assert results["duckdb"]["warnings"]  # GBP orders have no rate
    assert results["duckdb"] == results["chdb"]
