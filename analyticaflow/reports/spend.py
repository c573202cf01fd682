"""A project's ad spend per campaign and day, kept sorted by day so a period's spend is a range read.

``ad_spend_daily`` is written account by account, each load covering every day of its window, so any range of
days is spread over the whole table and a month's report scans two years of rows. ``report_spend_days`` holds
the same sums per (source, account, campaign, day, currency), adset and ad rows added up, in day order, with
the number of ``ad_spend_daily`` rows behind each (the missing-rate warnings count those).

It is rebuilt for a project, before the report that needs it, whenever the project's spend rows changed (their
count and latest load time: every load stamps its rows, a removed window lowers the count). Loads come a few
times a day at most, and a rebuild of two years of 300 campaigns is a fraction of a second.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from analyticaflow.reports.derived import derived_refresh, derived_replace, derived_state, derived_tables_ensure
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.readcache import query_unchanged
from analyticaflow.warehouse.schema import DATE, DECIMAL, INT, TEXT, TIMESTAMP, TableSpec, col
from analyticaflow.warehouse.sql import Sql

SPEND_DAYS = TableSpec(
    "report_spend_days",
    (col("project_id", INT), col("source", TEXT), col("account_id", TEXT), col("campaign_id", TEXT),
     col("date", DATE), col("currency", TEXT), col("spend", DECIMAL), col("impressions", INT), col("clicks", INT),
     col("platform_conversions", DECIMAL), col("platform_conversion_value", DECIMAL), col("source_rows", INT)),
    key=("project_id", "source", "account_id", "campaign_id", "date", "currency"),
    order=("project_id", "date"),
)
SPEND_DAYS_STATE = TableSpec(
    "report_spend_days_state",
    (col("project_id", INT), col("fingerprint", TEXT), col("built_at", TIMESTAMP)),
    key=("project_id",),
)


def fingerprint(warehouse: Warehouse, project_id: int) -> str:
    rows, loaded = query_unchanged(warehouse, Sql(
        "SELECT count(*), max(loaded_at) FROM ad_spend_daily WHERE project_id = {project}",
        {"project": project_id}))[0]
    return f"{rows}:{loaded}"


def spend_days_refresh(*, warehouse: Warehouse, project_id: int) -> bool:
    """Bring a project's spend days up to date; whether they were rebuilt."""
    derived_tables_ensure(warehouse, (SPEND_DAYS, SPEND_DAYS_STATE))
    return derived_refresh(
        warehouse=warehouse, table=SPEND_DAYS.name, project_id=project_id,
        fingerprint=lambda: fingerprint(warehouse, project_id),
        built=lambda: derived_state(warehouse, SPEND_DAYS_STATE, project_id, ("fingerprint", "built_at")),
        only_events_moved=lambda built, current: False,  # spend is not event data: always rebuilt at once
        rebuild=lambda current: _rebuild(warehouse, project_id, current), refresh_after=timedelta(0))


def _rebuild(warehouse: Warehouse, project_id: int, current: str) -> None:
    select = Sql(
        """SELECT a.project_id AS project_id, a.source AS source, a.account_id AS account_id,
                  a.campaign_id AS campaign_id, a.date AS date, a.currency AS currency, sum(a.spend) AS spend,
                  sum(a.impressions) AS impressions, sum(a.clicks) AS clicks,
                  sum(a.platform_conversions) AS platform_conversions,
                  sum(a.platform_conversion_value) AS platform_conversion_value, count(*) AS source_rows
           FROM ad_spend_daily AS a
           WHERE a.project_id = {project}
           GROUP BY a.project_id, a.source, a.account_id, a.campaign_id, a.date, a.currency
           ORDER BY a.date, a.source, a.account_id, a.campaign_id""",
        {"project": project_id},
    )
    derived_replace(warehouse, table=SPEND_DAYS, state=SPEND_DAYS_STATE, project_id=project_id, select=select,
                    state_values={"fingerprint": current, "built_at": datetime.now(UTC).replace(tzinfo=None)})
