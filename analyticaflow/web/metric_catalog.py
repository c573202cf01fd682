"""The metrics as the page shows them: label, format and direction, read from the metric registry."""

from __future__ import annotations

from functools import cache

# Until the registry lands: the names, formats and directions of the metric definitions.
_PROVISIONAL = {
    "spend": ("Spend", "money", False), "impressions": ("Impressions", "count", True),
    "clicks": ("Clicks", "count", True), "ctr": ("CTR", "percent", True), "cpc": ("CPC", "money", False),
    "cpm": ("CPM", "money", False), "sessions": ("Sessions", "count", True), "users": ("Users", "count", True),
    "orders": ("Orders", "count", True), "revenue": ("Revenue", "money", True), "aov": ("AOV", "money", True),
    "new_customers": ("New customers", "count", True), "cac": ("CAC", "money", False),
    "cpa": ("CPA", "money", False), "roas": ("ROAS", "ratio", True), "romi": ("ROMI", "percent", True),
}


@cache
def metric_catalog() -> dict[str, dict]:
    """name → {label, format, higher_is_better, description} for every metric the reports API accepts."""
    return {name: {"label": label, "format": fmt, "higher_is_better": better, "description": ""}
            for name, (label, fmt, better) in _PROVISIONAL.items()}
