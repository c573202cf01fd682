"""When each integration syncs: daily at its hour in the project's time zone (DST-aware)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def project_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def next_sync_at(*, now: datetime, sync_hour: int, time_zone: str) -> datetime:
    """The first ``sync_hour``:00 local time strictly after ``now``, as an aware UTC instant.

    On a day when that hour does not exist (clocks jump forward over it) the sync runs at the same wall time
    read with the offset before the jump, i.e. right after the gap; when it exists twice, at its first occurrence.
    """
    zone = project_zone(time_zone)
    local_now = now.astimezone(zone)
    day = local_now.date()
    for _ in range(3):
        candidate = datetime.combine(day, time(sync_hour), tzinfo=zone).astimezone(UTC)
        if candidate > now:
            return candidate
        day += timedelta(days=1)
    raise AssertionError("unreachable: a later day always has the hour")
