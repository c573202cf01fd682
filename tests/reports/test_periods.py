from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from analyticaflow.reports.periods import (
    Bucket,
    Period,
    bucket_start,
    buckets,
    local_day,
    offset_segments,
    previous_period,
    previous_year,
)

BERLIN = "Europe/Berlin"


@pytest.mark.parametrize(
    ("timezone", "day", "start", "end"),
    [
        ("UTC", date(2026, 3, 1), datetime(2026, 3, 1), datetime(2026, 3, 2)),
        (BERLIN, date(2026, 1, 15), datetime(2026, 1, 14, 23), datetime(2026, 1, 15, 23)),
        (BERLIN, date(2026, 7, 15), datetime(2026, 7, 14, 22), datetime(2026, 7, 15, 22)),
        # DST starts 29 March 2026 at 02:00: that day has 23 hours; it ends 25 October: 25 hours.
        (BERLIN, date(2026, 3, 29), datetime(2026, 3, 28, 23), datetime(2026, 3, 29, 22)),
        (BERLIN, date(2026, 10, 25), datetime(2026, 10, 24, 22), datetime(2026, 10, 25, 23)),
        ("America/New_York", date(2026, 3, 8), datetime(2026, 3, 8, 5), datetime(2026, 3, 9, 4)),
        ("Asia/Kolkata", date(2026, 3, 1), datetime(2026, 2, 28, 18, 30), datetime(2026, 3, 1, 18, 30)),
        # Santiago's clocks jump from 24:00 to 01:00 on 6 September 2026: the day starts at the jump.
        ("America/Santiago", date(2026, 9, 6), datetime(2026, 9, 6, 4), datetime(2026, 9, 7, 3)),
    ],
)
def test_a_local_day_in_utc(timezone, day, start, end):
    period = Period(day, day, timezone)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (datetime(2026, 3, 1, 23, 30), date(2026, 3, 2)),  # 23:30 UTC is 00:30 the next day in Berlin (CET)
        (datetime(2026, 3, 1, 22, 59, 59), date(2026, 3, 1)),
        (datetime(2026, 7, 1, 22, 0), date(2026, 7, 2)),  # CEST: UTC+2
        (datetime(2026, 7, 1, 21, 59, 59), date(2026, 7, 1)),
    ],
)
def test_local_day_of_an_instant(instant, day):
    assert local_day(ZoneInfo(BERLIN), instant) == day


def test_offset_segments_follow_dst_changes():
    boundaries, offsets = offset_segments(ZoneInfo(BERLIN), datetime(2025, 12, 31, 23), datetime(2026, 12, 31, 23))
    assert boundaries == (datetime(2026, 3, 29, 1), datetime(2026, 10, 25, 1))
    assert offsets == (3600, 7200, 3600)
    assert offset_segments(ZoneInfo("UTC"), datetime(2026, 1, 1), datetime(2027, 1, 1)) == ((), (0,))


def test_previous_period_is_the_same_number_of_days_right_before():
    assert previous_period(Period(date(2026, 3, 1), date(2026, 3, 10), BERLIN)) == Period(
        date(2026, 2, 19), date(2026, 2, 28), BERLIN)
    assert previous_period(Period(date(2026, 3, 1), date(2026, 3, 31), BERLIN)) == Period(
        date(2026, 1, 29), date(2026, 2, 28), BERLIN)
    assert previous_period(Period(date(2024, 3, 1), date(2024, 3, 1), "UTC")) == Period(
        date(2024, 2, 29), date(2024, 2, 29), "UTC")


@pytest.mark.parametrize(
    ("date_from", "date_to", "expected_from", "expected_to"),
    [
        (date(2026, 3, 1), date(2026, 3, 31), date(2025, 3, 1), date(2025, 3, 31)),
        (date(2028, 2, 29), date(2028, 2, 29), date(2027, 2, 28), date(2027, 2, 28)),  # leap day
        (date(2028, 2, 1), date(2028, 2, 29), date(2027, 2, 1), date(2027, 2, 28)),
        (date(2029, 2, 28), date(2029, 3, 1), date(2028, 2, 28), date(2028, 3, 1)),
    ],
)
def test_previous_year_takes_the_same_dates(date_from, date_to, expected_from, expected_to):
    assert previous_year(Period(date_from, date_to, "UTC")) == Period(expected_from, expected_to, "UTC")


@pytest.mark.parametrize(
    ("day", "granularity", "start"),
    [
        (date(2026, 3, 1), "week", date(2026, 2, 23)),  # a Sunday belongs to the week of the Monday before
        (date(2026, 3, 2), "week", date(2026, 3, 2)),
        (date(2027, 1, 1), "week", date(2026, 12, 28)),  # ISO weeks cross the new year
        (date(2026, 3, 31), "month", date(2026, 3, 1)),
        (date(2024, 2, 29), "month", date(2024, 2, 1)),
        (date(2026, 3, 31), "quarter", date(2026, 1, 1)),
        (date(2026, 4, 1), "quarter", date(2026, 4, 1)),
        (date(2026, 12, 31), "quarter", date(2026, 10, 1)),
        (date(2026, 12, 31), "year", date(2026, 1, 1)),
        (date(2026, 12, 31), "day", date(2026, 12, 31)),
    ],
)
def test_bucket_starts(day, granularity, start):
    assert bucket_start(day, granularity) == start


def test_buckets_cover_the_period_clipped_at_both_ends():
    assert buckets(Period(date(2026, 3, 1), date(2026, 3, 10), "UTC"), "week") == [
        Bucket(date(2026, 2, 23), date(2026, 3, 1), date(2026, 3, 1)),
        Bucket(date(2026, 3, 2), date(2026, 3, 2), date(2026, 3, 8)),
        Bucket(date(2026, 3, 9), date(2026, 3, 9), date(2026, 3, 10)),
    ]
    assert buckets(Period(date(2025, 11, 15), date(2026, 2, 10), "UTC"), "quarter") == [
        Bucket(date(2025, 10, 1), date(2025, 11, 15), date(2025, 12, 31)),
        Bucket(date(2026, 1, 1), date(2026, 1, 1), date(2026, 2, 10)),
    ]
    assert [b.key for b in buckets(Period(date(2024, 1, 1), date(2024, 12, 31), "UTC"), "month")] == [
        date(2024, m, 1) for m in range(1, 13)]
    assert len(buckets(Period(date(2024, 1, 1), date(2024, 12, 31), "UTC"), "day")) == 366
    assert buckets(Period(date(2025, 6, 1), date(2027, 1, 1), "UTC"), "year") == [
        Bucket(date(2025, 1, 1), date(2025, 6, 1), date(2025, 12, 31)),
        Bucket(date(2026, 1, 1), date(2026, 1, 1), date(2026, 12, 31)),
        Bucket(date(2027, 1, 1), date(2027, 1, 1), date(2027, 1, 1)),
    ]
