"""Deterministic ad data: campaign k (1-based) on day index i (0-based) has hand-computable numbers.

    spend(k, i)            = k + i/100            (Yahoo, whole yen: 100·k + i)
    impressions(k, i)      = 1000·k + i
    clicks(k, i)           = 10·k
    conversions(k, i)      = 1
    conversion_value(k, i) = 12.50·k              (Yahoo: 1250·k)

So for C campaigns over D days: Σspend = D·C(C+1)/2 + C·D(D-1)/200, Σimpressions = 1000·D·C(C+1)/2 + C·D(D-1)/2,
Σclicks = 10·D·C(C+1)/2, Σconversions = C·D, Σvalue = 12.50·D·C(C+1)/2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal


@dataclass(frozen=True)
class CampaignDay:
    index: int  # k, 1-based
    campaign_id: str
    campaign_name: str
    day: date
    spend: Decimal
    impressions: int
    clicks: int
    conversions: Decimal
    conversion_value: Decimal


@dataclass(frozen=True)
class Campaign:
    index: int
    campaign_id: str
    name: str


def campaigns(count: int, *, id_of=lambda k: f"1202100000{k:05d}") -> list[Campaign]:
    return [Campaign(k, id_of(k), f"Campaign {k}") for k in range(1, count + 1)]


def campaign_days(items: list[Campaign], *, first_day: date, days: int, whole_units: bool = False) -> list[CampaignDay]:
    rows = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for campaign in items:
            rows.append(value(campaign, day, offset, whole_units=whole_units))
    return rows


def value(campaign: Campaign, day: date, offset: int, *, whole_units: bool = False) -> CampaignDay:
    k = campaign.index
    if whole_units:
        spend, conversion_value = Decimal(100 * k + offset), Decimal(1250 * k)
    else:
        spend, conversion_value = Decimal(k) + Decimal(offset) / 100, Decimal("12.50") * k
    return CampaignDay(index=k, campaign_id=campaign.campaign_id, campaign_name=campaign.name, day=day,
                       spend=spend, impressions=1000 * k + offset, clicks=10 * k, conversions=Decimal(1),
                       conversion_value=conversion_value)
