"""The capture endpoints in the OpenAPI document.

They are served before Django (see :mod:`analyticaflow.ingest.app`), so drf-spectacular cannot see them; this
post-processing hook adds their description to the generated schema.
"""

from __future__ import annotations

from typing import Any

from analyticaflow.eventlog.contracts import EVENT_TYPES
from analyticaflow.ingest.pipeline import MAX_BATCH_BYTES, MAX_MESSAGE_BYTES

REQUIRED_NOTES = {
    "track": "`event`, and `userId` or `anonymousId`",
    "identify": "`userId` or `anonymousId`",
    "page": "`userId` or `anonymousId`",
    "screen": "`userId` or `anonymousId`",
    "group": "`groupId`, and `userId` or `anonymousId`",
    "alias": "`previousId` and `userId`",
}
ID = {"type": "string", "nullable": True, "maxLength": 255, "description": "numbers are accepted, stored as strings"}
TIME = {"type": "string", "format": "date-time", "nullable": True,
        "description": "ISO 8601 with `Z` or an offset; fractions of a second optional"}
OBJECT = {"type": "object", "nullable": True, "additionalProperties": True}

MESSAGE = {
    "type": "object",
    "additionalProperties": True,
    "description": "A Segment tracking message. Unknown fields are kept.",
    "properties": {
        "type": {"type": "string", "enum": list(EVENT_TYPES),
                 "description": "required in a batch; on a single endpoint it is the endpoint's type"},
        "messageId": {"type": "string", "nullable": True, "maxLength": 255,
                      "description": "unique per project: a resend is stored once; generated when absent"},
        "anonymousId": ID,
        "userId": ID,
        "previousId": ID,
        "groupId": ID,
        "event": {"type": "string", "maxLength": 255},
        "name": {"type": "string", "nullable": True, "maxLength": 255},
        "category": {"type": "string", "nullable": True, "maxLength": 255},
        "properties": OBJECT,
        "traits": OBJECT,
        "context": {**OBJECT, "description": "page, campaign/UTM, click ids, user agent, ip, `traits`, library..."},
        "integrations": OBJECT,
        "timestamp": TIME,
        "sentAt": {**TIME, "description": "when the client sent it, by its own clock: the server corrects the skew"},
        "writeKey": {"type": "string", "description": "the write key, when not sent as HTTP Basic username"},
    },
}
BATCH = {
    "type": "object",
    "required": ["batch"],
    "properties": {
        "batch": {"type": "array", "items": {"$ref": "#/components/schemas/CaptureMessage"}},
        "context": {**OBJECT, "description": "merged under each message's own context"},
        "integrations": {**OBJECT, "description": "merged under each message's own integrations"},
        "sentAt": {**TIME, "description": "for messages without their own"},
        "writeKey": {"type": "string"},
    },
}
SINGLE_ANSWER = {
    "type": "object",
    "properties": {"success": {"type": "boolean"}, "accepted": {"type": "integer"},
                   "duplicates": {"type": "integer"}, "messageId": {"type": "string"}},
}
BATCH_ANSWER = {
    "type": "object",
    "properties": {
        "success": {"type": "boolean"},
        "accepted": {"type": "integer", "description": "stored now or already stored"},
        "duplicates": {"type": "integer", "description": "accepted messages whose messageId was already stored"},
        "rejected": {"type": "array", "items": {"type": "object", "properties": {
            "index": {"type": "integer", "description": "0-based position in `batch`"},
            "messageId": {"type": "string", "nullable": True},
            "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                       "description": "field → reasons"},
        }}},
    },
}
ERROR = {"description": "`{\"error\": {\"code\", \"message\", \"fields\"?}}`",
         "content": {"application/json": {"schema": {"type": "object"}}}}


def _operation(*, summary: str, description: str, body: dict[str, Any], answer: dict[str, Any], limit: int,
               operation_id: str) -> dict[str, Any]:
    return {
        "post": {
            "operationId": operation_id,
            "tags": ["capture"],
            "summary": summary,
            "description": description,
            "security": [{"writeKey": []}, {}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {
                "200": {"description": "stored: committed to the event log",
                        "content": {"application/json": {"schema": answer}}},
                "400": {**ERROR, "description": "malformed JSON or envelope, or (single endpoints) an invalid message"},
                "401": {**ERROR, "description": "missing or unknown write key"},
                "413": {**ERROR, "description": f"body over {limit} bytes, decompressed"},
                "503": {**ERROR, "description": "event log unavailable: nothing stored; retry after `Retry-After`"},
            },
        }
    }


def add_capture_paths(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook: describe ``/v1/...`` next to the API."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["CaptureMessage"] = MESSAGE
    components.setdefault("securitySchemes", {})["writeKey"] = {
        "type": "http", "scheme": "basic",
        "description": "the project's write key as username, empty password (or `writeKey` in the body)",
    }
    paths = result.setdefault("paths", {})
    for message_type in EVENT_TYPES:
        paths[f"/v1/{message_type}"] = _operation(
            operation_id=f"capture_{message_type}",
            summary=f"Capture one {message_type} message (Segment HTTP Tracking API)",
            description=f"Requires {REQUIRED_NOTES[message_type]}. gzip bodies accepted; CORS open.",
            body={"$ref": "#/components/schemas/CaptureMessage"},
            answer=SINGLE_ANSWER,
            limit=MAX_MESSAGE_BYTES,
        )
    paths["/v1/batch"] = _operation(
        operation_id="capture_batch",
        summary="Capture a batch of messages (Segment HTTP Tracking API)",
        description=f"Valid messages are stored, invalid ones listed in `rejected`; a message over "
                    f"{MAX_MESSAGE_BYTES} bytes is rejected alone. gzip bodies accepted; CORS open.",
        body=BATCH,
        answer=BATCH_ANSWER,
        limit=MAX_BATCH_BYTES,
    )
    return result
