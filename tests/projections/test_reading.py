"""The column reader of the SQLite log: the same table as building it from the contract's ``read()``."""

from __future__ import annotations

import sqlite3

import orjson

from analyticaflow.eventlog import sqlite as sqlite_log
from analyticaflow.eventlog.sqlite import SqliteEventLog
from analyticaflow.projections import reading
from analyticaflow.projections.reading import columns_of, read_columns
from tests.projections.streams import at, page, track


def test_chunks_read_in_batches_equal_the_contract_read(tmp_path, monkeypatch):
    log = SqliteEventLog(tmp_path / "events.sqlite3")
    try:
        log.append([page(f"https://shop.test/{i}", anonymous_id="A", timestamp=at(i)) for i in range(7)])
        log.append([track("Signed Up", user_id="ü", anonymous_id=None, timestamp=at(9))])
        monkeypatch.setattr(reading, "READ_BATCH", 3)  # 8 events: batches of 3, 3 and 2
        for after, limit in ((0, 100), (2, 4), (5, 3), (8, 10)):
            table = read_columns(log, after_seq=after, limit=limit)
            assert table.equals(columns_of(log.read(after_seq=after, limit=limit))), (after, limit)
        assert read_columns(log, after_seq=2, limit=4).column("seq").to_pylist() == [3, 4, 5, 6]
        assert read_columns(log, after_seq=8, limit=10).num_rows == 0
    finally:
        log.close()


def test_a_payload_that_is_not_utf8_is_read_with_replacement_characters(tmp_path):
    path = tmp_path / "events.sqlite3"
    SqliteEventLog(path).close()
    bad = b'{"type":"track","event":"caf\xe9"}'
    with sqlite3.connect(path) as connection:
        connection.execute(sqlite_log.INSERT, (1, "m-1", "track", "x", "A", None, 0, 0, bad))
        connection.execute(sqlite_log.INSERT, (1, "m-2", "track", "x", "A", None, 0, 0, orjson.dumps({"a": "é"})))
    log = SqliteEventLog(path)
    try:
        payloads = read_columns(log, after_seq=0, limit=10).column("payload").to_pylist()
    finally:
        log.close()
    assert payloads == ['{"type":"track","event":"caf\ufffd"}', '{"a":"é"}']
