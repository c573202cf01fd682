"""A generated shop with every kind of data the reports read (for warehouse parity and API tests)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from analyticaflow.channeldata.services import (
    ad_spend_load,
    crm_deals_load,
    shop_orders_load,
    social_load,
    web_sessions_load,
)
from tests.reports.helpers import PROJECT, order, project_events, visit

START = date(2026, 1, 1)
DAYS = 70
CAMPAIGNS = [  # (source, account, id, name, currency, how visits tag it)
    ("meta_ads", "act_1", "m1", "Spring Sale | DE", "EUR", ("facebook", "cpc", "spring_sale_de")),
    ("meta_ads", "act_1", "m2", "Retargeting", "EUR", ("ig", "paid_social", "m2")),
    ("meta_ads", "act_2", "m3", "US Launch", "USD", ("facebook", "cpc", "US launch")),
    ("google_ads", "g-1", "g1", "Brand", "EUR", ("google", "cpc", "Brand")),
    ("google_ads", "g-1", "g2", "Generic", "EUR", ("google", "cpc", "generic-typo")),  # never matches
    ("tiktok", "t-1", "t1", "Creators", "EUR", ("tiktok", "paid", "creators")),
]
ORGANIC = [("google", "organic", None), ("newsletter", "email", "March News"), (None, None, None)]


def load_generated(warehouse, seed: int = 7) -> None:
    rng = random.Random(seed)
    records = []
    for person in range(80):
        user = f"user{person}"
        moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(DAYS * 24 * 60))
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.6:
                source, medium, campaign = rng.choice(CAMPAIGNS)[5]
            else:
                source, medium, campaign = rng.choice(ORGANIC)
            records.append(visit(user, moment, source=source, medium=medium, campaign=campaign))
            if rng.random() < 0.45:
                currency = rng.choice(["EUR", "EUR", "EUR", "USD", "GBP"])
                records.append(order(user, f"o{len(records)}", moment + timedelta(minutes=rng.randint(1, 90)),
                                     round(rng.uniform(5, 300), 2), currency))
            moment += timedelta(hours=rng.randint(1, 200))
    project_events(warehouse, records)
    for source, account, campaign_id, name, currency, _ in CAMPAIGNS:
        rows = [{"campaign_id": campaign_id, "campaign_name": name, "date": START + timedelta(days=n),
                 "spend": f"{rng.uniform(0, 80):.2f}", "impressions": rng.randint(0, 5000),
                 "clicks": rng.randint(0, 120), "platform_conversions": f"{rng.uniform(0, 4):.1f}",
                 "platform_conversion_value": f"{rng.uniform(0, 400):.2f}", "currency": currency}
                for n in range(DAYS) if rng.random() < 0.9]
        ad_spend_load(project_id=PROJECT, source=source, account_id=account, date_from=START,
                      date_to=START + timedelta(days=DAYS - 1), rows=rows, warehouse=warehouse)
    shop_orders_load(project_id=PROJECT, source="shopify", account_id="store", warehouse=warehouse, rows=[
        {"order_id": f"shop{n}", "person_id": f"u:user{n}", "currency": "EUR", "revenue": f"{10 + n}.50",
         "ordered_at": datetime(2026, 1, 2, tzinfo=UTC) + timedelta(days=n)} for n in range(30)])
    web_sessions_load(project_id=PROJECT, property_id="properties/1", date_from=START,
                      date_to=START + timedelta(days=DAYS - 1), warehouse=warehouse, rows=[
        {"date": START + timedelta(days=n), "source": "google", "medium": "organic", "campaign": "",
         "sessions": rng.randint(10, 90), "users": rng.randint(5, 60), "new_users": rng.randint(0, 20),
         "conversions": f"{rng.uniform(0, 5):.1f}", "revenue": f"{rng.uniform(0, 500):.2f}", "currency": "USD"}
        for n in range(DAYS)])
    social_load(project_id=PROJECT, source="instagram", account_id="ig-1", date_from=START,
                date_to=START + timedelta(days=DAYS - 1), warehouse=warehouse, rows=[
        {"post_id": "", "date": START + timedelta(days=n), "followers": rng.randint(0, 9),
         "reach": rng.randint(100, 900), "impressions": rng.randint(200, 2000), "engagements": rng.randint(0, 80)}
        for n in range(DAYS)])
    crm_deals_load(project_id=PROJECT, source="amocrm", account_id="crm-1", warehouse=warehouse, rows=[
        {"deal_id": f"d{n}", "status": rng.choice(["open", "won", "lost"]), "value": f"{rng.uniform(100, 900):.2f}",
         "currency": rng.choice(["EUR", "USD"]),
         "created_at": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(DAYS * 24)),
         "closed_at": datetime(2026, 1, 10, tzinfo=UTC) + timedelta(hours=rng.randrange(DAYS * 24))}
        for n in range(40)])
