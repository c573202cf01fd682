"""Channel groups: which of paid search, paid social, email, organic, referral and direct a visit or a spend row
belongs to. Pure functions over a project's rules.

A project's rules map a source (``tiktok``) or a source and medium (``google/cpc``) to a group; the more
specific rule wins. Without a rule, the built-in classification applies, in this order:

1. ``direct`` visits are direct, unless another site referred them (a link on a blog): those are referral;
2. e-mail: the medium is an e-mail medium (``email``, ``newsletter``...) or the source is a mailing tool;
3. paid visits (an ad platform's paid traffic, a click id, a paid medium such as ``cpc``, or a source the
   project has spend for): paid social for social networks (or a medium naming social), else paid search;
4. search engines and social networks without payment are organic, and so is the ``organic`` medium;
5. everything else (other sites, partners, unknown sources) is referral.

Spend rows are paid by nature: a platform's spend is paid social or paid search by the platform's network
(Meta and X social, Google and Yahoo! search); a file-imported source follows the same rules as its visits.

Sources are the touchpoint channel values (``context.campaign.source`` lower-cased, or the channel derived from
click ids and referrers), the same values the reports group by as ``channel``; for a direct visit from another
site, its domain (``sneaker-blog.example``; a rule may leave out ``www.``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from analyticaflow.channeldata.platforms import PAID_MEDIUMS, PLATFORMS, platform_channel
from analyticaflow.projections.channels import SEARCH_ENGINES, SOCIAL_NETWORKS


class Group(StrEnum):
    PAID_SEARCH = "paid_search"
    PAID_SOCIAL = "paid_social"
    EMAIL = "email"
    ORGANIC = "organic"
    REFERRAL = "referral"
    DIRECT = "direct"


GROUPS = tuple(Group)
LABELS = {
    Group.PAID_SEARCH: "Paid search",
    Group.PAID_SOCIAL: "Paid social",
    Group.EMAIL: "Email",
    Group.ORGANIC: "Organic",
    Group.REFERRAL: "Referral",
    Group.DIRECT: "Direct",
}

DIRECT_CHANNEL = "direct"
SEARCH_SOURCES = frozenset(SEARCH_ENGINES.values()) | {
    "adwords",
    "googleads",
    "google_ads",
    "yahoo_ads",
    "bing_ads",
    "microsoft_ads",
    "yahoo_japan",
    "sem",
}
SOCIAL_SOURCES = frozenset(SOCIAL_NETWORKS.values()) | {
    "ig",
    "fb",
    "x",
    "lnkd",
    "meta",
    "meta_ads",
    "facebook_ads",
    "facebookads",
    "messenger",
    "audience_network",
    "twitter_ads",
    "x_ads",
    "twitter.com",
    "snapchat",
    "tiktok_ads",
    "linkedin_ads",
    "pinterest_ads",
    "reddit_ads",
    "whatsapp",
    "telegram",
    "tumblr",
    "quora",
    "discord",
    "line",
}
EMAIL_MEDIUMS = frozenset({"email", "e-mail", "e_mail", "mail", "newsletter"})
EMAIL_SOURCES = frozenset(
    {
        "newsletter",
        "email",
        "e-mail",
        "mailchimp",
        "klaviyo",
        "sendgrid",
        "sendinblue",
        "brevo",
        "mailerlite",
        "hubspot_email",
        "campaign_monitor",
        "omnisend",
        "substack",
    }
)
ORGANIC_MEDIUMS = frozenset({"organic", "organic_search", "seo", "social", "organic_social", "social-organic"})
MAX_RULES = 500
MAX_KEY_LENGTH = 200


def _platform_kind(channel: str) -> str | None:
    if channel in SEARCH_SOURCES:
        return "search"
    if channel in SOCIAL_SOURCES:
        return "social"
    return None


# Every ad platform's traffic is classified by its network (its visits' channel): google → search, facebook → social.
_PLATFORM_ALIASES = {
    alias: _platform_kind(platform.channel) for platform in PLATFORMS.values() for alias in platform.utm_sources
}


def source_kind(source: str) -> str | None:
    """``search``, ``social`` or None (unknown) for a source or channel name."""
    name = source.strip().lower()
    return _PLATFORM_ALIASES.get(name) or _platform_kind(name) or _platform_kind(platform_channel(name))


def rule_key(source: str, medium: str | None = None) -> str:
    """The key of a rule: ``source`` or ``source/medium``, lower-case and trimmed."""
    source = source.strip().lower()
    medium = (medium or "").strip().lower()
    return f"{source}/{medium}" if medium else source


@dataclass(frozen=True, slots=True)
class ChannelGrouping:
    """A project's rules (``source`` or ``source/medium`` → group) over the built-in classification."""

    rules: Mapping[str, str] = field(default_factory=dict)

    def _rule(self, source: str, medium: str) -> str | None:
        if medium:
            found = self.rules.get(rule_key(source, medium))
            if found:
                return found
        return self.rules.get(rule_key(source))

    def visit_group(self, *, channel: str, medium: str = "", paid: bool = False, referrer: str = "") -> str:
        """The group of a touchpoint from its channel (source), medium, whether it is paid traffic, and for a
        direct visit the other site it came from (``referrer``, a domain: rules may name it as the source)."""
        channel = (channel or DIRECT_CHANNEL).strip().lower()
        medium = (medium or "").strip().lower()
        referrer = (referrer or "").strip().lower() if channel == DIRECT_CHANNEL else ""
        if referrer:
            ruled = self._rule(referrer, medium) or self._rule(referrer.removeprefix("www."), medium)
            return ruled or str(Group.REFERRAL)
        ruled = self._rule(channel, medium)
        if ruled:
            return ruled
        return str(default_visit_group(channel=channel, medium=medium, paid=paid))

    def spend_group(self, *, source: str) -> str:
        """The group of an ad spend row's source (``meta_ads``, or a file's own source name)."""
        source = source.strip().lower()
        ruled = self._rule(source, "") or self._rule(platform_channel(source), "")
        if ruled:
            return ruled
        if source in EMAIL_SOURCES:
            return str(Group.EMAIL)
        return str(Group.PAID_SOCIAL if source_kind(source) == "social" else Group.PAID_SEARCH)


