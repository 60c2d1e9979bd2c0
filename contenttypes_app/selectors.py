"""Reads of the content API. Every queryset starts from the actor's organization, so another
organization's objects are simply not found (404), never forbidden (403)."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Min, Model, OuterRef, Q, QuerySet, Subquery

from contenttypes_app import semver
from contenttypes_app.errors import (
    ComponentNotFoundError,
    ContentTypeNotFoundError,
    ContentTypeVersionNotFoundError,
    PackageNotFoundError,
    ProjectNotFoundError,
)
from contenttypes_app.models import (
    Component,
    ContentTypeDefinition,
    ContentTypeVersion,
    Package,
    PackageComponent,
    Project,
)
from contenttypes_app.schema_generation import CapturedComponent, component_definition
from contenttypes_app.sql import as_text
from publishing.tenancy import Actor

Status = ContentTypeDefinition.Status

# API sort keys → ORM orderings (the id breaks ties so pages never overlap).
CONTENT_TYPE_SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "createdAt": ("created_at", "id"),
    "-createdAt": ("-created_at", "-id"),
    "updatedAt": ("updated_at", "id"),
    "-updatedAt": ("-updated_at", "-id"),
}
DEFAULT_CONTENT_TYPE_SORT = "-createdAt"


# --- projects ----------------------------------------------------------------------------------
def project_list(*, actor: Actor, search: str | None = None) -> QuerySet[Project]:
    queryset = Project.objects.filter(organization_id=actor.organization.pk)
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(slug__icontains=search))
    return queryset.order_by("name", "id")


def project_get(*, actor: Actor, project_id: uuid.UUID) -> Project:
    project = Project.objects.filter(pk=project_id, organization_id=actor.organization.pk).first()
    if project is None:
        raise ProjectNotFoundError()
    return project


def require_project_exists(actor: Actor, project_id: uuid.UUID) -> None:
    """404 unless the project is the actor's organization's (the lists of the content API)."""
    if not Project.objects.filter(pk=project_id, organization_id=actor.organization.pk).exists():
        raise ProjectNotFoundError()


# --- components --------------------------------------------------------------------------------
def component_list(
    *,
    actor: Actor,
    project_id: uuid.UUID,
    type: str | None = None,
    status: str | None = None,
    search: str | None = None,
) -> QuerySet[Component]:
    """Live components (``status=deleted`` lists the deleted ones), by name."""
    require_project_exists(actor, project_id)
    queryset = Component.objects.filter(project_id=project_id)
    live = ~Q(status=Component.Status.DELETED)
    queryset = queryset.filter(Q(status=status) if status else live)
    if type:
        queryset = queryset.filter(type=type)
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(description__icontains=search))
    return queryset.order_by("name", "id")


def component_get(*, actor: Actor, project_id: uuid.UUID, component_id: uuid.UUID) -> Component:
    component = Component.objects.filter(
        pk=component_id, project_id=project_id, project__organization_id=actor.organization.pk
    ).first()
    if component is None:
        raise ComponentNotFoundError()
    return component


# --- packages ----------------------------------------------------------------------------------
@dataclass
class DraftPackage:
    """The virtual ``draft`` package: the project's live components as they are now, shaped like
    the ``PackageComponent`` rows of a real package (``captured``)."""

    captured: list[Any]
    version: str = semver.DRAFT
    id: None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: None = None
    created_by: None = None


def package_list(*, actor: Actor, project_id: uuid.UUID) -> QuerySet[Package]:
    require_project_exists(actor, project_id)
    return (
        Package.objects.filter(project_id=project_id)
        .select_related("created_by")
        .annotate(component_count=Count("components"))
        .order_by("-created_at", "-id")
    )


def package_get(*, actor: Actor, project_id: uuid.UUID, version: str) -> Package | DraftPackage:
    require_project_exists(actor, project_id)
    if version == semver.DRAFT:
        live = Component.objects.filter(project_id=project_id).exclude(
            status=Component.Status.DELETED
        )
        return DraftPackage(
            captured=[
                PackageComponent(
                    component_id=c.pk, name=c.name, type=c.type, version=c.version, schema=c.schema
                )
                for c in live.order_by("name", "id")
            ]
        )
    if not semver.is_valid(version):
        # No such package can exist; and PostgreSQL refuses text with NUL bytes in a query.
        raise PackageNotFoundError(
            "Package version not found: not a semantic version.", details={"version": version}
        )
    package = (
        Package.objects.filter(project_id=project_id, version=version)
        .select_related("created_by")
        .first()
    )
    if package is None:
        raise PackageNotFoundError(
            f"Package version {version} does not exist.", details={"version": version}
        )
    package.captured = list(
        PackageComponent.objects.filter(package=package).defer("definition").order_by("name", "id")
    )
    return package


# --- content types -----------------------------------------------------------------------------
# Schemas are json documents of up to hundreds of kB: lists leave them in the database, and a
# single object carries its schema as text (``schema_text``), which the API sends as is.
def _schema_as_text(queryset: QuerySet) -> QuerySet:
    return queryset.defer("schema").annotate(schema_text=as_text("schema"))


def document_text(instance: Model, field_name: str) -> str | None:
    """The (deferred) ``json`` column ``field_name`` of ``instance``, as its text."""
    return (
        type(instance)
        ._base_manager.filter(pk=instance.pk)
        .values_list(as_text(field_name), flat=True)
        .get()
    )


def content_type_list(
    *,
    actor: Actor,
    project_id: uuid.UUID,
    status: str | None = None,
    search: str | None = None,
    tags: list[str] | None = None,
    sort: str | None = None,
) -> QuerySet[ContentTypeDefinition]:
    """Non-deleted types (``status=deleted`` lists the bin). ``tags``: every tag must be present
    (GIN index on ``tags``). ``search``: case-insensitive substring of name or description."""
    require_project_exists(actor, project_id)
    queryset = ContentTypeDefinition.objects.filter(project_id=project_id).defer("schema")
    # Without a status filter the bin (deleted types) stays out of the list.
    queryset = queryset.filter(status=status) if status else queryset.exclude(status=Status.DELETED)
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(description__icontains=search))
    if tags:
        queryset = queryset.filter(tags__contains=tags)
    return queryset.order_by(*CONTENT_TYPE_SORTS[sort or DEFAULT_CONTENT_TYPE_SORT])


def content_type_get(
    *,
    actor: Actor,
    project_id: uuid.UUID,
    content_type_id: uuid.UUID,
    with_schema: bool = True,
) -> ContentTypeDefinition:
    queryset = ContentTypeDefinition.objects.filter(
        pk=content_type_id,
        project_id=project_id,
        project__organization_id=actor.organization.pk,
    )
    queryset = _schema_as_text(queryset) if with_schema else queryset.defer("schema")
    definition = queryset.first()
    if definition is None:
        raise ContentTypeNotFoundError()
    return definition


def content_type_version_list(
    *, actor: Actor, project_id: uuid.UUID, content_type_id: uuid.UUID
) -> QuerySet[ContentTypeVersion]:
    """Newest first."""
    definition = content_type_get(
        actor=actor, project_id=project_id, content_type_id=content_type_id, with_schema=False
    )
    return (
        ContentTypeVersion.objects.filter(definition=definition)
        .defer("schema")
        .order_by("-version")
    )


def content_type_version_get(
    *, actor: Actor, project_id: uuid.UUID, content_type_id: uuid.UUID, version: int
) -> ContentTypeVersion:
    definition = content_type_get(
        actor=actor, project_id=project_id, content_type_id=content_type_id, with_schema=False
    )
    found = _schema_as_text(
        ContentTypeVersion.objects.filter(definition=definition, version=version)
    ).first()
    if found is None:
        raise ContentTypeVersionNotFoundError(
            f"Version {version} of this content type does not exist.",
            details={
                "requestedVersion": version,
                "latestVersion": definition.last_published_version,
            },
        )
    return found


# --- component versions and resolved packages --------------------------------------------------
def component_version_list(
    *, actor: Actor, project_id: uuid.UUID, component_id: uuid.UUID
) -> QuerySet:
    """The versions packages captured of a component, newest first, one row (a dict) per
    version: its name, type and schema (as first captured; a version never changes), every
    package holding it (``package_versions``, oldest first) and ``captured_at``. One query a
    page (and one count), whatever the number of packages."""
    component = component_get(actor=actor, project_id=project_id, component_id=component_id)
    first = PackageComponent.objects.filter(
        component_id=component.pk, version=OuterRef("version")
    ).order_by("package__created_at")
    return (
        PackageComponent.objects.filter(component_id=component.pk)
        .values("version")
        .annotate(
            package_versions=ArrayAgg("package__version", order_by="package__created_at"),
            captured_at=Min("package__created_at"),
            name=Subquery(first.values("name")[:1]),
            type=Subquery(first.values("type")[:1]),
            schema=Subquery(first.values("schema")[:1]),
        )
        .order_by("-version")
    )


@dataclass
class ResolvedPackage:
    """What a renderer needs of one package version: each component with its schema and its
    generated definition. ``etag`` is strong: a released package never changes, and the draft
    one's is a hash of its content."""

    version: str
    components: list[dict[str, Any]]
    etag: str


