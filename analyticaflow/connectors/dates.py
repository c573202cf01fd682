"""Date ranges: inclusive day windows, backfill chunks, restatement windows, local midnights."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analyticaflow.errors import InvalidInput


def days_between(date_from: date, date_to: date) -> int:
    """Number of days in the inclusive range."""
    return (date_to - date_from).days + 1


def check_range(date_from: date, date_to: date) -> None:
    if date_from > date_to:
        raise InvalidInput("date_from is after date_to.",
                           fields={"date_from": [f"{date_from} is after date_to {date_to}."]})


def windows(date_from: date, date_to: date, *, days: int) -> Iterator[tuple[date, date]]:
    """Consecutive inclusive windows of at most ``days`` days covering the range, oldest first."""
    check_range(date_from, date_to)
    start = date_from
    while start <= date_to:
        end = min(date_to, start + timedelta(days=days - 1))
        yield start, end
        start = end + timedelta(days=1)


def restatement_range(*, today: date, days: int) -> tuple[date, date]:
    """The last ``days`` complete days before ``today`` (today itself is still moving)."""
    return today - timedelta(days=days), today - timedelta(days=1)


def backfill_range(*, today: date, days: int = 365) -> tuple[date, date]:
    return today - timedelta(days=days), today - timedelta(days=1)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"Unknown time zone {name!r}.", fields={"time_zone": [f"{name!r} is not an IANA zone."]}) \
            from exc


def local_midnight_utc(day: date, time_zone: str) -> datetime:
    """The UTC instant at which ``day`` starts in ``time_zone`` (DST-aware)."""
    return datetime.combine(day, time(0), tzinfo=zone(time_zone)).astimezone(UTC)


def today_in(time_zone: str, *, now: datetime) -> date:
    return now.astimezone(zone(time_zone)).date()


def iso_z(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
