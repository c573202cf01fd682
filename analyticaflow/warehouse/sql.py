"""SQL as text plus bound parameters, and the identifiers allowed into that text.

Statements are written once with ``{name}`` markers for values; each dialect turns a marker into its own
bound-parameter syntax (DuckDB ``$name``, ClickHouse ``{name:Type}``). Values never enter the SQL text.
Table and column names come from code, never from input, and are checked by :func:`ident`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

IDENT_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
MARKER_RE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def ident(name: str) -> str:
    """A table or column name from code; refuses anything that is not a plain lower-case identifier."""
    if not IDENT_RE.match(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return name


@dataclass(frozen=True, slots=True)
class Sql:
    """One statement: text with ``{name}`` value markers, and the values bound to them."""

    text: str
    params: dict[str, Any] = field(default_factory=dict)

    def markers(self) -> list[str]:
        return MARKER_RE.findall(self.text)


def sql(text: str, **params: Any) -> Sql:
    return Sql(text, params)
