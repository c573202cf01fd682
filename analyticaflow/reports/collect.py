"""Running a report's facts for one period: stage what the SQL needs, convert money, group, sum parts.

One :class:`ReportRun` serves one request (both periods of a comparison): it loads the campaign catalog once,
creates uniquely named stages (touch groups, exchange rates) and drops them at the end.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa

from analyticaflow.metrics.registry import PARTS, parts_of
from analyticaflow.reports.attribution import attribution_model
from analyticaflow.reports.campaigns import campaign_catalog
from analyticaflow.reports.credits import CREDIT_COLUMNS, order_touches_refresh, touch_combos
from analyticaflow.reports.currency import RateBook, Uncovered, missing_rate_warnings, plan_conversion
from analyticaflow.reports.customers import first_orders_refresh
from analyticaflow.reports.facts import CREDIT_ROWS, FACT_SOURCES, STAGE_KEYS, FactInput, FactSql
from analyticaflow.reports.periods import Period
from analyticaflow.reports.query import Filters, ReportQuery
from analyticaflow.reports.spend import spend_days_refresh
from analyticaflow.reports.sqlparts import Params, bound
from analyticaflow.reports.touches import NO_TOUCH, CampaignCatalog, TouchCombo, TouchGroup
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.schema import DATE, FLOAT, INT, TEXT, TableSpec, col
from analyticaflow.warehouse.sql import Sql

GROUP_KEY_COLUMNS = {
    "none": (),
    "source": ("g_source",),
    "account": ("g_source", "g_account"),
    "campaign": ("g_source", "g_account", "g_campaign_id", "g_campaign_name"),
    "channel": ("g_channel",),
}
# Parts that are not sums (distinct counts): their totals over groups are queried, never added up.
DISTINCT_PARTS = frozenset({"users"})
DATA_LABELS = {"ad_spend": "ad spend", "orders": "order", "web_sessions": "GA4", "crm": "CRM deal"}

RATES_STAGE = TableSpec("report_rates", (col("currency", TEXT), col("day", DATE), col("rate", FLOAT, True)),
                        key=("currency", "day"))
TOUCH_GROUPS_STAGE = TableSpec(
    "report_touch_groups",
    (*(col(n, TEXT) for n in (*STAGE_KEYS, "g_source", "g_account", "g_campaign_id", "g_campaign_name",
                               "g_channel")), col("k_combo", INT, True)),  # the derived order touches' id
    key=STAGE_KEYS,
)

STAGE_TYPES = {TEXT: pa.string(), DATE: pa.date32(), INT: pa.int64()}

GroupKey = tuple[str | None, ...]
Cells = dict[tuple[GroupKey, date | None], dict[str, Any]]


@dataclass(slots=True)
class PeriodResult:
    period: Period
    cells: Cells = field(default_factory=dict)  # (group key, bucket) → parts
    totals: dict[date | None, dict[str, Any]] = field(default_factory=dict)  # bucket → parts of all groups
    warnings: list[dict] = field(default_factory=list)


def plain(value: Any, *, money: bool) -> Any:
    """A summed part as JSON-friendly number: money to the micro unit, whole counts as integers."""
    if value is None:
        value = 0
    if money:
        return round(float(value), 6)
    if isinstance(value, Decimal | float) and value == int(value):
        return int(value)
    if isinstance(value, Decimal | float):
        return round(float(value), 9)
    return int(value)


def arrow_records(table: pa.Table) -> list[dict[str, Any]]:
    return table.to_pylist()


def stage_table(spec: TableSpec, columns: dict[str, list[Any]]) -> pa.Table:
    schema = pa.schema([pa.field(c.name, STAGE_TYPES.get(c.type, pa.float64()), nullable=c.nullable)
                        for c in spec.columns])
    return pa.Table.from_arrays([pa.array(columns[f.name], type=f.type) for f in schema], schema=schema)


_PERIODS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="report-period")


class Scratch:
    """The relations one period's statements create (staged Arrow tables, materialized rows); all on the
    creating thread's connection, dropped by :meth:`drop` on that same thread."""

    def __init__(self, warehouse: Warehouse, token: str) -> None:
        self.warehouse, self.token = warehouse, token
        self.stages: list[str] = []
        self.tables: list[str] = []

    def stage(self, spec: TableSpec, columns: dict[str, list[Any]]) -> str:
        return self.stage_table(spec, stage_table(spec, columns))

    def stage_table(self, spec: TableSpec, data: pa.Table) -> str:
        name = f"{spec.name}_{self.token}_{len(self.stages)}"
        self.warehouse.stage(name, spec, data)
        self.stages.append(name)
        return name

    def materialize(self, select: Sql) -> str:
        name = f"report_rows_{self.token}_{len(self.tables)}"
        for statement in self.warehouse.dialect.materialize(name, select):
            self.warehouse.execute(statement)
        self.tables.append(name)
        return name

    def drop(self) -> None:
        for name in self.stages:
            self.warehouse.drop_stage(name)
        for name in self.tables:
            for statement in self.warehouse.dialect.drop_table(name):
                self.warehouse.execute(statement)
        self.stages.clear()
        self.tables.clear()


