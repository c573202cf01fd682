"""The fast path of ``ad_spend_load``: already typed rows (a connector's ``AdSpendRow``) turned into one Arrow
table column by column, with the same checks and the same stored values as the general per-row path.

Every column is checked in bulk: text columns by their distinct values (a campaign id repeats once per day) through
the very converters of the general path, counts and dates by their Python types, money by Arrow's exact parse of
the Decimal's text into ``DECIMAL(18, 6)``. Whatever the fast path cannot take exactly as it is — a value needing a
conversion or a rounding (text numbers, floats, more than 6 decimals), anything invalid, a repeated key — makes it
answer ``None``, and the caller runs the general path, which converts, rounds or raises its usual error naming the
row and field. So both paths store the same rows, and only the general one ever reports a problem.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from analyticaflow.channeldata import values
from analyticaflow.channeldata.platforms import clean_campaign_name
from analyticaflow.channeldata.writing import arrow_schema
from analyticaflow.warehouse.schema import TableSpec

DECIMAL = pa.decimal128(18, 6)
NONE = type(None)


class NotTyped(Exception):
    """A column the fast path does not take as it is (the general path decides)."""


def _distinct(column: list[Any], convert: Callable[[Any], Any], kinds: tuple[type, ...]) -> list[Any]:
    """Each value converted through its distinct value's conversion (values are hashable here: text or None)."""
    distinct = set(column)
    if any(type(value) not in kinds for value in distinct):
        raise NotTyped
    try:
        converted = {value: convert(value) for value in distinct}
    except ValueError:
        raise NotTyped from None
    if all(converted[value] == value for value in distinct if value is not None) and None not in distinct:
        return column
    return [converted[value] for value in column]


def _counts(column: list[Any]) -> pa.Array:
    if set(map(type, column)) - {int}:
        raise NotTyped  # missing (0), text, fractions and bool go through ``values.count``
    try:
        array = pa.array(column, type=pa.int64())
    except (OverflowError, pa.ArrowException):
        raise NotTyped from None
    if len(array) and pc.min(array).as_py() < 0:
        raise NotTyped
    return array


def _money(column: list[Any]) -> pa.Array:
    if set(map(type, column)) - {Decimal}:
        raise NotTyped  # missing (0), text, int and float go through ``values.decimal``
    try:
        # Exact: Arrow refuses a value that needs rounding to 6 decimals or does not fit 12 digits before the
        # point, and NaN/Infinity; each is the general path's case (a rounding or an error).
        array = pa.array(list(map(str, column)), type=pa.string()).cast(DECIMAL)
    except pa.ArrowException:
        raise NotTyped from None
    if len(array) and pc.min(array).as_py() < 0:
        raise NotTyped
    return array


def _days(column: list[Any], date_from: date, date_to: date) -> list[date]:
    distinct = set(column)
    if any(type(day) is not date for day in distinct):
        raise NotTyped  # text days and date-times go through ``values.day``
    if distinct and not (date_from <= min(distinct) and max(distinct) <= date_to):
        raise NotTyped
    return column


def ad_spend_table(spec: TableSpec, rows: Sequence[Any], *, fixed: dict[str, Any], date_from: date,
                   date_to: date) -> pa.Table | None:
    """The rows as the table the general path would stage, or ``None`` when they need the general path."""
    if not rows or any(hasattr(kind, "keys") for kind in set(map(type, rows))):
        return None  # mappings, and the empty window (nothing to gain) take the general path
    try:
        column = {name: list(map(attrgetter(name), rows)) for name in (
            "campaign_id", "campaign_name", "adset_id", "ad_id", "date", "spend", "impressions", "clicks",
            "platform_conversions", "platform_conversion_value", "currency")}
    except AttributeError:
        return None
    try:
        campaign_id = _distinct(column["campaign_id"], values.text, (str,))
        optional = (str, NONE)
        names = _distinct(column["campaign_name"], lambda v: values.text(v, required=False), optional)
        adset_id = _distinct(column["adset_id"], lambda v: values.text(v, required=False), optional)
        ad_id = _distinct(column["ad_id"], lambda v: values.text(v, required=False), optional)
        days = _days(column["date"], date_from, date_to)
        currency = _distinct(column["currency"], values.currency, (str,))
        if len(set(zip(campaign_id, adset_id, ad_id, days, strict=True))) != len(rows):
            raise NotTyped  # a repeated key: the general path names both rows
        arrays = {"campaign_id": campaign_id, "campaign_name": names, "adset_id": adset_id, "ad_id": ad_id,
                  "date": days, "currency": currency,
                  "spend": _money(column["spend"]), "impressions": _counts(column["impressions"]),
                  "clicks": _counts(column["clicks"]),
                  "platform_conversions": _money(column["platform_conversions"]),
                  "platform_conversion_value": _money(column["platform_conversion_value"])}
    except NotTyped:
        return None
    keys = {name: clean_campaign_name(name) for name in set(names)}
    arrays["campaign_key"] = [keys[name] for name in names]
    schema = arrow_schema(spec)
    count = len(rows)
    table = []
    for field in schema:
        if field.name in fixed:
            table.append(pa.repeat(pa.scalar(fixed[field.name], type=field.type), count))
        else:
            data = arrays[field.name]
            table.append(data if isinstance(data, pa.Array) else pa.array(data, type=field.type))
    return pa.Table.from_arrays(table, schema=schema)



