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
    append = rows.append
    for page in pages:
        if page.stream != "insights":
            continue
        context = page.context
        level = context.get("level", "campaign")
        currency = context.get("currency")
        for item in page_data(page.data(), what="insights", platform=PLATFORM):
            append(normalize_row(item, level=level, account_id=page.account_id, currency=currency,
                                 action_types=action_types, clicks_field=clicks_field))
    return rows


def normalize_row(item: dict[str, Any], *, level: str, account_id: str, currency: str | None,
                  action_types: tuple[str, ...], clicks_field: str) -> AdSpendRow:
    get = item.get
    start = get("date_start")
    try:
        day = date.fromisoformat(start)
        campaign_id = item["campaign_id"]
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedResponse(f"An insights row lacks a valid date_start or campaign_id: {_brief(item)}.",
                                platform=PLATFORM) from exc
    stop = get("date_stop")
    if stop is not None and stop != start:
        raise MalformedResponse(f"An insights row spans several days ({start}..{stop});"
                                " expected one row per day.", platform=PLATFORM)
    counts = _by_type(get("actions"), "actions")
    values = _by_type(get("action_values"), "action_values")
    # One canonical action type, chosen from what the row reports; never a sum over types.
    chosen = None
    for kind in action_types:
        if kind in counts:
            chosen = kind
            break
    else:
        for kind in action_types:
            if kind in values:
                chosen = kind
                break
    return AdSpendRow(
        PLATFORM,
        str(get("account_id") or account_id),
        campaign_id if type(campaign_id) is str else str(campaign_id),
        get("campaign_name") or "",
        str(item["adset_id"]) if level != "campaign" and get("adset_id") else None,
        str(item["ad_id"]) if level == "ad" and get("ad_id") else None,
        day,
        decimal_from(get("spend"), field="spend", platform=PLATFORM),
        _count(get("impressions"), "impressions"),
        _count(get(clicks_field), clicks_field),
        decimal_from(counts.get(chosen), field=f"actions[{chosen}]", platform=PLATFORM) if chosen else ZERO,
        decimal_from(values.get(chosen), field=f"action_values[{chosen}]", platform=PLATFORM) if chosen else ZERO,
        get("account_currency") or currency,
    )


def _count(value: Any, field: str) -> int:
    """``int_from`` with its common case (the Graph API's digit strings) inline."""
    if type(value) is str and value.isdigit() and value.isascii():
        return int(value)
    return int_from(value, field=field, platform=PLATFORM)


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
