"""Normalized rows for the warehouse tables ``ad_spend_daily`` and ``social_daily``, and exact money parsing."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from analyticaflow.connectors.errors import MalformedResponse

MICROS = 6


# Rows are plain slotted dataclasses, not frozen ones: a frozen __init__ costs about 7x more, and normalization
# builds hundreds of thousands of them. Treat them as immutable values all the same.
@dataclass(slots=True)
class AdSpendRow:
    """One day of one campaign (or ad set / ad) as the platform reports it, in the account's currency."""

    source: str  # platform name: meta_ads, google_ads, twitter_ads, yahoo_ads
    account_id: str
    campaign_id: str
    campaign_name: str
    adset_id: str | None
    ad_id: str | None
    date: date  # in the account's time zone
    spend: Decimal
    impressions: int
    clicks: int
    platform_conversions: Decimal
    platform_conversion_value: Decimal
    currency: str | None  # ISO 4217


@dataclass(slots=True)
class SocialRow:
    """Organic numbers of one social account (``post_id`` None) or one post, for one day.

    Account rows hold that day's values (``followers`` = followers gained that day). Post rows hold the post's
    lifetime totals as of ``date`` (platforms give no per-day post history), so the warehouse takes the
    difference between two days' snapshots for a daily series.
    """

    source: str  # instagram
    account_id: str
    post_id: str | None
    date: date
    followers: int | None
    reach: int | None
    impressions: int | None  # Instagram "views" (the successor of impressions)
    engagements: int | None  # Instagram "total_interactions"


def column_names(row_type: type) -> tuple[str, ...]:
    return tuple(item.name for item in fields(row_type))


def as_tuple(row: AdSpendRow | SocialRow) -> tuple[Any, ...]:
    return tuple(getattr(row, name) for name in row.__slots__)


ZERO = Decimal(0)


def decimal_from(value: Any, *, field: str, platform: str) -> Decimal:
    """An exact Decimal from a JSON string/number (never via float). Missing → 0."""
    kind = type(value)
    if kind is Decimal:
        result = value
    elif value is None or value == "":
        return ZERO
    else:
        if kind is float:
            value = repr(value)
        try:
            result = Decimal(value)
        except (InvalidOperation, TypeError, ValueError) as exc:
            raise MalformedResponse(f"Field {field!r} should be a number, got {value!r}.",
                                    platform=platform) from exc
    if not result.is_finite():
        raise MalformedResponse(f"Field {field!r} should be a finite number, got {value!r}.", platform=platform)
    return result


def int_from(value: Any, *, field: str, platform: str) -> int:
    """An integer from a JSON string/number. Missing → 0; fractional values are an error, not a rounding."""
    kind = type(value)
    if kind is int:
        return value
    if kind is str:
        try:
            return int(value)
        except ValueError:
            pass
    if value is None or value == "":
        return 0
    if kind is bool:
        raise MalformedResponse(f"Field {field!r} should be an integer, got {value!r}.", platform=platform)
    number = decimal_from(value, field=field, platform=platform)
    if number != number.to_integral_value():
        raise MalformedResponse(f"Field {field!r} should be an integer, got {value!r}.", platform=platform)
    return int(number)


def micros_to_decimal(value: Any, *, field: str, platform: str) -> Decimal:
    """Micros (1 unit = 1,000,000) to an exact Decimal: ``"25000000"`` → ``Decimal("25.000000")``."""
    return Decimal(int_from(value, field=field, platform=platform)).scaleb(-MICROS)
