"""Site-wide views: the index and JSON error pages for API paths."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from config.errors import DomainError, NotFoundError
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
    if request.path.startswith(API_PREFIXES):
        error = DomainError("An unexpected error occurred.", code="INTERNAL_ERROR", status_code=500)
        return JsonResponse(error_body(request.path, error.code, error.message, None), status=500)
    return defaults.server_error(request)
