"""How the dashboard presents each connected source: its name, icon and the metrics on its tiles.

Accounts come in four kinds (the reports API's ``accounts``): ``ads`` (spend rows), ``social`` (organic
accounts), ``web`` (GA4 properties) and ``crm``. A source the catalog does not know (a CSV import from another
ad network, say) gets the generic icon and its kind's tiles. Metric names are the metric registry's; tiles for
metrics the registry does not define are left out, so the page never asks the reports API for an unknown one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

# Paid platforms: delivery first, then what the shop booked, then what the platform claims.
AD_TILES = (
    "spend",
    "impressions",
    "clicks",
    "ctr",
    "cpc",
    "cpm",
    "orders",
    "revenue",
    "roas",
    "romi",
    "cpa",
    "platform_conversions",
    "platform_conversion_value",
    "platform_roas",
    "platform_cpa",
)
AD_TABLE = (
    "spend",
    "impressions",
    "clicks",
    "cpc",
    "orders",
    "revenue",
    "roas",
    "platform_conversions",
    "platform_roas",
)


@dataclass(frozen=True, slots=True)
class Kind:
    tiles: tuple[str, ...]
    table: tuple[str, ...]  # the breakdown by campaign; empty where the data has no campaigns
    table_group: str | None


KINDS = {
    "ads": Kind(AD_TILES, AD_TABLE, "campaign"),
    "social": Kind(("new_followers", "reach", "social_impressions", "engagements", "engagement_rate"), (), None),
    "web": Kind(
        ("ga4_sessions", "ga4_users", "ga4_new_users", "ga4_conversions", "ga4_revenue", "ga4_conversion_rate"),
        (),
        None,
    ),
    "crm": Kind(("deals", "won_deals", "won_value"), (), None),
}

# "All accounts": every channel blended, and a row per source.
BLENDED_TILES = ("spend", "revenue", "roas", "romi", "cac", "orders", "new_customers", "aov")
BLENDED_TABLE = ("spend", "orders", "revenue", "new_customers", "roas", "romi", "cac", "cpa")


@dataclass(frozen=True, slots=True)
class Platform:
    source: str
    label: str
    icon: str  # symbol id in static/web/platforms.svg
    kind: str


PLATFORMS: dict[str, Platform] = {
    platform.source: platform
    for platform in (
        Platform("meta_ads", "Meta Ads", "meta", "ads"),
        Platform("google_ads", "Google Ads", "google", "ads"),
        Platform("twitter_ads", "X Ads", "x", "ads"),
        Platform("yahoo_ads", "Yahoo! Ads", "yahoo", "ads"),
        Platform("instagram", "Instagram", "instagram", "social"),
        Platform("twitter", "X (organic)", "x", "social"),
        Platform("ga4", "Google Analytics 4", "analytics", "web"),
        Platform("amocrm", "amoCRM", "crm", "crm"),
        Platform("bitrix24", "Bitrix24", "crm", "crm"),
    )
}
GENERIC_ICON = "generic"


def platform_for(source: str, kind: str = "ads") -> Platform:
    """The catalog entry of ``source``, or a generic one of ``kind`` named after it."""
    known = PLATFORMS.get(source)
    if known is not None:
        return known
    label = source.replace("_", " ").strip().title() or "Other"
    return Platform(source, label, GENERIC_ICON, kind if kind in KINDS else "ads")


@cache
def presentation(*, known_metrics: frozenset[str]) -> dict:
    """The platforms, kinds and blended view for the page, keeping only metrics the registry defines."""

    def keep(names: tuple[str, ...]) -> list[str]:
        return [name for name in names if name in known_metrics]

    return {
        "platforms": {source: {"label": p.label, "icon": p.icon, "kind": p.kind} for source, p in PLATFORMS.items()},
        "kinds": {
            name: {"tiles": keep(k.tiles), "table": keep(k.table), "table_group": k.table_group}
            for name, k in KINDS.items()
        },
        "generic_icon": GENERIC_ICON,
        "blended": {"tiles": keep(BLENDED_TILES), "table": keep(BLENDED_TABLE), "table_group": "source"},
    }
