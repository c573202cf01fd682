"""The metric registry: each metric defined once (parts, formula, format, direction), used by every report.

Public interface: METRICS, PARTS, FACTS, GROUPINGS, Metric, Format, metric_named, metric_values, parts_of
(registry); safe_ratio, calculate_romi, calculate_roas, change (formulas).
"""
