"""The time-series report: metric values per day/week/month/quarter/year bucket in the project's time zone,
every bucket present (empty ones with zero counts and null ratios), the comparison series aligned bucket by
bucket (the i-th bucket of the comparison period beside the i-th of the period)."""

from __future__ import annotations

from typing import Any

from analyticaflow.metrics.registry import PARTS
from analyticaflow.reports.collect import PeriodResult, ReportRun
from analyticaflow.reports.currency import RateBook
from analyticaflow.reports.periods import COMPARISONS, Bucket, buckets
from analyticaflow.reports.query import ReportQuery
from analyticaflow.reports.shaping import changes, group_of_key, period_range, sort_key, values_of
from analyticaflow.warehouse.backends import Warehouse


def _series(query: ReportQuery, now: list[Bucket], before: list[Bucket] | None, current_parts, previous_parts):
    series = []
    for index, bucket in enumerate(now):
        values = values_of(current_parts(bucket.key), query.metrics)
        aligned = before[index] if before is not None and index < len(before) else None
        previous = values_of(previous_parts(aligned.key), query.metrics) if aligned else None
        series.append({
            "bucket": bucket.key.isoformat(),
            "date_from": bucket.date_from.isoformat(),
            "date_to": bucket.date_to.isoformat(),
            "previous_date_from": aligned.date_from.isoformat() if aligned else None,
            "previous_date_to": aligned.date_to.isoformat() if aligned else None,
            "metrics": values,
            "previous": previous,
            "change": changes(values, previous),
        })
    return series


def _summed(result: PeriodResult, key) -> dict[str, Any]:
    summed: dict[str, Any] = {}
    for (group, _), parts in result.cells.items():
        if group == key:
            for name, value in parts.items():
                summed[name] = summed.get(name, 0) + value
    return summed


def timeseries_report(*, warehouse: Warehouse, query: ReportQuery, rates: RateBook) -> dict[str, Any]:
    comparison = COMPARISONS[query.compare](query.period) if query.compare else None
    run = ReportRun(warehouse=warehouse, query=query, rates=rates)
    try:
        current, *rest = run.collect_all([(query.period, "current"), *([(comparison, "previous")] if comparison
                                                                       else [])])
        previous = rest[0] if rest else None
        catalog = run.catalog() if query.group_by == "campaign" else None
    finally:
        run.close()

    now = buckets(query.period, query.granularity)
    before = buckets(comparison, query.granularity) if comparison else None
    empty: PeriodResult = PeriodResult(query.period)
    past = previous or empty
    totals = _series(query, now, before, current.totals.get, past.totals.get)
    rows = []
    if query.group_by != "none":
        keys = {key for key, _ in current.cells} | {key for key, _ in past.cells}
        for key in keys:
            group, label = group_of_key(query.group_by, key, catalog)
            rows.append({
                "group": group,
                "label": label,
                "buckets": _series(query, now, before, lambda b, k=key: current.cells.get((k, b)),
                                   lambda b, k=key: past.cells.get((k, b))),
                "_order": values_of({n: v for n, v in _summed(current, key).items() if n in PARTS}, query.metrics),
            })
        rows.sort(key=lambda row: sort_key(query.metrics[0], row["_order"], row["label"]))
        for row in rows:
            del row["_order"]
    return {
        "date_from": query.period.date_from.isoformat(),
        "date_to": query.period.date_to.isoformat(),
        "timezone": query.timezone,
        "currency": query.currency,
        "granularity": query.granularity,
        "group_by": query.group_by,
        "compare": query.compare,
        "attribution_model": query.attribution_model,
        "previous_range": period_range(comparison),
        "buckets": totals,
        "rows": rows,
        "warnings": current.warnings + (previous.warnings if previous else []),
    }
