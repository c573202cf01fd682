"""The warehouse interface on DuckDB and the ClickHouse engine (chdb): bound values, DDL, write semantics."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
from datetime import date, datetime
from decimal import Decimal

import pytest

from analyticaflow.warehouse.backends import (
    WarehouseBusy,
    WarehouseError,
    arrow_table,
    open_warehouse,
)
from analyticaflow.warehouse.dialects import DIALECTS
from analyticaflow.warehouse.schema import DATE, DECIMAL, FLOAT, INT, TEXT, TEXT_MAP, TIMESTAMP, TableSpec, col
from analyticaflow.warehouse.sql import Sql, ident

ITEMS = TableSpec(
    "items",
    (
        col("project_id", INT),
        col("item_id", TEXT),
        col("price", FLOAT, True),
        col("seen_at", TIMESTAMP),
        col("day", DATE),
        col("tags", TEXT_MAP),
    ),
    key=("project_id", "item_id"),
)
SCOPE = TableSpec("scope", (col("project_id", INT),), key=("project_id",))


@pytest.fixture(params=["duckdb", "chdb"])
def warehouse(request):
    directory = tempfile.mkdtemp(prefix="af-wh-")
    url = f"duckdb:///{directory}/w.duckdb" if request.param == "duckdb" else f"chdb:///{directory}/chdb"
    opened = open_warehouse(url)
    for statement in opened.dialect.create_table(ITEMS, "items"):
        opened.execute(statement)
    try:
        yield opened
    finally:
        opened.close()
        shutil.rmtree(directory, ignore_errors=True)


def rows(warehouse, sql="SELECT project_id, item_id, price FROM {table} ORDER BY project_id, item_id"):
    return warehouse.query(sql.format(table=warehouse.dialect.read("items")))


def stage_items(warehouse, name, values):
    columns = {c: [v[i] for v in values] for i, c in enumerate(ITEMS.column_names)}
    warehouse.stage(name, ITEMS, arrow_table(ITEMS, columns))


T = datetime(2026, 1, 2, 3, 4, 5, 678901)


def item(project_id, item_id, price, tags=None):
    return (project_id, item_id, price, T, date(2026, 1, 2), sorted((tags or {}).items()))


def test_values_are_bound_never_spliced_into_the_sql(warehouse):
    hostile = "x'); DROP TABLE items; --\\ \t\n ü {curly}"
    stage_items(warehouse, "stage_items", [item(1, hostile, 2.5, {"k": "v'\""})])
    for statement in warehouse.dialect.append(ITEMS, "items", "stage_items", version=1):
        warehouse.execute(statement)
    found = warehouse.query(
        Sql(
            f"SELECT item_id, price, seen_at, day, tags FROM {warehouse.dialect.read('items')} "
            "WHERE item_id = {wanted} AND day = {day} AND seen_at = {at} AND price > {low}",
            {"wanted": hostile, "day": date(2026, 1, 2), "at": T, "low": 1.0},
        )
    )
    assert found == [(hostile, 2.5, T, date(2026, 1, 2), {"k": "v'\""})]


def test_a_marker_without_a_value_is_refused():
    with pytest.raises(ValueError, match="no value bound"):
        DIALECTS["duckdb"].render(Sql("SELECT {missing}"))
    with pytest.raises(ValueError, match="plain identifier"):
        ident("items; DROP TABLE x")


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("duckdb", ("SELECT $a, $b", {"a": 1, "b": "x"})),
        ("clickhouse", ("SELECT {a:Int64}, {b:String}", {"a": 1, "b": "x"})),
    ],
)
def test_markers_become_each_dialects_parameters(dialect, expected):
    assert DIALECTS[dialect].render(Sql("SELECT {a}, {b}", {"a": 1, "b": "x"})) == expected


def test_upsert_replaces_by_key_and_insert_missing_keeps_the_first(warehouse):
    stage_items(warehouse, "stage_items", [item(1, "a", 1.0), item(1, "b", 2.0)])
    for statement in warehouse.dialect.upsert(ITEMS, "items", "stage_items", version=1):
        warehouse.execute(statement)
    stage_items(warehouse, "stage_items", [item(1, "a", 10.0), item(2, "a", None)])
    for statement in warehouse.dialect.upsert(ITEMS, "items", "stage_items", version=2):
        warehouse.execute(statement)
    assert rows(warehouse) == [(1, "a", 10.0), (1, "b", 2.0), (2, "a", None)]
    stage_items(warehouse, "stage_items", [item(1, "b", 99.0), item(1, "c", 3.0)])
    for statement in warehouse.dialect.insert_missing(ITEMS, "items", "stage_items", version=3):
        warehouse.execute(statement)
    assert rows(warehouse) == [(1, "a", 10.0), (1, "b", 2.0), (1, "c", 3.0), (2, "a", None)]


def test_replace_scope_makes_the_scoped_rows_exactly_the_new_ones(warehouse):
    stage_items(warehouse, "stage_items", [item(1, "a", 1.0), item(1, "b", 2.0), item(2, "z", 9.0)])
    for statement in warehouse.dialect.append(ITEMS, "items", "stage_items", version=1):
        warehouse.execute(statement)
    stage_items(warehouse, "stage_new", [item(1, "b", 20.0), item(1, "c", 30.0)])
    warehouse.stage("stage_scope", SCOPE, arrow_table(SCOPE, {"project_id": [1]}))
    for statement in warehouse.dialect.replace_scope(
        ITEMS, "items", new_rows="stage_new", scope="stage_scope", scope_columns=("project_id",), version=2
    ):
        warehouse.execute(statement)
    assert rows(warehouse) == [(1, "b", 20.0), (1, "c", 30.0), (2, "z", 9.0)]


AMOUNTS = TableSpec("amounts", (col("amount_id", INT), col("amount", DECIMAL, True)), key=("amount_id",))


@pytest.mark.parametrize(("given", "stored"), [
    (Decimal("12.345678"), Decimal("12.345678")),
    ("0.1", Decimal("0.100000")),
    (0.1, Decimal("0.100000")),  # a float by its shortest text, not its binary expansion
    (7, Decimal("7.000000")),
    (Decimal("2.0000005"), Decimal("2.000000")),  # past the micro unit: rounded half to even
    (Decimal("-999999999999.999999"), Decimal("-999999999999.999999")),
    (None, None),
])
def test_the_arrow_builder_writes_decimal_money_exactly(warehouse, given, stored):
    for statement in warehouse.dialect.create_table(AMOUNTS, "amounts"):
        warehouse.execute(statement)
    warehouse.stage("stage_amounts", AMOUNTS, arrow_table(AMOUNTS, {"amount_id": [1], "amount": [given]}))
    for statement in warehouse.dialect.upsert(AMOUNTS, "amounts", "stage_amounts", version=1):
        warehouse.execute(statement)
    warehouse.drop_stage("stage_amounts")
    assert warehouse.query(f"SELECT amount FROM {warehouse.dialect.read('amounts')}") == [(stored,)]


def test_unknown_schemes_and_bad_urls_are_clear_errors():
    with pytest.raises(WarehouseError, match="unknown warehouse URL scheme 'postgres'"):
        open_warehouse("postgres://x")
    with pytest.raises(WarehouseError, match="chdb:// needs a directory"):
        open_warehouse("chdb://")


def test_duckdb_readers_in_other_threads_see_committed_rows_while_a_writer_works(tmp_path):
    warehouse = open_warehouse(f"duckdb:///{tmp_path}/w.duckdb")
    try:
        for statement in warehouse.dialect.create_table(ITEMS, "items"):
            warehouse.execute(statement)
        seen, errors = [], []
        started = threading.Event()

        def reader():
            started.wait()
            try:
                for _ in range(50):
                    seen.append(warehouse.query("SELECT count(*) FROM items")[0][0])
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=reader) for _ in range(3)]
        for thread in threads:
            thread.start()
        started.set()
        for batch in range(20):
            with warehouse.transaction():
                stage_items(warehouse, "stage_items", [item(1, f"{batch}-{i}", 1.0) for i in range(10)])
                for statement in warehouse.dialect.append(ITEMS, "items", "stage_items", version=1):
                    warehouse.execute(statement)
        for thread in threads:
            thread.join()
        assert errors == []
        assert all(count % 10 == 0 for count in seen)  # never half a transaction
        assert warehouse.query("SELECT count(*) FROM items")[0][0] == 200
    finally:
        warehouse.close()


def test_a_second_process_cannot_open_the_duckdb_file_and_is_told_why(tmp_path):
    warehouse = open_warehouse(f"duckdb:///{tmp_path}/w.duckdb")
    try:
        code = (
            "from analyticaflow.warehouse.backends import open_warehouse, WarehouseBusy\n"
            f"try:\n    open_warehouse('duckdb:///{tmp_path}/w.duckdb')\n"
            "except WarehouseBusy as exc:\n    print('busy:', exc)\n"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert "busy: the warehouse file" in result.stdout, result.stderr
    finally:
        warehouse.close()
    assert WarehouseBusy.__mro__[1] is WarehouseError
