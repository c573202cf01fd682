"""X Ads stats → ``AdSpendRow``. Pure: works on raw pages alone.

Stats come as one array per metric with one element per day bucket (``null`` when there is no data). The two
placements are separate pages and are added together; campaign names and currencies come from the campaigns
pages of the same fetch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from analyticaflow.connectors.errors import MalformedResponse
from analyticaflow.connectors.raw import RawPage
from analyticaflow.connectors.rows import MICROS, AdSpendRow, int_from

PLATFORM = "twitter_ads"


def _list(body: Any, key: str, what: str) -> list[dict[str, Any]]:
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise MalformedResponse(f"A {what} answer has no '{key}' list of objects.", platform=PLATFORM)
    return items


def campaigns_of(pages: Sequence[RawPage]) -> dict[str, dict[str, Any]]:
    campaigns = {}
    for page in pages:
        if page.stream == "campaigns":
            for item in _list(page.data(), "data", "campaigns"):
                campaigns[str(item.get("id"))] = item
    return campaigns


def normalize_pages(pages: Sequence[RawPage], settings: Mapping[str, Any]) -> list[AdSpendRow]:
    clicks_metric = settings.get("clicks_metric") or "url_clicks"
    campaigns = campaigns_of(pages)
    # (account, campaign, day) → [spend micros, impressions, clicks, conversions, sale amount micros], integers
    # added exactly across placements and converted to Decimal once.
    sums: dict[tuple[str, str, date], list[int]] = {}
    for page in pages:
        if page.stream != "stats":
            continue
        body = page.data()
        days = body.get("time_series_length") if isinstance(body, dict) else None
        if not isinstance(days, int) or days < 0:
            raise MalformedResponse("A stats answer has no time_series_length.", platform=PLATFORM)
        first = date.fromisoformat(page.context["start_date"])
        calendar = [first + timedelta(days=index) for index in range(days)]
        for entity in _list(body, "data", "stats"):
            for segment in entity.get("id_data") or []:
                _add_segment(sums, page.account_id, str(entity.get("id")), segment, calendar, clicks_metric)
    rows = []
    for (account_id, campaign_id, day), (spend, impressions, clicks, conversions, value) in sums.items():
        campaign = campaigns.get(campaign_id)
        if campaign is None:
            raise MalformedResponse(f"Stats name campaign {campaign_id}, which the campaigns list lacks.",
                                    platform=PLATFORM)
        rows.append(AdSpendRow(PLATFORM, account_id, campaign_id, campaign.get("name") or "", None, None, day,
                               Decimal(spend).scaleb(-MICROS), impressions, clicks, Decimal(conversions),
                               Decimal(value).scaleb(-MICROS), campaign.get("currency")))
    return rows


def _series(metrics: dict[str, Any], name: str, days: int) -> list[Any]:
    values = metrics.get(name)
    if values is None:
        return [None] * days  # no data at all: X sends null rather than zeros
    if type(values) is not list or len(values) != days:
        count = len(values) if isinstance(values, list) else type(values).__name__
        raise MalformedResponse(f"Metric {name} has {count} values for a series of {days} days.", platform=PLATFORM)
    return values


def _count(value: Any, field: str) -> int:
    if type(value) is int:
        return value
    return int_from(value, field=field, platform=PLATFORM)  # null → 0; fractions are an error


def _add_segment(sums, account_id: str, campaign_id: str, segment: Any, calendar: list[date],
                 clicks_metric: str) -> None:
    metrics = segment.get("metrics") if isinstance(segment, dict) else None
    if not isinstance(metrics, dict):
        raise MalformedResponse(f"Stats of campaign {campaign_id} have no metrics object.", platform=PLATFORM)
    purchases = metrics.get("conversion_purchases") or {}
    if not isinstance(purchases, dict):
        raise MalformedResponse("conversion_purchases should be an object of series.", platform=PLATFORM)
    days = len(calendar)
    columns = zip(calendar, _series(metrics, "billed_charge_local_micro", days), _series(metrics, "impressions", days),
                  _series(metrics, clicks_metric, days), _series(purchases, "metric", days),
                  _series(purchases, "sale_amount", days), strict=True)
    for day, spend, impressions, clicks, conversions, value in columns:
        if spend is None and impressions is None and clicks is None and conversions is None and value is None:
            continue  # nothing delivered that day in this placement
        key = (account_id, campaign_id, day)
        total = sums.get(key)
        if total is None:
            total = sums[key] = [0, 0, 0, 0, 0]
        total[0] += _count(spend, "billed_charge_local_micro")
        total[1] += _count(impressions, "impressions")
        total[2] += _count(clicks, clicks_metric)
        total[3] += _count(conversions, "conversion_purchases.metric")
        total[4] += _count(value, "conversion_purchases.sale_amount")
