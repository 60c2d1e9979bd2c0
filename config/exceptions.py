"""One exception handler for every API error.

It turns domain errors, DRF's exceptions and Django's ``ValidationError``/``Http404``/
``PermissionDenied`` into the two envelopes of DESIGN.md §5, always rolls back the transaction, and
answers unexpected errors with a logged 500 that carries the request id and nothing else.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from config.errors import DomainError

logger = logging.getLogger("config.errors")

CONTENT_API_PREFIX = "/v1/"


def error_body(path: str, code: str, message: str, details: dict[str, Any] | None) -> dict:
    """The error envelope for the API family that ``path`` belongs to."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    if path.startswith(CONTENT_API_PREFIX):
        return {"error": error}
    return {"success": False, "error": error}


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
    set_rollback()
    response = Response(error_body(path, code, message, details), status=status, headers=headers)
    if request is not None and getattr(request, "request_id", None):
        response["X-Request-ID"] = request.request_id
    return response


def json_error_response(request: HttpRequest, exc: Exception) -> JsonResponse:
    """Render an error outside DRF (middleware, unknown routes) in the same envelope."""
    status, code, message, details, headers = classify(exc)
    response = JsonResponse(error_body(request.path, code, message, details), status=status)
    for key, value in headers.items():
        response[key] = value
    return response
