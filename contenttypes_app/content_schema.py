"""Validating content against its type version's JSON Schema (draft-07, ``jsonschema``).

A ``ContentTypeVersion`` is immutable, so its compiled validator is built once and kept, keyed by
the version's id, in a bounded LRU (``functools.lru_cache``): validating costs the document, not
the schema's size, and a cache hit costs no query.
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

from jsonschema import Draft7Validator

from contenttypes_app.errors import ContentSchemaError
from contenttypes_app.models import ContentTypeVersion

MAX_ERRORS = 100


@lru_cache(maxsize=256)
def validator_for(type_version_id: uuid.UUID) -> Draft7Validator:
    """The compiled validator of one (immutable) type version: one query on a cache miss."""
    schema = ContentTypeVersion.objects.values_list("schema", flat=True).get(pk=type_version_id)
    return Draft7Validator(schema or {})


def _pointer(path: Any) -> str:
    """A JSON Pointer (RFC 6901) for a ``jsonschema`` error path; the root is ``""``."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def schema_errors(type_version_id: uuid.UUID, document: Any) -> list[dict[str, str]]:
    """Every error of ``document`` (at most ``MAX_ERRORS``), as ``{path, message}``, by path."""
    errors = []
    for error in validator_for(type_version_id).iter_errors(document):
        errors.append({"path": _pointer(error.absolute_path), "message": error.message})
        if len(errors) >= MAX_ERRORS:
            break
    return sorted(errors, key=lambda e: e["path"])


def require_valid(type_version_id: uuid.UUID, document: Any) -> None:
    """422 ``VALIDATION_FAILED`` "Content does not match schema" with ``details.errors``."""
    errors = schema_errors(type_version_id, document)
    if errors:
        raise ContentSchemaError(details={"errors": errors})
