"""The KPI report: values for the period, the comparison period and the change, overall and per group."""

from __future__ import annotations

from typing import Any

from analyticaflow.reports.collect import ReportRun
from analyticaflow.reports.currency import RateBook
from analyticaflow.reports.periods import COMPARISONS
from analyticaflow.reports.query import ReportQuery
from analyticaflow.reports.shaping import changes, group_of_key, period_range, sort_key, values_of
from analyticaflow.warehouse.backends import Warehouse


def kpi_report(*, warehouse: Warehouse, query: ReportQuery, rates: RateBook) -> dict[str, Any]:
    comparison = COMPARISONS[query.compare](query.period) if query.compare else None
    run = ReportRun(warehouse=warehouse, query=query, rates=rates)
    try:
        current, *rest = run.collect_all([(query.period, "current"), *([(comparison, "previous")] if comparison
                                                                       else [])])
        previous = rest[0] if rest else None
        catalog = run.catalog() if query.group_by == "campaign" else None
    finally:
        run.close()

    metrics = query.metrics
    totals = values_of(current.totals.get(None), metrics)
    previous_totals = values_of(previous.totals.get(None), metrics) if previous else None
    rows = []
    if query.group_by != "none":
        keys = {key for key, _ in current.cells} | ({key for key, _ in previous.cells} if previous else set())
        for key in keys:
            group, label = group_of_key(query.group_by, key, catalog)
            values = values_of(current.cells.get((key, None)), metrics)
            before = values_of(previous.cells.get((key, None)), metrics) if previous else None
            rows.append({"group": group, "label": label, "metrics": values, "previous": before,
                         "change": changes(values, before)})
        rows.sort(key=lambda row: sort_key(metrics[0], row["metrics"], row["label"]))
    return {
        "date_from": query.period.date_from.isoformat(),
        "date_to": query.period.date_to.isoformat(),
        "timezone": query.timezone,
        "currency": query.currency,
        "group_by": query.group_by,
        "compare": query.compare,
        "attribution_model": query.attribution_model,
        "previous_range": period_range(comparison),
        "current": totals,
        "previous": previous_totals,
        "change": changes(totals, previous_totals),
        "rows": rows,
        "warnings": current.warnings + (previous.warnings if previous else []),
    }
