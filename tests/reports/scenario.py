"""A small shop, hand-computed (project in Europe/Berlin, reporting currency EUR, report 1-10 March 2026).

Orders in the period (Berlin days): o9 hal 1 Mar 00:30 (23:30 UTC the day before) 15 EUR; o1 ann 3 Mar 100 EUR;
o2 bob 5 Mar 60 EUR; o10 ivy 4 Mar 25 GBP (no GBP rate: left out); o3 cat 6 Mar 200 EUR; o5 eve 7 Mar 30 EUR;
o6 ann 8 Mar 40 USD = 20 EUR; o7 fay 9 Mar 00:30 (8 Mar 23:30 UTC) 70 EUR.
Outside: o4 dan 11 Mar 00:30 Berlin (10 Mar 23:30 UTC); o0 fay 10 Feb (her first order); o8 gus 20 Feb (the
previous period). → 7 orders, 495 EUR, new customers hal, ann, bob, cat, eve = 5 (fay ordered before, ann's o6
is her second order).

Touchpoints: ann facebook/cpc "Spring Sale" 2 Mar; bob google/cpc "g-77" 1 Mar and facebook/cpc "spring_sale"
4 Mar; cat direct 2 Mar; eve facebook/cpc "Spring Sale" 1 Jan (more than 30 days before her order).
Last touch: meta_ads c1 gets o1, o2, o6 (3 orders, 180 EUR, new: ann, bob); direct gets o3, o5, o7, o9
(4, 315 EUR, new: cat, eve, hal). First touch: bob's o2 goes to google_ads g-77 instead.

Spend: meta_ads act_1 c1 "Spring Sale" 10 EUR/day, 1000 impressions, 50 clicks, 1 platform conversion worth 30;
google_ads 123-456 g-77 "Brand" 5 USD/day (= 2.5 EUR at 0.5), 500 impressions, 10 clicks; 1-10 March.
→ spend 100 + 25 = 125 EUR, 15,000 impressions, 600 clicks.
"""

from __future__ import annotations

from datetime import date

from tests.reports.helpers import daily_spend, order, project_events, rates, utc, visit

MARCH_1, MARCH_10 = date(2026, 3, 1), date(2026, 3, 10)
RATES = rates(USD=[(date(2026, 2, 1), "0.5")])


def load_shop(warehouse) -> None:
    project_events(warehouse, [
        visit("ann", utc(2026, 3, 2, 10), source="facebook", medium="cpc", campaign="Spring Sale"),
        order("ann", "o1", utc(2026, 3, 3, 10), 100),
        order("ann", "o6", utc(2026, 3, 8, 10), 40, "USD"),
        visit("bob", utc(2026, 3, 1, 8), source="google", medium="cpc", campaign="g-77"),
        visit("bob", utc(2026, 3, 4, 9), source="facebook", medium="cpc", campaign="spring_sale"),
        order("bob", "o2", utc(2026, 3, 5, 12), 60),
        visit("cat", utc(2026, 3, 2, 12)),
        order("cat", "o3", utc(2026, 3, 6, 12), 200),
        order("dan", "o4", utc(2026, 3, 10, 23, 30), 500),
        visit("eve", utc(2026, 1, 1, 12), source="facebook", medium="cpc", campaign="Spring Sale"),
        order("eve", "o5", utc(2026, 3, 7, 12), 30),
        order("fay", "o0", utc(2026, 2, 10, 12), 10),
        order("fay", "o7", utc(2026, 3, 8, 23, 30), 70),
        order("gus", "o8", utc(2026, 2, 20, 12), 50),
        order("hal", "o9", utc(2026, 2, 28, 23, 30), 15),
        order("ivy", "o10", utc(2026, 3, 4, 12), 25, "GBP"),
    ])
    daily_spend(warehouse, source="meta_ads", account="act_1", campaign_id="c1", name="Spring Sale", first=MARCH_1,
                days=10, spend="10", impressions=1000, clicks=50, conversions="1", conversion_value="30")
    daily_spend(warehouse, source="google_ads", account="123-456", campaign_id="g-77", name="Brand", first=MARCH_1,
                days=10, spend="5", currency="USD", impressions=500, clicks=10)
