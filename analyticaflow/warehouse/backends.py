"""Warehouse backends behind one small interface, chosen by URL scheme.

``ANALYTICAFLOW_WAREHOUSE_URL``:

- ``duckdb:///<path>`` (default ``duckdb:///<DATA_DIR>/warehouse.duckdb``; ``duckdb://:memory:`` for a
  throwaway one). Query options become DuckDB settings (``?memory_limit=2GB&threads=2``). DuckDB lets only
  one process open the file read-write: the process keeps one connection and gives each thread its own
  cursor, so web threads read while the projector writes (MVCC).
- ``clickhouse://user:pass@host:8123/db`` (``clickhouses://`` for TLS): a ClickHouse server through
  clickhouse-connect.
- ``chdb:///<path>``: the ClickHouse engine in-process (tests, single node). One session per process.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

import pyarrow as pa

from analyticaflow.warehouse.dialects import DIALECTS, Dialect, clickhouse_text
from analyticaflow.warehouse.schema import DECIMAL_PRECISION, DECIMAL_SCALE, ColumnType, TableSpec
from analyticaflow.warehouse.sql import Sql, ident

ARROW_TYPES = {
    ColumnType.INT: pa.int64(),
    ColumnType.FLOAT: pa.float64(),
    ColumnType.TEXT: pa.string(),
    ColumnType.TIMESTAMP: pa.timestamp("us"),
    ColumnType.DATE: pa.date32(),
    ColumnType.FLAG: pa.uint8(),
    ColumnType.TEXT_MAP: pa.map_(pa.string(), pa.string()),
    ColumnType.DECIMAL: pa.decimal128(DECIMAL_PRECISION, DECIMAL_SCALE),
}
_MICRO = Decimal(1).scaleb(-DECIMAL_SCALE)


class WarehouseError(Exception):
    """The warehouse cannot be opened or used as configured."""


class WarehouseBusy(WarehouseError):
    """Another process holds the embedded warehouse file (the running server, usually)."""


def arrow_schema(spec: TableSpec) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable) for c in spec.columns])


def arrow_table(spec: TableSpec, columns: dict[str, Sequence[Any]]) -> pa.Table:
    """Columns of Python values → an Arrow table typed by the spec (the bulk insert format of both backends)."""
    schema = arrow_schema(spec)
    return pa.Table.from_arrays(
        [pa.array(_exact(columns[f.name]) if pa.types.is_decimal(f.type) else columns[f.name], type=f.type,
                  from_pandas=False) for f in schema], schema=schema
    )


def _exact(values: Sequence[Any]) -> list[Decimal | None]:
    """Money as exact decimals at the column's scale (ints, floats via their shortest text, strings)."""
    return [None if v is None else (v if isinstance(v, Decimal) else Decimal(str(v))).quantize(
        _MICRO, rounding=ROUND_HALF_EVEN) for v in values]


def rows_of(table: pa.Table) -> list[tuple]:
    """Arrow result → row tuples with one representation on every backend: naive UTC datetimes, dict maps."""
    columns = []
    for field, column in zip(table.schema, table.columns, strict=True):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            column = column.cast(pa.timestamp(field.type.unit))
        values = column.to_pylist()
        if pa.types.is_map(field.type):
            values = [None if v is None else dict(v) for v in values]
        columns.append(values)
    return list(zip(*columns, strict=True)) if columns else []


class Warehouse(Protocol):
    url: str
    dialect: Dialect

    def execute(self, statement: Sql | str) -> None: ...

    def query(self, statement: Sql | str) -> list[tuple]: ...

    def query_arrow(self, statement: Sql | str) -> pa.Table: ...

    def stage(self, name: str, spec: TableSpec, data: pa.Table) -> None:
        """A scratch relation ``name`` holding ``data`` for the following statements of this thread."""
        ...

    def drop_stage(self, name: str) -> None: ...

    def write_mark(self) -> int | None:
        """A number that changes whenever data may have changed (None: unknown, e.g. other processes write)."""
        ...

    def transaction(self) -> Any:
        """Context manager: DuckDB BEGIN/COMMIT on this thread's cursor; a no-op on ClickHouse."""
        ...

    def close(self) -> None: ...


def _as_sql(statement: Sql | str) -> Sql:
    return statement if isinstance(statement, Sql) else Sql(statement)


