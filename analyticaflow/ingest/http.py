"""HTTP plumbing of the capture endpoints, without Django: bodies, gzip, write keys, CORS, JSON answers.

Everything here works on a raw WSGI ``environ`` and raises the product's :mod:`analyticaflow.errors` for
bad input, so the application renders every refusal in the product's one error shape.
"""

from __future__ import annotations

import binascii
import zlib
from base64 import b64decode
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

import orjson

from analyticaflow.errors import AppError, InvalidInput, PayloadTooLarge

StartResponse = Callable[..., Any]

# Browsers may call the capture API from any site: write keys are public and can only add events.
CORS_HEADERS = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "Retry-After"),
]
PREFLIGHT_HEADERS = [
    *CORS_HEADERS,
    ("Access-Control-Allow-Methods", "POST, OPTIONS"),
    ("Access-Control-Allow-Headers", "Authorization, Content-Type, Content-Encoding, X-Retry-Count"),
    ("Access-Control-Max-Age", "86400"),
]
STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}
READ_CHUNK = 64 * 1024


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than {limit} bytes (decompressed).",
                           fields={"body": [f"must be at most {limit} bytes"]})


def read_body(environ: dict[str, Any], *, limit: int) -> bytes:
    """The request body, decompressed when gzip-encoded; 413 as soon as it is known to exceed ``limit``."""
    stream = environ["wsgi.input"]
    length_header = environ.get("CONTENT_LENGTH") or ""
    if length_header:
        try:
            length = int(length_header)
        except ValueError:
            raise InvalidInput("The Content-Length header is not a number.") from None
        if length > limit:
            raise too_large(limit)
        body = stream.read(length) if length > 0 else b""
    elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        body = _read_capped(stream, limit)
    else:
        body = b""
    encoding = environ.get("HTTP_CONTENT_ENCODING", "").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding in ("gzip", "x-gzip"):
        return gunzip(body, limit=limit)
    raise InvalidInput(f"Content-Encoding {encoding!r} is not supported; send gzip or an unencoded body.",
                       code="unsupported_encoding")


def _read_capped(stream: Any, limit: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(READ_CHUNK, limit + 1 - size))
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            raise too_large(limit)


def gunzip(body: bytes, *, limit: int) -> bytes:
    """Decompress a gzip body, never producing more than ``limit`` bytes (a small bomb stays small)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limit + 1)
        if len(data) > limit:
            raise too_large(limit)
        if not inflater.eof:
            raise InvalidInput("The gzip body is truncated.", code="malformed_body")
    except zlib.error:
        raise InvalidInput("The body is not valid gzip.", code="malformed_body") from None
    return data


def basic_username(environ: dict[str, Any]) -> str | None:
    """The username of an HTTP Basic ``Authorization`` header (the write key), if there is one."""
    header = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "basic" or not credentials:
        return None
    try:
        decoded = b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[0] or None


def respond(start_response: StartResponse, status: int, body: dict[str, Any] | None,
            headers: Iterable[tuple[str, str]] = ()) -> list[bytes]:
    content = orjson.dumps(body) if body is not None else b""
    response_headers = [*CORS_HEADERS, *headers, ("Content-Length", str(len(content)))]
    if body is not None:
        response_headers.append(("Content-Type", "application/json"))
    start_response(STATUS_LINES[status], response_headers)
    return [content]


def respond_error(start_response: StartResponse, error: AppError, **extra: Any) -> list[bytes]:
    detail = error.as_dict()
    detail.update(extra)
    return respond(start_response, error.status_code, {"error": detail}, error.headers.items())
