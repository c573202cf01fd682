"""A real HTTP server standing in for the capture API: records every request and answers from a script.

``collector.script(Reply(503), Hang(2.0), Drop(), Reply(429, headers={"Retry-After": "1"}))`` makes the next
requests fail in that order; afterwards (or with an empty script) it answers 200 ``{"success": true}``, or
whatever ``collector.answer`` (a function of the recorded request) returns.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = field(default_factory=lambda: {"success": True})
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hang:
    """Keep the connection open without answering (the client times out)."""

    seconds: float


@dataclass(frozen=True)
class Drop:
    """Close the connection without any answer."""


@dataclass
class Recorded:
    at: float  # time.monotonic() when the request arrived
    path: str
    headers: dict[str, str]
    raw: bytes
    answered: int | None = None  # the status sent back; None for Hang/Drop

    @property
    def body(self) -> Any:
        return json.loads(self.raw)

    @property
    def batch(self) -> list[dict]:
        return self.body["batch"]

    @property
    def message_ids(self) -> list[str]:
        return [message["messageId"] for message in self.batch]

    @property
    def basic_auth(self) -> tuple[str, str]:
        scheme, _, encoded = self.headers.get("authorization", "").partition(" ")
        assert scheme == "Basic", self.headers
        user, _, password = base64.b64decode(encoded).decode().partition(":")
        return user, password


class Collector:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._script: deque[Reply | Hang | Drop] = deque()
        self.answer: Callable[[Recorded], Reply] = lambda request: Reply()
        self._lock = threading.Lock()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                recorded = Recorded(at=time.monotonic(), path=self.path,
                                    headers={k.lower(): v for k, v in self.headers.items()}, raw=raw)
                with collector._lock:
                    collector.requests.append(recorded)
                    action = collector._script.popleft() if collector._script else None
                if action is None:
                    action = collector.answer(recorded)
                if isinstance(action, Hang):
                    time.sleep(action.seconds)
                    self.close_connection = True
                    return
                if isinstance(action, Drop):
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                payload = json.dumps(action.body).encode() if not isinstance(action.body, bytes) else action.body
                recorded.answered = action.status
                self.send_response(action.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in action.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, *actions: Reply | Hang | Drop) -> None:
        with self._lock:
            self._script.extend(actions)

    def delivered(self) -> list[str]:
        """messageIds of every message in a request answered 2xx, in arrival order (repeats kept)."""
        return [mid for request in self.requests if request.answered and 200 <= request.answered < 300
                for mid in request.message_ids]

    def start(self) -> Collector:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
