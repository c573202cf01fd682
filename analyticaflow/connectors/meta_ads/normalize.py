"""Meta insights rows → ``AdSpendRow``. Pure: works on raw pages alone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from analyticaflow.connectors.errors import MalformedResponse
from analyticaflow.connectors.meta_ads.graph import page_data
from analyticaflow.connectors.raw import RawPage
from analyticaflow.connectors.rows import AdSpendRow, decimal_from, int_from

PLATFORM = "meta_ads"
# The same purchase is reported under several action types; the first present is used, never a sum.
DEFAULT_CONVERSION_ACTION_TYPES = ("omni_purchase", "purchase", "offsite_conversion.fb_pixel_purchase")
ZERO = Decimal(0)


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
    if item.get("date_stop", item["date_start"]) != item["date_start"]:
        raise MalformedResponse(f"An insights row spans several days ({item['date_start']}..{item.get('date_stop')});"
                                " expected one row per day.", platform=PLATFORM)
    action_type = _chosen_type(item.get("actions"), action_types) or _chosen_type(item.get("action_values"),
                                                                                  action_types)
    return AdSpendRow(
        source=PLATFORM,
        account_id=str(item.get("account_id") or account_id),
        campaign_id=str(campaign_id),
        campaign_name=item.get("campaign_name") or "",
        adset_id=str(item["adset_id"]) if level in ("adset", "ad") and item.get("adset_id") else None,
        ad_id=str(item["ad_id"]) if level == "ad" and item.get("ad_id") else None,
        date=day,
        spend=decimal_from(item.get("spend"), field="spend", platform=PLATFORM),
        impressions=int_from(item.get("impressions"), field="impressions", platform=PLATFORM),
        clicks=int_from(item.get(clicks_field), field=clicks_field, platform=PLATFORM),
        platform_conversions=_action_value(item.get("actions"), action_type, "actions"),
        platform_conversion_value=_action_value(item.get("action_values"), action_type, "action_values"),
        currency=item.get("account_currency") or currency,
    )


def _chosen_type(actions: Any, action_types: tuple[str, ...]) -> str | None:
    if not actions:
        return None
    present = {entry.get("action_type") for entry in _entries(actions)}
    return next((kind for kind in action_types if kind in present), None)


def _action_value(actions: Any, action_type: str | None, field: str) -> Decimal:
    if not actions or action_type is None:
        return ZERO
    for entry in _entries(actions, field=field):
        if entry.get("action_type") == action_type:
            return decimal_from(entry.get("value"), field=f"{field}[{action_type}]", platform=PLATFORM)
    return ZERO


def _entries(actions: Any, *, field: str = "actions") -> Iterable[dict[str, Any]]:
    if not isinstance(actions, list) or not all(isinstance(entry, dict) for entry in actions):
        raise MalformedResponse(f"{field} should be a list of {{action_type, value}} objects.", platform=PLATFORM)
    return actions


def _brief(item: Any) -> str:
    text = repr(item)
    return text if len(text) <= 160 else text[:160] + "…"
