"""The capture endpoints as a lean WSGI application, served in front of Django for ``/v1/`` paths.

Segment HTTP Tracking API compatible: ``POST /v1/{track,identify,page,screen,group,alias,batch}``, the write
key as HTTP Basic username (empty password) or ``writeKey`` in the body, gzip bodies, CORS. Django's
middleware stack costs more per request than the whole capture pipeline, so these paths bypass it.

Answers (every one JSON, every one with ``Access-Control-Allow-Origin: *``):

* single message, stored or already stored → 200 ``{"success": true, "accepted": 1, "duplicates": 0|1,
  "messageId": "..."}``; invalid → 400 ``{"error": {"code": "invalid", "message": ..., "fields": {field:
  [reason]}, "messageId": ...}}``.
* batch → 200 ``{"success": true, "accepted": n, "duplicates": d, "rejected": [{"index": i, "messageId": ...,
  "errors": {field: [reason]}}]}``: valid messages are stored, invalid ones listed (index in ``batch``, 0-based).
* 200 always means the accepted messages are committed to the event log.
* 400 malformed JSON or envelope, 401 missing/unknown write key, 413 body over 32 KB (single) or 500 KB
  (batch) decompressed — in a batch a message over 32 KB is rejected on its own —, 503 with ``Retry-After``
  when the event log is unavailable (nothing of the request was stored).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import orjson

from analyticaflow.errors import AppError, InvalidInput, NotAuthenticated, NotFound, ServiceUnavailable
from analyticaflow.eventlog.contracts import EVENT_TYPES, EventLogUnavailable
from analyticaflow.ingest.http import (
    PREFLIGHT_HEADERS,
    StartResponse,
    basic_username,
    read_body,
    respond,
    respond_error,
)
from analyticaflow.ingest.pipeline import MAX_BATCH_BYTES, MAX_MESSAGE_BYTES, Envelope
from analyticaflow.ingest.schema import NOT_OBJECT, parse_time
from analyticaflow.ingest.services import CaptureOutcome, messages_capture
from analyticaflow.ingest.write_keys import write_keys

logger = logging.getLogger(__name__)

PREFIX = "/v1/"
RETRY_AFTER_SECONDS = "5"
ALLOW = [("Allow", "POST, OPTIONS")]


class MethodNotAllowed(AppError):
    code = "method_not_allowed"
    status_code = 405
    default_message = "Use POST (or OPTIONS for a CORS preflight)."


def _project_of(write_key: Any) -> int:
    if type(write_key) is not str or not write_key:
        raise NotAuthenticated("A write key is required: the HTTP Basic username, or writeKey in the body.")
    project_id = write_keys.project_id(write_key)
    if project_id is None:
        raise NotAuthenticated("Unknown write key.", code="unknown_write_key")
    return project_id


def _read(environ: dict[str, Any], *, limit: int) -> tuple[int | None, bytes]:
    """The project of the Basic-auth write key (checked before the body is read) and the body."""
    header_key = basic_username(environ)
    project_id = _project_of(header_key) if header_key else None
    return project_id, read_body(environ, limit=limit)


def _parse_object(body: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"The body is not valid JSON: {exc}", code="malformed_json") from None
    if type(data) is not dict:
        raise InvalidInput("The body must be a JSON object.", code="malformed_json")
    return data


def _envelope_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    batch = data.get("batch")
    if batch is None:
        errors["batch"] = ["is required"]
    elif type(batch) is not list:
        errors["batch"] = ["must be an array of messages"]
    for name in ("context", "integrations"):
        if data.get(name) is not None and type(data[name]) is not dict:
            errors[name] = [NOT_OBJECT]
    if data.get("sentAt") is not None and parse_time(data["sentAt"]) is None:
        errors["sentAt"] = ["must be an ISO 8601 date-time with a time zone"]
    return errors


def capture_batch(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    project_id, body = _read(environ, limit=MAX_BATCH_BYTES)
    data = _parse_object(body)
    if project_id is None:
        project_id = _project_of(data.get("writeKey"))
    errors = _envelope_errors(data)
    if errors:
        raise InvalidInput("The batch envelope is invalid.", fields=errors)
    envelope = Envelope(
        project_id=project_id,
        received_at=datetime.now(UTC),
        sent_at=data.get("sentAt"),
        context=data.get("context"),
        integrations=data.get("integrations"),
    )
    outcome = _capture(enumerate(data["batch"]), envelope)
    rejected = [{"index": r.index, "messageId": r.message_id, "errors": r.errors} for r in outcome.rejected]
    return respond(start_response, 200, {"success": True, "accepted": outcome.accepted,
                                         "duplicates": outcome.duplicates, "rejected": rejected})


def single_endpoint(message_type: str):
    def capture_single(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        project_id, body = _read(environ, limit=MAX_MESSAGE_BYTES)
        message = _parse_object(body)
        if project_id is None:
            project_id = _project_of(message.get("writeKey"))
        envelope = Envelope(project_id=project_id, received_at=datetime.now(UTC), endpoint_type=message_type)
        outcome = _capture([(0, message)], envelope)
        if outcome.rejected:
            rejection = outcome.rejected[0]
            error = InvalidInput(f"The {message_type} message is invalid.", fields=rejection.errors)
            return respond_error(start_response, error, messageId=rejection.message_id)
        message_id = outcome.message_ids[0] if outcome.message_ids else message.get("messageId")
        return respond(start_response, 200, {"success": True, "accepted": 1, "duplicates": outcome.duplicates,
                                             "messageId": message_id})

    capture_single.__name__ = f"capture_{message_type}"
    return capture_single


def _capture(items, envelope: Envelope) -> CaptureOutcome:
    try:
        return messages_capture(items=items, envelope=envelope)
    except EventLogUnavailable as exc:
        logger.warning("capture refused a request: the event log is unavailable: %s", exc)
        raise ServiceUnavailable("The event log is unavailable; nothing was stored. Retry later.",
                                 headers={"Retry-After": RETRY_AFTER_SECONDS}) from exc


ROUTES = {f"{PREFIX}{name}": single_endpoint(name) for name in EVENT_TYPES}
ROUTES[f"{PREFIX}batch"] = capture_batch


def capture_application(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    """WSGI application of the capture endpoints (``/v1/...``)."""
    path = environ.get("PATH_INFO", "")
    handler = ROUTES.get(path.rstrip("/") if path.endswith("/") else path)
    method = environ.get("REQUEST_METHOD", "")
    try:
        if handler is None:
            raise NotFound(f"No capture endpoint at {path}; see /v1/track, /v1/batch, ...")
        if method == "POST":
            return handler(environ, start_response)
        if method == "OPTIONS":
            start_response("204 No Content", [*PREFLIGHT_HEADERS, *ALLOW])
            return [b""]
        raise MethodNotAllowed(headers=dict(ALLOW))
    except AppError as error:
        return respond_error(start_response, error)
    except Exception:
        logger.exception("capture failed on %s %s", method, path)
        return respond(start_response, 500, {"error": {"code": "server_error", "message": "Internal error."}})


def with_capture(django_application):
    """Wrap the Django WSGI application: ``/v1/`` paths go to capture, everything else to Django."""

    def application(environ: dict[str, Any], start_response: StartResponse):
        if environ.get("PATH_INFO", "").startswith(PREFIX):
            return capture_application(environ, start_response)
        return django_application(environ, start_response)

    return application