def package_etag(project_id: uuid.UUID, version: str) -> str | None:
    """The ETag of a released package without building it (``None`` for ``draft`` or unknown),
    so a matching ``If-None-Match`` costs one query."""
    if version == semver.DRAFT or not semver.is_valid(version):
        return None
    package_id = (
        Package.objects.filter(project_id=project_id, version=version)
        .values_list("pk", flat=True)
        .first()
    )
    return None if package_id is None else f'"{package_id}"'


def package_resolved(*, actor: Actor, project_id: uuid.UUID, version: str) -> ResolvedPackage:
    """The runtime bundle of package ``version`` (``draft``: the live components, their
    definitions generated now). Assets are an empty list: components carry no stored assets."""
    package = package_get(actor=actor, project_id=project_id, version=version)
    if isinstance(package, DraftPackage):
        rows = package.captured
        definitions = [
            component_definition(
                CapturedComponent(str(c.component_id), c.name, c.type, c.version, c.schema)
            )
            for c in rows
        ]
    else:
        rows = list(PackageComponent.objects.filter(package=package).order_by("name", "id"))
        definitions = [row.definition for row in rows]
    components = [
        {
            "id": str(row.component_id),
            "name": row.name,
            "type": row.type,
            "version": row.version,
            "schema": row.schema,
            "definition": definition,
            "assets": [],
        }
        for row, definition in zip(rows, definitions, strict=True)
    ]
    if isinstance(package, DraftPackage):
        digest = hashlib.sha256(
            json.dumps(components, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        etag = f'"draft-{digest[:32]}"'
    else:
        etag = f'"{package.pk}"'
    return ResolvedPackage(version=package.version, components=components, etag=etag)
