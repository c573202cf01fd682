"""Reports read spend from ``report_spend_days``: reloads, removals and ad-level rows show at once, on both
warehouses, and missing-rate warnings still count the loaded rows."""

from __future__ import annotations

from datetime import date, timedelta

from analyticaflow.channeldata.services import ad_spend_load
from analyticaflow.reports.spend import spend_days_refresh
from tests.reports.helpers import PROJECT, daily_spend, kpi, query, rates

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def test_a_reloaded_window_is_what_the_next_report_sums(warehouse):
    daily_spend(warehouse, source="meta_ads", account="act_1", campaign_id="c1", name="Spring", first=date(2026, 3, 1),
                days=10, spend="10.00")
    assert kpi(warehouse, query(*MARCH, ["spend", "clicks"]))["current"] == {"spend": 100.0, "clicks": 500}
    # The platform restates days 6-10 (and the same count of rows comes back: only the load time moves).
    daily_spend(warehouse, source="meta_ads", account="act_1", campaign_id="c1", name="Spring", first=date(2026, 3, 6),
                days=5, spend="12.50", clicks=40)
    assert kpi(warehouse, query(*MARCH, ["spend", "clicks"]))["current"] == {"spend": 112.5, "clicks": 450}


def test_a_removed_window_leaves_the_report(warehouse):
    daily_spend(warehouse, source="google_ads", account="1", campaign_id="g", name="G", first=date(2026, 3, 1),
                days=4, spend="5.00")
    assert kpi(warehouse, query(*MARCH, ["spend"]))["current"] == {"spend": 20.0}
    ad_spend_load(project_id=PROJECT, source="google_ads", account_id="1", date_from=date(2026, 3, 3),
                  date_to=date(2026, 3, 4), rows=[], warehouse=warehouse)
    assert kpi(warehouse, query(*MARCH, ["spend"]))["current"] == {"spend": 10.0}


def test_ad_level_rows_add_up_and_a_missing_rate_counts_each_loaded_row(warehouse):
    day = date(2026, 3, 2)
    rows = [{"campaign_id": "c9", "campaign_name": "Ads", "adset_id": "s1", "ad_id": ad, "date": day,
             "spend": spend, "impressions": 100, "clicks": 3, "platform_conversions": "1",
             "platform_conversion_value": "2.5", "currency": "USD"}
            for ad, spend in (("a1", "1.25"), ("a2", "2.50"), ("a3", "0.25"))]
    ad_spend_load(project_id=PROJECT, source="meta_ads", account_id="act_9", date_from=day, date_to=day, rows=rows,
                  warehouse=warehouse)
    metrics = ["spend", "impressions", "clicks", "platform_conversions", "platform_conversion_value"]
    converted = kpi(warehouse, query(*MARCH, metrics), rates(USD=[(date(2026, 1, 1), "0.5")]))
    assert converted["current"] == {"spend": 2.0, "impressions": 300, "clicks": 9, "platform_conversions": 3,
                                    "platform_conversion_value": 3.75}
    unconverted = kpi(warehouse, query(*MARCH, ["spend"]))
    assert unconverted["current"] == {"spend": 0.0}
    [warning] = unconverted["warnings"]
    assert warning["rows"] == 3 and warning["currency"] == "USD"


def test_spend_days_are_rebuilt_only_when_the_spend_rows_changed(warehouse):
    daily_spend(warehouse, source="meta_ads", account="act_1", campaign_id="c1", name="Spring", first=date(2026, 3, 1),
                days=3, spend="1.00")
    assert spend_days_refresh(warehouse=warehouse, project_id=PROJECT) is True
    assert spend_days_refresh(warehouse=warehouse, project_id=PROJECT) is False
    daily_spend(warehouse, source="meta_ads", account="act_2", campaign_id="c2", name="Summer",
                first=date(2026, 3, 1) + timedelta(days=1), days=1, spend="1.00")
    assert spend_days_refresh(warehouse=warehouse, project_id=PROJECT) is True
    rows = f"SELECT count(*), sum(source_rows) FROM {warehouse.dialect.read('report_spend_days')}"
    assert [tuple(int(v) for v in row) for row in warehouse.query(rows)] == [(4, 4)]
