"""Which event log the process uses: a registry of URL schemes and the process-wide instance.

``ANALYTICAFLOW_EVENT_LOG_URL`` selects the backend:

* ``sqlite:///<path>`` (default ``sqlite:///<DATA_DIR>/events.sqlite3``) — the embedded log and permanent
  store. Option: ``?synchronous=full`` (default) or ``normal`` (see :mod:`analyticaflow.eventlog.sqlite`).
* ``redis://[:password@]host:port/db`` (or ``rediss://``) — Redis Streams, the scale-mode transport. Options:
  ``?stream=...&dedupe_ttl_days=...&socket_timeout=...`` (see :mod:`analyticaflow.eventlog.redis_streams`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from django.conf import settings

from analyticaflow.eventlog.contracts import EventLog
from analyticaflow.eventlog.redis_streams import RedisStreamsEventLog
from analyticaflow.eventlog.sqlite import SqliteEventLog

BackendFactory = Callable[[str], EventLog]
BACKENDS: dict[str, BackendFactory] = {}


class EventLogConfigError(ValueError):
    """``ANALYTICAFLOW_EVENT_LOG_URL`` names no known backend or carries a bad option."""


def register_backend(*schemes: str) -> Callable[[BackendFactory], BackendFactory]:
    """Register a factory that opens an event log from a URL with one of ``schemes``."""

    def register(factory: BackendFactory) -> BackendFactory:
        for scheme in schemes:
            BACKENDS[scheme] = factory
        return factory

    return register


def url_options(url: str, *, allowed: tuple[str, ...]) -> dict[str, str]:
    """The query options of a backend URL (last value wins); unknown options are an error, not ignored."""
    options = {key: values[-1] for key, values in parse_qs(urlsplit(url).query).items()}
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise EventLogConfigError(f"Unknown event log option(s) {', '.join(unknown)}; known: {', '.join(allowed)}")
    return options


@register_backend("sqlite")
def open_sqlite(url: str) -> SqliteEventLog:
    parts = urlsplit(url)
    path = "/" + (parts.netloc + parts.path).lstrip("/")
    if path == "/":
        raise EventLogConfigError("An sqlite event log URL needs a file path: sqlite:///path/to/events.sqlite3")
    options = url_options(url, allowed=("synchronous",))
    try:
        return SqliteEventLog(path, synchronous=options.get("synchronous", "full").lower())
    except ValueError as exc:
        raise EventLogConfigError(str(exc)) from exc


@register_backend("redis", "rediss")
def open_redis(url: str) -> RedisStreamsEventLog:
    try:
        return RedisStreamsEventLog.from_url(url)
    except ValueError as exc:
        raise EventLogConfigError(str(exc)) from exc


def open_event_log(url: str) -> EventLog:
    """A new event log for ``url`` (callers own it and must close it)."""
    scheme = urlsplit(url).scheme
    factory = BACKENDS.get(scheme)
    if factory is None:
        raise EventLogConfigError(f"Unknown event log scheme {scheme!r}; known: {', '.join(sorted(BACKENDS))}")
    return factory(url)


_lock = threading.Lock()
_instance: EventLog | None = None
_instance_key: tuple[int, str] | None = None


def get_event_log() -> EventLog:
    """The process-wide event log chosen by ``settings.ANALYTICAFLOW_EVENT_LOG_URL`` (thread-safe).

    A forked child process gets its own instance; a changed setting (tests) opens the new log.
    """
    global _instance, _instance_key
    key = (os.getpid(), settings.ANALYTICAFLOW_EVENT_LOG_URL)
    with _lock:
        if _instance is None or _instance_key != key:
            if _instance is not None and _instance_key is not None and _instance_key[0] == key[0]:
                _instance.close()
            _instance = open_event_log(key[1])
            _instance_key = key
        return _instance


def reset_event_log() -> None:
    """Close and forget the process-wide event log (tests, shutdown)."""
    global _instance, _instance_key
    with _lock:
        if _instance is not None and _instance_key is not None and _instance_key[0] == os.getpid():
            _instance.close()
        _instance, _instance_key = None, None
