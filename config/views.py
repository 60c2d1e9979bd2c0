"""Site-wide views: the index, and the error pages, which answer JSON on every API path.

Whether a path is an API path, and which envelope it answers, comes from the registered API
families (config/families.py): config knows no app's prefix.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.common import no_append_slash
from django.views.decorators.csrf import csrf_exempt

from config.errors import DomainError, NotFoundError, ServiceUnavailableError
from config.exceptions import error_response
from config.families import family_for


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


def _no_route(request: HttpRequest) -> HttpResponse:
    return error_response(
        request, NotFoundError(f"No route matches {request.method} {request.path}.")
    )


@csrf_exempt  # a POST to an unknown API path is a 404, not a CSRF failure page
@no_append_slash  # "/api/nope" is a 404, not a redirect to the catch-all "/api/nope/"
def api_not_found(request: HttpRequest) -> HttpResponse:
    """The last route of every API family: an unknown path, a trailing slash, a malformed UUID in
    a path. A route rather than ``handler404`` because DEBUG (``make run``) bypasses the handler
    and shows Django's HTML page."""
    return _no_route(request)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if family_for(request.path):
        return _no_route(request)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """Errors raised outside DRF views (plain views, middleware). Django has logged the traceback.

    Django calls this inside its ``except`` block, so the exception is at hand: a lost or
    unreachable database answers 503 ``SERVICE_UNAVAILABLE`` like it does inside DRF views.
    """
    unavailable = isinstance(sys.exc_info()[1], (OperationalError, InterfaceError))
    if family_for(request.path):
        error = (
            ServiceUnavailableError()
            if unavailable
            else DomainError(
                "An unexpected error occurred.", code="INTERNAL_ERROR", status_code=500
            )
        )
        response = error_response(request, error)
        if unavailable:
            response["Retry-After"] = "1"
        return response
    if unavailable:
        response = HttpResponse(
            ServiceUnavailableError.default_message, content_type="text/plain", status=503
        )
        response["Retry-After"] = "1"
        return response
    return defaults.server_error(request)
