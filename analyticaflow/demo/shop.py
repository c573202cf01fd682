"""The demo shop's world: what it sells, where its visitors come from, what it runs on each ad platform.

Pure data and pure functions of the date: the simulation (``traffic.py``) and the spend (``spend.py``) read
them, so one table here decides what every page of the demo shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

SHOP_HOST = "https://demo-shop.example"


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    name: str
    category: str
    price: float


PRODUCTS = (
    Product("SNK-001", "Trail Runner", "sneakers", 129.0),
    Product("SNK-002", "City Classic", "sneakers", 99.0),
    Product("SNK-003", "Court Pro", "sneakers", 149.0),
    Product("SNK-004", "Kids Sprint", "sneakers", 69.0),
    Product("BOT-001", "Winter Boot", "boots", 179.0),
    Product("SND-001", "Beach Slide", "sandals", 39.0),
    Product("ACC-001", "Merino Socks (3 pairs)", "accessories", 24.0),
    Product("ACC-002", "Cleaning Kit", "accessories", 19.0),
    Product("ACC-003", "Cap", "accessories", 29.0),
    Product("APP-001", "Rain Jacket", "apparel", 119.0),
)
PAGES = ("/", "/collections/sneakers", "/collections/boots", "/collections/sale", "/blog/care-guide",
         "/pages/shipping", "/cart")


@dataclass(frozen=True, slots=True)
class Account:
    source: str  # platform name as in ad_spend_daily: meta_ads, google_ads, twitter_ads, yahoo_ads
    account_id: str
    name: str
    currency: str
    utm_source: str  # what the platform's tagged links put in utm_source
    utm_medium: str
    click_id: str  # the click id parameter the platform appends (gclid, fbclid, ...)
    claim_factor: float  # platform-reported conversions ÷ the orders it really drove (view-through, modelled)


@dataclass(frozen=True, slots=True)
class Campaign:
    account: Account
    campaign_id: str
    name: str  # as the platform shows it; its normalized form is the utm_campaign unless ``utm`` says otherwise
    daily_clicks: float  # on an average day of the year
    cpc: float  # in the account's currency
    ctr: float
    conversion: float  # share of landing visits that order
    tagged: bool = True  # False: the ads link without UTM parameters (spend the audit flags)
    months: tuple[int, ...] = ()  # empty: all year
    peak: tuple[int, int, int] | None = None  # (month, first day, last day) of a flight with 4 times the budget
    utm: str | None = None  # utm_campaign as typed by hand, when it differs from the normalized name


ACCOUNTS = {
    "meta": Account("meta_ads", "act_1029384756", "Demo Shop EU", "EUR", "facebook", "paid_social", "fbclid", 1.6),
    "google": Account("google_ads", "123-456-7890", "Demo Shop Search", "EUR", "google", "cpc", "gclid", 1.15),
    "twitter": Account("twitter_ads", "18ce54d4x5t", "Demo Shop", "EUR", "twitter", "paid_social", "twclid", 2.2),
    "yahoo": Account("yahoo_ads", "1002003004", "Demo Shop JP", "JPY", "yahoo", "cpc", "yclid", 1.25),
}


# The shop's exchange rates (what one unit is worth in the shop's EUR), by days after the first day of data: the
# Japanese account bills in yen, and the yen weakens half-way through the year.
EXCHANGE_RATES = {"JPY": ((0, Decimal("0.0063")), (182, Decimal("0.0059")))}


def rate_on(currency: str, day: date, first_day: date) -> Decimal:
    """What one unit of ``currency`` is worth in EUR on ``day`` (1 for EUR)."""
    if currency == "EUR":
        return Decimal(1)
    offset = (day - first_day).days
    return [rate for start, rate in EXCHANGE_RATES[currency] if start <= offset][-1]


def exchange_rates(first_day: date) -> list[dict]:
    """The rates as the project keeps them: currency, valid_from, rate."""
    return [{"currency": currency, "valid_from": first_day + timedelta(days=start), "rate": rate}
            for currency, rates in EXCHANGE_RATES.items() for start, rate in rates]


def campaigns(year: int) -> tuple[Campaign, ...]:
    """The campaigns of the shop's accounts; seasonal ones carry the year in their names."""
    meta, google, twitter, yahoo = (ACCOUNTS[k] for k in ("meta", "google", "twitter", "yahoo"))
    return (
        Campaign(meta, "120210000001", "Prospecting | Lookalike 2%", 26, 0.90, 0.011, 0.012),
        Campaign(meta, "120210000002", "Retargeting | Cart Abandoners", 9, 0.70, 0.019, 0.045),
        Campaign(meta, "120210000003", f" (Sale) Black_Friday_{year} | DE ", 18, 0.80, 0.016, 0.035,
                 months=(11,), peak=(11, 20, 30)),
        Campaign(meta, "120210000004", "Brand Video Awareness", 7, 0.50, 0.006, 0.004, tagged=False),
        Campaign(google, "20345001", "Search | Brand", 22, 0.35, 0.12, 0.055),
        Campaign(google, "20345002", "Search | Generic Sneakers", 24, 1.10, 0.045, 0.02,
                 utm="Search-Generic-Sneakers"),
        Campaign(google, "20345003", "Shopping | All Products", 20, 0.70, 0.013, 0.028),
        Campaign(google, "20345004", f"PMax | Holiday {year}", 14, 0.80, 0.02, 0.03, months=(11, 12),
                 peak=(12, 1, 20)),
        Campaign(twitter, "tw-5501", "Promoted | Launch Teaser", 6, 0.60, 0.008, 0.008),
        Campaign(yahoo, "yj-88001", "Search | Sneakers JP", 7, 98.0, 0.04, 0.018),  # CPC in yen
    )


