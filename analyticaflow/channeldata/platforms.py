"""Ad platforms and how their traffic shows up in UTM tags, and the one campaign-name normalization.

Spend rows name their platform (``meta_ads``); tracked visits name a UTM source (``facebook``, ``ig``...) or
carry a click id. A visit belongs to a platform when its source is one of the platform's UTM sources and it is
paid (a paid medium, the platform's click id, or the platform's own name as source) — or when its campaign
matches one of the platform's campaigns (see ``reports.touches``). Organic Google or Facebook visits keep
their own source (``google``, ``facebook``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SEPARATORS = re.compile(r"[\W_]+")


def clean_campaign_name(name: str | None) -> str:
    """A campaign name reduced to what survives UTM tagging by hand: lower case, every run of characters that
    are not letters or digits turned into one ``_``, none at the ends.

    ``" (Sale) My_Campaign_2025 | RU "`` → ``"sale_my_campaign_2025_ru"``. Letters of every script are kept.
    """
    if not name:
        return ""
    folded = unicodedata.normalize("NFKC", name).lower()
    return _SEPARATORS.sub("_", folded).strip("_")


@dataclass(frozen=True, slots=True)
class Platform:
    name: str  # the spend rows' source
    channel: str  # the channel its visits get (projections/channels.py)
    utm_sources: frozenset[str]  # utm_source values marketers use for it
    click_id: str  # the click id its ads append to landing URLs


PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        Platform("meta_ads", "facebook",
                 frozenset({"meta_ads", "facebook", "fb", "instagram", "ig", "meta", "facebook_ads", "facebookads",
                            "messenger", "audience_network"}), "fbclid"),
        Platform("google_ads", "google",
                 frozenset({"google_ads", "google", "adwords", "googleads", "youtube"}), "gclid"),
        Platform("twitter_ads", "twitter", frozenset({"twitter_ads", "twitter", "x", "x_ads", "twitter.com"}),
                 "twclid"),
        Platform("yahoo_ads", "yahoo", frozenset({"yahoo_ads", "yahoo", "yahoo_japan"}), "yclid"),
    )
}

PAID_MEDIUMS = frozenset({
    "cpc", "ppc", "cpm", "cpv", "cpa", "cpi", "paid", "paidsearch", "paid_search", "paid-search", "paidsocial",
    "paid_social", "paid-social", "social_paid", "social-paid", "display", "banner", "ads", "ad", "sem",
    "retargeting", "remarketing", "video",
})

_BY_UTM_SOURCE = {alias: platform for platform in PLATFORMS.values() for alias in platform.utm_sources}
_BY_CLICK_ID = {platform.click_id: platform for platform in PLATFORMS.values()}


def platform_channel(source: str) -> str:
    """The channel of a spend row's source (a platform's channel, else the source itself)."""
    platform = PLATFORMS.get(source)
    return platform.channel if platform else source


def platform_of_utm(source: str) -> Platform | None:
    return _BY_UTM_SOURCE.get(source.strip().lower())


def platform_of_click(click_id: str) -> Platform | None:
    return _BY_CLICK_ID.get(click_id)


def is_paid(*, platform: Platform, source: str, medium: str, click_id: str) -> bool:
    """Whether a visit tagged with this source/medium/click id is the platform's paid traffic."""
    return (
        medium.strip().lower() in PAID_MEDIUMS
        or click_id == platform.click_id
        or source.strip().lower() == platform.name
    )
