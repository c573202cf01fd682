"""Loading channel data: the bulk loader API connectors, file imports and the demo call.

Every loader is idempotent. Daily tables are loaded by window: ``ad_spend_load(project_id=1, source="meta_ads",
account_id="act_1", date_from=d1, date_to=d2, rows=[...])`` makes that account's rows for every day of
``[d1, d2]`` exactly ``rows`` — days with no rows become empty, so a platform's restated days replace what was
there and a repeated load changes nothing. Deals and shop orders are upserted by id (optionally replacing a
window too). Rows are mappings or objects with the columns as keys/attributes (e.g. a connector's
``AdSpendRow``); money may be ``Decimal``, ``int`` or text and is stored exactly (6 decimals).

Raises ``ValueError`` naming the row and field for rows that do not fit (a programming error of the caller:
user files go through ``spend_csv`` which reports line numbers instead).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import IO, Any

import pyarrow as pa

from analyticaflow.channeldata import values
from analyticaflow.channeldata.columns import ad_spend_columns_table, ad_spend_table
from analyticaflow.channeldata.platforms import clean_campaign_name
from analyticaflow.channeldata.spend_csv import parse_spend_csv
from analyticaflow.channeldata.tables import (
    AD_SPEND_DAILY,
    CRM_DEALS,
    SHOP_ORDERS,
    SOCIAL_DAILY,
    WEB_SESSIONS_DAILY,
)
from analyticaflow.channeldata.writing import Window, write_rows
from analyticaflow.warehouse.backends import Warehouse, get_warehouse
from analyticaflow.warehouse.schema import TableSpec

Converter = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class SpendImportReport:
    lines: int  # non-blank data lines read
    rows: int  # rows loaded
    days_replaced: int  # (source, account, date) days replaced
    accounts: list[dict[str, Any]]  # per account: source, account_id, date_from, date_to, rows

    def as_dict(self) -> dict[str, Any]:
        return {"lines": self.lines, "rows": self.rows, "days_replaced": self.days_replaced,
                "accounts": self.accounts}
DEAL_STATUSES = frozenset({"open", "won", "lost"})


def _field(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, Mapping) else getattr(row, name, None)


def _deal_status(value: Any) -> str:
    status = values.text(value).lower()
    if status not in DEAL_STATUSES:
        raise ValueError(f"must be one of {', '.join(sorted(DEAL_STATUSES))}")
    return status


AD_SPEND_FIELDS: dict[str, Converter] = {
    "campaign_id": values.text,
    "campaign_name": lambda v: values.text(v, required=False),
    "adset_id": lambda v: values.text(v, required=False),
    "ad_id": lambda v: values.text(v, required=False),
    "date": values.day,
    "spend": values.decimal,
    "impressions": values.count,
    "clicks": values.count,
    "platform_conversions": values.decimal,
    "platform_conversion_value": values.decimal,
    "currency": values.currency,
}
SOCIAL_FIELDS: dict[str, Converter] = {
    "post_id": lambda v: values.text(v, required=False),
    "date": values.day,
    "followers": lambda v: values.count(v, nullable=True),
    "reach": lambda v: values.count(v, nullable=True),
    "impressions": lambda v: values.count(v, nullable=True),
    "engagements": lambda v: values.count(v, nullable=True),
}
WEB_SESSION_FIELDS: dict[str, Converter] = {
    "date": values.day,
    "source": lambda v: values.text(v, required=False),
    "medium": lambda v: values.text(v, required=False),
    "campaign": lambda v: values.text(v, required=False),
    "sessions": values.count,
    "users": values.count,
    "new_users": values.count,
    "conversions": values.decimal,
    "revenue": values.decimal,
    "currency": values.currency,
}
DEAL_FIELDS: dict[str, Converter] = {
    "deal_id": values.text,
    "person_id": values.optional_text,
    "name": values.optional_text,
    "status": _deal_status,
    "pipeline": values.optional_text,
    "stage": values.optional_text,
    "created_at": values.instant,
    "closed_at": values.optional_instant,
    "value": values.decimal,
    "currency": values.currency,
    "utm_source": values.optional_text,
    "utm_medium": values.optional_text,
    "utm_campaign": values.optional_text,
}
SHOP_ORDER_FIELDS: dict[str, Converter] = {
    "order_id": values.text,
    "person_id": values.optional_text,
    "ordered_at": values.instant,
    "revenue": values.decimal,
    "currency": values.currency,
    "status": lambda v: values.text(v, required=False).lower() or "paid",
}


def _normalize(rows: Iterable[Any], fields: dict[str, Converter], fixed: dict[str, Any], table: str,
               key: tuple[str, ...]) -> list[dict[str, Any]]:
    normalized: list[dict[str, Any]] = []
    seen: dict[tuple, int] = {}
    for index, row in enumerate(rows):
        record = dict(fixed)
        for name, convert in fields.items():
            try:
                record[name] = convert(_field(row, name))
            except ValueError as exc:
                raise ValueError(f"{table} row {index}: {name} {exc}") from None
        identity = tuple(record[k] for k in key if k in record)
        if identity in seen:
            raise ValueError(f"{table} row {index} repeats the key of row {seen[identity]}: {identity}")
        seen[identity] = index
        normalized.append(record)
    return normalized


def _columns(spec: TableSpec, records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {name: [r[name] for r in records] for name in spec.column_names}


def _check_dates(date_from: date, date_to: date) -> None:
    if date_to < date_from:
        raise ValueError(f"date_to {date_to} is before date_from {date_from}")


def _check_window(records: list[dict[str, Any]], column: str, date_from: date, date_to: date, table: str) -> None:
    for index, record in enumerate(records):
        if not date_from <= record[column] <= date_to:
            raise ValueError(f"{table} row {index}: {column} {record[column]} is outside {date_from}..{date_to}")


def _account_window(fixed: dict[str, Any], date_from: date, date_to: date) -> Window:
    """The days ``[date_from, date_to]`` of one account (``fixed``'s project, source and account)."""
    return Window({name: fixed[name] for name in ("project_id", "source", "account_id")}, "date", date_from, date_to)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def ad_spend_load(*, project_id: int, source: str, account_id: str, date_from: date, date_to: date,
                  rows: Iterable[Any], warehouse: Warehouse | None = None) -> int:
    """Replace one ad account's daily rows for every day of ``[date_from, date_to]``; the count loaded.

    ``rows`` may also be an Arrow table of the row columns (a set-based normalizer's output,
    ``connectors.sql_normalize.CONTRACT``); values it cannot take as they are go through the general path."""
    source, account_id = values.source_name(source), values.text(account_id)
    _check_dates(date_from, date_to)
    fixed = {"project_id": project_id, "source": source, "account_id": account_id, "loaded_at": _now()}
    if isinstance(rows, pa.Table):
        staged = ad_spend_columns_table(AD_SPEND_DAILY, rows, fixed=fixed, date_from=date_from, date_to=date_to)
        rows = rows.to_pylist() if staged is None else range(rows.num_rows)
    else:
        rows = rows if isinstance(rows, list) else list(rows)
        staged = ad_spend_table(AD_SPEND_DAILY, rows, fixed=fixed, date_from=date_from, date_to=date_to)
    if staged is None:  # rows that need converting, or a problem to report: the general path
        records = _normalize(rows, AD_SPEND_FIELDS, fixed, AD_SPEND_DAILY.name, AD_SPEND_DAILY.key)
        _check_window(records, "date", date_from, date_to, AD_SPEND_DAILY.name)
        for record in records:
            record["campaign_key"] = clean_campaign_name(record["campaign_name"])
        staged = _columns(AD_SPEND_DAILY, records)
    write_rows(warehouse or get_warehouse(), AD_SPEND_DAILY, staged, window=_account_window(fixed, date_from, date_to))
    return len(rows)


def social_load(*, project_id: int, source: str, account_id: str, date_from: date, date_to: date,
                rows: Iterable[Any], warehouse: Warehouse | None = None) -> int:
    """Replace one social account's rows (its own and its posts') for every day of the window."""
    source, account_id = values.source_name(source), values.text(account_id)
    _check_dates(date_from, date_to)
    fixed = {"project_id": project_id, "source": source, "account_id": account_id, "loaded_at": _now()}
    records = _normalize(rows, SOCIAL_FIELDS, fixed, SOCIAL_DAILY.name, SOCIAL_DAILY.key)
    _check_window(records, "date", date_from, date_to, SOCIAL_DAILY.name)
    write_rows(warehouse or get_warehouse(), SOCIAL_DAILY, _columns(SOCIAL_DAILY, records),
               window=_account_window(fixed, date_from, date_to))
    return len(records)


def web_sessions_load(*, project_id: int, property_id: str, date_from: date, date_to: date, rows: Iterable[Any],
                      warehouse: Warehouse | None = None) -> int:
    """Replace one GA4 property's rows (by source/medium/campaign) for every day of the window."""
    property_id = values.text(property_id)
    _check_dates(date_from, date_to)
    fixed = {"project_id": project_id, "property_id": property_id, "loaded_at": _now()}
    records = _normalize(rows, WEB_SESSION_FIELDS, fixed, WEB_SESSIONS_DAILY.name, WEB_SESSIONS_DAILY.key)
    _check_window(records, "date", date_from, date_to, WEB_SESSIONS_DAILY.name)
    write_rows(warehouse or get_warehouse(), WEB_SESSIONS_DAILY, _columns(WEB_SESSIONS_DAILY, records),
               window=Window({"project_id": project_id, "property_id": property_id}, "date", date_from, date_to))
    return len(records)


def crm_deals_load(*, project_id: int, source: str, account_id: str, rows: Iterable[Any],
                   warehouse: Warehouse | None = None) -> int:
    """Insert or replace deals by id (a CRM sync sends the deals changed since its cursor)."""
    source, account_id = values.source_name(source), values.text(account_id)
    fixed = {"project_id": project_id, "source": source, "account_id": account_id, "loaded_at": _now()}
    records = _normalize(rows, DEAL_FIELDS, fixed, CRM_DEALS.name, CRM_DEALS.key)
    write_rows(warehouse or get_warehouse(), CRM_DEALS, _columns(CRM_DEALS, records))
    return len(records)


def shop_orders_load(*, project_id: int, source: str, account_id: str, rows: Iterable[Any],
                     date_from: date | None = None, date_to: date | None = None,
                     warehouse: Warehouse | None = None) -> int:
    """Insert or replace a store's orders by id. With a window (UTC order dates), the store's orders of those
    days that ``rows`` do not hold are removed (a full re-pull of the window)."""
    source, account_id = values.source_name(source), values.text(account_id)
    fixed = {"project_id": project_id, "source": source, "account_id": account_id, "loaded_at": _now()}
    records = _normalize(rows, SHOP_ORDER_FIELDS, fixed, SHOP_ORDERS.name, SHOP_ORDERS.key)
    for record in records:
        record["order_date"] = record["ordered_at"].date()
    columns = _columns(SHOP_ORDERS, records)
    target = warehouse or get_warehouse()
    if date_from is None and date_to is None:
        write_rows(target, SHOP_ORDERS, columns)
        return len(records)
    if date_from is None or date_to is None:
        raise ValueError("give both date_from and date_to, or neither")
    _check_dates(date_from, date_to)
    _check_window(records, "order_date", date_from, date_to, SHOP_ORDERS.name)
    write_rows(target, SHOP_ORDERS, columns, window=Window(
        {"project_id": project_id, "source": source, "account_id": account_id}, "order_date", date_from, date_to))
    return len(records)


def spend_import(*, project_id: int, stream: IO[bytes], warehouse: Warehouse | None = None) -> SpendImportReport:
    """Import a spend CSV (see ``spend_csv``): validate every line, then replace each (source, account, date)
    the file holds. Raises ``SpendFileInvalid`` (nothing imported) or ``SpendFileTooLarge``."""
    parsed = parse_spend_csv(stream, project_id=project_id)
    if parsed.rows:
        days = sorted(parsed.days)
        scope = {"project_id": [project_id] * len(days), "source": [d[0] for d in days],
                 "account_id": [d[1] for d in days], "date": [d[2] for d in days]}
        write_rows(warehouse or get_warehouse(), AD_SPEND_DAILY, pa.concat_tables(parsed.chunks),
                   scope_columns=("project_id", "source", "account_id", "date"), scope_rows=scope)
    return SpendImportReport(
        lines=parsed.lines,
        rows=parsed.rows,
        days_replaced=len(parsed.days),
        accounts=[{"source": a.source, "account_id": a.account_id, "date_from": a.date_from.isoformat(),
                   "date_to": a.date_to.isoformat(), "rows": a.rows}
                  for a in sorted(parsed.accounts.values(), key=lambda a: (a.source, a.account_id))],
    )
