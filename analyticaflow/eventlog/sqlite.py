"""The embedded event log: an append-only SQLite file that is also the permanent event store.

Layout
    One table ``events`` in its own file (``<DATA_DIR>/events.sqlite3``, apart from the metadata DB).
    ``seq`` is the INTEGER PRIMARY KEY; a single writer assigns it, so every committed transaction holds
    seqs above all earlier ones and a reader that remembers the last seq it saw never misses an event.
    ``UNIQUE (project_id, message_id)`` makes producer retries land once. Triggers refuse UPDATE and DELETE:
    events are kept forever, byte for byte. Instants are integer microseconds since the epoch (UTC).

Group commit
    ``append()`` hands its rows to one writer thread and blocks. The writer takes every call waiting at
    that moment, inserts them in one transaction (each call's rows in turn, ``ROWS_PER_STATEMENT`` rows per
    statement, so duplicates inside a call, across calls and across concurrent calls of one group are all
    caught by the unique constraint), commits once, then releases every caller. If any call fails inside a
    group, the group is rolled back and each of its calls is retried in its own transaction, so one bad call
    never takes others with it and each call stays all-or-nothing.

Durability (``synchronous``)
    The file runs in WAL mode. A return from ``append()`` means the transaction is committed:

    * ``synchronous=full`` (the default): the WAL is fsynced at every commit — one fsync per group, not per
      event. An acknowledged append survives ``kill -9`` of the process *and* a power loss or kernel crash,
      as far as the disk honours flushes.
    * ``synchronous=normal`` (``sqlite:///path?synchronous=normal``): no fsync at commit, only at
      checkpoints. Acknowledged appends still survive ``kill -9`` (the committed WAL frames sit in the
      operating system's page cache and reach the file), but a power loss or kernel crash may lose the
      transactions committed since the last checkpoint. The file is never corrupted either way.

Readers
    ``read()``, ``last_seq()`` and ``query_events()`` use per-thread read-only connections; in WAL mode they
    never block the writer and the writer never blocks them.

What an append costs (bench/eventlog_append.py)
    Each commit writes every page it dirtied to the WAL, so the indexes decide the cost: besides the rowid
    table, only the dedupe index (one random page per event when messageIds are random) and the listing
    index (appended at its right end) are kept. Smaller pages (2 KB, 1 KB) write fewer WAL bytes per random
    insert but cost more CPU per event than the default 4 KB; checkpointing less often than every 0.2 s
    made no measurable difference. Rows are converted in the callers' threads, before the writer's lock.

Several processes may open the same file (e.g. ``analyticaflow import`` next to the server): SQLite's
write lock serializes their transactions, and ``wait_for_new`` falls back to polling to see their writes.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from analyticaflow.eventlog.contracts import AppendResult, EventLogUnavailable, EventRecord, StoredEvent
from analyticaflow.eventlog.os_threads import name_os_thread
from analyticaflow.eventlog.records import check_records, from_micros, to_micros
from analyticaflow.eventlog.sqlite_checkpoint import BackgroundCheckpointer

SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        type TEXT NOT NULL,
        name TEXT,
        anonymous_id TEXT,
        user_id TEXT,
        timestamp_us INTEGER NOT NULL,
        received_at_us INTEGER NOT NULL,
        payload BLOB NOT NULL,
        UNIQUE (project_id, message_id)
    )
    """,
    # The support log lists one project's events newest first (timestamp, then seq), optionally narrowed by type,
    # name or person. One covering index serves every filter: the filters are checked on its entries, never on
    # rows, and the order is the index's own. New events land at its right end (event times grow), so an append
    # dirties a few pages per commit. An index per name or per person would dirty about one page per event —
    # most of an append's cost — so name and person filters scan the project's index entries newest first
    # (millions per second) instead of seeking; a time range bounds the scan.
    "CREATE INDEX IF NOT EXISTS events_project_time_filters"
    " ON events (project_id, timestamp_us, seq, type, name, anonymous_id, user_id)",
    """
    CREATE TRIGGER IF NOT EXISTS events_are_immutable BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are immutable'); END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS events_are_kept BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events are kept forever'); END
    """,
)

# Indexes of earlier versions, replaced by events_project_time_filters (dropped when a log file is opened).
OBSOLETE_INDEXES = (
    "events_project_time",
    "events_project_name_time",
    "events_project_anonymous_time",
    "events_project_user_time",
)

