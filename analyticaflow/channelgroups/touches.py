"""The channel group of a tracked touchpoint: the one definition the attribution report, the journeys' top paths
and the funnel and LTV breakdowns all use.

A visit is paid (``rules.ChannelGrouping.visit_group``'s ``paid``) when it is an ad platform's paid traffic
(a paid medium, the platform's own click id or name as source), when its campaign matches a campaign the
project has spend for, when its source is exactly a source with spend (a file-imported ``tiktok``), or when it
carried any click id. Merely sharing a channel with a platform that has spend is not enough: an unpaid Google
search visit stays organic while the project buys Google Ads.
"""

from __future__ import annotations

from analyticaflow.channelgroups.rules import ChannelGrouping
from analyticaflow.reports.touches import CampaignCatalog, TouchCombo, group_of


def touch_channel_group(combo: TouchCombo, *, referrer: str, catalog: CampaignCatalog,
                        grouping: ChannelGrouping) -> str:
    """The group of a touchpoint combination; ``referrer`` is the other site a direct visit came from ('')."""
    group = group_of(combo, catalog)
    return grouping.visit_group(channel=group.channel, medium=combo.medium, paid=group.paid or bool(combo.click),
                                referrer=referrer)
