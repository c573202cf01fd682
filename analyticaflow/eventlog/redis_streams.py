"""The scale-mode event log: a Redis Stream, the transport between capture and the projectors/archiver.

Layout (every key shares the hash tag of the prefix, so a cluster keeps them in one slot)
    ``<prefix>:stream``        the stream; entry id ``<seq>-0``, fields p, m, t, n, a, u, ts, r, d
    ``<prefix>:seq``           the last seq handed out
    ``<prefix>:dedupe:<project_id>:<message_id>``  set with NX and a TTL: the dedupe window

Append
    One Lua script per call checks each record's dedupe key with ``SET NX EX`` (a repeat inside the call, in
    an earlier call or from another web process is a duplicate), assigns the next seq and ``XADD``s the
    entry with the explicit id ``<seq>-0``. Redis runs a script atomically and the script checks everything
    that could fail before its first write (it is declared as writing, so an out-of-memory server refuses
    it up front), so a call is stored whole or not at all. A connection error or timeout raises
    :class:`EventLogUnavailable`; if the reply was lost after Redis ran the script, the producer's retry is
    answered as duplicates — the effect is still exactly once.

Dedupe window
    Dedupe keys expire after ``dedupe_ttl_hours`` (default 24; URL option). Redis keeps about 100 bytes per
    key, so size memory as ``events per hour * hours * ~100 B``. A retry arriving after the window is stored
    again here; long-term dedupe relies on the warehouse ``raw_events`` table, which keeps one row per
    (project_id, message_id).

Durability
    A return from ``append()`` means Redis accepted the write. For it to survive a Redis crash or power loss
    the server must run with ``appendonly yes`` and ``appendfsync always``. With ``appendfsync everysec``
    about one second of acknowledged events can be lost on a crash of the Redis host (not of the
    application). Replicas are asynchronous: a failover can lose the last acknowledged writes unless
    ``WAIT`` is used.

The stream is transport, not the permanent store: the archiver copies it to ``raw_events`` and may then
trim it with :meth:`RedisStreamsEventLog.trim_through`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from analyticaflow.eventlog.contracts import AppendResult, EventLogUnavailable, EventRecord, StoredEvent
from analyticaflow.eventlog.records import check_records, from_micros, to_micros

DEFAULT_PREFIX = "{analyticaflow}:eventlog"
DEFAULT_DEDUPE_TTL_HOURS = 24
DEFAULT_SOCKET_TIMEOUT = 5.0
DEFAULT_CONNECT_TIMEOUT = 1.0
# Blocking reads wait at most this long per command; their client's socket timeout leaves room for the
# server's coarse (about 100 ms) blocking-timeout resolution on top.
BLOCK_SLICE_SECONDS = 1.0
BLOCKING_SOCKET_MARGIN_SECONDS = 1.0
OPTIONS = ("prefix", "dedupe_ttl_hours", "socket_timeout", "socket_connect_timeout")
FIELDS_PER_RECORD = 9
ABSENT = "-"  # an optional field that is None; a present value is sent as "+<value>"

# KEYS: seq key, stream key. ARGV: dedupe key prefix, TTL seconds, then FIELDS_PER_RECORD values per record.
APPEND_SCRIPT = """#!lua
local seq_key, stream_key = KEYS[1], KEYS[2]
local dedupe_prefix, ttl = ARGV[1], ARGV[2]
local width = 9
local seq = tonumber(redis.call('GET', seq_key) or '0')
local last = redis.call('XREVRANGE', stream_key, '+', '-', 'COUNT', 1)
if #last > 0 and tonumber(string.match(last[1][1], '^(%d+)')) > seq then
  return redis.error_reply('EVENTLOG the sequence counter is behind the stream')
end
local stored = 0
for base = 2, #ARGV - 1, width do
  local project, message_id = ARGV[base + 1], ARGV[base + 2]
  if redis.call('SET', dedupe_prefix .. project .. ':' .. message_id, '1', 'NX', 'EX', ttl) then
    seq = seq + 1
    local entry = {'p', project, 'm', message_id, 't', ARGV[base + 3],
                   'ts', ARGV[base + 7], 'r', ARGV[base + 8], 'd', ARGV[base + 9]}
    local optional = {n = ARGV[base + 4], a = ARGV[base + 5], u = ARGV[base + 6]}
    for field, value in pairs(optional) do
      if string.sub(value, 1, 1) == '+' then
        table.insert(entry, field)
        table.insert(entry, string.sub(value, 2))
      end
    end
    redis.call('XADD', stream_key, seq .. '-0', unpack(entry))
    stored = stored + 1
  end
