"""Which report group a touchpoint belongs to: the matching of tracked visits to ad platforms and their
campaigns. Pure functions over the distinct (source, medium, campaign, channel, click id) combinations.

A visit's UTM campaign matches a spend campaign of the same platform by id, or by name once both are
cleaned (``clean_campaign_name``). The platform of a visit: the platform whose UTM sources include its
source — when the campaign matches one of that platform's campaigns, or when the visit is paid (paid medium,
the platform's click id, the platform's own name as source). A source that is no platform's (``tiktok`` from a
CSV import, ``newsletter``) matches spend rows of that exact source. Everything else keeps its own source, or
``direct`` when it has none; visits of unmatched campaigns keep the cleaned campaign name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from analyticaflow.attribution import DIRECT
from analyticaflow.channeldata.platforms import clean_campaign_name, is_paid, platform_of_click, platform_of_utm
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.sql import Sql

CLICK_COLUMNS = ("gclid", "fbclid", "yclid", "twclid")


@dataclass(frozen=True, slots=True)
class SpendCampaign:
    source: str
    account_id: str
    campaign_id: str
    campaign_name: str  # the latest name


class CampaignCatalog:
    """The project's spend campaigns, for matching UTM campaigns and naming report rows."""

    def __init__(self, rows: Iterable[tuple[str, str, str, str, str, date]]) -> None:
        latest: dict[tuple[str, str, str], tuple[date, str]] = {}
        keys: dict[tuple[str, str], tuple[date, tuple[str, str, str]]] = {}
        for source, account_id, campaign_id, name, key, last_date in rows:
            identity = (source, account_id, campaign_id)
            if identity not in latest or last_date >= latest[identity][0]:
                latest[identity] = (last_date, name)
            if key and ((source, key) not in keys or last_date >= keys[(source, key)][0]):
                keys[(source, key)] = (last_date, identity)
        self.campaigns = {identity: SpendCampaign(*identity, name) for identity, (_, name) in latest.items()}
        self._by_id: dict[tuple[str, str], SpendCampaign] = {}
        for _identity, campaign in sorted(self.campaigns.items(), key=lambda item: latest[item[0]][0]):
            self._by_id[(campaign.source, campaign.campaign_id)] = campaign  # the most recent account wins
        self._by_key = {k: self.campaigns[identity] for k, (_, identity) in keys.items()}
        self.sources = frozenset(c.source for c in self.campaigns.values())
        self._groups: dict[TouchCombo, TouchGroup] = {}

    def group(self, combo: TouchCombo) -> TouchGroup:
        """``group_of(combo, self)``, remembered (the catalog outlives a report while spend is unchanged)."""
        found = self._groups.get(combo)
        if found is None:
            found = self._groups[combo] = group_of(combo, self)
        return found

    def match(self, source: str, campaign: str) -> SpendCampaign | None:
        raw = campaign.strip()
        if not raw:
            return None
        return self._by_id.get((source, raw)) or self._by_key.get((source, clean_campaign_name(raw)))

    def name(self, source: str, account_id: str | None, campaign_id: str | None) -> str | None:
        found = self.campaigns.get((source, account_id or "", campaign_id or ""))
        return found.campaign_name if found else None


def campaign_catalog(*, warehouse: Warehouse, project_id: int) -> CampaignCatalog:
    """The project's spend campaigns as read from its daily spend."""
    return CampaignCatalog(warehouse.query(Sql(
        "SELECT source, account_id, campaign_id, campaign_name, campaign_key, max(date) AS last_date "
        "FROM ad_spend_daily WHERE project_id = {project} "
        "GROUP BY source, account_id, campaign_id, campaign_name, campaign_key", {"project": project_id})))


@dataclass(frozen=True, slots=True)
class TouchCombo:
    """A touchpoint's attributes as stored ('' for none); ``click`` names the click id column it carries."""

    source: str = ""
    medium: str = ""
    campaign: str = ""
    channel: str = ""
    click: str = ""


@dataclass(frozen=True, slots=True)
class TouchGroup:
    source: str
    account_id: str | None
    campaign_id: str | None
    campaign_name: str | None  # only for campaigns that match no spend campaign (cleaned)
    channel: str
    matched: bool = False  # the campaign matched a spend campaign
    paid: bool = False  # the visit belongs to an ad platform or to a source with spend


NO_TOUCH = TouchCombo()


def group_of(combo: TouchCombo, catalog: CampaignCatalog) -> TouchGroup:
    """The group a touchpoint (or an order credited to it) is reported under."""
    source = combo.source.strip().lower()
    channel = combo.channel or DIRECT
    platform = platform_of_utm(source) if source else platform_of_click(combo.click)
    candidate = platform.name if platform else source
    if candidate:
        found = catalog.match(candidate, combo.campaign)
        if found is not None:
            return TouchGroup(found.source, found.account_id, found.campaign_id, None, channel, True, True)
    paid = False
    if platform is not None and is_paid(platform=platform, source=source, medium=combo.medium,
                                        click_id=combo.click):
        source, paid = platform.name, True
    elif source and source in catalog.sources:
        paid = True
    campaign_name = clean_campaign_name(combo.campaign) or None
    return TouchGroup(source or channel, None, None, campaign_name, channel, False, paid)