_READING = re.compile(r"\s*(?:SELECT|FROM|DESCRIBE|EXPLAIN|SHOW|SUMMARIZE)\b", re.IGNORECASE)
_WITH_WRITE = re.compile(r"\s*WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b", re.IGNORECASE | re.DOTALL)
_WITH = re.compile(r"\s*WITH\b", re.IGNORECASE)
_NAME = r'("(?:[^"]|"")+"|\w+)'
_CREATE_TEMP = re.compile(r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?TEMP(?:ORARY)?\s+(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?"
                          + _NAME, re.IGNORECASE)
_DROP = re.compile(r"\s*DROP\s+(?:TABLE|VIEW)\s+IF\s+EXISTS\s+(temp\.)?" + _NAME + r"\s*;?\s*$", re.IGNORECASE)


class WriteMarks:
    """Counts the writes made to one DuckDB database by this process, which is the only one that can write it
    (DuckDB locks the file): while the count stands still, nothing in the database changed, so what a reader
    derived from it still holds. Shared by every handle on the same file in the process.

    A statement counts unless it only reads or only touches this process's temporary relations (scratch tables
    of a report); a count is taken *after* each write statement and each commit or rollback, so a reader that
    took the mark before its query never keeps an answer that misses a write the mark says it has seen."""

    _by_database: dict[str, WriteMarks] = {}
    _guard = threading.Lock()

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()
        self._temporary: set[str] = set()

    @classmethod
    def of(cls, database: str) -> WriteMarks:
        if database == ":memory:":  # every in-memory connection is a database of its own
            return cls()
        with cls._guard:
            return cls._by_database.setdefault(str(Path(database).resolve()), cls())

    @property
    def value(self) -> int:
        return self._count

    def bump(self) -> None:
        with self._lock:
            self._count += 1

    def writes(self, text: str) -> bool:
        """Whether ``text`` may change data others read (and, for scratch relations, note their names)."""
        if ";" in text.strip().rstrip(";"):  # several statements (or a literal semicolon): count it
            return True
        if _READING.match(text) or (_WITH.match(text) and not _WITH_WRITE.match(text)):
            return False
        created = _CREATE_TEMP.match(text)
        if created:
            with self._lock:
                self._temporary.add(created.group(1).strip('"'))
            return False
        dropped = _DROP.match(text)
        if dropped:
            name = dropped.group(2).strip('"')
            with self._lock:
                if dropped.group(1) or name in self._temporary:
                    self._temporary.discard(name)
                    return False
        return True


class DuckDBWarehouse:
    dialect = DIALECTS["duckdb"]

    def __init__(self, url: str, path: str, config: dict[str, str]) -> None:
        import duckdb

        self.url = url
        self.path = path
        try:
            self._connection = duckdb.connect(path, config=config)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WarehouseBusy(f"the warehouse file {path} is open in another process: {exc}") from exc
            raise WarehouseError(str(exc)) from exc
        self._local = threading.local()
        self._closed = False
        self._marks = WriteMarks.of(path)

    def write_mark(self) -> int | None:
        return self._marks.value

    def _cursor(self):
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._connection.cursor()
            self._local.cursor = cursor
            self._local.registered = set()
            self._local.in_transaction = False
        return cursor

    def execute(self, statement: Sql | str) -> None:
        text, params = self.dialect.render(_as_sql(statement))
        writes = self._marks.writes(text)
        try:
            self._cursor().execute(text, params or None)
        finally:
            if writes:
                self._marks.bump()

    def query_arrow(self, statement: Sql | str) -> pa.Table:
        text, params = self.dialect.render(_as_sql(statement))
        writes = self._marks.writes(text)
        try:
            return self._cursor().sql(text, params=params or None).to_arrow_table()
        finally:
            if writes:
                self._marks.bump()

    def query(self, statement: Sql | str) -> list[tuple]:
        return rows_of(self.query_arrow(statement))

    def stage(self, name: str, spec: TableSpec, data: pa.Table) -> None:
        cursor = self._cursor()
        self.drop_stage(name)
        cursor.register(ident(name), data)
        self._local.registered.add(name)

    def drop_stage(self, name: str) -> None:
        cursor = self._cursor()
        if name in self._local.registered:
            cursor.unregister(name)
            self._local.registered.discard(name)
        else:
            cursor.execute(f"DROP TABLE IF EXISTS temp.{ident(name)}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        cursor = self._cursor()
        if self._local.in_transaction:
            yield
            return
        cursor.begin()
        self._local.in_transaction = True
        try:
            yield
        except BaseException:
            cursor.rollback()
            raise
        else:
            cursor.commit()
        finally:
            self._local.in_transaction = False
            self._marks.bump()

    def checkpoint(self) -> None:
        self._cursor().execute("CHECKPOINT")

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._connection.close()


class _ClickHouseBase:
    dialect = DIALECTS["clickhouse"]

    def write_mark(self) -> int | None:
        return None  # other processes write the same tables: no change goes unseen only by asking the server

    def query(self, statement: Sql | str) -> list[tuple]:
        return rows_of(self.query_arrow(statement))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        # ClickHouse has no multi-statement transactions; writes are versioned and idempotent instead.
        yield

    def _stage_columns(self, spec: TableSpec) -> str:
        return ", ".join(f"{ident(c.name)} {self.dialect.column_type(c)}" for c in spec.columns)


class ChdbWarehouse(_ClickHouseBase):
    """The real ClickHouse engine in this process (``chdb``); one session, serialized by a lock."""

    DATABASE = "analyticaflow"

    def __init__(self, url: str, path: str) -> None:
        from chdb import session

        self.url = url
        self.path = path
        self._lock = threading.RLock()
        self._session = session.Session(path)
        self._session.query(f"CREATE DATABASE IF NOT EXISTS {self.DATABASE} ENGINE = Atomic")
        self._session.query(f"USE {self.DATABASE}")
        # Standard SQL outer joins: unmatched columns are NULL, not the type's default value.
        self._session.query("SET join_use_nulls = 1")

    def _run(self, statement: Sql | str, fmt: str) -> Any:
        text, params = self.dialect.render(_as_sql(statement))
        bound = {name: clickhouse_text(value) for name, value in params.items()}
        with self._lock:
            return self._session.query(text, fmt, params=bound or None)

    def execute(self, statement: Sql | str) -> None:
        self._run(statement, "CSV")

    def query_arrow(self, statement: Sql | str) -> pa.Table:
        return self._run(statement, "ArrowTable")

    def stage(self, name: str, spec: TableSpec, data: pa.Table) -> None:
        staged = data  # read by name by the engine's Python() table function
        with self._lock:
            self._session.query(f"DROP TABLE IF EXISTS {ident(name)}")
            self._session.query(f"CREATE TABLE {ident(name)} ({self._stage_columns(spec)}) ENGINE = Memory")
            if staged.num_rows:
                self._session.query(f"INSERT INTO {ident(name)} SELECT * FROM Python(staged)")

    def drop_stage(self, name: str) -> None:
        self.execute(f"DROP TABLE IF EXISTS {ident(name)}")

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None


class ClickHouseWarehouse(_ClickHouseBase):
    """A ClickHouse server through clickhouse-connect (HTTP); one client per thread."""

    def __init__(self, url: str, options: dict[str, Any]) -> None:
        import clickhouse_connect

        self.url = url
        self._options = options
        self._local = threading.local()
        self._connect = clickhouse_connect.get_client
        self._client()  # fail early on a bad address or credentials

    def _client(self):
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._connect(**self._options)
            self._local.client = client
        return client

    def execute(self, statement: Sql | str) -> None:
        text, params = self.dialect.render(_as_sql(statement))
        self._client().command(text, parameters=params or None)

    def query_arrow(self, statement: Sql | str) -> pa.Table:
        text, params = self.dialect.render(_as_sql(statement))
        return self._client().query_arrow(text, parameters=params or None)

    def stage(self, name: str, spec: TableSpec, data: pa.Table) -> None:
        client = self._client()
        client.command(f"DROP TABLE IF EXISTS {ident(name)}")
        client.command(f"CREATE TABLE {ident(name)} ({self._stage_columns(spec)}) ENGINE = Memory")
        if data.num_rows:
            client.insert_arrow(ident(name), data)

    def drop_stage(self, name: str) -> None:
        self.execute(f"DROP TABLE IF EXISTS {ident(name)}")

    def close(self) -> None:
        client = getattr(self._local, "client", None)
        if client is not None:
            client.close()


def _open_duckdb(url: str) -> Warehouse:
    parts = urlsplit(url)
    path = unquote(parts.netloc + parts.path)
    if path in {"", "/", ":memory:", "/:memory:"}:
        path = ":memory:"
    else:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    config = dict(parse_qsl(parts.query))
    return DuckDBWarehouse(url, path, config)


def _open_chdb(url: str) -> Warehouse:
    parts = urlsplit(url)
    path = unquote(parts.netloc + parts.path)
    if not path or path == "/":
        raise WarehouseError("chdb:// needs a directory path, e.g. chdb:///var/lib/analyticaflow/chdb")
    Path(path).mkdir(parents=True, exist_ok=True)
    return ChdbWarehouse(url, path)


def _open_clickhouse(url: str) -> Warehouse:
    parts = urlsplit(url)
    options: dict[str, Any] = {
        "host": parts.hostname or "localhost",
        "port": parts.port or (8443 if parts.scheme == "clickhouses" else 8123),
        "username": unquote(parts.username or "default"),
        "password": unquote(parts.password or ""),
        "database": parts.path.lstrip("/") or "default",
        "secure": parts.scheme == "clickhouses",
        "autogenerate_session_id": False,
        "settings": {"join_use_nulls": 1},
    }
    options.update(dict(parse_qsl(parts.query)))
    return ClickHouseWarehouse(url, options)


WAREHOUSE_SCHEMES: dict[str, Callable[[str], Warehouse]] = {
    "duckdb": _open_duckdb,
    "chdb": _open_chdb,
    "clickhouse": _open_clickhouse,
    "clickhouses": _open_clickhouse,
}


def open_warehouse(url: str) -> Warehouse:
    scheme = urlsplit(url).scheme
    opener = WAREHOUSE_SCHEMES.get(scheme)
    if opener is None:
        raise WarehouseError(f"unknown warehouse URL scheme {scheme!r}; known: {', '.join(sorted(WAREHOUSE_SCHEMES))}")
    return opener(url)


_shared: Warehouse | None = None
_shared_lock = threading.Lock()


def get_warehouse() -> Warehouse:
    """The process-wide warehouse for ``settings.ANALYTICAFLOW_WAREHOUSE_URL`` (opened on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            from django.conf import settings

            _shared = open_warehouse(settings.ANALYTICAFLOW_WAREHOUSE_URL)
        return _shared


def close_warehouse() -> None:
    global _shared
    with _shared_lock:
        if _shared is not None:
            _shared.close()
            _shared = None
