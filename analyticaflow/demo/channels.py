"""The demo shop's other sources: its Instagram account, its GA4 property and its wholesale CRM.

GA4 rows are the simulated visits as GA4 saw them (consent losses included); Instagram and CRM rows are drawn
from the same seeded calendar, so their seasons agree with the shop's.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from analyticaflow.demo.shop import season
from analyticaflow.demo.traffic import Simulation

INSTAGRAM_ACCOUNT = "17841400000000001"
GA4_PROPERTY = "properties/312345678"
CRM_SOURCE = "amocrm"
CRM_ACCOUNT = "demoshop.amocrm.com"
CRM_LEAD_ORIGINS = (
    ("google", "cpc", "search_brand"),
    ("newsletter", "email", "weekly_newsletter"),
    ("facebook", "paid_social", "prospecting_lookalike_2"),
    (None, None, None),  # came in by phone or a trade fair: no tracked origin
)


def _days(first_day: date, last_day: date) -> Iterator[date]:
    day = first_day
    while day <= last_day:
        yield day
        day += timedelta(days=1)


def instagram_rows(*, first_day: date, last_day: date, seed: int) -> list[dict]:
    """The organic account's own row per day (no per-post rows)."""
    rng = random.Random(seed * 31 + 1)
    rows = []
    for day in _days(first_day, last_day):
        busy = season(day)
        impressions = round(2400 * busy * rng.lognormvariate(0, 0.25))
        reach = round(impressions * rng.uniform(0.55, 0.7))
        rows.append({"post_id": None, "date": day, "followers": max(0, round(rng.gauss(14 * busy, 6))),
                     "reach": reach, "impressions": impressions,
                     "engagements": round(impressions * rng.uniform(0.025, 0.055))})
    return rows


def ga4_rows(sim: Simulation, *, currency: str) -> list[dict]:
    """One row per day and source / medium / campaign, as the GA4 Data API reports them."""
    return [
        {"date": day, "source": source, "medium": medium, "campaign": campaign, "sessions": row.sessions,
         "users": len(row.users), "new_users": row.new_users, "conversions": row.conversions,
         "revenue": Decimal(repr(round(row.revenue, 2))), "currency": currency}
        for (day, source, medium, campaign), row in sorted(sim.ga4_days.items())
    ]


def crm_deals(sim: Simulation, *, first_day: date, last_day: date, seed: int, currency: str) -> list[dict]:
    """Wholesale deals with shops that resell the demo shop's products: a few a week, won, lost or open."""
    rng = random.Random(seed * 31 + 2)
    users = [v.user_id for v in sim.users if v.user_id]
    deals = []
    number = 1
    for day in _days(first_day, last_day):
        for _ in range(sum(rng.random() < 0.3 * season(day) for _ in range(2))):
            created = datetime.combine(day, time(rng.randint(8, 17), rng.randrange(60)), tzinfo=UTC)
            age = (last_day - day).days
            roll = rng.random()
            status = "open" if age < 10 or roll < 0.15 else ("won" if roll < 0.5 else "lost")
            closed = None
            if status != "open":
                closed = created + timedelta(days=rng.randint(3, min(40, max(3, age))))
            source, medium, campaign = rng.choice(CRM_LEAD_ORIGINS)
            person = f"u:{rng.choice(users)}" if users and rng.random() < 0.5 else None
            deals.append({
                "deal_id": f"D{number:05d}", "person_id": person, "name": f"Wholesale order #{number}",
                "status": status, "pipeline": "Wholesale", "stage": {"open": "Negotiation", "won": "Won",
                                                                    "lost": "Lost"}[status],
                "created_at": created.replace(tzinfo=None), "closed_at": closed and closed.replace(tzinfo=None),
                "value": Decimal(rng.randrange(1500, 15000, 50)), "currency": currency,
                "utm_source": source, "utm_medium": medium, "utm_campaign": campaign,
            })
            number += 1
    return deals
