"""Background WAL checkpoints for the SQLite event log.

SQLite normally checkpoints inside the commit that crosses ``wal_autocheckpoint``: that commit then also
copies the WAL into the database file and fsyncs it, and every caller waiting on that group waits for it.
The log's writer turns automatic checkpoints off and this thread does them instead, a moment after commits
(coalescing many commits into one checkpoint). A PASSIVE checkpoint never blocks the writer or readers.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable

from analyticaflow.eventlog.os_threads import name_os_thread

logger = logging.getLogger(__name__)

# Commits within this window share one checkpoint.
CHECKPOINT_DELAY_SECONDS = 0.2
THREAD_NAME = "eventlog-ckpt"


class BackgroundCheckpointer:
    def __init__(self, connect: Callable[[], sqlite3.Connection], *, delay: float = CHECKPOINT_DELAY_SECONDS):
        self._connect = connect
        self._delay = delay
        self._committed = threading.Event()
        self._stopping = threading.Event()
        self.checkpoints = 0  # observable: how many checkpoints ran
        self._thread = threading.Thread(target=self._run, name="eventlog-sqlite-checkpointer", daemon=True)
        self._thread.start()

    def commit_happened(self) -> None:
        if not self._committed.is_set():  # set() notifies under a Python lock; most commits find it set already
            self._committed.set()

    def stop(self) -> None:
        """Run a last checkpoint that empties the WAL, then end the thread."""
        self._stopping.set()
        self._committed.set()
        self._thread.join()

    def _run(self) -> None:
        name_os_thread(THREAD_NAME)
        connection = self._connect()
        try:
            while not self._stopping.is_set():
                self._committed.wait()
                self._stopping.wait(self._delay)
                self._committed.clear()
                self._checkpoint(connection, "PASSIVE")
            self._checkpoint(connection, "TRUNCATE")
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection, mode: str) -> None:
        try:
            connection.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
            self.checkpoints += 1
        except sqlite3.Error:
            # A busy or failing checkpoint loses nothing (the frames stay in the WAL); the next one retries.
            logger.warning("event log checkpoint (%s) failed", mode, exc_info=True)
