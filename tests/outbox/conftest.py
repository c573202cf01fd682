from __future__ import annotations

from collections.abc import Iterator

import pytest

from analyticaflow.outbox.conf import OutboxConfig
from tests.outbox.collector import Collector

WRITE_KEY = "wk_outbox_test"


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector().start()
    try:
        yield server
    finally:
        server.stop()


def fast_config(url: str, **overrides) -> OutboxConfig:
    """A relay configuration with test-sized timeouts and backoffs (milliseconds, not seconds)."""
    values = {"url": url, "write_key": WRITE_KEY, "timeout": 5.0, "backoff_base": 0.02, "backoff_max": 0.2,
              "poll_interval": 0.05, "lease": 10.0, "thread": False}
    values.update(overrides)
    return OutboxConfig(**values)
