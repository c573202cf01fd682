"""Typed table definitions, independent of any warehouse; the dialects render them into DDL."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from analyticaflow.warehouse.sql import ident


class ColumnType(Enum):
    INT = "int"  # 64-bit signed
    FLOAT = "float"  # 64-bit float
    TEXT = "text"
    TIMESTAMP = "timestamp"  # microseconds, UTC
    DATE = "date"
    FLAG = "flag"  # 0/1
    TEXT_MAP = "text_map"  # map text → text
    DECIMAL = "decimal"  # exact: 18 digits, 6 after the point (money kept to the micro unit, as platforms report it)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: ColumnType
    nullable: bool = False


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A warehouse table.

    ``key`` identifies a row: the ClickHouse sorting key of its ReplacingMergeTree (rows with an equal key
    replace each other by version) and the logical key that DuckDB deletes by before re-inserting.
    ``order`` are leading sort columns for ClickHouse (time-range scans); ``key`` completes them.
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    order: tuple[str, ...] = ()
    partition_by_month: str | None = None  # a DATE column; ClickHouse partitions by its month

    def __post_init__(self) -> None:
        ident(self.name)
        names = [ident(c.name) for c in self.columns]
        for column in (*self.key, *self.order):
            if column not in names:
                raise ValueError(f"{self.name}: unknown key column {column}")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def sort_key(self) -> tuple[str, ...]:
        return (*self.order, *[k for k in self.key if k not in self.order])


def col(name: str, type_: ColumnType, nullable: bool = False) -> Column:
    return Column(name, type_, nullable)


INT, FLOAT, TEXT, TIMESTAMP, DATE, FLAG, TEXT_MAP = (
    ColumnType.INT,
    ColumnType.FLOAT,
    ColumnType.TEXT,
    ColumnType.TIMESTAMP,
    ColumnType.DATE,
    ColumnType.FLAG,
    ColumnType.TEXT_MAP,
)
DECIMAL = ColumnType.DECIMAL
DECIMAL_PRECISION, DECIMAL_SCALE = 18, 6
