"""Channel groups: the coarse view of channels (paid search, paid social, email, organic, referral, direct).

A touchpoint's group, first rule that applies:

1. the project-wide setting ``ANALYTICAFLOW_CHANNEL_GROUPS`` (``source=group`` pairs, e.g.
   ``newsletter=email,partnerblog=referral,tiktok=paid_social``) names its channel (the lower-cased source);
2. ``email``: an e-mail medium (``email``, ``e-mail``, ``newsletter``, ``mail``) or an e-mail tool as source;
3. paid (a click id, or a paid medium such as ``cpc``): ``paid_social`` for social networks and social paid
   mediums, ``paid_search`` otherwise;
4. ``organic``: the ``organic`` or ``social`` medium (search engines and social networks found from the
   referrer have these);
5. ``direct`` channel: ``referral`` when the referrer is another site than the landing page's, else ``direct``;
6. anything else (a tagged source without a paid or e-mail medium): ``referral``.

Computed at query time in SQL, so changing the setting needs no replay.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from analyticaflow.channeldata.platforms import PAID_MEDIUMS
from analyticaflow.projections.channels import SEARCH_ENGINES, SOCIAL_NETWORKS
from analyticaflow.reports.sqlparts import Params

GROUPS = ("paid_search", "paid_social", "email", "organic", "referral", "direct")
GROUP_LABELS = {
    "paid_search": "Paid search",
    "paid_social": "Paid social",
    "email": "Email",
    "organic": "Organic",
    "referral": "Referral",
    "direct": "Direct",
}
EMAIL_MEDIUMS = ("email", "e-mail", "e_mail", "newsletter", "mail")
EMAIL_SOURCES = ("newsletter", "email", "mailchimp", "klaviyo", "sendgrid", "brevo", "sendinblue", "mailerlite")
SOCIAL_PAID_MEDIUMS = ("paid_social", "paidsocial", "paid-social", "social_paid", "social-paid", "social")
SOCIAL_CHANNELS = tuple(sorted({*SOCIAL_NETWORKS.values(), "meta", "fb", "ig", "snapchat", "tiktok", "pinterest"}))
SEARCH_CHANNELS = tuple(sorted(set(SEARCH_ENGINES.values())))
ORGANIC_MEDIUMS = ("organic", "social")


@dataclass(frozen=True, slots=True)
class TouchColumns:
    """SQL expressions of a touchpoint's origin (a ``touchpoints`` row, or an ``events`` row of a page)."""

    channel: str
    medium: str
    click: str  # TRUE when the visit carried a click id
    referrer_domain: str
    landing_url: str

    @classmethod
    def of_touchpoints(cls, alias: str) -> TouchColumns:
        clicks = " OR ".join(f"{alias}.{c} IS NOT NULL" for c in ("gclid", "fbclid", "yclid", "twclid"))
        return cls(
            f"{alias}.channel", f"{alias}.medium", f"({clicks})", f"{alias}.referrer_domain", f"{alias}.landing_url"
        )


def configured_groups() -> dict[str, str]:
    """channel → group from ``settings.ANALYTICAFLOW_CHANNEL_GROUPS``."""
    mapping: dict[str, str] = {}
    for item in getattr(settings, "ANALYTICAFLOW_CHANNEL_GROUPS", []) or []:
        source, sep, group = item.partition("=")
        source, group = source.strip().lower(), group.strip().lower().replace(" ", "_")
        if not sep or not source or group not in GROUPS:
            raise ImproperlyConfigured(
                f"ANALYTICAFLOW_CHANNEL_GROUPS: {item!r} is not source=group with a group among {', '.join(GROUPS)}"
            )
        mapping[source] = group
    return mapping


def channel_group_sql(columns: TouchColumns, params: Params, *, overrides: dict[str, str] | None = None) -> str:
    """SQL CASE giving the channel group of a touchpoint (the rules of this module, in order)."""
    overrides = configured_groups() if overrides is None else overrides
    medium = f"lower(coalesce({columns.medium}, ''))"
    branches = []
    for group in GROUPS:
        sources = [source for source, target in sorted(overrides.items()) if target == group]
        if sources:
            branches.append(f"WHEN {params.in_list(columns.channel, sources, 'cg')} THEN '{group}'")
    email = f"{params.in_list(medium, EMAIL_MEDIUMS, 'cg')} OR {params.in_list(columns.channel, EMAIL_SOURCES, 'cg')}"
    paid = f"{columns.click} OR {params.in_list(medium, sorted(PAID_MEDIUMS), 'cg')}"
    social = (
        f"{params.in_list(medium, SOCIAL_PAID_MEDIUMS, 'cg')} OR "
        f"{params.in_list(columns.channel, SOCIAL_CHANNELS, 'cg')}"
    )
    other_site = (
        f"{columns.referrer_domain} IS NOT NULL AND NOT coalesce("
        f"{columns.landing_url} LIKE concat('%//', {columns.referrer_domain}, '/%') OR "
        f"{columns.landing_url} LIKE concat('%//', {columns.referrer_domain}), FALSE)"
    )
    branches += [
        f"WHEN {email} THEN 'email'",
        f"WHEN ({paid}) AND ({social}) THEN 'paid_social'",
        f"WHEN {paid} THEN 'paid_search'",
        f"WHEN {params.in_list(medium, ORGANIC_MEDIUMS, 'cg')} THEN 'organic'",
        f"WHEN {columns.channel} = 'direct' AND {other_site} THEN 'referral'",
        f"WHEN {columns.channel} = 'direct' THEN 'direct'",
    ]
    return "CASE " + " ".join(branches) + " ELSE 'referral' END"
