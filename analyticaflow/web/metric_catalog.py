"""The metrics as the page shows them: label, format, direction and definition, read from the metric registry."""

from __future__ import annotations

from functools import cache

from analyticaflow.metrics import registry


@cache
def metric_catalog() -> dict[str, dict]:
    """name → {label, format, higher_is_better, description} for every metric the reports API accepts."""
    return {
        name: {"label": metric.label, "format": str(metric.format), "higher_is_better": metric.higher_is_better,
               "description": metric.description}
        for name, metric in registry.METRICS.items()
    }
