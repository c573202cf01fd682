"""Report periods in a project's time zone: inclusive local dates → UTC bounds, comparison periods, buckets,
and the UTC-offset segments the SQL uses to put a UTC timestamp on its local calendar day. Pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

GRANULARITIES = ("day", "week", "month", "quarter", "year")
ONE_DAY = timedelta(days=1)
ONE_SECOND = timedelta(seconds=1)


def local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``zone``, as naive UTC (the warehouse's timestamps).

    Where a DST jump skips midnight itself, the day starts at the jump."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def utc_offset(zone: ZoneInfo, instant: datetime) -> int:
    """Seconds ``zone`` is ahead of UTC at a naive-UTC ``instant``."""
    return int(instant.replace(tzinfo=UTC).astimezone(zone).utcoffset().total_seconds())


def offset_segments(zone: ZoneInfo, start: datetime, end: datetime) -> tuple[tuple[datetime, ...], tuple[int, ...]]:
    """UTC offsets over ``[start, end)``: ``(boundaries, offsets)`` where ``offsets[i]`` applies from
    ``boundaries[i-1]`` (inclusive) to ``boundaries[i]`` (exclusive); ``len(offsets) == len(boundaries) + 1``."""
    boundaries: list[datetime] = []
    offsets = [utc_offset(zone, start)]
    cursor = start
    while cursor < end:
        step = min(cursor + ONE_DAY, end)
        if utc_offset(zone, step) != offsets[-1]:
            low, high = cursor, step
            while high - low > ONE_SECOND:  # transitions fall on whole seconds
                middle = max((low + (high - low) / 2).replace(microsecond=0), low + ONE_SECOND)
                if utc_offset(zone, middle) == offsets[-1]:
                    low = middle
                else:
                    high = middle
            if high < end:
                boundaries.append(high)
                offsets.append(utc_offset(zone, high))
            step = high
        cursor = step
    return tuple(boundaries), tuple(offsets)


def local_day(zone: ZoneInfo, instant: datetime) -> date:
    """The local calendar day of a naive-UTC instant (the Python twin of the SQL expression)."""
    return instant.replace(tzinfo=UTC).astimezone(zone).date()


@dataclass(frozen=True, slots=True)
class Period:
    """Inclusive local dates of a report in a time zone."""

    date_from: date
    date_to: date
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def start(self) -> datetime:
        """First instant (naive UTC)."""
        return local_midnight_utc(self.date_from, self.zone)

    @property
    def end(self) -> datetime:
        """First instant after the period (naive UTC, exclusive)."""
        return local_midnight_utc(self.date_to + ONE_DAY, self.zone)

    def offsets(self) -> tuple[tuple[datetime, ...], tuple[int, ...]]:
        return offset_segments(self.zone, self.start, self.end)


def previous_period(period: Period) -> Period:
    """The same number of days right before ``date_from``."""
    return Period(period.date_from - timedelta(days=period.days), period.date_from - ONE_DAY, period.timezone)


def one_year_earlier(day: date) -> date:
    """The same calendar date a year earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def previous_year(period: Period) -> Period:
    """The same calendar dates one year earlier."""
    return Period(one_year_earlier(period.date_from), one_year_earlier(period.date_to), period.timezone)


COMPARISONS = {"previous_period": previous_period, "previous_year": previous_year}


def bucket_start(day: date, granularity: str) -> date:
    """First date of the bucket holding ``day`` (ISO weeks start on Monday)."""
    if granularity == "day":
        return day
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if granularity == "year":
        return day.replace(month=1, day=1)
    raise ValueError(f"unknown granularity {granularity!r}")


def next_bucket(start: date, granularity: str) -> date:
    if granularity == "day":
        return start + ONE_DAY
    if granularity == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[granularity]
    month = start.month - 1 + months
    return start.replace(year=start.year + month // 12, month=month % 12 + 1, day=1)


@dataclass(frozen=True, slots=True)
class Bucket:
    key: date  # the bucket's natural first date (a Monday, the 1st of a month...)
    date_from: date  # first date inside the period
    date_to: date  # last date inside the period


def buckets(period: Period, granularity: str) -> list[Bucket]:
    """Every bucket touching the period, in order, clipped to it (so the first and last may be partial)."""
    result: list[Bucket] = []
    key = bucket_start(period.date_from, granularity)
    while key <= period.date_to:
        following = next_bucket(key, granularity)
        result.append(Bucket(key, max(key, period.date_from), min(following - ONE_DAY, period.date_to)))
        key = following
    return result


def bucket_count(period: Period, granularity: str) -> int:
    return len(buckets(period, granularity))