class ReportRun:
    def __init__(self, *, warehouse: Warehouse, query: ReportQuery, rates: RateBook) -> None:
        self.warehouse = warehouse
        self.dialect = warehouse.dialect
        self.query = query
        self.rates = rates
        self._catalog: CampaignCatalog | None = None
        self._catalog_lock = threading.Lock()
        self._prepared = False
        self._touch_combos: dict[TouchCombo, int] = {}  # the derived order touches' combinations (grouped runs)
        self._prepared_lock = threading.Lock()
        self.token = uuid.uuid4().hex[:12]

    # --- shared lookups ----------------------------------------------------------------------------------
    def catalog(self) -> CampaignCatalog:
        with self._catalog_lock:
            return self._load_catalog()

    def _load_catalog(self) -> CampaignCatalog:
        if self._catalog is None:
            self._catalog = campaign_catalog(warehouse=self.warehouse, project_id=self.query.project_id)
        return self._catalog

    def stage_touch_groups(self, scratch: Scratch, combos: Iterable[TouchCombo],
                           ids: dict[TouchCombo, int] | None = None) -> str:
        """The touch-group relation of the given touchpoint combinations (and of those with an id in the derived
        order touches), with the combinations that fail the report's filters left out (so inner joins drop
        their rows)."""
        return scratch.stage_table(TOUCH_GROUPS_STAGE, touch_groups_table(
            self.catalog(), self.query.filters, frozenset(combos), ids or {}))

    def _credit_stage(self, scratch: Scratch, period: Period) -> str | None:
        """The credit rows of an attribution model computed outside SQL, staged for the period."""
        model = attribution_model(self.query.attribution_model)
        if model.stage is None:
            return None
        rows = model.stage(warehouse=self.warehouse, project_id=self.query.project_id, currency=self.query.currency,
                           period=period, rates=self.rates)
        return scratch.stage(CREDIT_ROWS, rows)

    # --- the periods ---------------------------------------------------------------------------------------
    def collect_all(self, periods: list[tuple[Period, str]]) -> list[PeriodResult]:
        """Each (period, label) collected; on DuckDB the periods run side by side (each thread has its own
        cursor, so each period's scratch relations live and die on its thread)."""
        self._before_periods()
        if len(periods) > 1 and self.dialect.name == "duckdb":
            futures = [_PERIODS.submit(self.collect, period, label) for period, label in periods]
            return [future.result() for future in futures]
        return [self.collect(period, label) for period, label in periods]

    def _order_touches(self, grouped: bool) -> str | None:
        """Which column of the derived order touches credited orders read (see ``FactInput.order_touches``)."""
        if not grouped:
            return ""
        return CREDIT_COLUMNS.get(self.query.attribution_model)

    def _before_periods(self) -> None:
        """What every period shares, done once per run: fresh derived orders tables, the campaign catalog."""
        with self._prepared_lock:
            if self._prepared:
                return
            parts = parts_of(self.query.metrics)
            orders = any(PARTS[p].fact == "orders" for p in parts)
            if orders:
                order_touches_refresh(warehouse=self.warehouse, project_id=self.query.project_id)
            if any(PARTS[p].fact == "ad_spend" for p in parts):
                spend_days_refresh(warehouse=self.warehouse, project_id=self.query.project_id)
            if "new_customers" in parts and self._order_touches(self.query.needs_touch_groups) is None:
                first_orders_refresh(warehouse=self.warehouse, project_id=self.query.project_id)
            if self.query.needs_touch_groups:
                self.catalog()
                if orders and self._order_touches(grouped=True) is not None:
                    self._touch_combos = touch_combos(warehouse=self.warehouse, project_id=self.query.project_id)
            self._prepared = True

    def close(self) -> None:
        """Nothing is left to release: each period drops its scratch relations once collected."""

    def collect(self, period: Period, label: str) -> PeriodResult:
        self._before_periods()
        scratch = Scratch(self.warehouse, f"{self.token}_{label}")
        try:
            return self._collect(scratch, period, label)
        finally:
            scratch.drop()

    def _collect(self, scratch: Scratch, period: Period, label: str) -> PeriodResult:
        query = self.query
        parts = parts_of(query.metrics)
        facts = list(dict.fromkeys(PARTS[p].fact for p in parts))
        result = PeriodResult(period)
        inputs: dict[str, FactInput] = {}
        prepared: dict[str, str | None] = {}
        credit_stage: str | None = None
        for fact in facts:
            source = FACT_SOURCES[fact]
            grouped = query.needs_touch_groups and source.uses_touch_groups
            if grouped and source.credited and credit_stage is None and self._order_touches(grouped) is None:
                credit_stage = self._credit_stage(scratch, period)
            inputs[fact] = FactInput(self.dialect, query.project_id, query.currency, period, query.filters,
                                     tuple(p for p in parts if PARTS[p].fact == fact), query.attribution_model,
                                     grouped=grouped, credit_stage=credit_stage if source.credited else None,
                                     order_touches=self._order_touches(grouped) if source.credited else None)
            params = Params()
            text = source.prepare(inputs[fact], params)
            prepared[fact] = scratch.materialize(bound(text, params.values)) if text else None
        combos = Params()
        with_touches = [text for f in facts if inputs[f].grouped
                        and (text := FACT_SOURCES[f].touch_combos(inputs[f], combos, prepared[f]))]
        ids = self._touch_combos if any(inputs[f].grouped and inputs[f].order_touches for f in facts) else {}
        if with_touches or ids:
            union = bound(" UNION DISTINCT ".join(with_touches), combos.values) if with_touches else None
            found = [TouchCombo(*row) for row in self.warehouse.query(union)] if union else []
            touch_groups = self.stage_touch_groups(scratch, found, ids)
            for fact in facts:
                if inputs[fact].grouped:
                    inputs[fact] = replace(inputs[fact], touch_groups=touch_groups)
        grouped = query.group_by != "none"
        for fact in facts:
            params = Params()
            built = FACT_SOURCES[fact].build(inputs[fact], params, prepared[fact])
            needed = inputs[fact].parts
            distinct = [p for p in needed if p in DISTINCT_PARTS]
            if built.money and not distinct and self._aggregate_converted(built, needed, params, period, result):
                continue
            rates = self._conversion(scratch, built, needed, params, fact, label, result)
            self._aggregate(built, needed, params, rates, result, grouped=grouped)
            if distinct and grouped:
                self._aggregate(built, tuple(distinct), params, rates, result, grouped=False, totals_only=True)
        add_totals(result, grouped=query.group_by != "none")
        return result

    def _conversion(self, scratch: Scratch, built: FactSql, needed: tuple[str, ...], params: Params, fact: str,
                    label: str, result: PeriodResult) -> str | None:
        """Check which foreign-currency rows have rates; stage those rates, warn about the rest.

        Whatever metrics were asked, a row whose money cannot be converted is left out of all of them (an
        order count must not depend on whether revenue is shown beside it)."""
        if not built.coverage:
            return None
        reporting = params.add(self.query.currency, "reporting")
        text = (f"SELECT c.currency, c.day, sum(c.source_rows), sum(c.amount) FROM ({built.coverage}) AS c "
                f"WHERE c.currency != {reporting} GROUP BY c.currency, c.day")
        foreign = [Uncovered(currency, day, int(rows), amount or 0)
                   for currency, day, rows, amount in self.warehouse.query(bound(text, params.values))]
        if not foreign:
            return None
        plan = plan_conversion(self.rates, foreign)
        left_out = ", ".join(needed)
        result.warnings.extend(missing_rate_warnings(plan.missing, reporting=self.query.currency,
                                                     data=DATA_LABELS.get(fact, fact), left_out=left_out,
                                                     period=label))
        if not plan.rates:
            return None
        currencies, days, rates = zip(*plan.rates, strict=True)
        return scratch.stage(RATES_STAGE, {"currency": list(currencies), "day": list(days), "rate": list(rates)})

    def _aggregate_converted(self, built: FactSql, needed: tuple[str, ...], params: Params, period: Period,
                             result: PeriodResult) -> bool:
        """The usual case in one statement: sums per group and currency, converted here when every other
        currency has one rate over the whole period. False (nothing recorded) when some currency has none or
        its rate changes inside the period: the caller then converts day by day in SQL and warns."""
        query, dialect = self.query, self.dialect
        keys = GROUP_KEY_COLUMNS[query.group_by]
        sums = {p: built.aggregates[p] for p in needed if p in built.aggregates}
        money = [p for p in needed if p in built.money]
        sums.update({p: f"sum(f.{built.money[p]})" for p in money})
        if not money:  # the fact's rows carry money even when none of it is asked: keep the same rows
            sums["money__"] = f"sum(f.{next(iter(built.money.values()))})"
        relation = built.relation
        if query.granularity and query.granularity != "day" and all(a.startswith("sum(") for a in sums.values()):
            # Days first, then their buckets: the bucket of each day is computed once, not once per row.
            daily = [*(f"f.{name} AS {name}" for name in keys), "f.day AS day", "f.currency AS currency",
                     *(f"{aggregate} AS {part}" for part, aggregate in sums.items())]
            relation = (f"SELECT {', '.join(daily)} FROM ({relation}) AS f "
                        f"GROUP BY {', '.join([*keys, 'day', 'currency'])}")
            sums = {part: f"sum(f.{part})" for part in sums}
        select = [f"f.{name} AS {name}" for name in keys]
        group_by = [*keys, "currency"]
        if query.granularity:
            select.append(f"{dialect.bucket_start(query.granularity, 'f.day')} AS bucket")
            group_by.append("bucket")
        select.append("f.currency AS currency")
        select += [f"{aggregate} AS {part}" for part, aggregate in sums.items()]
        text = f"SELECT {', '.join(select)} FROM ({relation}) AS f GROUP BY {', '.join(group_by)}"
        table = self.warehouse.query_arrow(bound(text, params.values))
        currencies = table.column("currency").to_pylist()
        rates = {currency: self.rates.constant_rate(currency, period.date_from, period.date_to)
                 for currency in set(currencies)}
        if any(rate is None for rate in rates.values()):
            return False
        rows = table.num_rows
        group_keys = list(zip(*([value or None for value in table.column(name).to_pylist()] for name in keys),
                              strict=True)) if keys else [()] * rows
        buckets = table.column("bucket").to_pylist() if query.granularity else [None] * rows
        counted = [(part, table.column(part).to_pylist()) for part in needed if part in built.aggregates]
        amounts = [(part, table.column(part).to_pylist()) for part in money]
        cells: dict[tuple[GroupKey, date | None], dict[str, Any]] = {}
        for row in range(rows):
            cell = cells.setdefault((group_keys[row], buckets[row]), {})
            for part, values in counted:
                cell[part] = cell.get(part, 0) + (values[row] or 0)
            rate = rates[currencies[row]]
            for part, values in amounts:
                cell[part] = cell.get(part, Decimal(0)) + Decimal(values[row] or 0) * rate
        for where, values in cells.items():
            result.cells.setdefault(where, {}).update(
                {part: plain(value, money=PARTS[part].money) for part, value in values.items()})
        return True

    def _aggregate(self, built: FactSql, needed: tuple[str, ...], params: Params, rates: str | None,
                   result: PeriodResult, *, grouped: bool, totals_only: bool = False) -> None:
        query, dialect = self.query, self.dialect
        keys = GROUP_KEY_COLUMNS[query.group_by] if grouped else ()
        select = [f"f.{name} AS {name}" for name in keys]
        group_by = list(keys)
        if query.granularity:
            select.append(f"{dialect.bucket_start(query.granularity, 'f.day')} AS bucket")
            group_by.append("bucket")
        money = [p for p in needed if p in built.money]
        reporting = params.add(query.currency, "reporting")
        for part in needed:
            if part in built.aggregates:
                select.append(f"{built.aggregates[part]} AS {part}")
        for part in money:
            column = f"f.{built.money[part]}"
            if rates:
                select.append(f"sum(CASE WHEN f.currency = {reporting} THEN {column} END) AS {part}__native")
                select.append(f"sum(CASE WHEN f.currency != {reporting} THEN "
                              f"{dialect.to_float(column)} * r.rate END) AS {part}__converted")
            else:
                select.append(f"sum({column}) AS {part}__native")
        join, where = "", ""
        if rates:
            join = f"LEFT JOIN {rates} AS r ON r.currency = f.currency AND r.day = f.day"
            where = f"WHERE f.currency = {reporting} OR r.rate IS NOT NULL"
        elif built.money:  # the fact's rows carry money: those in a currency without a rate stay out
            where = f"WHERE f.currency = {reporting}"
        text = (f"SELECT {', '.join(select)} FROM ({built.relation}) AS f {join} {where}"
                + (f" GROUP BY {', '.join(group_by)}" if group_by else ""))
        for record in arrow_records(self.warehouse.query_arrow(bound(text, params.values))):
            key: GroupKey = tuple(record[name] or None for name in keys)
            bucket = record.get("bucket")
            values = {part: plain(record.get(part), money=False) for part in needed if part in built.aggregates}
            for part in money:
                native = record.get(f"{part}__native") or 0
                converted = record.get(f"{part}__converted") or 0
                values[part] = plain(Decimal(native) if not converted else float(native) + converted, money=True)
            if totals_only:
                result.totals.setdefault(bucket, {}).update(values)
            else:
                result.cells.setdefault((key, bucket), {}).update(values)


