"""Payload builders for the content-type domain events (see ``publishing.services.audit``).

``content_type.published`` / ``.unpublished`` / ``.deleted`` go to the content type's
organization with the content type as the API lists it (``ContentTypeOutputSerializer`` with
``omit_schema``: a schema can weigh hundreds of kB, and the batch publish leaves it deferred, so
building the event never reloads it), plus ``projectId``. Built from the locked row, no query;
``tests/contenttypes_app/test_events.py`` checks it against the serializer.
"""

from __future__ import annotations

from typing import Any

from contenttypes_app.models import ContentTypeDefinition
from publishing.events import iso


def _permissions(value: dict[str, Any]) -> dict[str, Any]:
    publish = value.get("publish") or {}
    return {
        "roles": [str(role) for role in value.get("roles", [])],
        "users": [str(user) for user in value.get("users", [])],
        "publish": {
            "roles": [str(role) for role in publish.get("roles", [])],
            "users": [str(user) for user in publish.get("users", [])],
        },
    }


def content_type_event_data(definition: ContentTypeDefinition) -> dict[str, Any]:
    """A content type as its organization's API lists it, and the project it belongs to."""
    return {
        "id": str(definition.pk),
        "projectId": str(definition.project_id),
        "name": definition.name,
        "description": definition.description,
        "status": definition.status,
        "version": definition.version,
        "lastPublishedVersion": definition.last_published_version,
        "layoutComponentId": str(definition.layout_component_id),
        "componentIdsAllowList": definition.component_ids_allow_list,
        "packageVersion": definition.package_version,
        "templateContentIds": [str(i) for i in definition.template_content_ids],
        "permissions": _permissions(definition.permissions),
        "metadata": {
            "author": definition.author,
            "tags": [str(tag) for tag in definition.tags],
            "publishedAt": iso(definition.published_at),
            "publishedBy": (
                None if definition.published_by_id is None else str(definition.published_by_id)
            ),
        },
        "createdAt": iso(definition.created_at),
        "updatedAt": iso(definition.updated_at),
    }
