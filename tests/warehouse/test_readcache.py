"""Reads kept while the warehouse is unwritten: the write marks of DuckDB and ``query_unchanged``.

A kept answer is observable only when the data changes behind the warehouse's back; the tests do that through a
second raw DuckDB cursor on the same database (which the product never does) to tell a kept answer from a fresh
one, and then check that every kind of write through the warehouse makes the next read fresh.
"""

from __future__ import annotations

import tempfile
import threading

import pytest

from analyticaflow.warehouse.backends import open_warehouse
from analyticaflow.warehouse.readcache import query_unchanged
from analyticaflow.warehouse.sql import Sql

COUNT = Sql("SELECT count(*) FROM things WHERE kind = {kind}", {"kind": "a"})


@pytest.fixture
def duck():
    directory = tempfile.mkdtemp(prefix="af-wh-cache-")
    warehouse = open_warehouse(f"duckdb:///{directory}/w.duckdb")
    warehouse.execute("CREATE TABLE things (kind VARCHAR, n INTEGER)")
    warehouse.execute("INSERT INTO things VALUES ('a', 1)")
    try:
        yield warehouse
    finally:
        warehouse.close()


def behind_its_back(warehouse, statement: str) -> None:
    """A write the warehouse object does not see (a raw cursor on its database)."""
    warehouse._connection.cursor().execute(statement)


def count(warehouse) -> int:
    return query_unchanged(warehouse, COUNT)[0][0]


def test_an_unwritten_warehouse_answers_a_repeated_read_from_memory(duck):
    assert count(duck) == 1
    behind_its_back(duck, "INSERT INTO things VALUES ('a', 2)")
    assert count(duck) == 1  # kept: the warehouse saw no write
    assert duck.query(COUNT)[0][0] == 2


def test_other_bound_values_are_another_read(duck):
    assert count(duck) == 1
    assert query_unchanged(duck, Sql(COUNT.text, {"kind": "b"}))[0][0] == 0


@pytest.mark.parametrize("write", [
    "INSERT INTO things VALUES ('b', 3)",
    "UPDATE things SET n = 5",
    "DELETE FROM things WHERE n = 99",
    "CREATE TABLE other (x INTEGER)",
    "DROP TABLE IF EXISTS other",
    "ALTER TABLE things ADD COLUMN note VARCHAR",
    "CHECKPOINT",
])
def test_every_write_statement_makes_the_next_read_fresh(duck, write):
    assert count(duck) == 1
    behind_its_back(duck, "INSERT INTO things VALUES ('a', 2)")
    duck.execute(write)
    assert count(duck) == 2


def test_several_statements_in_one_text_count_even_when_the_first_only_reads(duck):
    assert count(duck) == 1
    behind_its_back(duck, "INSERT INTO things VALUES ('a', 2)")
    duck.execute("SELECT 1; UPDATE things SET n = n + 1")
    assert count(duck) == 2


def test_writes_through_query_arrow_count_too(duck):
    assert count(duck) == 1
    behind_its_back(duck, "INSERT INTO things VALUES ('a', 2)")
    duck.query_arrow("WITH n AS (SELECT 7 AS v) INSERT INTO things SELECT 'b', v FROM n")
    assert count(duck) == 2


def test_reads_and_scratch_relations_do_not_count(duck):
    mark = duck.write_mark()
    duck.query("SELECT * FROM things")
    duck.query("WITH x AS (SELECT 1 AS v) SELECT v FROM x")
    duck.query("DESCRIBE things")
    for statement in duck.dialect.materialize("scratch_rows", Sql("SELECT n FROM things")):
        duck.execute(statement)
    for statement in duck.dialect.drop_table("scratch_rows"):
        duck.execute(statement)
    duck.execute('DROP TABLE IF EXISTS temp."never_made"')
    assert duck.write_mark() == mark


def test_dropping_a_table_of_the_database_counts_even_when_named_like_scratch(duck):
    duck.execute("CREATE TABLE kept_rows (x INTEGER)")
    mark = duck.write_mark()
    duck.execute("DROP TABLE IF EXISTS kept_rows")  # not a temporary relation of this process
    assert duck.write_mark() != mark


def test_a_transaction_counts_at_its_commit_and_at_its_rollback(duck):
    with duck.transaction():
        duck.execute("INSERT INTO things VALUES ('a', 2)")
        inside = duck.write_mark()
    assert duck.write_mark() != inside
    before = duck.write_mark()
    with pytest.raises(RuntimeError), duck.transaction():
        duck.execute("INSERT INTO things VALUES ('a', 3)")
        raise RuntimeError("give up")
    assert duck.write_mark() != before
    assert count(duck) == 2


def test_a_read_made_while_another_thread_writes_in_a_transaction_is_not_kept_past_its_commit(duck):
    written, read = threading.Event(), threading.Event()

    def writer() -> None:
        with duck.transaction():
            duck.execute("INSERT INTO things VALUES ('a', 2)")
            written.set()
            read.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    written.wait(10)
    assert count(duck) == 1  # the insert is not committed yet: this thread cannot see it
    read.set()
    thread.join(10)
    assert count(duck) == 2


def test_handles_on_the_same_file_share_their_marks(duck):
    other = open_warehouse(duck.url)
    assert count(duck) == 1
    other.execute("INSERT INTO things VALUES ('a', 2)")
    assert count(duck) == 2


def test_in_memory_databases_have_marks_of_their_own():
    first, second = open_warehouse("duckdb://:memory:"), open_warehouse("duckdb://:memory:")
    try:
        first.execute("CREATE TABLE t (x INTEGER)")
        assert second.write_mark() == 0 and first.write_mark() > 0
    finally:
        first.close()
        second.close()


def test_the_clickhouse_engine_has_no_mark_and_always_queries():
    warehouse = open_warehouse(f"chdb:///{tempfile.mkdtemp(prefix='af-wh-cache-')}/chdb")
    try:
        assert warehouse.write_mark() is None
        warehouse.execute("CREATE TABLE things (kind String, n Int32) ENGINE = MergeTree ORDER BY kind")
        warehouse.execute("INSERT INTO things VALUES ('a', 1)")
        assert count(warehouse) == 1
        warehouse.execute("INSERT INTO things VALUES ('a', 2)")
        assert count(warehouse) == 2
    finally:
        warehouse.close()
