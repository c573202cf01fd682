"""Entry points of the reports (reads): each runs one report for a project on the process-wide warehouse.

In embedded mode the serving process holds the DuckDB file; reports read it through the same
``get_warehouse()`` the projector writes through (each thread gets its own cursor).
"""

from __future__ import annotations

from typing import Any

from analyticaflow.accounts.models import Project
from analyticaflow.channeldata.schema import channel_tables_ensure
from analyticaflow.channeldata.selectors import channel_accounts
from analyticaflow.errors import ServiceUnavailable
from analyticaflow.integrations.selectors import integration_menu_accounts
from analyticaflow.reports.audit import utm_audit_report
from analyticaflow.reports.currency import Rate, RateBook
from analyticaflow.reports.kpi import kpi_report
from analyticaflow.reports.models import ExchangeRate
from analyticaflow.reports.query import ReportQuery, validate_query
from analyticaflow.reports.timeseries import timeseries_report
from analyticaflow.warehouse.backends import Warehouse, WarehouseError, get_warehouse


def exchange_rates_list(*, project: Project) -> list[ExchangeRate]:
    return list(ExchangeRate.objects.filter(project=project).order_by("currency", "valid_from"))


def rate_book(*, project: Project) -> RateBook:
    return RateBook(project.currency, [Rate(r.currency, r.valid_from, r.rate) for r in
                                       exchange_rates_list(project=project)])


def report_warehouse() -> Warehouse:
    try:
        warehouse = get_warehouse()
        channel_tables_ensure(warehouse=warehouse)
    except WarehouseError as exc:
        raise ServiceUnavailable(f"The warehouse is not available: {exc}", headers={"Retry-After": "5"}) from exc
    return warehouse


def report_kpi(*, project: Project, query: ReportQuery) -> dict[str, Any]:
    validate_query(query)
    return kpi_report(warehouse=report_warehouse(), query=query, rates=rate_book(project=project))


def report_timeseries(*, project: Project, query: ReportQuery) -> dict[str, Any]:
    validate_query(query)
    return timeseries_report(warehouse=report_warehouse(), query=query, rates=rate_book(project=project))


def report_utm_audit(*, project: Project, query: ReportQuery) -> dict[str, Any]:
    validate_query(query)
    return utm_audit_report(warehouse=report_warehouse(), query=query, rates=rate_book(project=project))


def report_accounts(*, project: Project) -> list[dict[str, Any]]:
    """The dashboard menu's accounts: every account with channel data, and every connected account (its name,
    link status; no dates or rows before its first sync)."""
    return accounts_with_connections(channel_accounts(warehouse=report_warehouse(), project_id=project.id),
                                     integration_menu_accounts(project_id=project.id))


def accounts_with_connections(with_data: list[dict[str, Any]], connected: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Accounts with data (``channel_accounts``) joined to the connected ones (``integration_menu_accounts``) by
    source and account id; an account connected but without rows yet is listed too (kind unknown: null)."""
    links = {(c["source"], c["account_id"]): c for c in connected}
    accounts = []
    for account in with_data:
        link = links.pop((account["source"], account["account_id"]), None)
        accounts.append({**account, **_connection(link)})
    for (source, account_id), link in sorted(links.items()):
        accounts.append({"kind": None, "source": source, "account_id": account_id, "currency": link["currency"],
                         "currencies": [link["currency"]] if link["currency"] else [], "first_date": None,
                         "last_date": None, "rows": 0, **_connection(link)})
    return accounts


def _connection(link: dict[str, Any] | None) -> dict[str, Any]:
    if link is None:
        return {"name": None, "connected": False, "status": None}
    return {"name": link["name"], "connected": True, "status": link["status"]}
