"""Strict query strings: an endpoint refuses query parameters its OpenAPI operation does not list.

``GET /api/prompts?search=triage`` (the parameter is ``q``) answers 400 ``VALIDATION_FAILED``
naming ``search``, instead of a silently unfiltered list. The accepted names are read from the
generated OpenAPI schema itself (drf-spectacular, as ``/api/schema/`` serves it): what a view
declares with ``@extend_schema(parameters=...)``, its filterset and its paginator. Declaring a
parameter is therefore the only way to make the server accept it, and the schema and the server
cannot disagree.

Use: put ``StrictQueryParamsMixin`` first in the bases of a list view or viewset
(``class ProjectListView(StrictQueryParamsMixin, APIView)``). ``tests/test_api_conventions.py``
checks that every list operation of the schema is strict.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.urls import get_urlconf
from rest_framework.request import Request

from config.errors import ValidationFailedError

_lock = threading.Lock()
# (urlconf, URL pattern callback) -> {METHOD: accepted query parameter names}
_accepted: dict[tuple[str, Callable[..., Any]], dict[str, frozenset[str]]] = {}


@functools.cache
def _endpoints(urlconf: str) -> list[tuple[str, str, str, Callable[..., Any]]]:
    """(path, regex, method, callback) of every API endpoint, as drf-spectacular enumerates them."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator.endpoint_inspector_cls(None, urlconf).get_api_endpoints()


def _build(urlconf: str, callback: Callable[..., Any]) -> dict[str, frozenset[str]]:
    """The schema of one URL pattern's operations, generated as ``/api/schema/`` generates the
    whole (the same generator, settings and hooks), limited to that pattern's endpoints."""
    from drf_spectacular.generators import SchemaGenerator

    generator = SchemaGenerator(urlconf=urlconf)
    generator.endpoints = [e for e in _endpoints(urlconf) if e[3] is callback]
    schema = generator.get_schema(request=None, public=True)
    return {
        method.upper(): frozenset(
            p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"
        )
        for path_item in schema.get("paths", {}).values()
        for method, operation in path_item.items()
    }


def accepted_query_parameters(callback: Callable[..., Any], method: str) -> frozenset[str] | None:
    """The query parameters the schema lists for ``method`` on the URL pattern's ``callback``,
    or None for an operation the schema does not show. Built once per process and view."""
    key = (get_urlconf() or settings.ROOT_URLCONF, callback)
    if key not in _accepted:
        with _lock:
            if key not in _accepted:
                _accepted[key] = _build(*key)
    return _accepted[key].get("GET" if method.upper() == "HEAD" else method.upper())


def refuse_unknown_query_params(request: Request) -> None:
    """Raise 400 ``VALIDATION_FAILED`` naming every query parameter the operation does not list."""
    match = request._request.resolver_match
    if match is None or not request.query_params:
        return
    accepted = accepted_query_parameters(match.func, request.method)
    if accepted is None:
        return
    unknown = sorted(set(request.query_params) - accepted)
    if unknown:
        expected = ", ".join(sorted(accepted)) or "none"
        raise ValidationFailedError(
            f"Unknown query parameters: {', '.join(unknown)}. Accepted here: {expected}.",
            details={"fields": {name: ["Unknown query parameter."] for name in unknown}},
        )


class StrictQueryParamsMixin:
    """For APIViews and viewsets: after authentication and permissions, before the handler,
    refuse query parameters that the view's OpenAPI operation does not list."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        refuse_unknown_query_params(request)
