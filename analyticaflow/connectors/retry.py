"""Retry timing: exponential backoff with jitter, and the platform's own ``Retry-After``."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and how long one API call is retried before its error reaches the caller.

    A wait longer than ``max_wait`` is not slept inside the call: the error is raised (still transient, with
    ``retry_after`` set) so the job scheduler can come back later instead of holding a worker.
    """

    max_attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 120.0
    max_wait: float = 900.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Delay before retry number ``attempt`` (1-based): exponential, capped, with equal jitter.

        The result lies in ``[d/2, d]`` where ``d = min(max_delay, base_delay * 2**(attempt-1))``.
        """
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date. None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
