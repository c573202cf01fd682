"""Building report scenarios: events through the real projections, spend through the real loader."""

from __future__ import annotations

import weakref
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from analyticaflow.channeldata.services import ad_spend_load
from analyticaflow.projections.services import projections_catch_up
from analyticaflow.reports.currency import Rate, RateBook
from analyticaflow.reports.kpi import kpi_report
from analyticaflow.reports.periods import Period
from analyticaflow.reports.query import Filters, ReportQuery, validate_query
from analyticaflow.reports.timeseries import timeseries_report
from tests.projections.streams import ListLog, page, track

PROJECT = 1


def utc(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def visit(user: str, when: datetime, *, source: str | None = None, medium: str | None = None,
          campaign: str | None = None, url: str = "https://shop.test/", referrer: str | None = None,
          project_id: int = PROJECT):
    tags = {k: v for k, v in (("source", source), ("medium", medium), ("name", campaign)) if v}
    return page(url, user_id=user, timestamp=when, campaign=tags or None, referrer=referrer, project_id=project_id)


def order(user: str, order_id: str, when: datetime, revenue: float, currency: str = "EUR", *,
          project_id: int = PROJECT):
    return track("Order Completed", user_id=user, timestamp=when, project_id=project_id,
                 properties={"order_id": order_id, "revenue": revenue, "currency": currency})


_LOGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def project_events(warehouse, records) -> None:
    """Append events to the warehouse's test log (one per warehouse, so later calls continue it) and project."""
    log = _LOGS.setdefault(warehouse, ListLog())
    log.append(sorted(records, key=lambda r: r.timestamp))
    projections_catch_up(warehouse=warehouse, log=log)


def daily_spend(warehouse, *, source: str, account: str, campaign_id: str, name: str, first: date, days: int,
                spend: str, currency: str = "EUR", impressions: int = 1000, clicks: int = 50,
                conversions: str = "0", conversion_value: str = "0", project_id: int = PROJECT) -> None:
    rows = [{"campaign_id": campaign_id, "campaign_name": name, "date": first + timedelta(days=n), "spend": spend,
             "impressions": impressions, "clicks": clicks, "platform_conversions": conversions,
             "platform_conversion_value": conversion_value, "currency": currency} for n in range(days)]
    ad_spend_load(project_id=project_id, source=source, account_id=account, date_from=first,
                  date_to=first + timedelta(days=days - 1), rows=rows, warehouse=warehouse)


def query(date_from: date, date_to: date, metrics, *, timezone: str = "Europe/Berlin", currency: str = "EUR",
          granularity: str | None = None, **options) -> ReportQuery:
    filters = options.pop("filters", {})
    return validate_query(ReportQuery(
        project_id=PROJECT, timezone=timezone, currency=currency, period=Period(date_from, date_to, timezone),
        metrics=tuple(metrics), filters=Filters(**{k: tuple(v) for k, v in filters.items()}),
        granularity=granularity, **options))


def rates(currency: str = "EUR", **by_currency: list[tuple[date, str]]) -> RateBook:
    return RateBook(currency, [Rate(code, day, Decimal(value)) for code, items in by_currency.items()
                               for day, value in items])


def kpi(warehouse, report_query: ReportQuery, book: RateBook | None = None) -> dict:
    return kpi_report(warehouse=warehouse, query=report_query, rates=book or rates(report_query.currency))


def timeseries(warehouse, report_query: ReportQuery, book: RateBook | None = None) -> dict:
    return timeseries_report(warehouse=warehouse, query=report_query, rates=book or rates(report_query.currency))


def rows_by(report: dict, field: str) -> dict:
    return {row["group"][field]: row for row in report["rows"]}
