"""Small SQL builders shared by the report facts: bound-parameter allocation, value lists, local days."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from analyticaflow.reports.periods import Period
from analyticaflow.warehouse.dialects import Dialect
from analyticaflow.warehouse.sql import MARKER_RE, Sql


class Params:
    """Values of one statement; each ``add`` returns the marker to put in the SQL text."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any, hint: str = "v") -> str:
        name = f"{hint}_{len(self.values)}"
        self.values[name] = value
        return "{" + name + "}"

    def in_list(self, expr: str, values: Iterable[Any], hint: str = "f") -> str:
        markers = [self.add(v, hint) for v in values]
        return f"{expr} IN ({', '.join(markers)})" if markers else "1 = 0"

    def sql(self, text: str) -> Sql:
        return Sql(text, dict(self.values))


def bound(text: str, values: dict[str, Any]) -> Sql:
    """``text`` with exactly the values its markers use."""
    used = set(MARKER_RE.findall(text))
    return Sql(text, {name: value for name, value in values.items() if name in used})


def local_day(dialect: Dialect, expr: str, period: Period, params: Params) -> str:
    """SQL for the project-local calendar day of the UTC timestamp ``expr`` (valid inside the period)."""
    boundaries, offsets = period.offsets()
    if len(offsets) == 1:
        if offsets[0] == 0:
            return dialect.to_date(expr)
        return dialect.to_date(dialect.add_seconds(expr, params.add(offsets[0], "tz")))
    branches = " ".join(f"WHEN {expr} < {params.add(b, 'tzb')} THEN {params.add(o, 'tz')}"
                        for b, o in zip(boundaries, offsets, strict=False))
    case = f"CASE {branches} ELSE {params.add(offsets[-1], 'tz')} END"
    return dialect.to_date(dialect.add_seconds(expr, case))


CLICK_CASE = ("CASE WHEN t.gclid IS NOT NULL THEN 'gclid' WHEN t.fbclid IS NOT NULL THEN 'fbclid' "
              "WHEN t.yclid IS NOT NULL THEN 'yclid' WHEN t.twclid IS NOT NULL THEN 'twclid' ELSE '' END")


def touch_columns(alias: str = "t") -> str:
    """A touchpoint's combination columns (see ``touches.TouchCombo``), '' for none."""
    return (f"coalesce({alias}.source, '') AS t_source, coalesce({alias}.medium, '') AS t_medium, "
            f"coalesce({alias}.campaign, '') AS t_campaign, {alias}.channel AS t_channel, "
            f"{CLICK_CASE.replace('t.', alias + '.')} AS t_click")
