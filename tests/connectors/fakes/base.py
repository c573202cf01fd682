"""A small threaded HTTP server on 127.0.0.1 with routes, a request log, switchable faults and OAuth token state."""

from __future__ import annotations

import json
import re
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    base_url: str

    def form(self) -> dict[str, str]:
        if "application/x-www-form-urlencoded" in self.headers.get("content-type", ""):
            return dict(parse_qsl(self.body.decode()))
        return {}

    def params(self) -> dict[str, str]:
        """Query and form parameters together (Graph and X accept either)."""
        return {**self.query, **self.form()}

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        body = orjson.dumps(data, default=_json_default)
        return cls(status, body, {"Content-Type": "application/json", **(headers or {})})

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/plain; charset=utf-8",
             headers: dict[str, str] | None = None) -> Reply:
        return cls(status, text.encode(), {"Content-Type": content_type, **(headers or {})})

    @classmethod
    def redirect(cls, location: str) -> Reply:
        return cls(302, b"", {"Location": location})


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value))


@dataclass
class Fault:
    kind: str
    times: int
    path: re.Pattern | None
    options: dict[str, Any]


class TokenBook:
    """Access and refresh tokens the fake has issued, and which of them still work."""

    def __init__(self) -> None:
        self.access: dict[str, str] = {}  # token -> "ok" | "expired" | "revoked"
        self.refresh: dict[str, str] = {}
        self.codes: dict[str, dict[str, str]] = {}
        self.refreshes = 0
        self.lock = threading.Lock()

    def issue(self, *, access: str | None = None, refresh: str | None = None) -> tuple[str, str]:
        access = access or "acc-" + secrets.token_hex(8)
        refresh = refresh or "ref-" + secrets.token_hex(8)
        with self.lock:
            self.access[access] = "ok"
            self.refresh[refresh] = "ok"
        return access, refresh

    def state(self, token: str | None) -> str:
        return self.access.get(token or "", "invalid")

    def expire_access(self) -> None:
        with self.lock:
            for token, state in self.access.items():
                if state == "ok":
                    self.access[token] = "expired"

    def revoke_all(self) -> None:
        with self.lock:
            self.access = dict.fromkeys(self.access, "revoked")
            self.refresh = dict.fromkeys(self.refresh, "revoked")

    def use_refresh(self, token: str) -> str | None:
        """A new access token for a live refresh token (the refresh token itself is kept), else None."""
        with self.lock:
            if self.refresh.get(token) != "ok":
                return None
            self.refreshes += 1
            access = "acc-" + secrets.token_hex(8)
            self.access[access] = "ok"
            return access

    def new_code(self, **details: str) -> str:
        code = "code-" + secrets.token_hex(6)
        self.codes[code] = details
        return code


Route = tuple[str, re.Pattern, Callable[..., Reply]]


class FakeServer:
    """Subclasses fill ``routes`` and implement ``fault_reply`` in the platform's own error shapes."""

    platform = "fake"

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self.tokens = TokenBook()
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # --- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> FakeServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body are written separately: without this, Nagle + delayed ACK add 40 ms a call.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(method=self.command, path=parts.path, query=dict(parse_qsl(parts.query,
                                  keep_blank_values=True)), headers={k.lower(): v for k, v in self.headers.items()},
                                  body=body, base_url=fake.url)
                reply = fake.dispatch(request)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up waiting (timeout tests): nobody to answer

            do_GET = do_POST = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"fake-{self.platform}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- faults ------------------------------------------------------------------------------------------
    def inject(self, kind: str, *, times: int = 1, path: str | None = None, **options: Any) -> None:
        """The next ``times`` requests whose path matches ``path`` (regex; any when None) get fault ``kind``."""
        with self.lock:
            self.faults.append(Fault(kind, times, re.compile(path) if path else None, options))

    def _take_fault(self, request: Request) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and (fault.path is None or fault.path.search(request.path)):
                    fault.times -= 1
                    return fault
        return None

    def fault_reply(self, fault: Fault, request: Request, normal: Callable[[], Reply]) -> Reply:
        """Faults are methods named ``fault_<kind>(fault, request, normal)``, in the platform's own shapes."""
        handler = getattr(self, f"fault_{fault.kind}", None)
        if handler is None:
            raise ValueError(f"{self.platform} fake has no fault {fault.kind!r}")
        return handler(fault, request, normal)

    def fault_partial(self, fault: Fault, request: Request, normal: Callable[[], Reply]) -> Reply:
        return truncated(normal())

    # --- dispatch ----------------------------------------------------------------------------------------
    def add(self, method: str, pattern: str, handler: Callable[..., Reply]) -> None:
        self.routes.append((method, re.compile(pattern + r"\Z"), handler))

    def dispatch(self, request: Request) -> Reply:
        with self.lock:
            self.requests.append(request)
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                def normal(handler=handler, match=match) -> Reply:
                    return handler(request, **match.groupdict())
                fault = self._take_fault(request)
                if fault is not None:
                    return self.fault_reply(fault, request, normal)
                return normal()
        return self.not_found(request)

    def not_found(self, request: Request) -> Reply:
        return Reply.text("<html><body>404 Not Found</body></html>", status=404, content_type="text/html")

    def calls(self, pattern: str) -> list[Request]:
        regex = re.compile(pattern)
        return [request for request in self.requests if regex.search(request.path)]


def truncated(reply: Reply) -> Reply:
    """The same reply with its body cut in half (a connection dropped mid-page)."""
    return Reply(reply.status, reply.body[: max(1, len(reply.body) // 2)], reply.headers)
