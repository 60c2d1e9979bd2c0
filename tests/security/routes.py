"""The API's URL patterns and methods, discovered from Django's resolver (not listed by hand)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver

from config.views import api_not_found

API_PREFIXES = ("/api/", "/v1/")
_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")
_IGNORED_METHODS = {"options", "head", "trace"}


def template(route: str) -> str:
    """``api/^prompts/(?P<pk>[^/]+)$`` → ``/api/prompts/{pk}``; ``<uuid:id>`` → ``{id}``."""
    path = _PARAM.sub(lambda m: "{" + (m.group(1) or m.group(2)) + "}", route)
    return "/" + path.replace("^", "").replace("$", "")


def shape(path: str) -> str:
    """A template with its parameter names dropped: ``/api/prompts/{}``."""
    return re.sub(r"\{\w+\}", "{}", path)


def _walk(patterns, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def view_methods(pattern: URLPattern) -> list[str]:
    """The HTTP methods a URL pattern's view answers (viewset actions, or APIView handlers)."""
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    if actions:
        methods = set(actions)
    else:
        view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        if view_class is None:
            return ["GET"]  # a plain function view
        methods = {m for m in view_class.http_method_names if hasattr(view_class, m)}
    return sorted(m.upper() for m in methods - _IGNORED_METHODS)


def api_operations() -> list[tuple[str, str]]:
    """Every (METHOD, path template) under ``/api/`` and ``/v1/``."""
    operations = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if pattern.callback is api_not_found:
            continue  # each family's catch-all JSON 404, not an operation
        path = template(route)
        if path.startswith(API_PREFIXES):
            operations.extend((method, path) for method in view_methods(pattern))
    return sorted(operations)
