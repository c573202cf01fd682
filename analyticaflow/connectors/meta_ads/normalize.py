"""Meta insights rows → ``AdSpendRow``. Pure: works on raw pages alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from analyticaflow.connectors.errors import MalformedResponse
from analyticaflow.connectors.meta_ads.graph import page_data
from analyticaflow.connectors.raw import RawPage
from analyticaflow.connectors.rows import ZERO, AdSpendRow, decimal_from, int_from

PLATFORM = "meta_ads"
# The same purchase is reported under several action types; the first present is used, never a sum.
DEFAULT_CONVERSION_ACTION_TYPES = ("omni_purchase", "purchase", "offsite_conversion.fb_pixel_purchase")


def normalize_pages(pages: Sequence[RawPage], settings: Mapping[str, Any]) -> list[AdSpendRow]:
    action_types = tuple(settings.get("conversion_action_types") or DEFAULT_CONVERSION_ACTION_TYPES)
    clicks_field = settings.get("clicks_metric") or "clicks"
    rows: list[AdSpendRow] = []
    for page in pages:
        if page.stream != "insights":
            continue
        context = page.context
        level = context.get("level", "campaign")
        for item in page_data(page.data(), what="insights", platform=PLATFORM):
            rows.append(normalize_row(item, level=level, account_id=page.account_id,
                                      currency=context.get("currency"), action_types=action_types,
                                      clicks_field=clicks_field))
    return rows


def normalize_row(item: dict[str, Any], *, level: str, account_id: str, currency: str | None,
                  action_types: tuple[str, ...], clicks_field: str) -> AdSpendRow:
    try:
        day = date.fromisoformat(item["date_start"])
        campaign_id = item["campaign_id"]
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedResponse(f"An insights row lacks a valid date_start or campaign_id: {_brief(item)}.",
                                platform=PLATFORM) from exc
    stop = item.get("date_stop")
    if stop is not None and stop != item["date_start"]:
        raise MalformedResponse(f"An insights row spans several days ({item['date_start']}..{stop});"
                                " expected one row per day.", platform=PLATFORM)
    counts = _by_type(item.get("actions"), "actions")
    values = _by_type(item.get("action_values"), "action_values")
    # One canonical action type, chosen from what the row reports; never a sum over types.
    chosen = next((kind for kind in action_types if kind in counts), None) or \
        next((kind for kind in action_types if kind in values), None)
    return AdSpendRow(
        PLATFORM,
        str(item.get("account_id") or account_id),
        str(campaign_id),
        item.get("campaign_name") or "",
        str(item["adset_id"]) if level != "campaign" and item.get("adset_id") else None,
        str(item["ad_id"]) if level == "ad" and item.get("ad_id") else None,
        day,
        decimal_from(item.get("spend"), field="spend", platform=PLATFORM),
        int_from(item.get("impressions"), field="impressions", platform=PLATFORM),
        int_from(item.get(clicks_field), field=clicks_field, platform=PLATFORM),
        decimal_from(counts.get(chosen), field=f"actions[{chosen}]", platform=PLATFORM) if chosen else ZERO,
        decimal_from(values.get(chosen), field=f"action_values[{chosen}]", platform=PLATFORM) if chosen else ZERO,
        item.get("account_currency") or currency,
    )


EMPTY: dict[str, Any] = {}


def _by_type(actions: Any, field: str) -> dict[str, Any]:
    """``[{action_type, value}, ...]`` → ``{action_type: value}``; absent → empty."""
    if not actions:
        return EMPTY
    try:
        return {entry["action_type"]: entry.get("value") for entry in actions}
    except (TypeError, KeyError, AttributeError) as exc:
        raise MalformedResponse(f"{field} should be a list of {{action_type, value}} objects.",
                                platform=PLATFORM) from exc


def _brief(item: Any) -> str:
    text = repr(item)
    return text if len(text) <= 160 else text[:160] + "…"
