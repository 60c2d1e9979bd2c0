"""Request plumbing: a request id on every request and log line, one access-log line per request,
rate-limit headers, and a cap on body size."""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse

from config.errors import ValidationFailedError
from config.metrics import record_request
from config.throttling import rate_limit_headers

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
access_logger = logging.getLogger("config.request")


class RequestIdMiddleware:
    """The outermost middleware: it sees every request and every final response.

    - Echo a well-formed ``X-Request-ID`` or generate one; expose it as ``request.request_id`` and
      to every log line of the request (``RequestIdLogFilter``).
    - Add the ``X-RateLimit-*`` headers recorded by the throttles (config/throttling.py).
    - Log one line per request on ``config.request``: method, path (never the query string, which
      may carry secrets), status and duration in milliseconds as structured fields.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            for header, value in rate_limit_headers(request).items():
                response[header] = value
            if access_logger.isEnabledFor(logging.INFO):
                _log_request(request, response, started)
        finally:
            request_id_var.reset(token)
        return response


def _log_request(request: HttpRequest, response: HttpResponse, started: float) -> None:
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    # The decoded path may hold control characters: escape them so a plain-text line stays one line.
    path = _CONTROL_CHARS.sub(lambda m: f"\\x{ord(m.group()):02x}", request.path)
    access_logger.info(
        "%s %s %s %.1fms",
        request.method,
        path,
        response.status_code,
        duration_ms,
        extra={
            "method": request.method,
            "path": path,
            "status": response.status_code,
            "duration_ms": duration_ms,
        },
    )


class MetricsMiddleware:
    """Outermost when ``METRICS_ENABLED``: every request's route, status, duration and query count
    (config/metrics.py). Costs nothing when metrics are off."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.METRICS_ENABLED:
            return self.get_response(request)
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        record_request(request, response.status_code, time.perf_counter() - started, queries)
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class BodySizeLimitMiddleware:
    """Refuse request bodies over ``MAX_REQUEST_BODY_BYTES`` before anything reads them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from config.exceptions import error_response

        limit = settings.MAX_REQUEST_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            error = ValidationFailedError(f"Request body exceeds the limit of {limit} bytes.")
            return error_response(request, error)
        return self.get_response(request)
