"""Reading channel data: the accounts a project has data from (the dashboard's account menu)."""

from __future__ import annotations

from typing import Any

from analyticaflow.channeldata.schema import channel_tables_ensure
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.sql import Sql

# kind → SQL of (source, account_id, currency, first date, last date, rows) per currency of an account.
ACCOUNT_QUERIES = {
    "ads": ("SELECT source, account_id, currency, min(date), max(date), count(*) FROM ad_spend_daily "
            "WHERE project_id = {project} GROUP BY source, account_id, currency"),
    "social": ("SELECT source, account_id, '' AS currency, min(date), max(date), count(*) FROM social_daily "
               "WHERE project_id = {project} GROUP BY source, account_id"),
    "web": ("SELECT 'ga4' AS source, property_id, currency, min(date), max(date), count(*) FROM web_sessions_daily "
            "WHERE project_id = {project} GROUP BY property_id, currency"),
    "crm": ("SELECT source, account_id, currency, min(CAST(created_at AS DATE)), max(CAST(created_at AS DATE)), "
            "count(*) FROM crm_deals WHERE project_id = {project} GROUP BY source, account_id, currency"),
}


def channel_accounts(*, warehouse: Warehouse, project_id: int) -> list[dict[str, Any]]:
    """Every account with channel data: kind (ads, social, web, crm), source, account_id, its currency (the
    one of its latest rows; all of them in ``currencies``), first and last date, and row count."""
    channel_tables_ensure(warehouse=warehouse)
    accounts: dict[tuple[str, str, str], dict[str, Any]] = {}
    for kind, text in ACCOUNT_QUERIES.items():
        for source, account_id, currency, first, last, rows in warehouse.query(Sql(text, {"project": project_id})):
            entry = accounts.setdefault((kind, source, account_id), {
                "kind": kind, "source": source, "account_id": account_id, "currency": None, "currencies": [],
                "first_date": first, "last_date": last, "rows": 0, "_latest": None})
            entry["first_date"] = min(entry["first_date"], first)
            entry["last_date"] = max(entry["last_date"], last)
            entry["rows"] += int(rows)
            if currency:
                entry["currencies"] = sorted({*entry["currencies"], currency})
                if entry["_latest"] is None or last > entry["_latest"]:
                    entry["currency"], entry["_latest"] = currency, last
    result = []
    for key in sorted(accounts):
        entry = accounts[key]
        del entry["_latest"]
        entry["first_date"], entry["last_date"] = entry["first_date"].isoformat(), entry["last_date"].isoformat()
        result.append(entry)
    return result
