"""The relay: claims due outbox rows, ships them in batches to ``/v1/batch``, and records each outcome.

Rows become ``sent`` only after a 2xx; a transient failure (network, timeout, 408/429/5xx, wrong URL or key)
reschedules them with exponential backoff and jitter (at least the server's Retry-After) and pauses the relay
for as long, so an outage costs one request per backoff step, not one per batch. A message the server rejects
for good is marked ``failed`` with its reason. Every retry resends the same ``messageId``, which the server
stores once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

import httpx
from django.db import close_old_connections
from django.utils import timezone

from analyticaflow.outbox import selectors, services, transport
from analyticaflow.outbox.conf import OutboxConfig
from analyticaflow.outbox.messages import format_timestamp
from analyticaflow.outbox.models import OutboxMessage

logger = logging.getLogger("analyticaflow.outbox")

# '{"batch":[' + ... + '],"sentAt":"2024-01-01T00:00:00.000Z"}' around the comma-joined messages.
BODY_OVERHEAD = len('{"batch":[],"sentAt":""}') + len("2024-01-01T00:00:00.000Z")


@dataclass
class RelayStats:
    requests: int = 0
    sent: int = 0
    rejected: int = 0
    retried: int = 0

    def __iadd__(self, other: RelayStats) -> RelayStats:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))
        return self


def backoff_delay(attempt: int, *, base: float, cap: float, rng: Callable[[], float] = random.random) -> float:
    """Seconds before try ``attempt + 1``: exponential (base·2^(attempt-1), at most ``cap``), jittered to
    between half and all of it so relays that failed together do not retry together."""
    ceiling = min(cap, base * 2 ** min(max(attempt, 1) - 1, 40))
    return ceiling / 2 + rng() * ceiling / 2


def pack(sizes: Sequence[int], *, max_messages: int, max_bytes: int) -> list[range]:
    """Split messages of ``sizes`` bytes, in order, into requests of at most ``max_messages`` messages and
    ``max_bytes`` bytes of body. A message too big for any request travels alone (the server will refuse it)."""
    groups: list[range] = []
    start, used = 0, BODY_OVERHEAD
    for index, size in enumerate(sizes):
        extra = size + (1 if index > start else 0)
        if index > start and (index - start >= max_messages or used + extra > max_bytes):
            groups.append(range(start, index))
            start, used, extra = index, BODY_OVERHEAD, size
        used += extra
    if start < len(sizes):
        groups.append(range(start, len(sizes)))
    return groups


def encode(message: dict, *, sent_at: str) -> bytes:
    return json.dumps({**message, "sentAt": sent_at}, ensure_ascii=False, separators=(",", ":")).encode()


def batch_body(parts: Sequence[bytes], *, sent_at: str) -> bytes:
    return b'{"batch":[' + b",".join(parts) + b'],"sentAt":"' + sent_at.encode() + b'"}'


class Relay:
    """Ships the outbox. One instance per thread or process; any number may run at once."""

    def __init__(self, config: OutboxConfig, *, client: httpx.Client | None = None,
                 rng: Callable[[], float] = random.random) -> None:
        self.config = config
        self.client = client or httpx.Client(timeout=config.timeout)
        self.rng = rng
        self.token = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self.failures = 0  # consecutive transient failures
        self.paused_until = 0.0  # time.monotonic() before which the relay does not try the server
        self.last_purge: float | None = None
        self.stopping = threading.Event()  # set: finish the request in flight, then stop

    def close(self) -> None:
        self.client.close()

    # --- one pass ---------------------------------------------------------------------------------------

    def run_once(self) -> RelayStats:
        """Ship every message due now, batch after batch; stop early if the server is unavailable."""
        stats = RelayStats()
        if time.monotonic() < self.paused_until:
            return stats
        pass_started = timezone.now()  # rows rescheduled during this pass wait for the next one
        while not self.stopping.is_set():
            rows = services.outbox_claim(token=self.token, limit=self.config.batch_size, lease=self.config.lease,
                                         due_at=pass_started)
            if not rows:
                return stats
            try:
                available = self._ship(rows, stats)
            except BaseException:
                # Do not leave the claim to its lease: let another pass (or relay) pick the rows up soon.
                services.outbox_schedule_retry(ids=[row.id for row in rows], delay=self.config.backoff_base,
                                               error="the relay stopped while sending", attempted=False)
                raise
            if not available:
                return stats
        return stats

    def _ship(self, rows: list[OutboxMessage], stats: RelayStats) -> bool:
        sizes = [len(encode(row.message, sent_at=format_timestamp(dt.datetime.now(dt.UTC)))) for row in rows]
        groups = pack(sizes, max_messages=self.config.batch_size, max_bytes=self.config.max_batch_bytes)
        for position, group in enumerate(groups):
            delay = self._send([rows[i] for i in group], stats)
            if delay is not None:
                untried = [rows[i].id for later in groups[position + 1:] for i in later]
                services.outbox_schedule_retry(ids=untried, delay=delay, error="waiting for the server",
                                               attempted=False)
                return False
        return True

    def _send(self, rows: list[OutboxMessage], stats: RelayStats) -> float | None:
        """Send one request; returns the retry delay if the server was unavailable, else None."""
        sent_at = format_timestamp(dt.datetime.now(dt.UTC))
        body = batch_body([encode(row.message, sent_at=sent_at) for row in rows], sent_at=sent_at)
        outcome = transport.post_batch(self.client, url=self.config.batch_url, write_key=self.config.write_key,
                                       body=body, message_ids=[row.message_id for row in rows])
        stats.requests += 1
        if isinstance(outcome, transport.Retry):
            delay = self._pause(outcome)
            stats.retried += services.outbox_schedule_retry(ids=[row.id for row in rows], delay=delay,
                                                            error=outcome.error)
            return delay
        self.failures = 0
        if isinstance(outcome, transport.Refused):
            return self._refused(rows, outcome, stats)
        reasons = {rows[index].id: reason for index, reason in outcome.rejected.items()}
        if reasons:
            stats.rejected += services.outbox_mark_failed(reasons=reasons)
            for index, reason in outcome.rejected.items():
                logger.warning("outbox: the server rejected message %s: %s", rows[index].message_id, reason)
        stats.sent += services.outbox_mark_sent(ids=[row.id for row in rows if row.id not in reasons])
        return None

    def _refused(self, rows: list[OutboxMessage], outcome: transport.Refused, stats: RelayStats) -> float | None:
        if len(rows) == 1:
            logger.warning("outbox: the server refused message %s: %s", rows[0].message_id, outcome.error)
            stats.rejected += services.outbox_mark_failed(reasons={rows[0].id: outcome.error})
            return None
        # Halve the batch until the refused message stands alone; the others go through.
        middle = len(rows) // 2
        halves = [rows[:middle], rows[middle:]]
        for position, half in enumerate(halves):
            delay = self._send(half, stats)
            if delay is not None:
                untried = [row.id for later in halves[position + 1:] for row in later]
                services.outbox_schedule_retry(ids=untried, delay=delay, error="waiting for the server",
                                               attempted=False)
                return delay
        return None

    def _pause(self, outcome: transport.Retry) -> float:
        self.failures += 1
        delay = backoff_delay(self.failures, base=self.config.backoff_base, cap=self.config.backoff_max,
                              rng=self.rng)
        if outcome.retry_after is not None:
            delay = max(delay, min(outcome.retry_after, self.config.backoff_max))
        self.paused_until = time.monotonic() + delay
        log = logger.error if outcome.configuration else logger.warning
        log("outbox: analytics server unavailable (%s); next try in %.1f s", outcome.error, delay)
        return delay

    # --- scheduling -------------------------------------------------------------------------------------

    def seconds_until_next_attempt(self) -> float | None:
        """How long until there is something to try (None: nothing pending at all)."""
        first = selectors.outbox_next_attempt_at()
        if first is None:
            return None
        due_in = (first - timezone.now()).total_seconds()
        return max(0.0, due_in, self.paused_until - time.monotonic())

    def purge_if_due(self) -> int:
        now = time.monotonic()
        if self.last_purge is not None and now - self.last_purge < self.config.purge_interval:
            return 0
        self.last_purge = now
        return services.outbox_purge_sent(older_than=dt.timedelta(days=self.config.sent_retention_days))

    def drain(self, *, max_wait: float) -> RelayStats:
        """Ship until nothing is pending, waiting out backoffs for at most ``max_wait`` seconds in all."""
        deadline = time.monotonic() + max_wait
        total = RelayStats()
        while True:
            total += self.run_once()
            wait = self.seconds_until_next_attempt()
            if wait is None or time.monotonic() + wait > deadline:
                return total
            time.sleep(max(wait, 0.01))

    def serve(self, *, stop: threading.Event, wait: Callable[[float], object]) -> None:
        """Ship until ``stop`` is set; ``wait(seconds)`` idles between passes (and may be woken early)."""
        self.stopping = stop
        while not stop.is_set():
            pause = self.config.poll_interval
            try:
                close_old_connections()
                self.run_once()
                self.purge_if_due()
                due_in = self.seconds_until_next_attempt()
                if due_in is not None:
                    pause = min(pause, due_in)
            except Exception:
                # The loop must outlive a database hiccup; the traceback goes to the shop's logs.
                logger.exception("outbox: relay pass failed; trying again in %.1f s", pause)
            finally:
                close_old_connections()
            if not stop.is_set():
                wait(max(pause, 0.01))
