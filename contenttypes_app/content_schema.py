"""Validating content against its type version's JSON Schema (draft-07, ``jsonschema``).

A ``ContentTypeVersion`` is immutable, so its compiled validator is built once and kept, keyed by
the version's id, in a bounded LRU (``functools.lru_cache``): validating costs the document, not
the schema's size, and a cache hit costs no query.

Validating costs the document, not the schema, also inside: a slot's items are ``oneOf`` the
allowed components (``schema_generation``), each a ``$ref`` to a definition whose ``type`` is a
constant, so plain draft-07 tries every branch (``oneOf`` must prove that exactly one matches)
and a block costs the size of the allow-list. The validator here goes straight to the branch
that the block's ``type`` names: when that branch accepts the block, no other can (each demands
another constant), so ``oneOf`` holds. Anything else (no such branch, a failing block, a
``oneOf`` that is not this shape) takes the standard path, so errors read exactly as before.
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

from jsonschema import Draft7Validator, validators

from contenttypes_app.errors import ContentSchemaError
from contenttypes_app.models import ContentTypeVersion
from contenttypes_app.schema_generation import DISCRIMINATOR

MAX_ERRORS = 100


_ONE_OF = Draft7Validator.VALIDATORS["oneOf"]
_REF_PREFIX = "#/definitions/"


def _discriminated(schema: dict[str, Any]) -> type[Draft7Validator]:
    """A draft-07 validator class whose ``oneOf`` dispatches on ``type`` (module docstring)."""
    definitions = schema.get("definitions") if isinstance(schema, dict) else None
    definitions = definitions if isinstance(definitions, dict) else {}
    branch_maps: dict[int, dict[str, dict] | None] = {}  # id(oneOf list) → {type: branch}

    def branches(one_of: Any) -> dict[str, dict] | None:
        key = id(one_of)
        if key not in branch_maps:
            found: dict[str, dict] | None = {}
            for branch in one_of if isinstance(one_of, list) else [None]:
                ref = branch.get("$ref") if isinstance(branch, dict) and len(branch) == 1 else None
                target = (
                    definitions.get(ref[len(_REF_PREFIX) :])
                    if isinstance(ref, str) and (ref.startswith(_REF_PREFIX))
                    else None
                )
                tag = (
                    target.get("properties", {}).get(DISCRIMINATOR, {}).get("const")
                    if isinstance(target, dict)
                    else None
                )
                if not isinstance(tag, str) or tag in found:
                    found = None
                    break
                found[tag] = branch
            branch_maps[key] = found
        return branch_maps[key]

    def one_of(validator, one_of, instance, subschema):
        if isinstance(instance, dict) and isinstance(instance.get(DISCRIMINATOR), str):
            by_tag = branches(one_of)
            branch = by_tag.get(instance[DISCRIMINATOR]) if by_tag else None
            if branch is not None and next(validator.descend(instance, branch), None) is None:
                return
        yield from _ONE_OF(validator, one_of, instance, subschema)

    return validators.extend(Draft7Validator, {"oneOf": one_of})


def compile_validator(schema: dict[str, Any] | None) -> Draft7Validator:
    """The validator of a type version's schema (what ``validator_for`` caches)."""
    schema = schema or {}
    return _discriminated(schema)(schema)


@lru_cache(maxsize=256)
def validator_for(type_version_id: uuid.UUID) -> Draft7Validator:
    """The compiled validator of one (immutable) type version: one query on a cache miss."""
    schema = ContentTypeVersion.objects.values_list("schema", flat=True).get(pk=type_version_id)
    return compile_validator(schema)


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
