"""A small shop for the attribution report, hand-computed (project in UTC, EUR, report 1-10 March 2026,
lookback 30 days).

Touchpoints and conversions:
- ann: facebook/cpc "Spring Sale" 2 Mar 10:00, google/cpc "g-77" 3 Mar 10:00; order o1 4 Mar 10:00, 100 EUR.
- bob: newsletter/email "weekly" 1 Mar 09:00, direct 5 Mar 09:00; order o2 5 Mar 10:00, 60 EUR.
- cat: no touchpoint; order o3 6 Mar 12:00, 200 EUR (→ direct).
- dan: google/cpc "g-77" 6 Mar 12:00; CRM deal D1 won 7 Mar 12:00, 1000 EUR, person u:dan.
- eve: facebook/cpc "Spring Sale" 9 Mar 12:00, no conversion (a non-converting path).
- CRM deal "o1" won 4 Mar (the order o1 again: counted once, as the order); D2 lost; D3 won 1 Feb (before).
→ 4 conversions (3 orders, 1 deal) worth 1360 EUR.

Journeys: o1 [facebook, google]; o2 [newsletter, direct]; o3 [direct] (synthetic); D1 [google]. Null: [facebook].

Spend 1-10 March: meta_ads act_1 c1 "Spring Sale" 10 EUR/day (100; its visits' channel is facebook, campaign
matched by cleaned name); google_ads 123-456 "g-77" "Brand" 20 EUR/day (200; matched by campaign id).

Markov (by hand): start → facebook 2, newsletter 1, direct 1, google 1 (of 5 walks); facebook → google 1, null 1;
google → conversion 2; newsletter → direct 1; direct → conversion 2. P(conversion) = 4/5. Removal effects
(probability lost): facebook 1/5, google 2/5, newsletter 1/5, direct 2/5 (sum 6/5) → conversions 4 x share:
facebook 2/3, google 4/3, newsletter 2/3, direct 4/3. Value: a conversion from google is worth 550 (mean of 100
and 1000), from direct 130 (60, 200); value lost: facebook 1/5·550 = 110, google 2/5·550 = 220, newsletter
1/5·130 = 26, direct 2/5·130 = 52 (sum 408) → 1360 x share: 366.67, 733.33, 86.67, 173.33.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from analyticaflow.channeldata.services import crm_deals_load
from analyticaflow.channelgroups.rules import ChannelGrouping
from analyticaflow.reports.attribution_report.query import AttributionQuery, validate_attribution_query
from analyticaflow.reports.attribution_report.runner import attribution_report
from analyticaflow.reports.periods import Period
from analyticaflow.reports.query import Filters
from tests.reports.helpers import PROJECT, daily_spend, order, project_events, rates, utc, visit

MARCH_1, MARCH_10 = date(2026, 3, 1), date(2026, 3, 10)
ALL_MODELS = ("first_touch", "last_touch", "last_non_direct", "linear", "time_decay", "position_based", "markov",
              "shapley")


def deal(deal_id: str, status: str, closed: datetime | None, value: str, *, person: str | None = None,
         campaign: str | None = None, currency: str = "EUR") -> dict:
    created = (closed or utc(2026, 3, 1)).replace(tzinfo=None)
    return {"deal_id": deal_id, "person_id": person, "name": f"Deal {deal_id}", "status": status,
            "created_at": created, "closed_at": closed.replace(tzinfo=None) if closed else None,
            "value": Decimal(value), "currency": currency, "utm_campaign": campaign}


def load_deals(warehouse, rows, *, account: str = "shop.amocrm.com", project_id: int = PROJECT) -> None:
    crm_deals_load(project_id=project_id, source="amocrm", account_id=account, rows=rows, warehouse=warehouse)


def load_shop(warehouse, project_id: int = PROJECT) -> None:
    p = {"project_id": project_id}
    project_events(warehouse, [
        visit("ann", utc(2026, 3, 2, 10), source="facebook", medium="cpc", campaign="Spring Sale", **p),
        visit("ann", utc(2026, 3, 3, 10), source="google", medium="cpc", campaign="g-77", **p),
        order("ann", "o1", utc(2026, 3, 4, 10), 100, **p),
        visit("bob", utc(2026, 3, 1, 9), source="newsletter", medium="email", campaign="weekly", **p),
        visit("bob", utc(2026, 3, 5, 9), **p),
        order("bob", "o2", utc(2026, 3, 5, 10), 60, **p),
        order("cat", "o3", utc(2026, 3, 6, 12), 200, **p),
        visit("dan", utc(2026, 3, 6, 12), source="google", medium="cpc", campaign="g-77", **p),
        visit("eve", utc(2026, 3, 9, 12), source="facebook", medium="cpc", campaign="Spring Sale", **p),
    ])
    load_deals(warehouse, [
        deal("D1", "won", utc(2026, 3, 7, 12), "1000", person="u:dan"),
        deal("o1", "won", utc(2026, 3, 4, 11), "5000", person="u:ann"),
        deal("D2", "lost", utc(2026, 3, 8, 12), "700", person="u:eve"),
        deal("D3", "won", utc(2026, 2, 1, 12), "300", person="u:eve"),
    ], **p)
    daily_spend(warehouse, source="meta_ads", account="act_1", campaign_id="c1", name="Spring Sale", first=MARCH_1,
                days=10, spend="10", **p)
    daily_spend(warehouse, source="google_ads", account="123-456", campaign_id="g-77", name="Brand", first=MARCH_1,
                days=10, spend="20", **p)


def attribution_query(date_from: date = MARCH_1, date_to: date = MARCH_10, *, models=ALL_MODELS,
                      timezone: str = "UTC", currency: str = "EUR", filters: dict | None = None,
                      **options) -> AttributionQuery:
    return validate_attribution_query(AttributionQuery(
        project_id=PROJECT, timezone=timezone, currency=currency, period=Period(date_from, date_to, timezone),
        models=tuple(models), filters=Filters(**{k: tuple(v) for k, v in (filters or {}).items()}), **options))


def report(warehouse, query: AttributionQuery | None = None, *, book=None, grouping=None) -> dict:
    query = query or attribution_query()
    return attribution_report(warehouse=warehouse, query=query, rates=book or rates(query.currency),
                              grouping=grouping or ChannelGrouping())


def credit_by(result: dict, field: str, model: str) -> dict:
    """{group value: (conversions, value)} of one model."""
    return {row["group"][field]: (row["credit"][model]["conversions"], row["credit"][model]["value"])
            for row in result["rows"]}
