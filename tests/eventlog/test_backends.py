"""Choosing the event log from ANALYTICAFLOW_EVENT_LOG_URL, and the process-wide instance."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from analyticaflow.eventlog.backends import EventLogConfigError, get_event_log, open_event_log, reset_event_log
from analyticaflow.eventlog.contracts import EventLogUnavailable
from analyticaflow.eventlog.redis_streams import RedisStreamsEventLog
from analyticaflow.eventlog.sqlite import SqliteEventLog
from tests.eventlog.conftest import record


def test_the_default_is_the_sqlite_file_in_the_data_dir():
    log = open_event_log(django_settings.ANALYTICAFLOW_EVENT_LOG_URL)
    try:
        assert isinstance(log, SqliteEventLog)
        assert log.path == Path(os.environ["ANALYTICAFLOW_DATA_DIR"]).resolve() / "events.sqlite3"
        assert log.synchronous == "full"
    finally:
        log.close()


@pytest.mark.parametrize(
    ("url_tail", "synchronous"),
    [("", "full"), ("?synchronous=normal", "normal"), ("?synchronous=FULL", "full")],
)
def test_sqlite_urls_open_the_named_file(tmp_path, url_tail, synchronous):
    log = open_event_log(f"sqlite://{tmp_path}/logs/events.sqlite3{url_tail}")
    try:
        assert isinstance(log, SqliteEventLog)
        assert log.path == tmp_path / "logs" / "events.sqlite3"
        assert log.synchronous == synchronous
        assert (tmp_path / "logs" / "events.sqlite3").exists()
    finally:
        log.close()


@pytest.mark.parametrize(
    "url",
    ["redis://127.0.0.1:6379/0", "rediss://cache.internal:6380/2", "redis://127.0.0.1:6379/0?dedupe_ttl_hours=48"],
)
def test_redis_urls_open_a_stream_log_without_connecting_yet(url):
    log = open_event_log(url)
    assert isinstance(log, RedisStreamsEventLog)
    log.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("kafka://broker:9092", "Unknown event log scheme 'kafka'"),
        ("sqlite://", "needs a file path"),
        ("sqlite:///tmp/x.sqlite3?synchronous=off", "synchronous must be one of"),
        ("sqlite:///tmp/x.sqlite3?journal=delete", "Unknown event log option"),
        ("redis://127.0.0.1:6379/0?dedupe_ttl_hours=0", "dedupe_ttl_hours must be positive"),
    ],
)
def test_bad_urls_are_refused_with_a_clear_message(url, message):
    with pytest.raises(EventLogConfigError, match=message):
        open_event_log(url)


def test_get_event_log_is_one_instance_shared_by_every_thread(settings, tmp_path):
    settings.ANALYTICAFLOW_EVENT_LOG_URL = f"sqlite://{tmp_path}/events.sqlite3"
    seen = []
    start = threading.Barrier(8)

    def fetch() -> None:
        start.wait()
        seen.append(get_event_log())

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len({id(log) for log in seen}) == 1
        assert seen[0].path == Path(tmp_path) / "events.sqlite3"
    finally:
        reset_event_log()


def test_a_changed_url_opens_the_new_log_and_closes_the_old(settings, tmp_path):
    settings.ANALYTICAFLOW_EVENT_LOG_URL = f"sqlite://{tmp_path}/first.sqlite3"
    first = get_event_log()
    first.append([record("m")])
    settings.ANALYTICAFLOW_EVENT_LOG_URL = f"sqlite://{tmp_path}/second.sqlite3"
    try:
        second = get_event_log()
        assert second is not first and second.last_seq() == 0
        with pytest.raises(Exception, match="closed"):
            first.append([record("n")])
    finally:
        reset_event_log()


def unopenable_paths(tmp_path: Path) -> dict[str, Path]:
    """Log paths SQLite cannot open, even as root: a directory, and a file under a regular file."""
    (tmp_path / "a-directory").mkdir()
    (tmp_path / "a-file").write_text("not a directory")
    return {"directory": tmp_path / "a-directory", "under a file": tmp_path / "a-file" / "events.sqlite3"}


@pytest.mark.parametrize("case", ["directory", "under a file"])
def test_a_log_file_that_cannot_be_opened_is_unavailable_not_a_crash(tmp_path, case):
    path = unopenable_paths(tmp_path)[case]

    with pytest.raises(EventLogUnavailable, match="cannot be opened") as raised:
        open_event_log(f"sqlite://{path}")

    assert str(path) in str(raised.value)


def test_get_event_log_reports_an_unopenable_file_as_unavailable_and_opens_it_once_it_can(settings, tmp_path):
    blocked = tmp_path / "data"
    blocked.write_text("a file where the data directory should be")
    settings.ANALYTICAFLOW_EVENT_LOG_URL = f"sqlite://{blocked}/events.sqlite3"
    try:
        for _ in range(2):  # every call tries again, none leaves a half-open log behind
            with pytest.raises(EventLogUnavailable):
                get_event_log()
        blocked.unlink()
        log = get_event_log()
        assert log.append([record("m")]).stored == 1
    finally:
        reset_event_log()
