"""API families: the URL prefix each app mounts an API under, and the envelope of its errors.

An app registers its family in ``AppConfig.ready`` (``register_family("/v1/", ...)``). The one
exception handler (config/exceptions.py), the JSON 404/500 pages (config/views.py) and the OpenAPI
error responses (config/schema.py) ask this registry which envelope a path answers, so ``config``
tests no app's URL prefix and imports no app. A path under no family is not an API path: Django's
own pages stay for it (the admin, the index).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ErrorWrapper = Callable[[dict[str, Any]], dict[str, Any]]


def success_false_envelope(error: dict[str, Any]) -> dict[str, Any]:
    """``{"success": false, "error": {...}}``: the envelope of families without one of their own."""
    return {"success": False, "error": error}


@dataclass(frozen=True)
class ApiFamily:
    """One API family: every path starting with ``prefix`` answers errors as ``wrap_error``
    shapes them; ``error_serializer`` documents that shape in the OpenAPI schema."""

    prefix: str
    wrap_error: ErrorWrapper
    error_serializer: Any = None


_FAMILIES: dict[str, ApiFamily] = {}


def register_family(
    prefix: str, *, wrap_error: ErrorWrapper = success_false_envelope, error_serializer: Any = None
) -> None:
    """Declare that paths under ``prefix`` (``"/v1/"``) are an API answering ``wrap_error``'s
    envelope. Registering the same prefix again replaces it (apps may share a prefix)."""
    if not (prefix.startswith("/") and prefix.endswith("/")):
        raise ValueError(f"An API family prefix starts and ends with '/', got {prefix!r}.")
    _FAMILIES[prefix] = ApiFamily(prefix, wrap_error, error_serializer)


def family_for(path: str) -> ApiFamily | None:
    """The family ``path`` belongs to (the longest registered prefix), or None if none."""
    matches = [family for prefix, family in _FAMILIES.items() if path.startswith(prefix)]
    return max(matches, key=lambda family: len(family.prefix), default=None)


def families() -> list[ApiFamily]:
    """Every registered family, longest prefix first."""
    return sorted(_FAMILIES.values(), key=lambda family: -len(family.prefix))


def error_envelope(path: str, error: dict[str, Any]) -> dict[str, Any]:
    """``error`` (``{"code", "message", "details"}``) in the envelope of ``path``'s family."""
    family = family_for(path)
    return (family.wrap_error if family else success_false_envelope)(error)
