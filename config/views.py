"""Site-wide views: the index and JSON error pages for API paths."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from config.errors import DomainError, NotFoundError, ServiceUnavailableError
from config.exceptions import error_body

API_PREFIXES = ("/api/", "/v1/")


def index(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "name": "Publishing Platform",
            "docs": "/api/docs/",
            "redoc": "/api/redoc/",
            "schema": "/api/schema/",
            "admin": "/admin/",
            "health": "/api/health",
        }
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(API_PREFIXES):
        error = NotFoundError(f"No route matches {request.method} {request.path}.")
        return JsonResponse(error_body(request.path, error.code, error.message, None), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """Errors raised outside DRF views (plain views, middleware). Django has logged the traceback.

    Django calls this inside its ``except`` block, so the exception is at hand: a lost or
    unreachable database answers 503 ``SERVICE_UNAVAILABLE`` like it does inside DRF views.
    """
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        error = ServiceUnavailableError()
        if request.path.startswith(API_PREFIXES):
            body = error_body(request.path, error.code, error.message, None)
            response: HttpResponse = JsonResponse(body, status=503)
        else:
            response = HttpResponse(error.message, content_type="text/plain", status=503)
        response["Retry-After"] = "1"
        return response
    if request.path.startswith(API_PREFIXES):
        error = DomainError("An unexpected error occurred.", code="INTERNAL_ERROR", status_code=500)
        return JsonResponse(error_body(request.path, error.code, error.message, None), status=500)
    return defaults.server_error(request)
