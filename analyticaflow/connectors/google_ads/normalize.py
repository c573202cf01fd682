"""Google Ads searchStream batches → ``AdSpendRow``. Pure: works on raw pages alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from analyticaflow.connectors.errors import MalformedResponse
from analyticaflow.connectors.raw import RawPage
from analyticaflow.connectors.rows import AdSpendRow, decimal_from, int_from, micros_to_decimal

PLATFORM = "google_ads"


def batches(body: Any) -> list[dict[str, Any]]:
    """The batches of a searchStream answer: a JSON array of ``{"results": [...], "fieldMask", "requestId"}``."""
    if not isinstance(body, list):
        raise MalformedResponse("A searchStream answer should be a JSON array of batches.", platform=PLATFORM)
    for index, batch in enumerate(body):
        if not isinstance(batch, dict) or not isinstance(batch.get("results", []), list):
            raise MalformedResponse(f"Batch {index} of a searchStream answer has no 'results' list.",
                                    platform=PLATFORM)
    return body


def normalize_pages(pages: Sequence[RawPage], settings: Mapping[str, Any]) -> list[AdSpendRow]:
    rows: list[AdSpendRow] = []
    for page in pages:
        if page.stream != "campaign_metrics":
            continue
        level = page.context.get("level", "campaign")
        for batch in batches(page.data()):
            for result in batch.get("results", []):
                rows.append(normalize_result(result, level=level, account_id=page.account_id,
                                             currency=page.context.get("currency")))
    return rows


EMPTY: dict[str, Any] = {}


def _object(result: dict[str, Any], name: str) -> dict[str, Any]:
    value = result.get(name)
    if type(value) is dict:
        return value
    if not value:
        return EMPTY
    raise MalformedResponse(f"A result's {name!r} should be an object, got {value!r}.", platform=PLATFORM)


def normalize_result(result: Any, *, level: str, account_id: str, currency: str | None) -> AdSpendRow:
    if not isinstance(result, dict):
        raise MalformedResponse("A searchStream result is not an object.", platform=PLATFORM)
    segments, campaign, metrics = _object(result, "segments"), _object(result, "campaign"), _object(result, "metrics")
    try:
        day = date.fromisoformat(segments["date"])
        campaign_id = str(campaign["id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedResponse(f"A result lacks segments.date or campaign.id: {str(result)[:160]}.",
                                platform=PLATFORM) from exc
    customer = _object(result, "customer")
    adset_id = ad_id = None
    if level != "campaign":
        ad_group = _object(result, "adGroup")
        adset_id = str(ad_group["id"]) if ad_group.get("id") else None
        if level == "ad":
            ad = _object(_object(result, "adGroupAd"), "ad")
            ad_id = str(ad["id"]) if ad.get("id") else None
    # Zero metrics may be omitted from the JSON (proto3 defaults): missing means 0.
    return AdSpendRow(
        PLATFORM,
        str(customer.get("id") or account_id),
        campaign_id,
        campaign.get("name") or "",
        adset_id,
        ad_id,
        day,
        micros_to_decimal(metrics.get("costMicros"), field="metrics.costMicros", platform=PLATFORM),
        int_from(metrics.get("impressions"), field="metrics.impressions", platform=PLATFORM),
        int_from(metrics.get("clicks"), field="metrics.clicks", platform=PLATFORM),
        decimal_from(metrics.get("conversions"), field="metrics.conversions", platform=PLATFORM),
        decimal_from(metrics.get("conversionsValue"), field="metrics.conversionsValue", platform=PLATFORM),
        customer.get("currencyCode") or currency,
    )
