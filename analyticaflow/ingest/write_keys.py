"""Write key → project, cached briefly in the process so capture does not query the metadata DB per request.

A rotated (or new) key takes effect within ``ANALYTICAFLOW_WRITE_KEY_CACHE_SECONDS`` (default 5): answers,
including "no such key", are remembered that long. The cache holds at most ``MAX_ENTRIES`` keys, so a
flood of made-up keys cannot grow it without bound (expired entries go first, then all).
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import DatabaseError, close_old_connections

from analyticaflow.accounts.selectors import project_by_write_key
from analyticaflow.errors import ServiceUnavailable

MAX_ENTRIES = 10_000
MAX_KEY_LENGTH = 64  # the longest write key a project can have
RETRY_AFTER_SECONDS = "5"


class WriteKeyCache:
    def __init__(self, *, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: dict[str, tuple[int | None, float]] = {}
        self._lock = threading.Lock()

    def project_id(self, write_key: str) -> int | None:
        """The id of the project owning ``write_key``, or None when no project has it."""
        if len(write_key) > MAX_KEY_LENGTH:
            return None  # no project has one; not worth a query or a cache entry
        now = time.monotonic()
        entry = self._entries.get(write_key)
        if entry is not None and entry[1] > now:
            return entry[0]
        project_id = _lookup(write_key)
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries = {key: value for key, value in self._entries.items() if value[1] > now}
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
            self._entries[write_key] = (project_id, now + settings.ANALYTICAFLOW_WRITE_KEY_CACHE_SECONDS)
        return project_id

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _lookup(write_key: str) -> int | None:
    try:
        project = project_by_write_key(write_key=write_key)
    except DatabaseError as exc:
        raise ServiceUnavailable("The project database is unavailable; retry later.",
                                 headers={"Retry-After": RETRY_AFTER_SECONDS}) from exc
    finally:
        # Outside Django's request cycle nobody else recycles this thread's connection.
        close_old_connections()
    return project.id if project is not None else None


write_keys = WriteKeyCache()
