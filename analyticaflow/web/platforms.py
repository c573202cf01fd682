"""How the dashboard presents each platform: its name, icon and the metrics on its tiles.

A source the catalog does not know (a CSV import from another ad network, say) still gets a menu entry with
the generic icon and the ad-platform tiles. Metric names are the metric registry's; tiles for metrics the
registry does not define are left out, so the catalog can never ask the reports API for an unknown metric.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

# Paid platforms share their tiles: delivery first, then what the shop booked, then what the platform claims.
AD_PLATFORM_TILES = (
    "spend", "impressions", "clicks", "ctr", "cpc", "cpm",
    "orders", "revenue", "roas", "romi", "cpa",
    "platform_conversions", "platform_conversion_value", "platform_roas", "platform_cpa",
)
AD_PLATFORM_TABLE = ("spend", "impressions", "clicks", "ctr", "cpc", "orders", "revenue", "roas",
                     "platform_conversions", "platform_roas")
SOCIAL_TILES = ("new_followers", "reach", "social_impressions", "engagements", "engagement_rate")

# "All accounts": every channel blended, and a row per source.
BLENDED_TILES = ("spend", "revenue", "roas", "romi", "cac", "orders", "new_customers", "aov")
BLENDED_TABLE = ("spend", "orders", "revenue", "new_customers", "roas", "romi", "cac", "cpa")


@dataclass(frozen=True, slots=True)
class Platform:
    source: str
    label: str
    icon: str  # symbol id in static/web/platforms.svg
    tiles: tuple[str, ...]
    table: tuple[str, ...]
    kind: str = "ads"  # ads | social


PLATFORMS: dict[str, Platform] = {
    platform.source: platform
    for platform in (
        Platform("meta_ads", "Meta Ads", "meta", AD_PLATFORM_TILES, AD_PLATFORM_TABLE),
        Platform("google_ads", "Google Ads", "google", AD_PLATFORM_TILES, AD_PLATFORM_TABLE),
        Platform("twitter_ads", "X Ads", "x", AD_PLATFORM_TILES, AD_PLATFORM_TABLE),
        Platform("yahoo_ads", "Yahoo! Ads", "yahoo", AD_PLATFORM_TILES, AD_PLATFORM_TABLE),
        Platform("instagram", "Instagram", "instagram", SOCIAL_TILES, SOCIAL_TILES, kind="social"),
    )
}
GENERIC_ICON = "generic"


def platform_for(source: str) -> Platform:
    """The catalog entry of ``source``, or a generic ad platform named after it."""
    known = PLATFORMS.get(source)
    if known is not None:
        return known
    label = source.replace("_", " ").strip().title() or "Other"
    return Platform(source, label, GENERIC_ICON, AD_PLATFORM_TILES, AD_PLATFORM_TABLE)


@cache
def presentation(*, known_metrics: frozenset[str]) -> dict:
    """The platforms and blended view for the page, keeping only metrics the registry defines."""

    def keep(names: tuple[str, ...]) -> list[str]:
        return [name for name in names if name in known_metrics]

    generic = platform_for("")
    return {
        "platforms": {
            source: {"label": p.label, "icon": p.icon, "kind": p.kind, "tiles": keep(p.tiles), "table": keep(p.table)}
            for source, p in PLATFORMS.items()
        },
        "generic": {"icon": GENERIC_ICON, "kind": "ads", "tiles": keep(generic.tiles), "table": keep(generic.table)},
        "blended": {"tiles": keep(BLENDED_TILES), "table": keep(BLENDED_TABLE)},
    }