def default_visit_group(*, channel: str, medium: str, paid: bool) -> Group:
    """The built-in classification (see the module docstring)."""
    if channel == DIRECT_CHANNEL:
        return Group.DIRECT
    if medium in EMAIL_MEDIUMS or channel in EMAIL_SOURCES:
        return Group.EMAIL
    kind = source_kind(channel)
    if paid or medium in PAID_MEDIUMS:
        return Group.PAID_SOCIAL if kind == "social" or "social" in medium else Group.PAID_SEARCH
    if kind is not None or medium in ORGANIC_MEDIUMS:
        return Group.ORGANIC
    return Group.REFERRAL


def normal_key(raw: object) -> str:
    """A rule's key as stored (``Google/CPC`` → ``google/cpc``); '' for a key that is not text."""
    return rule_key(*raw.split("/", 1)) if isinstance(raw, str) else ""


def validate_rules(rules: object) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Normalized rules and the reasons per rule that does not fit (empty when all are fine)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(rules, Mapping):
        return {}, {"rules": ["must be an object mapping a source (or source/medium) to a group"]}
    if len(rules) > MAX_RULES:
        return {}, {"rules": [f"at most {MAX_RULES} rules"]}
    normalized: dict[str, str] = {}
    for raw_key, group in rules.items():
        key = normal_key(raw_key)
        where = f"rules.{raw_key}"
        if not key or key.startswith("/") or len(key) > MAX_KEY_LENGTH:
            errors[where] = [f"a rule is named by a source or source/medium of 1 to {MAX_KEY_LENGTH} characters"]
        elif group not in GROUPS:
            errors[where] = [f"must be one of: {', '.join(GROUPS)}"]
        elif key in normalized and normalized[key] != group:
            errors[where] = [f"repeats the rule {key!r} with another group"]
        else:
            normalized[key] = str(group)
    return normalized, errors


def describe_defaults() -> list[dict[str, str]]:
    """The built-in classification in words, for the settings API and page."""
    return [
        {"group": Group.DIRECT, "when": "The visit has no campaign, click id or referrer from another site "
                                        "(channel 'direct')."},
        {
            "group": Group.EMAIL,
            "when": f"The medium is one of {', '.join(sorted(EMAIL_MEDIUMS))}, or the source is a "
            f"mailing tool ({', '.join(sorted(EMAIL_SOURCES))}).",
        },
        {
            "group": Group.PAID_SOCIAL,
            "when": "Paid traffic (an ad platform's paid visits, a click id, a paid medium "
            "such as cpc, or a source with spend) from a social network.",
        },
        {
            "group": Group.PAID_SEARCH,
            "when": "Other paid traffic: search engines' ads and paid sources of any other kind.",
        },
        {
            "group": Group.ORGANIC,
            "when": "Unpaid visits from search engines and social networks, or the medium 'organic'.",
        },
        {"group": Group.REFERRAL, "when": "Everything else: links from other sites, partners, unknown sources."},
    ]
