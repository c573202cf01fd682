"""The attribution report: read → engine inputs → journeys → every requested model → rows with spend.

Spend comes from the KPI report's own run (``reports.collect.ReportRun`` over the ``spend`` metric grouped by
campaign): the same filters, the same exchange rates and warnings, the same campaign catalog for matching
touchpoints to spend campaigns.
"""

from __future__ import annotations

from typing import Any

from analyticaflow.attribution import AttributionOptions, attribute_all, journeys_from_columns
from analyticaflow.attribution.contracts import epoch_us
from analyticaflow.channelgroups.rules import ChannelGrouping
from analyticaflow.reports.attribution_report.catalog import MODEL_TEXT
from analyticaflow.reports.attribution_report.inputs import EngineInputs, engine_inputs
from analyticaflow.reports.attribution_report.query import AttributionQuery
from analyticaflow.reports.attribution_report.rows import (
    SpendCell,
    collect_rows,
    combo_keys,
    shaped_rows,
    spend_key,
    totals,
)
from analyticaflow.reports.attribution_report.sources import Window, conversions_sql, touchpoints_sql
from analyticaflow.reports.collect import ReportRun
from analyticaflow.reports.currency import RateBook
from analyticaflow.reports.query import ReportQuery
from analyticaflow.warehouse.backends import Warehouse


def spend_cells(run: ReportRun, query: AttributionQuery) -> tuple[list[SpendCell], list[dict]]:
    """Spend per campaign of the period in the reporting currency, and the exchange-rate warnings."""
    result = run.collect(query.period, "current")
    cells = [SpendCell(source=key[0] or "", account_id=key[1], campaign_id=key[2], spend=float(parts["spend"]))
             for (key, _bucket), parts in result.cells.items() if parts.get("spend")]
    return cells, result.warnings


def _spend_query(query: AttributionQuery) -> ReportQuery:
    return ReportQuery(project_id=query.project_id, timezone=query.timezone, currency=query.currency,
                       period=query.period, metrics=("spend",), group_by="campaign", filters=query.filters)


def read_inputs(*, warehouse: Warehouse, query: AttributionQuery, rates: RateBook) -> tuple[Window, EngineInputs]:
    window = Window(query.period, query.lookback)
    dialect = warehouse.dialect
    conversions = warehouse.query_arrow(conversions_sql(dialect, project_id=query.project_id,
                                                        currency=query.currency, window=window))
    touchpoints = warehouse.query_arrow(touchpoints_sql(dialect, project_id=query.project_id,
                                                        currency=query.currency, window=window))
    return window, engine_inputs(conversions=conversions, touchpoints=touchpoints, window=window, rates=rates)


def attribution_report(*, warehouse: Warehouse, query: AttributionQuery, rates: RateBook,
                       grouping: ChannelGrouping) -> dict[str, Any]:
    window, inputs = read_inputs(warehouse=warehouse, query=query, rates=rates)
    journeys = journeys_from_columns(touchpoints=inputs.touchpoints, conversions=inputs.conversions,
                                     lookback=window.lookback, data_end_us=epoch_us(window.data_end))
    results = attribute_all(journeys=journeys, models=query.models,
                            options=AttributionOptions(half_life_days=query.half_life_days))

    run = ReportRun(warehouse=warehouse, query=_spend_query(query), rates=rates)
    try:
        catalog = run.catalog()
        cells, spend_warnings = spend_cells(run, query)
    finally:
        run.close()
    keys = combo_keys(inputs.combos, inputs.referrers, query=query, catalog=catalog, grouping=grouping)
    rows = collect_rows(results=results, keys=keys, label_code=inputs.combo_code,
                        spend=[(spend_key(cell, query=query, grouping=grouping), cell.spend) for cell in cells])
    summary = inputs.summary
    return {
        "date_from": query.period.date_from.isoformat(),
        "date_to": query.period.date_to.isoformat(),
        "timezone": query.timezone,
        "currency": query.currency,
        "group_by": query.group_by,
        "lookback_days": query.lookback_days,
        "half_life_days": query.half_life_days,
        "models": [{"name": name, "label": MODEL_TEXT[name][0], "description": MODEL_TEXT[name][1],
                    "diagnostics": {kind: dict(values) for kind, values in results[name].diagnostics.items()}}
                   for name in query.models],
        "conversions": {
            "count": summary.conversions,
            "value": round(summary.value, 6),
            "orders": summary.orders,
            "deals": summary.deals,
            "without_touchpoints": inputs.without_touchpoints(journeys),
            "non_converting_paths": len(journeys.null_offsets) - 1,
        },
        "rows": shaped_rows(query=query, rows=rows, catalog=catalog),
        "totals": totals(query=query, rows=rows),
        "warnings": inputs.warnings + spend_warnings,
    }
