"""Reads of content items and their versions, scoped to the actor's organization (another
organization's content is "not found"). Items carry their type version's number and package
version as annotations, so the type version's schema is never loaded to answer a read."""

from __future__ import annotations

import uuid

from django.db.models import F, Q, QuerySet

from contenttypes_app.errors import (
    ContentMigrationNotFoundError,
    ContentNotFoundError,
    ContentVersionNotFoundError,
)
from contenttypes_app.events import with_type_version
from contenttypes_app.models import Content, ContentMigration, ContentVersion
from contenttypes_app.selectors import content_type_get, require_project_exists
from publishing.tenancy import Actor

# API sort keys → ORM orderings (the id breaks ties so pages never overlap; each is an index).
CONTENT_SORTS = {
    "-updatedAt": ("-updated_at", "-id"),
    "updatedAt": ("updated_at", "id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
}
DEFAULT_CONTENT_SORT = "-updatedAt"


_annotated = with_type_version


def content_list(
    *,
    actor: Actor,
    project_id: uuid.UUID,
    type_id: str | None = None,
    status: str | None = None,
    tags: list[str] | None = None,
    search: str | None = None,
    is_template: bool | None = None,
    sort: str | None = None,
) -> QuerySet[Content]:
    """Non-deleted items (``status=deleted`` lists the bin), without their ``content``.
    ``tags``: every tag must be present (GIN index). ``search``: name or description."""
    require_project_exists(actor, project_id)
    # the schedule is shown on each item: joined, never a query per item
    queryset = (
        Content.objects.filter(project_id=project_id)
        .select_related("publish_schedule")
        .defer("content")
    )
    queryset = queryset.filter(status=status) if status else queryset.exclude(status="deleted")
    if type_id:
        queryset = queryset.filter(type_id=type_id)
    if tags:
        queryset = queryset.filter(tags__contains=tags)
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(description__icontains=search))
    if is_template is not None:
        queryset = queryset.filter(is_template=is_template)
    return _annotated(queryset).order_by(*CONTENT_SORTS[sort or DEFAULT_CONTENT_SORT])


def content_get(*, actor: Actor, project_id: uuid.UUID, content_id: uuid.UUID) -> Content:
    item = _annotated(
        Content.objects.filter(
            pk=content_id, project_id=project_id, project__organization_id=actor.organization.pk
        ).select_related("publish_schedule")
    ).first()
    if item is None:
        raise ContentNotFoundError()
    return item


def content_version_list(
    *, actor: Actor, project_id: uuid.UUID, content_id: uuid.UUID
) -> QuerySet[ContentVersion]:
    """Newest first."""
    item = content_get(actor=actor, project_id=project_id, content_id=content_id)
    return (
        ContentVersion.objects.filter(content_item=item)
        .annotate(type_version_number=F("type_version__version"))
        .order_by("-version")
    )


def content_version_get(
    *, actor: Actor, project_id: uuid.UUID, content_id: uuid.UUID, version: int
) -> ContentVersion:
    item = content_get(actor=actor, project_id=project_id, content_id=content_id)
    found = (
        ContentVersion.objects.filter(content_item=item, version=version)
        .annotate(type_version_number=F("type_version__version"))
        .first()
    )
    if found is None:
        raise ContentVersionNotFoundError(
            f"Version {version} of this content does not exist.",
            details={"requestedVersion": version, "latestVersion": item.last_published_version},
        )
    return found


# --- bulk migrations of a type's content -------------------------------------------------------
def content_migration_list(
    *, actor: Actor, project_id: uuid.UUID, content_type_id: uuid.UUID
) -> QuerySet[ContentMigration]:
    """A type's migrations and dry runs, newest first (404 for another organization's type)."""
    content_type_get(
        actor=actor, project_id=project_id, content_type_id=content_type_id, with_schema=False
    )
    return (
        ContentMigration.objects.filter(type_id=content_type_id)
        .select_related("target")
        .order_by("-created_at", "-id")
    )


def content_migration_get(
    *, actor: Actor, project_id: uuid.UUID, content_type_id: uuid.UUID, migration_id: uuid.UUID
) -> ContentMigration:
    found = (
        ContentMigration.objects.select_related("target")
        .filter(
            pk=migration_id,
            type_id=content_type_id,
            project_id=project_id,
            project__organization_id=actor.organization.pk,
        )
        .first()
    )
    if found is None:
        raise ContentMigrationNotFoundError()
    return found