@dataclass(frozen=True, slots=True)
class Channel:
    """Traffic that costs nothing per click: organic search, social, referrals, e-mail, direct."""

    key: str
    share: float  # of the day's unpaid visits
    conversion: float
    referrer: str | None = None
    utm: tuple[str, str, str] | None = None  # (source, medium, campaign)
    returning: bool = False  # visits of people who came before (direct, e-mail)


CHANNELS = (
    Channel("organic_google", 0.26, 0.02, referrer="https://www.google.com/"),
    Channel("organic_bing", 0.04, 0.02, referrer="https://www.bing.com/"),
    Channel("instagram_organic", 0.08, 0.008, referrer="https://l.instagram.com/"),
    Channel("facebook_organic", 0.03, 0.008, referrer="https://m.facebook.com/"),
    Channel("blog_referral", 0.03, 0.015, referrer="https://www.sneaker-blog.example/best-trail-runners"),
    # Tagged like paid traffic, but nobody imports its spend: the audit lists it.
    Channel("influencer", 0.04, 0.012, utm=("instagram", "influencer", "creator_collab_spring")),
    Channel("retired_google_tag", 0.01, 0.02, utm=("google", "cpc", "search_competitors_legacy")),
    Channel("newsletter", 0.14, 0.04, utm=("newsletter", "email", "weekly_newsletter"), returning=True),
    Channel("direct", 0.38, 0.035, returning=True),
)


# --- the calendar ----------------------------------------------------------------------------------------------

WEEKDAY = (0.95, 0.97, 1.0, 1.0, 0.98, 1.05, 1.12)  # Monday .. Sunday: more shopping on the weekend
MONTH = (0.80, 0.78, 0.88, 0.95, 1.0, 0.92, 0.86, 0.88, 0.97, 1.05, 1.55, 1.35)  # November peak, summer dip
HOURS = (1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.2, 3.0, 3.3, 3.5, 3.6, 3.8, 3.6, 3.4, 3.3, 3.4, 3.8, 4.4, 5.2, 5.6,
         5.0, 3.6, 2.0)  # local hour of day


def black_friday(year: int) -> date:
    """The Friday after the fourth Thursday of November."""
    first = date(year, 11, 1)
    first_thursday = 1 + (3 - first.weekday()) % 7
    return date(year, 11, first_thursday + 21 + 1)


def season(day: date) -> float:
    """How busy the shop is on ``day`` relative to an average day (weekly pattern, month, peak days)."""
    factor = WEEKDAY[day.weekday()] * MONTH[day.month - 1]
    bf = black_friday(day.year)
    distance = (day - bf).days
    if -7 <= distance <= 3:  # Black Friday week to Cyber Monday
        factor *= 1.0 + 1.6 * math.exp(-(distance**2) / 8.0)
    if day.month == 12 and day.day >= 24:
        factor *= 0.6
    return factor


def campaign_budget(campaign: Campaign, day: date) -> float:
    """The campaign's budget multiplier on ``day``: 0 outside its months, 4 during its flight."""
    if campaign.months and day.month not in campaign.months:
        return 0.0
    if campaign.peak is not None:
        month, first, last = campaign.peak
        if day.month == month and first <= day.day <= last:
            return 4.0
    return 1.0