end
if stored > 0 then
  redis.call('SET', seq_key, seq)
end
return stored
"""


def _optional(value: str | None) -> str:
    return ABSENT if value is None else "+" + value


def _arguments(record: EventRecord) -> tuple:
    return (
        record.project_id,
        record.message_id,
        record.type,
        _optional(record.name),
        _optional(record.anonymous_id),
        _optional(record.user_id),
        to_micros(record.timestamp),
        to_micros(record.received_at),
        bytes(record.payload),
    )


def _text(fields: dict, key: bytes) -> str | None:
    value = fields.get(key)
    return None if value is None else value.decode()


def stored_event_of(entry_id: bytes, fields: dict) -> StoredEvent:
    record = EventRecord(
        project_id=int(fields[b"p"]),
        message_id=fields[b"m"].decode(),
        type=fields[b"t"].decode(),
        name=_text(fields, b"n"),
        anonymous_id=_text(fields, b"a"),
        user_id=_text(fields, b"u"),
        timestamp=from_micros(int(fields[b"ts"])),
        received_at=from_micros(int(fields[b"r"])),
        payload=fields[b"d"],
    )
    return StoredEvent(seq=int(entry_id.split(b"-", 1)[0]), record=record)


class RedisStreamsEventLog:
    """The :class:`~analyticaflow.eventlog.contracts.EventLog` on a Redis Stream (see the module docstring)."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        blocking_client: redis.Redis | None = None,
        prefix: str = DEFAULT_PREFIX,
        dedupe_ttl_hours: float = DEFAULT_DEDUPE_TTL_HOURS,
    ) -> None:
        """``blocking_client`` serves blocking reads; its socket timeout must exceed ``BLOCK_SLICE_SECONDS``."""
        if dedupe_ttl_hours <= 0:
            raise ValueError("dedupe_ttl_hours must be positive")
        self.client = client
        self.blocking_client = blocking_client or client
        self.prefix = prefix
        self.stream_key = f"{prefix}:stream"
        self.seq_key = f"{prefix}:seq"
        self.dedupe_prefix = f"{prefix}:dedupe:"
        self.dedupe_ttl_seconds = max(1, round(dedupe_ttl_hours * 3600))
        self._append_script = client.register_script(APPEND_SCRIPT)

    @classmethod
    def from_url(cls, url: str) -> RedisStreamsEventLog:
        """Open from ``redis://host:port/db?prefix=...&dedupe_ttl_hours=...&socket_timeout=...``."""
        parts = urlsplit(url)
        options = dict(parse_qsl(parts.query))
        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            raise ValueError(f"Unknown event log option(s) {', '.join(unknown)}; known: {', '.join(OPTIONS)}")
        try:
            socket_timeout = float(options.get("socket_timeout", DEFAULT_SOCKET_TIMEOUT))
            connect_timeout = float(options.get("socket_connect_timeout", DEFAULT_CONNECT_TIMEOUT))
            ttl_hours = float(options.get("dedupe_ttl_hours", DEFAULT_DEDUPE_TTL_HOURS))
        except ValueError as exc:
            raise ValueError(f"Event log URL option is not a number: {exc}") from exc
        plain_url = urlunsplit(parts._replace(query=urlencode({})))

        def connect(timeout: float) -> redis.Redis:
            return redis.Redis.from_url(
                plain_url,
                socket_timeout=timeout,
                socket_connect_timeout=connect_timeout,
                # No silent retries: a retried append would report its own events as duplicates.
                retry=Retry(NoBackoff(), 0),
                health_check_interval=30,
            )

        return cls(
            connect(socket_timeout),
            blocking_client=connect(socket_timeout + BLOCK_SLICE_SECONDS + BLOCKING_SOCKET_MARGIN_SECONDS),
            prefix=options.get("prefix", DEFAULT_PREFIX),
            dedupe_ttl_hours=ttl_hours,
        )

    # -- the EventLog contract ---------------------------------------------------------------------------

    def append(self, records: Sequence[EventRecord]) -> AppendResult:
        """Store the records (one atomic script) before returning; duplicates are counted, not stored."""
        check_records(records)
        if not records:
            return AppendResult(stored=0, duplicates=0)
        arguments: list = [self.dedupe_prefix, self.dedupe_ttl_seconds]
        for record in records:
            arguments.extend(_arguments(record))
        with _unavailable_on_redis_error():
            stored = int(self._append_script(keys=[self.seq_key, self.stream_key], args=arguments))
        return AppendResult(stored=stored, duplicates=len(records) - stored)

    def read(self, *, after_seq: int, limit: int) -> list[StoredEvent]:
        """Up to ``limit`` events with ``seq > after_seq``, in seq order (only what the stream still holds)."""
        if limit <= 0:
            return []
        with _unavailable_on_redis_error():
            entries = self.client.xrange(self.stream_key, min=f"({after_seq}-0", max="+", count=limit)
        return [stored_event_of(entry_id, fields) for entry_id, fields in entries]

    def last_seq(self) -> int:
        """The highest seq handed out so far (0 when empty); trimming the stream does not lower it."""
        with _unavailable_on_redis_error():
            value = self.client.get(self.seq_key)
        return int(value or 0)

    def close(self) -> None:
        self.client.close()
        self.blocking_client.close()

    # -- beyond the contract -----------------------------------------------------------------------------

    def wait_for_new(self, *, after_seq: int, timeout: float) -> bool:
        """Block (XREAD BLOCK, no polling) until an event with ``seq > after_seq`` exists or the timeout passes."""
        deadline = time.monotonic() + timeout
        while True:
            block_ms = _block_ms(deadline)
            with _unavailable_on_redis_error():
                found = self.blocking_client.xread({self.stream_key: f"{after_seq}-0"}, count=1, block=block_ms)
            if found:
                return True
            if deadline - time.monotonic() <= 0:
                return False

    def ensure_group(self, group: str, *, after_seq: int = 0) -> None:
        """Create the consumer group (delivering events after ``after_seq``) unless it exists."""
        with _unavailable_on_redis_error():
            try:
                self.client.xgroup_create(self.stream_key, group, id=f"{after_seq}-0", mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    def read_group(
        self, group: str, consumer: str, *, count: int, block_seconds: float | None = None, pending: bool = False
    ) -> list[StoredEvent]:
        """Events for ``consumer``: new ones, or with ``pending=True`` those it received and never acked."""
        stream = {self.stream_key: "0" if pending else ">"}
        if block_seconds is None:
            with _unavailable_on_redis_error():
                answer = self.client.xreadgroup(group, consumer, stream, count=count)
        else:
            deadline = time.monotonic() + block_seconds
            while True:
                with _unavailable_on_redis_error():
                    answer = self.blocking_client.xreadgroup(
                        group, consumer, stream, count=count, block=_block_ms(deadline)
                    )
                if answer or deadline - time.monotonic() <= 0:
                    break
        return [stored_event_of(entry_id, fields) for _, entries in answer or [] for entry_id, fields in entries]

    def ack(self, group: str, seqs: Iterable[int]) -> int:
        """Acknowledge processed events; returns how many were pending."""
        ids = [f"{seq}-0" for seq in seqs]
        if not ids:
            return 0
        with _unavailable_on_redis_error():
            return int(self.client.xack(self.stream_key, group, *ids))

    def trim_through(self, seq: int) -> int:
        """Drop stream entries with ``seq <= seq`` (after they are archived); returns how many went."""
        with _unavailable_on_redis_error():
            return int(self.client.xtrim(self.stream_key, minid=f"{seq + 1}-0", approximate=False))


def _block_ms(deadline: float) -> int:
    """Milliseconds to block in one command: what is left, at most one slice, at least 1 (0 means forever)."""
    return max(1, round(min(deadline - time.monotonic(), BLOCK_SLICE_SECONDS) * 1000))


@contextmanager
def _unavailable_on_redis_error() -> Iterator[None]:
    """Turn the client's connection, timeout and server errors into EventLogUnavailable."""
    try:
        yield
    except redis.RedisError as exc:
        raise EventLogUnavailable(f"The Redis event log failed: {exc}") from exc
