"""What a locked-out login attempt gets back: JSON on the API, the login page elsewhere."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from analyticaflow.errors import LockedOut

LOCKOUT_MESSAGE = LockedOut.default_message


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"error": {"code": "locked_out", "message": LOCKOUT_MESSAGE}}, status=429)
    else:
        response = render(request, "web/login.html", {"error": LOCKOUT_MESSAGE}, status=429)
    response["Retry-After"] = retry_after
    return response
