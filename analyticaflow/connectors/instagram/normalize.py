"""Instagram insights pages → ``SocialRow``. Pure: works on raw pages alone.

Three kinds of page: ``account_series`` (``reach`` and ``follower_count`` per day, each value stamped with the
``end_time`` of its day), ``account_totals`` (``views`` and ``total_interactions`` for one day, ``total_value``
style) and ``media_insights`` (one post's lifetime totals, snapshotted on the page's ``snapshot_date``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from analyticaflow.connectors import dates
from analyticaflow.connectors.errors import MalformedResponse
from analyticaflow.connectors.meta_ads.graph import page_data
from analyticaflow.connectors.raw import RawPage
from analyticaflow.connectors.rows import SocialRow, int_from

PLATFORM = "instagram"
SERIES_FIELDS = {"follower_count": "followers", "reach": "reach"}
TOTAL_FIELDS = {"views": "impressions", "total_interactions": "engagements"}
MEDIA_FIELDS = {"reach": "reach", "views": "impressions", "total_interactions": "engagements"}
ROW_FIELDS = ("followers", "reach", "impressions", "engagements")


def bucket_date(end_time: str, time_zone: str) -> date:
    """A day bucket's date: its ``end_time`` (the next local midnight) minus one day, in the account's zone."""
    try:
        instant = datetime.strptime(end_time, "%Y-%m-%dT%H:%M:%S%z")
    except (TypeError, ValueError) as exc:
        raise MalformedResponse(f"An insights value has an unreadable end_time {end_time!r}.",
                                platform=PLATFORM) from exc
    return (instant.astimezone(dates.zone(time_zone)) - timedelta(days=1)).date()


def normalize_pages(pages: Sequence[RawPage]) -> list[SocialRow]:
    account_days: dict[tuple[str, date], dict[str, int | None]] = {}
    posts: list[SocialRow] = []
    for page in pages:
        handler = HANDLERS.get(page.stream)
        if handler is not None:
            handler(page, account_days, posts)
    rows = [SocialRow(source=PLATFORM, account_id=account_id, post_id=None, date=day,
                      **{name: values.get(name) for name in ROW_FIELDS})
            for (account_id, day), values in sorted(account_days.items())]
    return rows + posts


def _series(page: RawPage, account_days: dict, posts: list) -> None:
    time_zone = page.context["time_zone"]
    for metric in page_data(page.data(), what="account insights", platform=PLATFORM):
        field = SERIES_FIELDS.get(metric.get("name"))
        if field is None:
            continue
        values = metric.get("values")
        if not isinstance(values, list):
            raise MalformedResponse(f"The {metric.get('name')} series has no 'values' list.", platform=PLATFORM)
        for entry in values:
            if not isinstance(entry, dict):
                raise MalformedResponse(f"A {metric['name']} value is not an object.", platform=PLATFORM)
            day = bucket_date(entry.get("end_time"), time_zone)
            account_days.setdefault((page.account_id, day), {})[field] = int_from(
                entry.get("value"), field=metric["name"], platform=PLATFORM)


def _totals(page: RawPage, account_days: dict, posts: list) -> None:
    day = date.fromisoformat(page.context["day"])
    values = account_days.setdefault((page.account_id, day), {})
    for metric in page_data(page.data(), what="account insights", platform=PLATFORM):
        field = TOTAL_FIELDS.get(metric.get("name"))
        if field is None:
            continue
        total = metric.get("total_value")
        if not isinstance(total, dict) or "value" not in total:
            raise MalformedResponse(f"The {metric['name']} metric has no total_value.value.", platform=PLATFORM)
        values[field] = int_from(total["value"], field=metric["name"], platform=PLATFORM)


def _media(page: RawPage, account_days: dict, posts: list) -> None:
    values: dict[str, Any] = dict.fromkeys(ROW_FIELDS)
    if not page.context.get("unavailable"):
        for metric in page_data(page.data(), what="media insights", platform=PLATFORM):
            field = MEDIA_FIELDS.get(metric.get("name"))
            points = metric.get("values")
            if field is None:
                continue
            if not isinstance(points, list) or not points or not isinstance(points[0], dict):
                raise MalformedResponse(f"The media metric {metric.get('name')} has no values.", platform=PLATFORM)
            values[field] = int_from(points[0].get("value"), field=metric["name"], platform=PLATFORM)
    posts.append(SocialRow(source=PLATFORM, account_id=page.account_id, post_id=page.context["media_id"],
                           date=date.fromisoformat(page.context["snapshot_date"]), **values))


HANDLERS = {"account_series": _series, "account_totals": _totals, "media_insights": _media}
