"""Payload builders for the content-type domain events (see ``publishing.services.audit``).

``content_type.published`` / ``.unpublished`` / ``.deleted`` go to the content type's
organization with the content type as the API lists it (``ContentTypeOutputSerializer`` with
``omit_schema``: a schema can weigh hundreds of kB, and the batch publish leaves it deferred, so
building the event never reloads it), plus ``projectId``. Built from the locked row, no query;
``tests/contenttypes_app/test_events.py`` checks it against the serializer.

``content.published`` / ``.unpublished`` / ``.deleted`` / ``.migrated`` carry the content item as
the API lists it (``ContentOutputSerializer`` with ``omit_content``: fetch the document with
``GET …/content/{id}``), built from the locked row and its annotated type version.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from contenttypes_app.models import Content, ContentTypeDefinition
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


def with_type_version(queryset: QuerySet[Content]) -> QuerySet[Content]:
    """Content rows with the number and package of the type version they are locked to, in the
    same query (the API's and the events' ``typeVersion`` and ``packageVersion``)."""
    return queryset.annotate(
        type_version_number=F("type_version__version"),
        package_version=F("type_version__package_version"),
    )


def content_event_data(item: Content) -> dict[str, Any]:
    """A content item as its organization's API lists it (without the document and the
    schedule, which has its own reads and events)."""
    if Content.type_version.is_cached(item):  # just migrated: the new version is loaded
        type_version, package_version = item.type_version.version, item.type_version.package_version
    else:
        type_version, package_version = item.type_version_number, item.package_version
    metadata = item.metadata or {}
    return {
        "id": str(item.pk),
        "typeId": str(item.type_id),
        "typeVersion": type_version,
        "packageVersion": package_version,
        "name": item.name,
        "description": item.description,
        "status": item.status,
        "version": item.version,
        "lastPublishedVersion": item.last_published_version,
        "isTemplate": item.is_template,
        "tags": [str(tag) for tag in item.tags],
        "metadata": {
            key: metadata.get(key)
            for key in ("author", "locale", "publishedAt", "publishedBy", "rolledBackFrom")
        },
        "createdAt": iso(item.created_at),
        "updatedAt": iso(item.updated_at),
    }
