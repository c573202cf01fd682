"""Turning summed parts into the response: metric values, comparison changes, group rows. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analyticaflow.metrics.formulas import change
from analyticaflow.metrics.registry import PARTS, metric_values
from analyticaflow.reports.collect import GroupKey
from analyticaflow.reports.periods import Period
from analyticaflow.reports.touches import CampaignCatalog

NO_ACCOUNT, NO_CAMPAIGN = "(no account)", "(no campaign)"


def zero_parts() -> dict[str, Any]:
    return {name: (0.0 if part.money else 0) for name, part in PARTS.items()}


def values_of(parts: Mapping[str, Any] | None, metrics: tuple[str, ...]) -> dict[str, Any]:
    """Metric values from summed parts; parts absent from the data are zero (so ratios over them are null)."""
    summed = zero_parts()
    summed.update(parts or {})
    return metric_values(summed, metrics)


def changes(current: Mapping[str, Any], previous: Mapping[str, Any] | None) -> dict[str, dict] | None:
    if previous is None:
        return None
    return {name: change(current[name], previous[name]) for name in current}


def period_range(period: Period | None) -> dict[str, str] | None:
    if period is None:
        return None
    return {"date_from": period.date_from.isoformat(), "date_to": period.date_to.isoformat()}


def group_of_key(group_by: str, key: GroupKey, catalog: CampaignCatalog | None) -> tuple[dict, str]:
    """The ``group`` object and a display label of a row."""
    if group_by == "source":
        return {"source": key[0]}, key[0] or ""
    if group_by == "channel":
        return {"channel": key[0]}, key[0] or ""
    if group_by == "account":
        source, account = key
        return {"source": source, "account_id": account}, f"{source} · {account or NO_ACCOUNT}"
    source, account, campaign_id, cleaned = key
    name = (catalog.name(source, account, campaign_id) if catalog and campaign_id else None) or cleaned
    group = {"source": source, "account_id": account, "campaign_id": campaign_id, "campaign_name": name}
    return group, f"{source} · {name or campaign_id or NO_CAMPAIGN}"


def sort_key(first_metric: str, values: Mapping[str, Any], label: str) -> tuple:
    """Rows by the first metric, biggest first (nulls last), then by label."""
    value = values.get(first_metric)
    return (value is None, -(value or 0), label)
