"""Typed inputs and outputs of the attribution engine.

The report layer turns warehouse rows into ``Touchpoint`` and ``Conversion`` values (or the columnar
equivalents in ``journeys``), asks for one or more models, and gets an ``AttributionResult`` per model:
fractional conversions and value per channel and per (channel, campaign), always summing to the totals.

Times: aware datetimes are compared as instants; naive datetimes are taken as UTC.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from analyticaflow.errors import InvalidInput

DIRECT = "direct"
"""The channel of a touchpoint without campaign, click id or known referrer, and of conversions with none."""

DEFAULT_LOOKBACK = timedelta(days=30)
DEFAULT_HALF_LIFE_DAYS = 7.0
SHAPLEY_BITMASK_MAX_CHANNELS = 15

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
MICROSECONDS_PER_DAY = 86_400_000_000


def epoch_us(moment: datetime) -> int:
    """Exact microseconds since the Unix epoch (naive datetimes are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND


def lookback_us(lookback: timedelta) -> int:
    if not isinstance(lookback, timedelta) or lookback < timedelta(0):
        raise InvalidInput("The lookback window must be a non-negative duration.",
                           fields={"lookback": ["must be a duration of zero or more"]})
    return lookback // _MICROSECOND


@dataclass(frozen=True, slots=True)
class Touchpoint:
    """A visit start of one person: when, through which channel and campaign.

    ``id`` breaks ties between touchpoints at the same instant: journeys are ordered by (time, id).
    """

    id: str
    person: str
    time: datetime
    channel: str
    campaign: str | None = None


@dataclass(frozen=True, slots=True)
class Conversion:
    """An order or won deal (already deduplicated by order id) worth ``value``.

    ``campaign`` is optional campaign information carried by the conversion itself (e.g. a CRM deal's
    campaign); it is used only when the conversion has no touchpoint in its window, as the campaign of
    the ``direct`` credit it then receives.
    """

    id: str
    person: str
    time: datetime
    value: float
    campaign: str | None = None


@dataclass(frozen=True, slots=True)
class AttributionOptions:
    """Model parameters (the lookback window belongs to the journeys, see ``build_journeys``)."""

    half_life_days: float = DEFAULT_HALF_LIFE_DAYS

    def __post_init__(self) -> None:
        half_life = self.half_life_days
        if isinstance(half_life, bool) or not isinstance(half_life, int | float) or not math.isfinite(half_life) \
                or half_life <= 0:
            raise InvalidInput("The time-decay half-life must be a positive number of days.",
                               fields={"half_life_days": ["must be a finite number greater than 0"]})


@dataclass(frozen=True, slots=True)
class ChannelCredit:
    channel: str
    conversions: float
    value: float


@dataclass(frozen=True, slots=True)
class CampaignCredit:
    channel: str
    campaign: str | None
    conversions: float
    value: float


@dataclass(frozen=True, slots=True)
class AttributionResult:
    """Credit of one model. Channels and campaigns are listed by name; every channel and (channel, campaign)
    seen in the journeys appears, with zero credit where the model gives none."""

    model: str
    total_conversions: float
    total_value: float
    channels: tuple[ChannelCredit, ...]
    campaigns: tuple[CampaignCredit, ...]
    diagnostics: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def channel(self, name: str) -> ChannelCredit:
        for credit in self.channels:
            if credit.channel == name:
                return credit
        return ChannelCredit(channel=name, conversions=0.0, value=0.0)