def _arrow_text(column: pa.ChunkedArray, convert: Callable[[Any], Any]) -> pa.Array:
    """A text column through the general path's converter, applied once per distinct value."""
    distinct = pc.unique(column)
    try:
        converted = [convert(value) for value in distinct.to_pylist()]
    except ValueError:
        raise NotTyped from None
    if converted == distinct.to_pylist():
        return column.combine_chunks()
    return pc.take(pa.array(converted, type=pa.string()), pc.index_in(column, value_set=distinct)).combine_chunks()


def _arrow_non_negative(column: pa.ChunkedArray, kind: pa.DataType) -> pa.Array:
    if column.type != kind or column.null_count:
        raise NotTyped
    if len(column) and pc.min(column).as_py() < 0:
        raise NotTyped
    return column.combine_chunks()


def ad_spend_columns_table(spec: TableSpec, columns: pa.Table, *, fixed: dict[str, Any], date_from: date,
                           date_to: date) -> pa.Table | None:
    """An Arrow table of a connector's row columns (``connectors.sql_normalize.CONTRACT``: money already
    ``DECIMAL(18, 6)``, counts int64, dates date32) as the table the general path would stage, or ``None`` when
    a value needs the general path (a conversion to report, a day outside the window, a repeated key...)."""
    if not columns.num_rows:
        return None
    try:
        arrays = {
            "campaign_id": _arrow_text(columns["campaign_id"], values.text),
            "campaign_name": _arrow_text(columns["campaign_name"], lambda v: values.text(v, required=False)),
            "adset_id": _arrow_text(columns["adset_id"], lambda v: values.text(v, required=False)),
            "ad_id": _arrow_text(columns["ad_id"], lambda v: values.text(v, required=False)),
            "currency": _arrow_text(columns["currency"], values.currency),
            "spend": _arrow_non_negative(columns["spend"], DECIMAL),
            "impressions": _arrow_non_negative(columns["impressions"], pa.int64()),
            "clicks": _arrow_non_negative(columns["clicks"], pa.int64()),
            "platform_conversions": _arrow_non_negative(columns["platform_conversions"], DECIMAL),
            "platform_conversion_value": _arrow_non_negative(columns["platform_conversion_value"], DECIMAL),
        }
        days = columns["date"]
        if days.type != pa.date32() or days.null_count:
            raise NotTyped
        if pc.min(days).as_py() < date_from or pc.max(days).as_py() > date_to:
            raise NotTyped
        arrays["date"] = days.combine_chunks()
    except (NotTyped, KeyError):
        return None
    keys = pa.table({name: arrays[name] for name in ("campaign_id", "adset_id", "ad_id", "date")})
    if keys.group_by(list(keys.column_names)).aggregate([]).num_rows != columns.num_rows:
        return None  # a repeated key: the general path names both rows
    names = arrays["campaign_name"]
    distinct = pc.unique(names)
    cleaned = pa.array([clean_campaign_name(name) for name in distinct.to_pylist()], type=pa.string())
    arrays["campaign_key"] = pc.take(cleaned, pc.index_in(names, value_set=distinct))
    schema = arrow_schema(spec)
    count = columns.num_rows
    return pa.Table.from_arrays(
        [pa.repeat(pa.scalar(fixed[field.name], type=field.type), count) if field.name in fixed
         else arrays[field.name].cast(field.type) for field in schema], schema=schema)
