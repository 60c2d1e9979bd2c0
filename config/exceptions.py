"""One exception handler for every API error.

It turns domain errors, DRF's exceptions and Django's ``ValidationError``/``Http404``/
``PermissionDenied`` into ``{"code", "message", "details"}`` (``details`` is ``{}`` when there are
none), wrapped in the envelope of the request's API family (config/families.py; docs/api.md shows
both), and answers unexpected errors with a logged 500 that carries the request id and nothing else.
Errors raised outside DRF views (middleware, unknown routes, Django's 500 page) go through the same
handler with ``error_response``, so every error body of the API has one shape and one encoder.

Rolling back is not this handler's job: ``ATOMIC_REQUESTS`` is off, and each service's own
``transaction.atomic`` has already rolled back when its exception reaches here.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from config.errors import DomainError
from config.families import error_envelope
from config.renderers import JSONRenderer

logger = logging.getLogger("config.errors")


def error_body(path: str, code: str, message: str, details: dict[str, Any] | None) -> dict:
    """The error envelope of the API family that ``path`` belongs to (config/families.py)."""
    return error_envelope(path, {"code": code, "message": message, "details": details or {}})


def flatten_errors(errors: Any) -> dict[str, list[str]]:
    """Flatten DRF's nested errors into ``{"scopes.organization.enabled": ["message", ...]}``."""
    flat: dict[str, list[str]] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                name = "" if key in ("non_field_errors", "__all__") else str(key)
                walk(child, f"{path}.{name}" if path and name else (name or path))
        elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
            for index, child in enumerate(value):
                if child:
                    walk(child, f"{path}.{index}" if path else str(index))
        else:
            messages = value if isinstance(value, list) else [value]
            flat.setdefault(path or "nonFieldErrors", []).extend(str(m) for m in messages)

    walk(errors, "")
    return flat


def _first_message(detail: Any, default: str) -> str:
    if isinstance(detail, str):
        return detail
    if isinstance(detail, dict):
        if "detail" in detail:
            return str(detail["detail"])
        return default
    if isinstance(detail, list) and detail:
        return _first_message(detail[0], default)
    return default


def classify(exc: Exception) -> tuple[int, str, str, dict[str, Any] | None, dict[str, str]]:
    """Return (status, code, message, details, headers) for any exception."""
    if isinstance(exc, DomainError):
        return exc.status_code, exc.code, exc.message, exc.details, {}
    if isinstance(exc, DjangoValidationError):
        fields = (
            {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"nonFieldErrors": [str(m) for m in exc.messages]}
        )
        return 400, "VALIDATION_FAILED", "Request validation failed.", {"fields": fields}, {}
    if isinstance(exc, Http404):
        return 404, "NOT_FOUND", "Not found.", None, {}
    if isinstance(exc, DjangoPermissionDenied):
        return 403, "FORBIDDEN", "You do not have permission to perform this action.", None, {}
    if isinstance(exc, drf.ValidationError):
        details = {"fields": flatten_errors(exc.detail)}
        return 400, "VALIDATION_FAILED", "Request validation failed.", details, {}
    if isinstance(exc, drf.ParseError):
        return 400, "VALIDATION_FAILED", f"Malformed request body: {exc.detail}", None, {}
    if isinstance(exc, drf.UnsupportedMediaType):
        return 400, "VALIDATION_FAILED", f"{exc.detail} Send application/json.", None, {}
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        default = "Authentication credentials were not provided or are invalid."
        message = _first_message(exc.detail, default)
        return 401, "UNAUTHORIZED", message, None, {"WWW-Authenticate": 'Bearer realm="api"'}
    if isinstance(exc, drf.PermissionDenied):
        return 403, "FORBIDDEN", _first_message(exc.detail, "Forbidden."), None, {}
    if isinstance(exc, drf.NotFound):
        return 404, "NOT_FOUND", _first_message(exc.detail, "Not found."), None, {}
    if isinstance(exc, drf.MethodNotAllowed):
        return 405, "METHOD_NOT_ALLOWED", str(exc.detail), None, {}
    if isinstance(exc, drf.NotAcceptable):
        return 406, "NOT_ACCEPTABLE", str(exc.detail), None, {}
    if isinstance(exc, drf.Throttled):
        wait = int(exc.wait or 1)
        message = f"Too many requests. Retry in {wait} seconds."
        return 429, "RATE_LIMITED", message, {"retryAfter": wait}, {"Retry-After": str(wait)}
    if isinstance(exc, drf.APIException):
        code = str(exc.default_code).upper()
        return exc.status_code, code, _first_message(exc.detail, "Error."), None, {}
    if isinstance(exc, IntegrityError):
        # Services turn the constraints they expect into precise errors; any other one is a
        # concurrent change that lost a race.
        logger.warning("integrity error: %s", exc)
        message = "The request conflicts with a concurrent change. Retry."
        return 409, "CONFLICT", message, None, {}
    if isinstance(exc, (OperationalError, InterfaceError)) or _is_query_canceled(exc):
        logger.warning("database unavailable: %s", exc.__class__.__name__)
        message = "The service is temporarily unavailable. Retry shortly."
        return 503, "SERVICE_UNAVAILABLE", message, None, {"Retry-After": "1"}
    logger.exception("unhandled error", exc_info=exc)
    return 500, "INTERNAL_ERROR", "An unexpected error occurred.", None, {}


def _is_query_canceled(exc: Exception) -> bool:
    cause = exc.__cause__
    return isinstance(exc, DatabaseError) and type(cause).__name__ == "QueryCanceled"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    request = context.get("request")
    path = request.path if request is not None else ""
    status, code, message, details, headers = classify(exc)
    # A no-op with ATOMIC_REQUESTS off (the services' own atomic blocks roll back); it keeps a
    # request-wide transaction correct should a deployment turn ATOMIC_REQUESTS on.
    set_rollback()
    response = Response(error_body(path, code, message, details), status=status, headers=headers)
    if request is not None and getattr(request, "request_id", None):
        response["X-Request-ID"] = request.request_id
    return response


def error_response(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Render ``exc`` outside DRF (middleware, unknown routes, Django's error pages) through
    ``exception_handler`` and the API's JSON renderer, as a DRF view would have."""
    response = exception_handler(exc, {"request": request})
    response.accepted_renderer = JSONRenderer()
    response.accepted_media_type = JSONRenderer.media_type
    response.renderer_context = {"request": request, "response": response}
    return response.render()
