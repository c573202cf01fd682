"""Declarative streams: what a connector produces, declared once (name, key, cursor, normalized schema)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import get_type_hints

from analyticaflow.connectors.rows import AdSpendRow, SocialRow

_TYPE_NAMES = {str: "string", int: "integer", Decimal: "decimal", date: "date"}


@dataclass(frozen=True)
class Stream:
    """One kind of record a platform yields.

    ``name`` is the platform's resource (``insights``, ``campaign_stats``...); ``table`` the warehouse table the
    rows go to; ``primary_key`` identifies a row for idempotent upserts; ``cursor_field`` is what incremental
    syncs advance on (and what the restatement window re-pulls).
    """

    name: str
    table: str
    row_type: type
    primary_key: tuple[str, ...]
    cursor_field: str = "date"

    def schema(self) -> dict[str, dict[str, object]]:
        """Column → {type, nullable}, derived from the row type."""
        hints = get_type_hints(self.row_type)
        schema: dict[str, dict[str, object]] = {}
        for item in fields(self.row_type):
            hint = hints[item.name]
            members = getattr(hint, "__args__", (hint,))
            base = next(member for member in members if member is not type(None))
            schema[item.name] = {"type": _TYPE_NAMES[base], "nullable": type(None) in members}
        return schema


AD_SPEND_KEY = ("source", "account_id", "campaign_id", "adset_id", "ad_id", "date")
SOCIAL_KEY = ("source", "account_id", "post_id", "date")


def ad_spend_stream(name: str) -> Stream:
    return Stream(name=name, table="ad_spend_daily", row_type=AdSpendRow, primary_key=AD_SPEND_KEY)


def social_stream(name: str) -> Stream:
    return Stream(name=name, table="social_daily", row_type=SocialRow, primary_key=SOCIAL_KEY)
