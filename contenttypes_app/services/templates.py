"""``templateContentIds`` of a content type: they must name template content of the type.

Checked on update of the type and in the publish core's validation step (one query for a batch).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from contenttypes_app.errors import ContentTypeValidationError
from contenttypes_app.models import Content, ContentTypeDefinition


def _as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def invalid_template_ids(definitions: Sequence[ContentTypeDefinition]) -> dict[Any, list[str]]:
    """Per definition pk, the ``template_content_ids`` that are not non-deleted content of its
    project with its type and ``is_template`` true (definitions with none left out)."""
    wanted = {_as_uuid(value) for d in definitions for value in d.template_content_ids or []} - {
        None
    }
    found: set[tuple[Any, Any]] = set()
    if wanted:
        found = set(
            Content.objects.filter(pk__in=wanted, is_template=True)
            .exclude(status=Content.Status.DELETED)
            .values_list("type_id", "pk")
        )
    result = {}
    for definition in definitions:
        bad = [
            str(value)
            for value in definition.template_content_ids or []
            if (definition.pk, _as_uuid(value)) not in found
        ]
        if bad:
            result[definition.pk] = bad
    return result


def require_valid_templates(definition: ContentTypeDefinition) -> None:
    """422 ``VALIDATION_FAILED`` with ``details.invalidTemplateContentIds``."""
    bad = invalid_template_ids([definition]).get(definition.pk)
    if bad:
        raise template_error(bad)


def template_error(bad: list[str]) -> ContentTypeValidationError:
    return ContentTypeValidationError(
        "templateContentIds must name template content of this content type.",
        details={"invalidTemplateContentIds": bad},
    )
