"""Time-series reports on both warehouses: buckets in the project's time zone, alignment, empty buckets."""

from __future__ import annotations

from datetime import date

import pytest

from tests.reports.helpers import order, project_events, query, timeseries, utc
from tests.reports.scenario import MARCH_1, MARCH_10, RATES, load_shop


@pytest.fixture
def shop(warehouse):
    load_shop(warehouse)
    return warehouse


def series(report, metric):
    return [(b["date_from"], b["date_to"], b["metrics"][metric]) for b in report["buckets"]]


def test_weekly_buckets_start_on_monday_and_are_clipped(shop):
    report = timeseries(shop, query(MARCH_1, MARCH_10, ["orders", "revenue", "spend", "roas"], granularity="week"),
                        RATES)
    assert [(b["bucket"], b["date_from"], b["date_to"]) for b in report["buckets"]] == [
        ("2026-02-23", "2026-03-01", "2026-03-01"),
        ("2026-03-02", "2026-03-02", "2026-03-08"),
        ("2026-03-09", "2026-03-09", "2026-03-10"),
    ]
    assert [b["metrics"] for b in report["buckets"]] == [
        {"orders": 1, "revenue": 15.0, "spend": 12.5, "roas": 1.2},
        {"orders": 5, "revenue": 410.0, "spend": 87.5, "roas": 410 / 87.5},
        {"orders": 1, "revenue": 70.0, "spend": 25.0, "roas": 2.8},
    ]


def test_daily_buckets_put_orders_on_their_local_day(shop):
    report = timeseries(shop, query(MARCH_1, MARCH_10, ["orders"], granularity="day"), RATES)
    assert series(report, "orders") == [
        ("2026-03-01", "2026-03-01", 1),  # o9: 28 Feb 23:30 UTC is 1 March in Berlin
        ("2026-03-02", "2026-03-02", 0),
        ("2026-03-03", "2026-03-03", 1),
        ("2026-03-04", "2026-03-04", 0),  # o10 is in GBP without a rate: left out
        ("2026-03-05", "2026-03-05", 1),
        ("2026-03-06", "2026-03-06", 1),
        ("2026-03-07", "2026-03-07", 1),
        ("2026-03-08", "2026-03-08", 1),  # o6; o7 (8 Mar 23:30 UTC) belongs to 9 March
        ("2026-03-09", "2026-03-09", 1),
        ("2026-03-10", "2026-03-10", 0),  # o4 (10 Mar 23:30 UTC) belongs to 11 March
    ]


def test_empty_buckets_have_zero_counts_and_null_ratios(shop):
    report = timeseries(shop, query(date(2026, 4, 1), date(2026, 4, 3), ["orders", "revenue", "aov"],
                                    granularity="day"), RATES)
    assert [b["metrics"] for b in report["buckets"]] == [{"orders": 0, "revenue": 0.0, "aov": None}] * 3


def test_the_comparison_series_is_aligned_bucket_by_bucket(shop):
    report = timeseries(shop, query(MARCH_1, MARCH_10, ["orders", "revenue"], granularity="week",
                                    compare="previous_period"), RATES)
    assert report["previous_range"] == {"date_from": "2026-02-19", "date_to": "2026-02-28"}
    aligned = [(b["previous_date_from"], b["previous_date_to"], b["previous"], b["change"])
               for b in report["buckets"]]
    assert aligned == [
        # previous period 19-28 Feb: the weeks of 16 Feb (19-22, with o8) and 23 Feb (23-28)
        ("2026-02-19", "2026-02-22", {"orders": 1, "revenue": 50.0},
         {"orders": {"abs": 0, "pct": 0.0}, "revenue": {"abs": -35.0, "pct": -0.7}}),
        ("2026-02-23", "2026-02-28", {"orders": 0, "revenue": 0.0},
         {"orders": {"abs": 5, "pct": None}, "revenue": {"abs": 410.0, "pct": None}}),
        (None, None, None, None),  # the previous period has only two weekly buckets
    ]


def test_previous_year_daily_alignment_across_a_leap_day(warehouse):
    project_events(warehouse, [order("ann", "a", utc(2028, 2, 29, 12), 10, "EUR"),
                               order("bob", "b", utc(2027, 2, 28, 12), 4, "EUR")])
    report = timeseries(warehouse, query(date(2028, 2, 27), date(2028, 2, 29), ["revenue"], granularity="day",
                                         compare="previous_year"), RATES)
    assert [(b["date_from"], b["previous_date_from"], b["metrics"]["revenue"],
             b["previous"]["revenue"] if b["previous"] else None) for b in report["buckets"]] == [
        ("2028-02-27", "2027-02-27", 0.0, 0.0),
        ("2028-02-28", "2027-02-28", 0.0, 4.0),
        ("2028-02-29", None, 10.0, None),  # 2027 has no 29 February: the comparison range ends on the 28th
    ]


@pytest.mark.parametrize(
    ("instants", "expected"),
    [
        # DST starts 29 March 2026 (CET +1 → CEST +2).
        ([utc(2026, 3, 28, 23, 30), utc(2026, 3, 29, 21, 59), utc(2026, 3, 29, 22, 0)],
         {"2026-03-28": 0, "2026-03-29": 2, "2026-03-30": 1}),
        # DST ends 25 October 2026 (CEST +2 → CET +1): that day has 25 hours.
        ([utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 22, 59), utc(2026, 10, 25, 23, 0)],
         {"2026-10-24": 0, "2026-10-25": 2, "2026-10-26": 1}),
    ],
)
def test_days_around_dst_changes(warehouse, instants, expected):
    project_events(warehouse, [order(f"p{n}", f"o{n}", when, 1.0) for n, when in enumerate(instants)])
    days = sorted(expected)
    report = timeseries(warehouse, query(date.fromisoformat(days[0]), date.fromisoformat(days[-1]), ["orders"],
                                         granularity="day"), RATES)
    assert {b["date_from"]: b["metrics"]["orders"] for b in report["buckets"]} == expected


def test_grouped_series_per_source(shop):
    report = timeseries(shop, query(MARCH_1, MARCH_10, ["orders", "spend"], granularity="week", group_by="source"),
                        RATES)
    assert [row["group"] for row in report["rows"]] == [
        {"source": "direct"}, {"source": "meta_ads"}, {"source": "google_ads"}]
    meta = report["rows"][1]
    assert [b["metrics"] for b in meta["buckets"]] == [
        {"orders": 0, "spend": 10.0}, {"orders": 3, "spend": 70.0}, {"orders": 0, "spend": 20.0}]
    assert [b["metrics"]["orders"] for b in report["buckets"]] == [1, 5, 1]


@pytest.mark.parametrize(
    ("granularity", "keys"),
    [
        ("month", ["2026-01-01", "2026-02-01", "2026-03-01"]),
        ("quarter", ["2026-01-01"]),
        ("year", ["2026-01-01"]),
    ],
)
def test_month_quarter_and_year_buckets(shop, granularity, keys):
    report = timeseries(shop, query(date(2026, 1, 15), MARCH_10, ["orders"], granularity=granularity), RATES)
    assert [b["bucket"] for b in report["buckets"]] == keys
    # January: none; February: o0 (10 Feb) and o8 (20 Feb); March 1-10: seven orders.
    assert sum(b["metrics"]["orders"] for b in report["buckets"]) == 9
