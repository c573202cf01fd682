"""A cheap HTTP/1.1 load generator for the capture benchmarks: raw keep-alive sockets, requests from templates.

Every request is built before the clock matters except its ids: a template holds the whole request (head and
body) cut at fixed-width id slots, and a request is the template's pieces joined with fresh ids — one
``bytes.join`` per request, no JSON encoding, no HTTP library. One process drives many connections from one
``selectors`` loop (send a request, read its answer, send the next), so the client's CPU per event stays far
below the server's and the two can share the machine's cores. ``bench/ingest_http.py`` reports it.
"""

from __future__ import annotations

import os
import selectors
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson

SLOT = "\x00slot\x00"  # where an id goes in a template's body (never in a real message)
SEQUENTIAL_ID_WIDTH = 28  # "<run>-<client:03>-<number:010>" padded to this width
RANDOM_ID_WIDTH = 36  # a UUID's text form


@dataclass(frozen=True, slots=True)
class Template:
    """An HTTP request cut at its id slots; ``fill(ids)`` gives the bytes to send."""

    pieces: tuple[bytes, ...]

    @property
    def slots(self) -> int:
        return len(self.pieces) - 1

    def fill(self, ids: list[bytes]) -> bytes:
        pieces = self.pieces
        parts = [pieces[0]]
        for index, value in enumerate(ids, 1):
            parts.append(value)
            parts.append(pieces[index])
        return b"".join(parts)


def template(*, path: str, headers: dict[str, str], body: bytes, id_width: int) -> Template:
    """The request ``POST path`` with ``body``, whose ``SLOT`` markers each take an id of ``id_width`` bytes."""
    marker = orjson.dumps(SLOT)[1:-1]  # the marker as it appears inside a JSON string
    body_pieces = body.split(marker)
    length = len(body) - (len(body_pieces) - 1) * (len(marker) - id_width)
    head = f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Length: {length}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    return Template(pieces=(head.encode() + body_pieces[0], *body_pieces[1:]))


class IdSource:
    """Unique messageIds of fixed width: in sending order, or random UUID text (as the SDKs send)."""

    def __init__(self, *, run: str, client: int, random_ids: bool) -> None:
        self.random_ids = random_ids
        self.width = RANDOM_ID_WIDTH if random_ids else SEQUENTIAL_ID_WIDTH
        self._prefix = f"{run}-{client:03d}-".encode()
        self._number = 0
        if len(self._prefix) + 10 > SEQUENTIAL_ID_WIDTH:
            raise ValueError(f"run name {run!r} is too long for a {SEQUENTIAL_ID_WIDTH}-byte id")

    def take(self, count: int) -> list[bytes]:
        if self.random_ids:
            text = os.urandom(16 * count).hex().encode()
            return [text[i:i + 8] + b"-" + text[i + 8:i + 12] + b"-" + text[i + 12:i + 16] + b"-"
                    + text[i + 16:i + 20] + b"-" + text[i + 20:i + 32] for i in range(0, 32 * count, 32)]
        first, self._number = self._number, self._number + count
        return [(b"%s%010d" % (self._prefix, n)).ljust(SEQUENTIAL_ID_WIDTH, b"_") for n in range(first, first + count)]


@dataclass(slots=True)
class Tally:
    accepted: int = 0  # events the server answered 200 for
    requests: int = 0
    errors: int = 0  # non-200 answers
    cpu_seconds: float = 0.0  # the load generator's own CPU time while sending


class _Connection:
    __slots__ = ("buffer", "head_end", "length", "sock")

    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = bytearray()
        self.head_end = -1
        self.length = 0

    def answer(self) -> tuple[int, bytes] | None:
        """Read what is there; the (status, body) of a complete answer, else None (keep waiting)."""
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("the server closed a keep-alive connection")
        buffer = self.buffer
        buffer += chunk
        if self.head_end < 0:
            self.head_end = buffer.find(b"\r\n\r\n")
            if self.head_end < 0:
                return None
            head = bytes(buffer[:self.head_end]).lower()
            start = head.find(b"\ncontent-length:")
            self.length = int(head[start + 16:head.find(b"\r", start + 1)]) if start >= 0 else 0
        end = self.head_end + 4 + self.length
        if len(buffer) < end:
            return None
        status, body = int(buffer[9:12]), bytes(buffer[self.head_end + 4:end])
        del buffer[:end]
        self.head_end = -1
        return status, body


def drive_connections(*, address: tuple[str, int], connections: int, next_request: Callable[[], bytes],
                      accepted_of: Callable[[bytes], int], start_at: float, stop_at: float) -> Tally:
    """Keep ``connections`` keep-alive requests in flight from ``start_at`` until ``stop_at`` (wall clock).

    ``next_request()`` gives the bytes of a new request; ``accepted_of(body)`` the events a 200 answer accepted.
    Requests sent before ``stop_at`` are answered and counted.
    """
    selector = selectors.DefaultSelector()
    pool = [_Connection(address) for _ in range(connections)]
    tally = Tally()
    time.sleep(max(0.0, start_at - time.time()))
    cpu_began = time.process_time()
    for connection in pool:
        connection.sock.sendall(next_request())
        selector.register(connection.sock, selectors.EVENT_READ, connection)
    in_flight = len(pool)
    while in_flight:
        for key, _ in selector.select():
            connection = key.data
            answer = connection.answer()
            if answer is None:
                continue
            status, body = answer
            tally.requests += 1
            if status == 200:
                tally.accepted += accepted_of(body)
            else:
                tally.errors += 1
            if time.time() < stop_at:
                connection.sock.sendall(next_request())
            else:
                selector.unregister(connection.sock)
                in_flight -= 1
    tally.cpu_seconds = time.process_time() - cpu_began
    for connection in pool:
        connection.sock.close()
    selector.close()
    return tally
