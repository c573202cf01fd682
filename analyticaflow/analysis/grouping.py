"""Channel groups in the analyses' SQL: the project's channel grouping (``analyticaflow.channelgroups``) applied
to touchpoints.

The classification stays the channel grouping's pure rules; they run once per distinct (channel, medium, paid,
referring site) combination of the project's touchpoints, and the SQL maps each combination to its group with
one CASE. A visit is paid when it carried a click id or its channel is that of a source the project has ad
spend for (a paid medium is recognized by the rules themselves); the referring site of a direct visit is the
referrer's domain when the landing page is on another site (as the attribution report reads it).
"""

from __future__ import annotations

from dataclasses import dataclass

from analyticaflow.channeldata.platforms import platform_channel
from analyticaflow.channelgroups.rules import ChannelGrouping, Group
from analyticaflow.reports.sqlparts import Params
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.sql import Sql

CLICK_COLUMNS = ("gclid", "fbclid", "yclid", "twclid")


def clicked(alias: str) -> str:
    """SQL: 1 when the touchpoint carried a click id, else 0."""
    return "CASE WHEN " + " OR ".join(f"{alias}.{c} IS NOT NULL" for c in CLICK_COLUMNS) + " THEN 1 ELSE 0 END"


def medium_of(alias: str) -> str:
    return f"lower(coalesce({alias}.medium, ''))"


def referring_site(alias: str) -> str:
    """SQL: the other site a direct visit came from ('' for none)."""
    return (f"CASE WHEN {alias}.channel = 'direct' AND {alias}.referrer_domain IS NOT NULL "
            f"AND position({alias}.referrer_domain IN coalesce({alias}.landing_url, '')) = 0 "
            f"THEN {alias}.referrer_domain ELSE '' END")


@dataclass(frozen=True, slots=True)
class GroupMap:
    """(channel, lower-cased medium, clicked, referring site, group) for every combination a project's
    touchpoints have."""

    entries: tuple[tuple[str, str, int, str, str], ...] = ()

    def sql(self, params: Params, alias: str = "tp") -> str:
        """SQL CASE: the group of the touchpoint ``alias`` (``direct`` for a combination not in the map)."""
        by_group: dict[str, list[str]] = {}
        for channel, medium, click, referrer, group in self.entries:
            if group == Group.DIRECT:
                continue  # the CASE's ELSE
            by_group.setdefault(group, []).append(
                f"({alias}.channel = {params.add(channel, 'gc')} AND {medium_of(alias)} = {params.add(medium, 'gm')}"
                f" AND {clicked(alias)} = {params.add(click, 'gk')}"
                f" AND {referring_site(alias)} = {params.add(referrer, 'gr')})")
        branches = " ".join(f"WHEN {' OR '.join(conditions)} THEN {params.add(group, 'gg')}"
                            for group, conditions in sorted(by_group.items()))
        return f"CASE {branches} ELSE '{Group.DIRECT.value}' END" if branches else f"'{Group.DIRECT.value}'"


def group_map(*, warehouse: Warehouse, project_id: int, grouping: ChannelGrouping) -> GroupMap:
    """The project's touchpoint combinations, classified by ``grouping``."""
    combos = warehouse.query(Sql(
        f"SELECT DISTINCT tp.channel, {medium_of('tp')}, {clicked('tp')}, {referring_site('tp')} "
        "FROM touchpoints AS tp WHERE tp.project_id = {p}", {"p": project_id}))
    spend = {platform_channel(source) for (source,) in warehouse.query(Sql(
        "SELECT DISTINCT source FROM ad_spend_daily WHERE project_id = {p}", {"p": project_id}))}
    entries = tuple(sorted(
        (channel, medium, int(click), referrer,
         grouping.visit_group(channel=channel, medium=medium, paid=bool(click) or channel in spend,
                              referrer=referrer))
        for channel, medium, click, referrer in combos))
    return GroupMap(entries)
