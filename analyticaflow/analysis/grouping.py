"""Channel groups in the analyses' SQL: the project's channel grouping applied to touchpoints exactly as the
attribution report applies it (``channelgroups.touches.touch_channel_group``: what makes a visit paid, and the
project's rules).

The classification stays pure Python; it runs once per distinct touchpoint combination of the project (source,
medium, campaign, channel, click id, referring site), and the SQL maps each combination to its group with one
CASE. A combination whose campaigns all land in one group is matched without its campaign, so the CASE stays
short however many campaigns a source has. The referring site of a direct visit is the referrer's domain when
the landing page is on another site (as the attribution report reads it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from analyticaflow.channelgroups.rules import ChannelGrouping, Group
from analyticaflow.channelgroups.touches import touch_channel_group
from analyticaflow.reports.sqlparts import CLICK_CASE, Params
from analyticaflow.reports.touches import TouchCombo, campaign_catalog
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.sql import Sql


def referring_site(alias: str) -> str:
    """SQL: the other site a direct visit came from ('' for none)."""
    return (f"CASE WHEN {alias}.channel = 'direct' AND {alias}.referrer_domain IS NOT NULL "
            f"AND position({alias}.referrer_domain IN coalesce({alias}.landing_url, '')) = 0 "
            f"THEN {alias}.referrer_domain ELSE '' END")


def _combination_columns(alias: str) -> dict[str, str]:
    """SQL per column of a touchpoint combination ('' for none)."""
    return {
        "source": f"coalesce({alias}.source, '')",
        "medium": f"coalesce({alias}.medium, '')",
        "channel": f"coalesce({alias}.channel, '')",
        "click": CLICK_CASE.replace("t.", f"{alias}."),
        "referrer": referring_site(alias),
        "campaign": f"coalesce({alias}.campaign, '')",
    }


VISIT_COLUMNS = ("source", "medium", "channel", "click", "referrer")


@dataclass(frozen=True, slots=True)
class GroupMap:
    """(source, medium, channel, click id column, referring site, campaign or None for any, group) for every
    combination a project's touchpoints have."""

    entries: tuple[tuple[str, str, str, str, str, str | None, str], ...] = ()

    def sql(self, params: Params, alias: str = "tp") -> str:
        """SQL CASE: the group of the touchpoint ``alias`` (``direct`` for a combination not in the map)."""
        columns = _combination_columns(alias)
        by_group: dict[str, list[str]] = {}
        for *visit, campaign, group in self.entries:
            if group == Group.DIRECT:
                continue  # the CASE's ELSE
            pairs = list(zip(VISIT_COLUMNS, visit, strict=True))
            if campaign is not None:
                pairs.append(("campaign", campaign))
            by_group.setdefault(group, []).append(
                "(" + " AND ".join(f"{columns[name]} = {params.add(value, 'gv')}" for name, value in pairs) + ")")
        branches = " ".join(f"WHEN {' OR '.join(conditions)} THEN {params.add(group, 'gg')}"
                            for group, conditions in sorted(by_group.items()))
        return f"CASE {branches} ELSE '{Group.DIRECT.value}' END" if branches else f"'{Group.DIRECT.value}'"


def group_map(*, warehouse: Warehouse, project_id: int, grouping: ChannelGrouping) -> GroupMap:
    """The project's touchpoint combinations, classified by ``grouping``."""
    columns = _combination_columns("tp")
    combos = warehouse.query(Sql(
        f"SELECT DISTINCT {', '.join(columns.values())} FROM touchpoints AS tp WHERE tp.project_id = {{p}}",
        {"p": project_id}))
    catalog = campaign_catalog(warehouse=warehouse, project_id=project_id)
    by_visit: dict[tuple[str, ...], dict[str, str]] = defaultdict(dict)
    for source, medium, channel, click, referrer, campaign in combos:
        combo = TouchCombo(source=source, medium=medium, campaign=campaign, channel=channel, click=click)
        by_visit[(source, medium, channel, click, referrer)][campaign] = touch_channel_group(
            combo, referrer=referrer, catalog=catalog, grouping=grouping)
    entries: list[tuple[str, str, str, str, str, str | None, str]] = []
    for visit, groups in sorted(by_visit.items()):
        if len(set(groups.values())) == 1:
            entries.append((*visit, None, next(iter(groups.values()))))
        else:
            entries.extend((*visit, campaign, group) for campaign, group in sorted(groups.items()))
    return GroupMap(tuple(entries))
