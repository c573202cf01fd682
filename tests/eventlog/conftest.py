"""Event-log fixtures: real backends (an SQLite file per test, the session's redis-server flushed per test)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import orjson
import pytest

from analyticaflow.eventlog.contracts import EventRecord
from analyticaflow.eventlog.redis_streams import RedisStreamsEventLog
from analyticaflow.eventlog.sqlite import SqliteEventLog

MOMENT = datetime(2024, 3, 10, 12, 0, 0, 123456, tzinfo=UTC)


def record(
    message_id: str,
    *,
    project_id: int = 1,
    type: str = "track",
    name: str | None = "Order Completed",
    anonymous_id: str | None = "anon-1",
    user_id: str | None = None,
    timestamp: datetime = MOMENT,
    received_at: datetime = MOMENT,
    payload: bytes | None = None,
) -> EventRecord:
    """One event record; the payload defaults to a small Segment message carrying the message id."""
    if payload is None:
        payload = orjson.dumps({"type": type, "messageId": message_id, "event": name, "anonymousId": anonymous_id})
    return EventRecord(
        project_id=project_id,
        message_id=message_id,
        type=type,
        name=name,
        anonymous_id=anonymous_id,
        user_id=user_id,
        timestamp=timestamp,
        received_at=received_at,
        payload=payload,
    )


@pytest.fixture
def sqlite_log(tmp_path) -> Iterator[SqliteEventLog]:
    log = SqliteEventLog(tmp_path / "events.sqlite3")
    yield log
    log.close()


@pytest.fixture
def redis_log(redis_url) -> Iterator[RedisStreamsEventLog]:
    log = RedisStreamsEventLog.from_url(redis_url)
    log.client.flushdb()
    yield log
    log.client.flushdb()
    log.close()


@pytest.fixture(params=["sqlite", "redis"])
def event_log(request):
    """Each contract test runs once per backend."""
    return request.getfixturevalue(f"{request.param}_log")
