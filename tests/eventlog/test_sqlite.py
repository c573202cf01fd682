"""SQLite backend specifics: durability across kill -9, concurrency, group commit, immutability, readers."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analyticaflow.eventlog.contracts import AppendResult, EventLogUnavailable
from analyticaflow.eventlog.sqlite import SqliteEventLog
from tests.eventlog.conftest import record

# A child process that appends from 4 threads forever and prints each message id once append() returned.
APPENDING_CHILD = textwrap.dedent(
    """
    import sys, threading
    from datetime import UTC, datetime
    from analyticaflow.eventlog.contracts import EventRecord
    from analyticaflow.eventlog.sqlite import SqliteEventLog

    log = SqliteEventLog(sys.argv[1])
    now = datetime.now(UTC)
    print_lock = threading.Lock()

    def produce(worker):
        for n in range(10**9):
            ids = [f"w{worker}-{n}-{k}" for k in range(5)]
            log.append([EventRecord(project_id=1, message_id=i, type="track", name="Tick", anonymous_id="a",
                                    user_id=None, timestamp=now, received_at=now, payload=i.encode())
                        for i in ids])
            with print_lock:
                sys.stdout.write("\\n".join(ids) + "\\n")
                sys.stdout.flush()

    for worker in range(4):
        threading.Thread(target=produce, args=(worker,), daemon=True).start()
    threading.Event().wait()
    """
)


def test_every_append_acknowledged_before_kill_9_is_there_after_reopening(tmp_path):
    path = tmp_path / "events.sqlite3"
    child = subprocess.Popen(
        [sys.executable, "-c", APPENDING_CHILD, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
    )
    acknowledged: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while len(acknowledged) < 3000 and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            acknowledged.append(line.strip())
    finally:
        child.send_signal(signal.SIGKILL)  # mid-append: the child never stops on its own
        child.wait(timeout=10)
        child.stdout.close()
    assert len(acknowledged) >= 3000, "the child did not get far enough before the deadline"

    reopened = SqliteEventLog(path)
    try:
        stored = {s.record.message_id for s in reopened.read(after_seq=0, limit=10**6)}
        assert set(acknowledged) <= stored
        (integrity,) = reopened.reader_connection().execute("PRAGMA integrity_check").fetchone()
        assert integrity == "ok"
        # The log continues after the crash.
        assert reopened.append([record("after-restart")]) == AppendResult(stored=1, duplicates=0)
        assert reopened.read(after_seq=0, limit=10**6)[-1].seq == len(stored) + 1
    finally:
        reopened.close()


def test_concurrent_single_event_appends_store_exactly_all_without_gaps(sqlite_log):
    threads_count, appends_each = 8, 60
    start = threading.Barrier(threads_count)

    def producer(worker: int) -> None:
        start.wait()
        for n in range(appends_each):
            assert sqlite_log.append([record(f"w{worker}-{n}")]) == AppendResult(stored=1, duplicates=0)

    threads = [threading.Thread(target=producer, args=(worker,)) for worker in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    events = sqlite_log.read(after_seq=0, limit=10_000)
    assert [stored.seq for stored in events] == list(range(1, threads_count * appends_each + 1))
    for worker in range(threads_count):  # each producer's events keep its call order
        own = [s.record.message_id for s in events if s.record.message_id.startswith(f"w{worker}-")]
        assert own == [f"w{worker}-{n}" for n in range(appends_each)]


def hold_write_lock(path) -> sqlite3.Connection:
    """Take the file's write lock from another connection, as another process would."""
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    return blocker


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def start_appends(log, calls) -> tuple[list[threading.Thread], dict]:
    outcomes: dict = {}

    def call(key, records) -> None:
        try:
            outcomes[key] = log.append(records)
        except Exception as exc:  # recorded for the assertions
            outcomes[key] = exc

    threads = [threading.Thread(target=call, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    return threads, outcomes


def test_appends_waiting_together_are_committed_in_one_transaction(sqlite_log):
    blocker = hold_write_lock(sqlite_log.path)
    first, first_outcome = start_appends(sqlite_log, {"first": [record("first")]})
    wait_until(lambda: sqlite_log.queued_calls == 0)  # the writer holds "first" and waits for the lock
    before = sqlite_log.groups_committed
    calls = {f"c{n}": [record(f"c{n}-a"), record(f"c{n}-b")] for n in range(10)}
    others, outcomes = start_appends(sqlite_log, calls)
    wait_until(lambda: sqlite_log.queued_calls == 10)

    blocker.rollback()
    blocker.close()
    for thread in first + others:
        thread.join()

    assert first_outcome == {"first": AppendResult(stored=1, duplicates=0)}
    assert outcomes == {key: AppendResult(stored=2, duplicates=0) for key in calls}
    assert sqlite_log.groups_committed - before == 2  # "first" alone, then the ten calls together
    assert len(sqlite_log.read(after_seq=0, limit=100)) == 21


def test_a_group_dedupes_between_its_calls(sqlite_log):
    blocker = hold_write_lock(sqlite_log.path)
    first, _ = start_appends(sqlite_log, {"first": [record("first")]})
    wait_until(lambda: sqlite_log.queued_calls == 0)
    threads, outcomes = start_appends(sqlite_log, {n: [record("same"), record(f"own-{n}")] for n in range(3)})
    wait_until(lambda: sqlite_log.queued_calls == 3)

    blocker.rollback()
    blocker.close()
    for thread in first + threads:
        thread.join()

    assert sorted(outcomes.values(), key=lambda result: result.stored) == [
        AppendResult(stored=1, duplicates=1),
        AppendResult(stored=1, duplicates=1),
        AppendResult(stored=2, duplicates=0),
    ]
    stored = [s.record.message_id for s in sqlite_log.read(after_seq=0, limit=100)]
    assert sorted(stored) == ["first", "own-0", "own-1", "own-2", "same"]


def test_a_failing_call_in_a_group_stores_nothing_and_does_not_sink_the_others(sqlite_log):
    with sqlite3.connect(sqlite_log.path) as admin:  # stands in for any error SQLite raises mid-insert
        admin.execute(
            "CREATE TRIGGER reject_poison BEFORE INSERT ON events WHEN NEW.message_id = 'poison'"
            " BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
        )
    blocker = hold_write_lock(sqlite_log.path)
    first, _ = start_appends(sqlite_log, {"first": [record("first")]})
    wait_until(lambda: sqlite_log.queued_calls == 0)
    calls = {
        "ok-1": [record("ok-1")],
        "bad": [record("bad-but-valid"), record("poison")],
        "ok-2": [record("ok-2a"), record("ok-2b")],
    }
    threads, outcomes = start_appends(sqlite_log, calls)
    wait_until(lambda: sqlite_log.queued_calls == 3)

    blocker.rollback()
    blocker.close()
    for thread in first + threads:
        thread.join()

    assert isinstance(outcomes["bad"], EventLogUnavailable) and "poisoned" in str(outcomes["bad"])
    assert outcomes["ok-1"] == AppendResult(stored=1, duplicates=0)
    assert outcomes["ok-2"] == AppendResult(stored=2, duplicates=0)
    stored = sorted(s.record.message_id for s in sqlite_log.read(after_seq=0, limit=100))
    assert stored == ["first", "ok-1", "ok-2a", "ok-2b"]


def test_readers_are_not_blocked_while_another_writer_holds_the_lock(sqlite_log):
    sqlite_log.append([record("committed")])
    blocker = hold_write_lock(sqlite_log.path)
    blocker.execute(
        "INSERT INTO events (project_id, message_id, type, timestamp_us, received_at_us, payload)"
        " VALUES (1, 'uncommitted', 'track', 0, 0, x'')"
    )
    try:
        started = time.monotonic()
        assert [s.record.message_id for s in sqlite_log.read(after_seq=0, limit=10)] == ["committed"]
        assert sqlite_log.last_seq() == 1
        assert time.monotonic() - started < 1.0
    finally:
        blocker.rollback()
        blocker.close()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE events SET payload = x'00'", "DELETE FROM events", "UPDATE events SET message_id = 'other'"],
)
def test_stored_events_cannot_be_changed_or_deleted(sqlite_log, statement):
    sqlite_log.append([record("kept", payload=b'{"v":1}')])
    with sqlite3.connect(sqlite_log.path) as connection, pytest.raises(sqlite3.IntegrityError, match="events are"):
        connection.execute(statement)

    assert [(s.record.message_id, s.record.payload) for s in sqlite_log.read(after_seq=0, limit=5)] == [
        ("kept", b'{"v":1}')
    ]


def test_a_reopened_log_keeps_its_events_dedupe_and_sequence(tmp_path):
    first = SqliteEventLog(tmp_path / "events.sqlite3")
    first.append([record("a"), record("b")])
    first.close()

    second = SqliteEventLog(tmp_path / "events.sqlite3")
    try:
        assert second.last_seq() == 2
        assert second.append([record("b"), record("c")]) == AppendResult(stored=1, duplicates=1)
        assert [(s.seq, s.record.message_id) for s in second.read(after_seq=0, limit=5)] == [
            (1, "a"),
            (2, "b"),
            (3, "c"),
        ]
    finally:
        second.close()


def test_wait_for_new_sees_appends_made_through_another_connection(sqlite_log, tmp_path):
    other = SqliteEventLog(sqlite_log.path)  # as another process would
    try:
        timer = threading.Timer(0.2, lambda: other.append([record("elsewhere")]))
        timer.start()
        started = time.monotonic()
        assert sqlite_log.wait_for_new(after_seq=0, timeout=10) is True
        assert time.monotonic() - started < 2.0
        timer.join()
    finally:
        other.close()


def test_the_file_runs_in_wal_mode_with_the_chosen_synchronous_level(tmp_path):
    for level, expected in (("full", 2), ("normal", 1)):
        log = SqliteEventLog(tmp_path / f"{level}.sqlite3", synchronous=level)
        try:
            connection = log.reader_connection()
            assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert connection.execute("PRAGMA synchronous").fetchone() == (expected,)
        finally:
            log.close()
    with pytest.raises(ValueError, match="synchronous"):
        SqliteEventLog(tmp_path / "x.sqlite3", synchronous="off")


def test_close_lets_queued_appends_finish_and_then_refuses_new_ones(tmp_path):
    log = SqliteEventLog(tmp_path / "events.sqlite3")
    threads, outcomes = start_appends(log, {n: [record(f"m{n}")] for n in range(5)})
    for thread in threads:
        thread.join()
    log.close()

    assert all(outcome == AppendResult(stored=1, duplicates=0) for outcome in outcomes.values())
    with pytest.raises(EventLogUnavailable):
        log.append([record("late")])


def test_the_wal_is_copied_into_the_database_file_in_the_background(sqlite_log):
    sqlite_log.append([record(f"m{n}", payload=b"x" * 1000) for n in range(1000)])

    # About 1 MB of events reaches the main file shortly after the commit, without another append.
    wait_until(lambda: sqlite_log.path.stat().st_size > 1_000_000, timeout=10)


def test_a_log_whose_file_became_unopenable_refuses_appends_at_once_and_recovers(tmp_path):
    directory = tmp_path / "logs"
    log = SqliteEventLog(directory / "events.sqlite3")  # opened, but its writer connects on the first append
    try:
        directory.rename(tmp_path / "moved")
        directory.write_text("a file where the log's directory was")
        started = time.monotonic()
        with pytest.raises(EventLogUnavailable):
            log.append([record("refused")])
        assert time.monotonic() - started < 10  # refused, not left waiting for the queue timeout

        directory.unlink()
        (tmp_path / "moved").rename(directory)
        assert log.append([record("stored")]) == AppendResult(stored=1, duplicates=0)
        assert [event.record.message_id for event in log.read(after_seq=0, limit=10)] == ["stored"]
    finally:
        log.close()


def test_each_record_keeps_its_own_instants_when_a_call_mixes_arrival_times(sqlite_log):
    first, second = datetime(2024, 3, 10, 12, 0, tzinfo=UTC), datetime(2024, 3, 10, 12, 0, 0, 1, tzinfo=UTC)
    arrivals = [first, second, first, first, second]

    sqlite_log.append([record(f"m{n}", received_at=at, timestamp=at) for n, at in enumerate(arrivals)])

    stored = sqlite_log.read(after_seq=0, limit=10)
    assert [event.record.received_at for event in stored] == arrivals
    assert [event.record.timestamp for event in stored] == arrivals
    raw = sqlite_log.reader_connection().execute("SELECT received_at_us FROM events ORDER BY seq").fetchall()
    at_first, at_second = 1_710_072_000_000_000, 1_710_072_000_000_001  # microseconds since the epoch
    assert [micros for (micros,) in raw] == [at_first, at_second, at_first, at_first, at_second]



@pytest.mark.parametrize(
    ("ids", "new_ids", "duplicates"),
    [
        # 250 rows = statements of 100, 100 and 50 rows; the repeats sit in other statements than their first
        (
            [f"e{n}" for n in range(240)] + ["e5", "e150", "e239", "kept-0", "e99", "e100", "e200", "e0", "e1", "x"],
            [f"e{n}" for n in range(240)] + ["x"],
            9,
        ),
        # exactly one full statement, then one row repeating an event stored before
        ([f"f{n}" for n in range(100)] + ["kept-1"], [f"f{n}" for n in range(100)], 1),
    ],
    ids=["three statements", "full statement plus one"],
)
def test_a_call_longer_than_one_statement_keeps_order_and_dedupe(sqlite_log, ids, new_ids, duplicates):
    sqlite_log.append([record("kept-0"), record("kept-1")])

    result = sqlite_log.append([record(i, payload=i.encode()) for i in ids])

    assert result == AppendResult(stored=len(new_ids), duplicates=duplicates)
    stored = sqlite_log.read(after_seq=2, limit=1000)
    assert [s.record.message_id for s in stored] == new_ids
    assert [s.record.payload for s in stored] == [i.encode() for i in new_ids]
    assert [s.seq for s in stored] == list(range(3, 3 + len(new_ids)))


def test_the_writer_and_checkpointer_threads_carry_their_names_in_the_operating_system(sqlite_log):
    sqlite_log.append([record("named")])  # starts the writer, which starts the checkpointer

    def names() -> set[str]:
        return {(task / "comm").read_text().strip() for task in Path(f"/proc/{os.getpid()}/task").iterdir()}

    wait_until(lambda: {"eventlog-writer", "eventlog-ckpt"} <= names())
