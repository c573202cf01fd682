"""Renders every API error in one shape: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_default_handler

from analyticaflow.errors import AppError, Forbidden, InvalidInput, NotFound

_DRF_CODES: dict[type[Exception], str] = {
    drf_exceptions.ParseError: "malformed_request",
    drf_exceptions.UnsupportedMediaType: "unsupported_media_type",
    drf_exceptions.MethodNotAllowed: "method_not_allowed",
    drf_exceptions.NotAcceptable: "not_acceptable",
    drf_exceptions.Throttled: "rate_limited",
    drf_exceptions.NotAuthenticated: "not_authenticated",
    drf_exceptions.AuthenticationFailed: "not_authenticated",
    drf_exceptions.PermissionDenied: "forbidden",
    drf_exceptions.NotFound: "not_found",
}


def _flatten_detail(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into ``{"a.b.0.c": [reasons]}``."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors" and not prefix:
                name = "non_field_errors"
            fields.update(_flatten_detail(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            fields[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                fields.update(_flatten_detail(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        fields[prefix or "non_field_errors"] = [str(detail)]
    return fields


def error_response(error: AppError) -> Response:
    response = Response({"error": error.as_dict()}, status=error.status_code)
    for name, value in error.headers.items():
        response[name] = value
    return response


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, AppError):
        return error_response(exc)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return error_response(InvalidInput(fields=fields))
    if isinstance(exc, Http404):
        return error_response(NotFound())
    if isinstance(exc, DjangoPermissionDenied):
        return error_response(Forbidden())

    response = drf_default_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django log it and answer 500
    if isinstance(exc, drf_exceptions.ValidationError):
        body = {"code": "invalid", "message": "The request has invalid fields.",
                "fields": _flatten_detail(exc.detail)}
    else:
        code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
        detail = exc.detail if isinstance(exc, drf_exceptions.APIException) else str(exc)
        if isinstance(detail, dict) and "detail" in detail:
            detail = str(detail["detail"])  # simplejwt nests its reason
        message = detail if isinstance(detail, str) else "; ".join(
            f"{k}: {' '.join(v)}" for k, v in _flatten_detail(detail).items())
        body = {"code": code, "message": str(message)}
    response.data = {"error": body}
    return response