INSERT_HEAD = (
    "INSERT INTO events (project_id, message_id, type, name, anonymous_id, user_id, timestamp_us,"
    " received_at_us, payload) VALUES "
)
ROW_PLACEHOLDERS = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
ON_CONFLICT = " ON CONFLICT (project_id, message_id) DO NOTHING"
INSERT = INSERT_HEAD + ROW_PLACEHOLDERS + ON_CONFLICT  # one row (what executemany takes)
COLUMNS = 9
# The writer inserts a call's rows with one multi-row statement per this many rows. sqlite3 releases the GIL for
# each statement step and needs it back afterwards: one step per row (executemany) makes the writer queue for the
# GIL once per row behind the request threads parsing the next calls; one step per 100 rows, once per 100.
ROWS_PER_STATEMENT = 100
READ_AFTER = (
    "SELECT seq, project_id, message_id, type, name, anonymous_id, user_id, timestamp_us, received_at_us, payload"
    " FROM events WHERE seq > ? ORDER BY seq LIMIT ?"
)
SYNCHRONOUS_MODES = ("full", "normal")
WRITER_THREAD_NAME = "eventlog-writer"  # in the operating system too (top -H, /proc/<pid>/task/*/comm)
BUSY_TIMEOUT_SECONDS = 30.0
# A caller whose rows the writer has not picked up within this time gets EventLogUnavailable (nothing stored).
QUEUE_TIMEOUT_SECONDS = 30.0
# An emptied WAL file is cut back to this size.
WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024
# Polling interval of wait_for_new(), for writes made by another process.
POLL_SECONDS = 0.25


def _held_lock() -> threading.Lock:
    lock = threading.Lock()
    lock.acquire()
    return lock


@dataclass(eq=False, slots=True)
class _PendingAppend:
    parameters: list  # the rows' values, row after row (COLUMNS per row)
    # Held from creation until the writer has answered this call; the caller waits by acquiring it. A lock costs
    # the caller and the writer a fraction of a threading.Event (a Python Condition with its own waiter locks).
    done: threading.Lock = field(default_factory=_held_lock)
    result: AppendResult | None = None
    error: BaseException | None = None


def row_of(record: EventRecord) -> tuple:
    """One record's values in the log's column order."""
    return tuple(parameters_of((record,)))


def parameters_of(records: Sequence[EventRecord]) -> list:
    """The values of ``row_of`` for every record, one flat list (what the multi-row INSERT binds), converting
    each distinct ``received_at`` once (a request's records share it)."""
    parameters: list = []
    add = parameters.extend
    last_received_at, last_received_us = None, 0
    for record in records:
        received_at, payload = record.received_at, record.payload
        if received_at is not last_received_at:
            last_received_at, last_received_us = received_at, to_micros(received_at)
        add((
            record.project_id,
            record.message_id,
            record.type,
            record.name,
            record.anonymous_id,
            record.user_id,
            to_micros(record.timestamp),
            last_received_us,
            payload if type(payload) is bytes else bytes(payload),
        ))
    return parameters


@functools.lru_cache(maxsize=ROWS_PER_STATEMENT)
def insert_statement(rows: int) -> str:
    """INSERT of ``rows`` rows in one statement; a row that repeats a stored (or earlier) messageId is skipped."""
    return INSERT_HEAD + ", ".join([ROW_PLACEHOLDERS] * rows) + ON_CONFLICT


