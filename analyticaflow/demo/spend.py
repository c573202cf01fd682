"""What the demo's ad platforms report per campaign and day, derived from the simulated clicks.

Spend follows the clicks at the campaign's cost per click; impressions follow its click-through rate; the
platform's own conversion count and value are the orders its visits really booked times the platform's
habitual over-claiming (view-through and modelled conversions), which is the gap the dashboard shows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from analyticaflow.connectors.rows import AdSpendRow
from analyticaflow.demo.shop import Campaign, campaigns, rate_on
from analyticaflow.demo.traffic import CampaignDay

CENT = Decimal("0.01")


def _money(value: float) -> Decimal:
    return Decimal(repr(round(value, 2))).quantize(CENT)


def spend_rows(*, days: dict[tuple[str, date], CampaignDay], seed: int, first_day: date) -> Iterator[AdSpendRow]:
    """One row per campaign and day it ran, in the account's currency (the orders' EUR converted at the
    shop's rate of the day, so platform values and the shop's books agree)."""
    rng = random.Random(seed)
    by_year: dict[int, dict[str, Campaign]] = {}
    for (campaign_id, day), stats in sorted(days.items(), key=lambda item: (item[0][1], item[0][0])):
        if day.year not in by_year:
            by_year[day.year] = {c.campaign_id: c for c in campaigns(day.year)}
        campaign = by_year[day.year][campaign_id]
        account = campaign.account
        billed_clicks = stats.clicks + 0.3  # impressions cost money even on a day without clicks
        spend = billed_clicks * campaign.cpc * rng.lognormvariate(0, 0.12)
        impressions = max(stats.clicks, round(billed_clicks / campaign.ctr * rng.lognormvariate(0, 0.1)))
        claimed = stats.orders * account.claim_factor * rng.lognormvariate(0, 0.15)
        in_account = float(rate_on(account.currency, day, first_day))
        value = stats.revenue / in_account * account.claim_factor * rng.lognormvariate(0, 0.15)
        yield AdSpendRow(
            source=account.source,
            account_id=account.account_id,
            campaign_id=campaign.campaign_id,
            campaign_name=campaign.name,
            adset_id=None,
            ad_id=None,
            date=day,
            spend=_money(spend),
            impressions=impressions,
            clicks=stats.clicks,
            platform_conversions=Decimal(round(claimed)),
            platform_conversion_value=_money(value),
            currency=account.currency,
        )