_touch_groups_guard = threading.Lock()
_touch_groups: OrderedDict[tuple, tuple[CampaignCatalog, pa.Table]] = OrderedDict()
TOUCH_GROUP_TABLES_KEPT = 64


def touch_groups_table(catalog: CampaignCatalog, filters: Filters, combos: frozenset[TouchCombo],
                       ids: dict[TouchCombo, int]) -> pa.Table:
    """The rows of the touch-group stage (see ``ReportRun.stage_touch_groups``). Kept per catalog, filters and
    combinations: a dashboard's reports, and both periods of a comparison, stage the same rows. The derived order
    touches' ids only grow (an id never changes its combination), so their count and highest id name them."""
    key = (id(catalog), filters, combos, len(ids), max(ids.values(), default=0))
    with _touch_groups_guard:
        kept = _touch_groups.get(key)
        if kept is not None and kept[0] is catalog:
            _touch_groups.move_to_end(key)
            return kept[1]
    columns: dict[str, list[Any]] = {name: [] for name in TOUCH_GROUPS_STAGE.column_names}
    for combo in sorted({NO_TOUCH, *combos, *ids}, key=lambda c: (c.source, c.medium, c.campaign, c.channel, c.click)):
        group = catalog.group(combo)
        if not filters.admits(source=group.source, account_id=group.account_id,
                              campaign_id=group.campaign_id, channel=group.channel):
            continue
        for name, value in zip(STAGE_KEYS, (combo.source, combo.medium, combo.campaign, combo.channel, combo.click),
                               strict=True):
            columns[name].append(value)
        for name, value in _group_columns(group).items():
            columns[name].append(value)
        columns["k_combo"].append(ids.get(combo))
    table = stage_table(TOUCH_GROUPS_STAGE, columns)
    with _touch_groups_guard:
        _touch_groups[key] = (catalog, table)
        while len(_touch_groups) > TOUCH_GROUP_TABLES_KEPT:
            _touch_groups.popitem(last=False)
    return table


def _group_columns(group: TouchGroup) -> dict[str, str]:
    return {"g_source": group.source, "g_account": group.account_id or "", "g_campaign_id": group.campaign_id or "",
            "g_campaign_name": group.campaign_name or "", "g_channel": group.channel}


def add_totals(result: PeriodResult, *, grouped: bool) -> None:
    """Totals per bucket: every additive part summed over the groups (distinct counts were queried)."""
    for (_, bucket), values in result.cells.items():
        total = result.totals.setdefault(bucket, {})
        for part, value in values.items():
            if grouped and part in DISTINCT_PARTS:
                continue
            previous = total.get(part)
            if previous is None:
                total[part] = value
            else:
                total[part] = round(previous + value, 6) if PARTS[part].money else previous + value
