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
from analyticaflow.connectors.rows import AdSpendRow, decimal_from, int_from, micros_to_decimal

PLATFORM = "twitter_ads"
ZERO = Decimal(0)


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
    sums: dict[tuple[str, str, date], list[Any]] = {}
    for page in pages:
        if page.stream != "stats":
            continue
        body = page.data()
        days = body.get("time_series_length") if isinstance(body, dict) else None
        if not isinstance(days, int) or days < 0:
            raise MalformedResponse("A stats answer has no time_series_length.", platform=PLATFORM)
        first = date.fromisoformat(page.context["start_date"])
        for entity in _list(body, "data", "stats"):
            for segment in entity.get("id_data") or []:
                _add_segment(sums, page.account_id, str(entity.get("id")), segment, first, days, clicks_metric)
    rows = []
    for (account_id, campaign_id, day), (spend, impressions, clicks, conversions, value) in sorted(sums.items()):
        campaign = campaigns.get(campaign_id)
        if campaign is None:
            raise MalformedResponse(f"Stats name campaign {campaign_id}, which the campaigns list lacks.",
                                    platform=PLATFORM)
        rows.append(AdSpendRow(source=PLATFORM, account_id=account_id, campaign_id=campaign_id,
                               campaign_name=campaign.get("name") or "", adset_id=None, ad_id=None, date=day,
                               spend=spend, impressions=impressions, clicks=clicks, platform_conversions=conversions,
                               platform_conversion_value=value, currency=campaign.get("currency")))
    return rows


def _series(metrics: dict[str, Any], name: str, days: int) -> list[Any]:
    values = metrics.get(name)
    if values is None:
        return [None] * days  # no data at all: X sends null rather than zeros
    if not isinstance(values, list) or len(values) != days:
        count = len(values) if isinstance(values, list) else type(values).__name__
        raise MalformedResponse(f"Metric {name} has {count} values for a series of {days} days.", platform=PLATFORM)
    return values


def _add_segment(sums, account_id: str, campaign_id: str, segment: Any, first: date, days: int,
                 clicks_metric: str) -> None:
    metrics = segment.get("metrics") if isinstance(segment, dict) else None
    if not isinstance(metrics, dict):
        raise MalformedResponse(f"Stats of campaign {campaign_id} have no metrics object.", platform=PLATFORM)
    purchases = metrics.get("conversion_purchases") or {}
    if not isinstance(purchases, dict):
        raise MalformedResponse("conversion_purchases should be an object of series.", platform=PLATFORM)
    series = {
        "spend": _series(metrics, "billed_charge_local_micro", days),
        "impressions": _series(metrics, "impressions", days),
        "clicks": _series(metrics, clicks_metric, days),
        "conversions": _series(purchases, "metric", days),
        "value": _series(purchases, "sale_amount", days),
    }
    for index in range(days):
        values = [series[name][index] for name in series]
        if all(value is None for value in values):
            continue  # nothing delivered that day in this placement
        key = (account_id, campaign_id, first + timedelta(days=index))
        total = sums.setdefault(key, [ZERO, 0, 0, ZERO, ZERO])
        total[0] += micros_to_decimal(values[0], field="billed_charge_local_micro", platform=PLATFORM)
        total[1] += int_from(values[1], field="impressions", platform=PLATFORM)
        total[2] += int_from(values[2], field=clicks_metric, platform=PLATFORM)
        total[3] += decimal_from(values[3], field="conversion_purchases.metric", platform=PLATFORM)
        total[4] += micros_to_decimal(values[4], field="conversion_purchases.sale_amount", platform=PLATFORM)