def insert_rows(connection: sqlite3.Connection, parameters: list) -> tuple[int, int]:
    """Insert the rows of ``parameters`` (see :func:`parameters_of`) in order; return how many were stored and the
    connection's last inserted rowid (the seq of the last row stored, when one was)."""
    stored = last_rowid = 0
    step = ROWS_PER_STATEMENT * COLUMNS
    for start in range(0, len(parameters), step):
        part = parameters[start:start + step] if len(parameters) > step else parameters
        cursor = connection.execute(insert_statement(len(part) // COLUMNS), part)
        stored += cursor.rowcount
        last_rowid = cursor.lastrowid
    return stored, last_rowid


def stored_event_of(row: Sequence) -> StoredEvent:
    seq, project_id, message_id, type_, name, anonymous_id, user_id, timestamp_us, received_at_us, payload = row
    record = EventRecord(
        project_id=project_id,
        message_id=message_id,
        type=type_,
        name=name,
        anonymous_id=anonymous_id,
        user_id=user_id,
        timestamp=from_micros(timestamp_us),
        received_at=from_micros(received_at_us),
        payload=bytes(payload),
    )
    return StoredEvent(seq=seq, record=record)


class SqliteEventLog:
    """The :class:`~analyticaflow.eventlog.contracts.EventLog` on one SQLite file, with group commit."""

    def __init__(self, path: str | os.PathLike, *, synchronous: str = "full") -> None:
        if synchronous not in SYNCHRONOUS_MODES:
            raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS_MODES)}, got {synchronous!r}")
        self.path = Path(path)
        self.synchronous = synchronous
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._create_schema()
        except (OSError, sqlite3.Error) as exc:
            raise _cannot_open(self.path, exc) from exc
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # the writer waits here for pending appends
        self._committed = threading.Condition(self._lock)  # wait_for_new() waits here for commits
        self._pending: list[_PendingAppend] = []
        self._writer_idle = False  # the writer waits on _work (only then does an append need to wake it)
        self._writer: threading.Thread | None = None
        self._writer_pid = 0
        self._closed = False
        self._known_last_seq = 0
        self._local = threading.local()
        self._readers: dict[threading.Thread, sqlite3.Connection] = {}
        self.groups_committed = 0  # observable: how many transactions the writer committed
        try:
            self._known_last_seq = self.last_seq()
        except sqlite3.Error as exc:
            self.close()
            raise _cannot_open(self.path, exc) from exc

    # -- the EventLog contract ---------------------------------------------------------------------------

    def append(self, records: Sequence[EventRecord]) -> AppendResult:
        """Store the records durably (committed) before returning; duplicates are counted, not stored."""
        check_records(records)
        if not records:
            return AppendResult(stored=0, duplicates=0)
        pending = _PendingAppend(parameters=parameters_of(records))
        with self._lock:
            if self._closed:
                raise EventLogUnavailable("The event log is closed.")
            self._ensure_writer()
            self._pending.append(pending)
            if self._writer_idle:  # a busy writer takes every pending call when its transaction ends
                self._work.notify()
        if not pending.done.acquire(timeout=QUEUE_TIMEOUT_SECONDS):
            with self._lock:
                if pending in self._pending:
                    self._pending.remove(pending)
                    raise EventLogUnavailable("The event log writer is not keeping up; nothing was stored.")
            pending.done.acquire()  # the writer holds this call: its transaction ends within the busy timeout
        if pending.error is not None:
            raise pending.error
        return pending.result

    def read(self, *, after_seq: int, limit: int) -> list[StoredEvent]:
        """Up to ``limit`` events with ``seq > after_seq``, in seq order, across all projects."""
        if limit <= 0:
            return []
        rows = self._reader().execute(READ_AFTER, (after_seq, limit))
        return [stored_event_of(row) for row in rows]

    def last_seq(self) -> int:
        """The highest seq stored so far (0 when empty)."""
        (value,) = self._reader().execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()
        return value

    def close(self) -> None:
        """Finish the appends already queued, stop the writer and close every connection."""
        with self._lock:
            self._closed = True
            self._work.notify_all()
            self._committed.notify_all()
            writer = self._writer
        if writer is not None and writer.is_alive() and writer is not threading.current_thread():
            writer.join()
        with self._lock:
            readers, self._readers = list(self._readers.values()), {}
        for connection in readers:
            connection.close()

    # -- beyond the contract -----------------------------------------------------------------------------

    def wait_for_new(self, *, after_seq: int, timeout: float) -> bool:
        """Block until an event with ``seq > after_seq`` exists or ``timeout`` seconds pass; say which.

        Appends made through this object wake the waiter at once; appends from another process are seen
        by polling every quarter second.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if self._known_last_seq > after_seq:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    return False
                self._committed.wait(min(remaining, POLL_SECONDS))
                if self._known_last_seq > after_seq:
                    return True
            latest = self.last_seq()
            if latest > after_seq:
                with self._lock:
                    self._known_last_seq = max(self._known_last_seq, latest)
                return True

    @property
    def queued_calls(self) -> int:
        """Append calls waiting for the writer to pick them up (a measure of write backlog)."""
        with self._lock:
            return len(self._pending)

    def reader_connection(self) -> sqlite3.Connection:
        """This thread's read-only connection to the log (for the support query in selectors)."""
        return self._reader()

    # -- writer ------------------------------------------------------------------------------------------

    def _ensure_writer(self) -> None:
        # Called with the lock held. A forked child (e.g. a server worker) starts its own writer.
        if self._writer is not None and self._writer.is_alive() and self._writer_pid == os.getpid():
            return
        self._writer_pid = os.getpid()
        self._writer = threading.Thread(target=self._write_forever, name="eventlog-sqlite-writer", daemon=True)
        self._writer.start()

    def _write_forever(self) -> None:
        name_os_thread(WRITER_THREAD_NAME)
        try:
            connection = self._connect(writer=True)
        except sqlite3.Error as exc:  # the file cannot be opened any more: refuse what waits; the next append retries
            with self._lock:
                group, self._pending, self._writer = self._pending, [], None
            for pending in group:
                pending.error = _unavailable(exc)
                pending.done.release()
            return
        checkpointer = BackgroundCheckpointer(lambda: self._connect(writer=True))
        try:
            while True:
                with self._lock:
                    while not self._pending and not self._closed:
                        self._writer_idle = True
                        self._work.wait()
                        self._writer_idle = False
                    if not self._pending:
                        return
                    group, self._pending = self._pending, []
                self._write_group(connection, group)
                checkpointer.commit_happened()
        finally:
            connection.close()
            checkpointer.stop()

    def _write_group(self, connection: sqlite3.Connection, group: list[_PendingAppend]) -> None:
        last_seq = 0
        try:
            last_seq = self._commit(connection, group)
        except _InsertFailed:
            # One call's rows broke the group: give every call its own transaction so the others still land.
            for pending in group:
                try:
                    last_seq = max(last_seq, self._commit(connection, [pending]))
                except (_InsertFailed, sqlite3.Error) as exc:
                    pending.result, pending.error = None, _unavailable(exc)
        except sqlite3.Error as exc:  # the transaction itself failed (locked, disk full, I/O): nothing stored
            for pending in group:
                pending.result, pending.error = None, _unavailable(exc)
        except BaseException as exc:  # never leave a caller waiting forever
            self._rollback(connection)
            for pending in group:
                pending.result, pending.error = None, exc
        with self._lock:
            if last_seq > self._known_last_seq:
                self._known_last_seq = last_seq
            self._committed.notify_all()
        for pending in group:
            pending.done.release()

    def _commit(self, connection: sqlite3.Connection, group: list[_PendingAppend]) -> int:
        """Insert the group's calls in one transaction; return the highest seq after commit (0: nothing stored)."""
        last_seq = 0
        connection.execute("BEGIN IMMEDIATE")
        try:
            for pending in group:
                try:
                    stored, last_rowid = insert_rows(connection, pending.parameters)
                except sqlite3.Error as exc:
                    raise _InsertFailed(exc) from exc
                pending.result = AppendResult(stored=stored, duplicates=len(pending.parameters) // COLUMNS - stored)
                if stored:
                    # Under the write lock a new row's seq is above every seq in the file (max + 1), so the last
                    # row this transaction stored holds the highest seq.
                    last_seq = last_rowid
            connection.execute("COMMIT")
        except BaseException:
            self._rollback(connection)
            raise
        self.groups_committed += 1
        return last_seq

    @staticmethod
    def _rollback(connection: sqlite3.Connection) -> None:
        if connection.in_transaction:
            connection.execute("ROLLBACK")

    # -- connections -------------------------------------------------------------------------------------

    def _connect(self, *, writer: bool) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(f"PRAGMA synchronous={self.synchronous.upper()}")
        if writer:
            connection.execute("PRAGMA cache_size=-65536")  # 64 MB keeps the unique and query indexes hot
            connection.execute("PRAGMA wal_autocheckpoint=0")  # the background checkpointer does it
            connection.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT_BYTES}")
        else:
            connection.execute("PRAGMA query_only=1")
        return connection

    def _reader(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None or getattr(self._local, "pid", None) != os.getpid():
            connection = self._connect(writer=False)
            self._local.connection = connection
            self._local.pid = os.getpid()
            with self._lock:
                finished = [thread for thread in self._readers if not thread.is_alive()]
                stale = [self._readers.pop(thread) for thread in finished]
                self._readers[threading.current_thread()] = connection
            for old in stale:  # connections of threads that have ended
                old.close()
        return connection

    def _create_schema(self) -> None:
        connection = self._connect(writer=True)
        try:
            for statement in SCHEMA:
                connection.execute(statement)
            for name in OBSOLETE_INDEXES:  # after the index that replaces them exists
                connection.execute(f"DROP INDEX IF EXISTS {name}")
        finally:
            connection.close()


def _cannot_open(path: Path, exc: BaseException) -> EventLogUnavailable:
    return EventLogUnavailable(f"The event log {path} cannot be opened: {exc}")


class _InsertFailed(Exception):
    """A call's rows could not be inserted (the group is rolled back and retried call by call)."""


def _unavailable(exc: BaseException) -> EventLogUnavailable:
    cause = exc.__cause__ if isinstance(exc, _InsertFailed) and exc.__cause__ else exc
    error = EventLogUnavailable(f"The event log could not store this append: {cause}")
    error.__cause__ = cause
    return error
