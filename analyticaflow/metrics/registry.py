"""The metric registry: every metric defined once — its parts, its formula, its format and its direction.

A *part* is an additive quantity the warehouse sums for a period and a group (spend, clicks, orders...); each
part belongs to a *fact*: the table family that yields it. A metric is a part itself or a ratio of summed parts
(``numerator`` is a weighted sum of parts, ``denominator`` one part, ``scale`` a constant factor). Ratios are
always recomputed from the summed parts, never averaged; a zero or missing denominator gives None.

Formats: ``money`` (in the project's reporting currency), ``percent`` (a fraction: 0.05 is 5 %), ``count``,
``ratio`` (a plain multiple, e.g. ROAS 3.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from analyticaflow.errors import InvalidInput
from analyticaflow.metrics.formulas import safe_ratio


class Format(StrEnum):
    MONEY = "money"
    PERCENT = "percent"
    COUNT = "count"
    RATIO = "ratio"


GROUPINGS = ("none", "source", "account", "campaign", "channel")
OWN_ACCOUNT_GROUPINGS = ("none", "source", "account")


@dataclass(frozen=True, slots=True)
class Fact:
    """Where parts come from, and by which report groupings its rows can be split."""

    name: str
    description: str
    groupings: tuple[str, ...]


FACTS: dict[str, Fact] = {
    f.name: f
    for f in (
        Fact("ad_spend", "ad_spend_daily: what the ad platforms report per campaign and day", GROUPINGS),
        Fact("orders", "orders_merged: first-party orders credited to touchpoints by the attribution model",
             GROUPINGS),
        Fact("sessions", "sessions tracked by AnalyticaFlow, grouped by the visit's touchpoint", GROUPINGS),
        Fact("web_sessions", "web_sessions_daily (GA4): source 'ga4', account = the GA4 property",
             OWN_ACCOUNT_GROUPINGS),
        Fact("social", "social_daily: organic accounts' own daily rows", OWN_ACCOUNT_GROUPINGS),
        Fact("crm", "crm_deals: deals created and won", OWN_ACCOUNT_GROUPINGS),
    )
}


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    fact: str
    money: bool = False


PARTS: dict[str, Part] = {
    p.name: p
    for p in (
        Part("spend", "ad_spend", money=True),
        Part("impressions", "ad_spend"),
        Part("clicks", "ad_spend"),
        Part("platform_conversions", "ad_spend"),
        Part("platform_conversion_value", "ad_spend", money=True),
        Part("orders", "orders"),
        Part("revenue", "orders", money=True),
        Part("new_customers", "orders"),
        Part("sessions", "sessions"),
        Part("users", "sessions"),
        Part("ga4_sessions", "web_sessions"),
        Part("ga4_users", "web_sessions"),
        Part("ga4_new_users", "web_sessions"),
        Part("ga4_conversions", "web_sessions"),
        Part("ga4_revenue", "web_sessions", money=True),
        Part("new_followers", "social"),
        Part("reach", "social"),
        Part("social_impressions", "social"),
        Part("engagements", "social"),
        Part("deals", "crm"),
        Part("won_deals", "crm"),
        Part("won_value", "crm", money=True),
    )
}


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    label: str
    format: Format
    higher_is_better: bool
    description: str
    numerator: Mapping[str, float]  # part → coefficient
    denominator: str | None = None
    scale: float = 1.0
    parts: tuple[str, ...] = field(default=())

    def value(self, parts: Mapping[str, float | None]) -> float | None:
        """The metric from summed parts (None on a missing part or a zero denominator)."""
        if self.is_part:
            return parts.get(self.name)
        numerator = 0.0
        for name, coefficient in self.numerator.items():
            part = parts.get(name)
            if part is None:
                return None
            numerator += coefficient * float(part)
        if self.denominator is None:
            return self.scale * numerator
        return safe_ratio(numerator, parts.get(self.denominator), scale=self.scale)

    @property
    def is_part(self) -> bool:
        """A metric that is one part as summed (spend, orders...)."""
        return self.denominator is None and dict(self.numerator) == {self.name: 1.0} and self.scale == 1

    @property
    def facts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(PARTS[p].fact for p in self.parts))

    @property
    def groupings(self) -> tuple[str, ...]:
        allowed = [g for g in GROUPINGS if all(g in FACTS[f].groupings for f in self.facts)]
        return tuple(allowed)


def _metric(name: str, label: str, format_: Format, higher_is_better: bool, description: str,
            numerator: Mapping[str, float] | None = None, denominator: str | None = None,
            scale: float = 1.0) -> Metric:
    numerator = dict(numerator or {name: 1.0})
    parts = tuple(dict.fromkeys([*numerator, *([denominator] if denominator else [])]))
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise ValueError(f"metric {name}: unknown parts {unknown}")
    return Metric(name, label, format_, higher_is_better, description, numerator, denominator, scale, parts)


M, P, C, R = Format.MONEY, Format.PERCENT, Format.COUNT, Format.RATIO

METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        # Ad platforms
        _metric("spend", "Spend", M, False, "Σ ad spend, converted to the reporting currency."),
        _metric("impressions", "Impressions", C, True, "Σ impressions."),
        _metric("clicks", "Clicks", C, True, "Σ clicks."),
        _metric("ctr", "CTR", P, True, "clicks / impressions.", {"clicks": 1}, "impressions"),
        _metric("cpc", "CPC", M, False, "spend / clicks.", {"spend": 1}, "clicks"),
        _metric("cpm", "CPM", M, False, "1000 · spend / impressions.", {"spend": 1}, "impressions", 1000),
        _metric("platform_conversions", "Platform conversions", C, True,
                "Σ conversions the ad platforms claim (their own attribution)."),
        _metric("platform_conversion_value", "Platform conversion value", M, True,
                "Σ conversion value the ad platforms claim."),
        _metric("platform_roas", "Platform ROAS", R, True, "platform conversion value / spend.",
                {"platform_conversion_value": 1}, "spend"),
        _metric("platform_cpa", "Platform CPA", M, False, "spend / platform conversions.", {"spend": 1},
                "platform_conversions"),
        # First-party tracking and orders
        _metric("sessions", "Sessions", C, True, "Visits tracked by AnalyticaFlow (30-minute inactivity rule)."),
        _metric("users", "Users", C, True, "Distinct persons with a tracked visit."),
        _metric("orders", "Orders", C, True, "Distinct orders (events and shop orders merged by order id)."),
        _metric("revenue", "Revenue", M, True, "Σ order revenue, converted to the reporting currency."),
        _metric("aov", "AOV", M, True, "revenue / orders.", {"revenue": 1}, "orders"),
        _metric("conversion_rate", "Conversion rate", P, True, "orders / sessions.", {"orders": 1}, "sessions"),
        _metric("new_customers", "New customers", C, True, "Persons whose first-ever order falls in the period."),
        _metric("cac", "CAC", M, False, "spend / new customers.", {"spend": 1}, "new_customers"),
        _metric("cpa", "CPA", M, False, "spend / orders.", {"spend": 1}, "orders"),
        _metric("roas", "ROAS", R, True, "revenue / spend.", {"revenue": 1}, "spend"),
        _metric("romi", "ROMI", P, True, "(revenue - spend) / spend.", {"revenue": 1, "spend": -1}, "spend"),
        # Web analytics (GA4)
        _metric("ga4_sessions", "GA4 sessions", C, True, "Σ sessions reported by GA4."),
        _metric("ga4_users", "GA4 users", C, True, "Σ GA4 daily active users (a user active on two days counts "
                "twice: GA4's daily rows cannot be de-duplicated)."),
        _metric("ga4_new_users", "GA4 new users", C, True, "Σ GA4 new users."),
        _metric("ga4_conversions", "GA4 conversions", C, True, "Σ GA4 key events."),
        _metric("ga4_revenue", "GA4 revenue", M, True, "Σ GA4 revenue, converted to the reporting currency."),
        _metric("ga4_conversion_rate", "GA4 conversion rate", P, True, "GA4 conversions / GA4 sessions.",
                {"ga4_conversions": 1}, "ga4_sessions"),
        # Organic social
        _metric("new_followers", "New followers", C, True, "Σ followers gained per day."),
        _metric("reach", "Reach", C, True, "Σ daily reach (people reached on two days count twice)."),
        _metric("social_impressions", "Impressions (organic)", C, True, "Σ organic impressions/views."),
        _metric("engagements", "Engagements", C, True, "Σ likes, comments, shares and saves."),
        _metric("engagement_rate", "Engagement rate", P, True, "engagements / organic impressions.",
                {"engagements": 1}, "social_impressions"),
        # CRM
        _metric("deals", "Deals", C, True, "Deals created in the period."),
        _metric("won_deals", "Won deals", C, True, "Deals won (closed) in the period."),
        _metric("won_value", "Won value", M, True, "Σ value of deals won in the period."),
    )
}


def metric_named(name: str) -> Metric:
    try:
        return METRICS[name]
    except KeyError:
        raise InvalidInput(f"Unknown metric {name!r}.",
                           fields={"metrics": [f"{name!r} is not a metric; known: {', '.join(METRICS)}"]}) from None


def metric_values(parts: Mapping[str, float | None], names: tuple[str, ...] | list[str]) -> dict[str, float | None]:
    """Each named metric computed from the same summed parts."""
    return {name: METRICS[name].value(parts) for name in names}


def parts_of(names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Every part the named metrics need, in a stable order."""
    return tuple(dict.fromkeys(p for name in names for p in METRICS[name].parts))


METRIC_NAMES = list(METRICS)  # the choice set the API documents once (OpenAPI enum ``MetricEnum``)
