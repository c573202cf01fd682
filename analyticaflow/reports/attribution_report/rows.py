"""Report rows: credit per touch combination summed into the requested grouping, spend beside it, and the
cost metrics per model. Pure functions.

Groupings, the same definitions as the KPI report's:

- ``channel``: the touchpoint's channel (a conversion without touchpoints: ``direct``); spend of an ad platform
  counts for the channel its visits get (``meta_ads`` → ``facebook``), a file-imported source for itself;
- ``campaign``: the touchpoint's campaign matched to a spend campaign by source and id or cleaned name
  (``reports.touches.group_of``); unmatched campaigns keep their source and cleaned name;
- ``channel_group``: the project's channel grouping (``channelgroups.rules``) of the visit, or of the spend
  row's source.

Cost metrics per model: CPA = spend / conversions, ROAS = value / spend, ROMI = (value - spend) / spend; each
is null where there is no spend (an organic channel has no cost to divide) or no denominator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from analyticaflow.attribution import AttributionResult
from analyticaflow.channeldata.platforms import platform_channel
from analyticaflow.channelgroups.rules import LABELS, ChannelGrouping, Group
from analyticaflow.channelgroups.touches import touch_channel_group
from analyticaflow.metrics.formulas import calculate_roas, calculate_romi, safe_ratio
from analyticaflow.reports.attribution_report.query import AttributionQuery
from analyticaflow.reports.shaping import group_of_key
from analyticaflow.reports.touches import CampaignCatalog, TouchCombo, group_of

Key = tuple[str | None, ...]
DIGITS = 6


@dataclass(frozen=True, slots=True)
class SpendCell:
    """Spend of one campaign (source, account, campaign id) in the reporting currency."""

    source: str
    account_id: str | None
    campaign_id: str | None
    spend: float


@dataclass(slots=True)
class Row:
    spend: float = 0.0
    credit: dict[str, list[float]] = field(default_factory=dict)  # model → [conversions, value]


def combo_keys(combos: Sequence[TouchCombo], referrers: Sequence[str], *, query: AttributionQuery,
               catalog: CampaignCatalog, grouping: ChannelGrouping) -> list[Key | None]:
    """The row key of every touch combination under the query's grouping; None for combinations the
    query's filters leave out. ``referrers``: per combination, the other site a direct visit came from."""
    keys: list[Key | None] = []
    for combo, referrer in zip(combos, referrers, strict=True):
        group = group_of(combo, catalog)
        channel_group = touch_channel_group(combo, referrer=referrer, catalog=catalog, grouping=grouping)
        admitted = query.filters.admits(source=group.source, account_id=group.account_id,
                                        campaign_id=group.campaign_id, channel=group.channel)
        if not admitted or (query.channel_groups and channel_group not in query.channel_groups):
            keys.append(None)
        elif query.group_by == "channel":
            keys.append((group.channel,))
        elif query.group_by == "campaign":
            keys.append((group.source, group.account_id, group.campaign_id, group.campaign_name))
        else:
            keys.append((channel_group,))
    return keys


def spend_key(cell: SpendCell, *, query: AttributionQuery, grouping: ChannelGrouping) -> Key | None:
    """The row key a campaign's spend counts for (None when the channel-group filter leaves it out)."""
    channel_group = grouping.spend_group(source=cell.source)
    if query.channel_groups and channel_group not in query.channel_groups:
        return None
    if query.group_by == "channel":
        return (platform_channel(cell.source),)
    if query.group_by == "campaign":
        return (cell.source, cell.account_id, cell.campaign_id, None)
    return (channel_group,)


def collect_rows(*, results: Mapping[str, AttributionResult], keys: Sequence[Key | None], label_code,
                 spend: Iterable[tuple[Key | None, float]]) -> dict[Key, Row]:
    """Credit of every model per row key (``label_code`` turns the engine's campaign label into a combination
    code), and spend per row key."""
    rows: dict[Key, Row] = {}
    for model, result in results.items():
        for credit in result.campaigns:
            key = keys[label_code(credit.campaign)]
            if key is None:
                continue
            row = rows.setdefault(key, Row())
            summed = row.credit.setdefault(model, [0.0, 0.0])
            summed[0] += credit.conversions
            summed[1] += credit.value
    for key, amount in spend:
        if key is not None:
            rows.setdefault(key, Row()).spend += amount
    return rows


def cost_metrics(*, conversions: float, value: float, spend: float) -> dict[str, float | None]:
    """Conversions and value with CPA, ROAS and ROMI (null without spend)."""
    cost = spend if spend > 0 else None
    ratios = {
        "cpa": safe_ratio(cost, conversions),
        "roas": calculate_roas(revenue=value, cost=cost),
        "romi": calculate_romi(revenue=value, cost=cost),
    }
    return {
        "conversions": round(conversions, DIGITS),
        "value": round(value, DIGITS),
        **{name: None if ratio is None else round(ratio, DIGITS) for name, ratio in ratios.items()},
    }


def describe_key(query: AttributionQuery, key: Key, catalog: CampaignCatalog) -> tuple[dict[str, Any], str]:
    """The ``group`` object and the display label of a row."""
    if query.group_by == "channel_group":
        name = key[0] or str(Group.DIRECT)
        return {"channel_group": name}, LABELS.get(name, name)
    return group_of_key(query.group_by, key, catalog)


def shaped_rows(*, query: AttributionQuery, rows: Mapping[Key, Row], catalog: CampaignCatalog) -> list[dict]:
    """Rows for the response, biggest first by the first model's conversions, then by spend."""
    first = query.models[0]
    shaped = []
    for key, row in rows.items():
        group, label = describe_key(query, key, catalog)
        credit = {model: cost_metrics(conversions=row.credit.get(model, [0.0, 0.0])[0],
                                      value=row.credit.get(model, [0.0, 0.0])[1], spend=row.spend)
                  for model in query.models}
        shaped.append({"group": group, "label": label, "spend": round(row.spend, DIGITS), "credit": credit})
    shaped.sort(key=lambda r: (-r["credit"][first]["conversions"], -r["spend"], r["label"]))
    return shaped


def totals(*, query: AttributionQuery, rows: Mapping[Key, Row]) -> dict[str, Any]:
    spend = sum(row.spend for row in rows.values())
    credit = {}
    for model in query.models:
        conversions = sum(row.credit.get(model, [0.0, 0.0])[0] for row in rows.values())
        value = sum(row.credit.get(model, [0.0, 0.0])[1] for row in rows.values())
        credit[model] = cost_metrics(conversions=conversions, value=value, spend=spend)
    return {"spend": round(spend, DIGITS), "credit": credit}
