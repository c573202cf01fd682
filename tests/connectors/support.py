"""Test helpers: a clock that never really sleeps, and a log capture that works with ``-p no:logging``."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from analyticaflow.connectors.http import HttpOptions
from analyticaflow.connectors.retry import RetryPolicy


class FakeClock:
    """Time moves only when the code under test sleeps; every sleep is recorded."""

    def __init__(self, start: datetime = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)) -> None:
        self._now = start
        self._monotonic = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self._now += timedelta(seconds=seconds)
        self._monotonic += seconds

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._monotonic += seconds


def make_options(clock: FakeClock, **retry: float) -> HttpOptions:
    return HttpOptions(clock=clock, rng=random.Random(7), timeout=10.0,
                       retry=RetryPolicy(**retry) if retry else RetryPolicy())


@contextmanager
def captured_logs(name: str = "analyticaflow") -> Iterator[list[str]]:
    """Every record (DEBUG and up) logged under ``name``, formatted with its arguments."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    logger = logging.getLogger(name)
    handler = Collect(level=logging.DEBUG)
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
