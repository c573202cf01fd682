"""Small builders for attribution tests: journeys written as channel lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from analyticaflow.attribution import Conversion, JourneySet, Touchpoint, build_journeys

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def touch(id: str, person: str, before: timedelta, channel: str, campaign: str | None = None) -> Touchpoint:
    return Touchpoint(id=id, person=person, time=T0 - before, channel=channel, campaign=campaign)


def order(id: str, person: str, value: float = 1.0, before: timedelta = timedelta(0),
          campaign: str | None = None) -> Conversion:
    return Conversion(id=id, person=person, time=T0 - before, value=value, campaign=campaign)


def path_journeys(converting: Sequence[tuple[Sequence[str], float]],
                  non_converting: Sequence[Sequence[str]] = ()) -> JourneySet:
    """One person per path; touchpoints one hour apart, the last one an hour before the conversion at T0
    (non-converting paths end at T0, the end of the data). An empty converting path has no touchpoint."""
    touches: list[Touchpoint] = []
    orders: list[Conversion] = []
    for number, (channels, value) in enumerate(converting):
        person = f"buyer{number}"
        touches += _path(person, channels)
        orders.append(order(f"o{number}", person, value))
    for number, channels in enumerate(non_converting):
        touches += _path(f"visitor{number}", channels)
    return build_journeys(touchpoints=touches, conversions=orders, data_end=T0)


def _path(person: str, channels: Sequence[str]) -> list[Touchpoint]:
    count = len(channels)
    return [touch(f"{person}-{index:03d}", person, timedelta(hours=count - index), channel)
            for index, channel in enumerate(channels)]


def shares(result, field: str = "conversions") -> dict[str, float]:
    """Channel credit with zero credits left out."""
    return {credit.channel: getattr(credit, field) for credit in result.channels if getattr(credit, field) != 0}
