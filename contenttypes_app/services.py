"""Writes of the content API: projects, components, packages and the content type status machine.

Every function here is one use case: keyword-only, transactional, scoped to the actor's
organization (another organization's objects are "not found"), and it writes an ``AuditEvent``.

Locking (CONVENTIONS.md): a content type change locks its definition row with
``SELECT … FOR NO KEY UPDATE`` before reading its status, so status guards and version allocation
(``last_published_version + 1``) are serialised per content type. ``NO KEY`` lets the version
insert's foreign-key check (``FOR KEY SHARE`` on the same row) pass inside our own transaction and
never blocks readers. Package creation locks the project row (one package at a time per project,
which makes "strictly increasing" checkable) and then the project's live components, in primary
key order. Side effects (signals) run after commit.

Status machine (docs/content-types.md has the full table)::

    create → draft ─publish→ published ─update→ modified ─publish→ published (v+1)
                             published ─unpublish→ unpublished ─publish→ published (v+1)
    modified ─discard→ published | unpublished      any ─status deleted→ deleted
    deleted ─status draft|modified→ draft (never published) | modified (has versions)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.text import slugify

from config.errors import ConflictError, ForbiddenError, PreconditionFailedError
from config.errors import ValidationFailedError as RequestValidationError
from contenttypes_app import allow_list as al
from contenttypes_app import semver, signals
from contenttypes_app.errors import (
    AlreadyExistsError,
    ComponentInUseError,
    ComponentInvalidStatusError,
    ComponentNotFoundError,
    ContentTypeInvalidStatusError,
    ContentTypeNoPublishedVersionError,
    ContentTypeNotFoundError,
    ContentTypePackageNotFoundError,
    ContentTypeValidationError,
    ContentTypeVersionNotFoundError,
    PackageInvalidVersionError,
    PackageVersionExistsError,
    ProjectNotEmptyError,
    ProjectNotFoundError,
)
from contenttypes_app.models import (
    Component,
    ContentTypeDefinition,
    ContentTypeVersion,
    Package,
    PackageComponent,
    Project,
    default_permissions,
)
from contenttypes_app.schema_generation import (
    CapturedComponent,
    SlotGroupError,
    build_schema_frame,
    component_definition,
)
from contenttypes_app.sql import (
    as_text,
    content_schema_sql,
    id_in,
    layout_schemas_only,
    version_schema_sql,
)
from publishing.models import Role
from publishing.services import audit_record
from publishing.tenancy import Actor

Status = ContentTypeDefinition.Status
INVALID_COMPONENTS_MESSAGE = (
    "Content type references components not in the specified package version"
)
RESTORABLE_STATUSES = (Status.DRAFT, Status.MODIFIED)
SETTABLE_STATUSES = (Status.DELETED, *RESTORABLE_STATUSES)


# --- shared helpers ----------------------------------------------------------------------------
def _audit(actor: Actor, action: str, target_type: str, target: Any, **details: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=str(target.pk),
        details={key: value for key, value in details.items() if value is not None},
    )


def _project(actor: Actor, project_id: uuid.UUID, *, for_update: bool = False) -> Project:
    queryset = Project.objects.filter(pk=project_id, organization_id=actor.organization.pk)
    if for_update:
        queryset = queryset.select_for_update()
    project = queryset.first()
    if project is None:
        raise ProjectNotFoundError()
    return project


def _check_if_match(etag: str, if_match: str | None) -> None:
    """``If-Match``: ``*`` or a list of strong ETags, one of which must be the current one."""
    if if_match is None:
        return
    candidates = [tag.strip() for tag in if_match.split(",") if tag.strip()]
    if "*" in candidates or etag in candidates:
        return
    raise PreconditionFailedError(details={"currentETag": etag})


def _is_unique_violation(exc: IntegrityError, constraint: str) -> bool:
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    return getattr(diag, "constraint_name", None) == constraint or constraint in str(exc)


# --- projects ----------------------------------------------------------------------------------
def _free_project_slug(actor: Actor, name: str) -> str:
    base = (slugify(name) or "project")[:90]
    taken = set(
        Project.objects.filter(
            organization_id=actor.organization.pk, slug__startswith=base
        ).values_list("slug", flat=True)
    )
    slug, suffix = base, 2
    while slug in taken:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


@transaction.atomic
def project_create(
    *, actor: Actor, name: str, slug: str | None = None, description: str = ""
) -> Project:
    actor.require_role(Role.EDITOR, "create projects")
    if slug is None:
        slug = _free_project_slug(actor, name)
    elif Project.objects.filter(organization_id=actor.organization.pk, slug=slug).exists():
        raise AlreadyExistsError("A project with this slug already exists.", details={"slug": slug})
    try:
        project = Project.objects.create(
            organization=actor.organization, name=name, slug=slug, description=description
        )
    except IntegrityError as exc:  # a concurrent create took the slug
        raise AlreadyExistsError(
            "A project with this slug already exists.", details={"slug": slug}
        ) from exc
    _audit(actor, "contenttypes.project.create", "project", project, name=name, slug=slug)
    return project


@transaction.atomic
def project_update(
    *,
    actor: Actor,
    project_id: uuid.UUID,
    name: str | None = None,
    slug: str | None = None,
    description: str | None = None,
) -> Project:
    actor.require_role(Role.EDITOR, "update projects")
    project = _project(actor, project_id, for_update=True)
    if slug is not None and slug != project.slug:
        if Project.objects.filter(organization_id=actor.organization.pk, slug=slug).exists():
            raise AlreadyExistsError(
                "A project with this slug already exists.", details={"slug": slug}
            )
        project.slug = slug
    if name is not None:
        project.name = name
    if description is not None:
        project.description = description
    try:
        project.save()
    except IntegrityError as exc:
        raise AlreadyExistsError(
            "A project with this slug already exists.", details={"slug": slug}
        ) from exc
    _audit(actor, "contenttypes.project.update", "project", project, name=name, slug=slug)
    return project


@transaction.atomic
def project_delete(*, actor: Actor, project_id: uuid.UUID) -> uuid.UUID:
    """Delete an empty project. Packages and content types (and their versions) are history that
    never cascades away, so a project holding any of them answers 409 ``PROJECT_NOT_EMPTY``."""
    actor.require_role(Role.ADMIN, "delete projects")
    project = _project(actor, project_id, for_update=True)
    packages = Package.objects.filter(project=project).count()
    content_types = ContentTypeDefinition.objects.filter(project=project).count()
    if packages or content_types:
        raise ProjectNotEmptyError(details={"packages": packages, "contentTypes": content_types})
    _audit(actor, "contenttypes.project.delete", "project", project, name=project.name)
    pk = project.pk
    project.delete()  # components cascade; none of them is in a package
    return pk


# --- components --------------------------------------------------------------------------------
def _component_for_update(actor: Actor, project_id: uuid.UUID, component_id: uuid.UUID):
    component = (
        Component.objects.select_for_update(of=("self",))
        .filter(
            pk=component_id,
            project_id=project_id,
            project__organization_id=actor.organization.pk,
        )
        .first()
    )
    if component is None:
        raise ComponentNotFoundError()
    return component


def _component_name_taken(project_id: Any, name: str, exclude_pk: Any = None) -> bool:
    queryset = Component.objects.filter(project_id=project_id, name=name).exclude(
        status=Component.Status.DELETED
    )
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.exists()


@transaction.atomic
def component_create(
    *,
    actor: Actor,
    project_id: uuid.UUID,
    name: str,
    type: str,
    schema: dict[str, Any],
    description: str = "",
) -> Component:
    actor.require_role(Role.EDITOR, "create components")
    project = _project(actor, project_id)
    if _component_name_taken(project.pk, name):
        raise AlreadyExistsError(
            "A component with this name already exists.", details={"name": name}
        )
    try:
        component = Component.objects.create(
            project=project, name=name, type=type, schema=schema, description=description
        )
    except IntegrityError as exc:
        raise AlreadyExistsError(
            "A component with this name already exists.", details={"name": name}
        ) from exc
    _audit(actor, "contenttypes.component.create", "component", component, name=name, type=type)
    return component


@transaction.atomic
def component_update(
    *, actor: Actor, project_id: uuid.UUID, component_id: uuid.UUID, changes: dict[str, Any]
) -> Component:
    """Change name, description, type or schema; a published component becomes ``modified``
    (its next package gives it version + 1)."""
    actor.require_role(Role.EDITOR, "update components")
    component = _component_for_update(actor, project_id, component_id)
    if component.status == Component.Status.DELETED:
        raise ComponentInvalidStatusError("Cannot update component with status: deleted")
    changed = sorted(k for k, v in changes.items() if getattr(component, k) != v)
    if not changed:
        return component
    if "name" in changed and _component_name_taken(project_id, changes["name"], component.pk):
        raise AlreadyExistsError(
            "A component with this name already exists.", details={"name": changes["name"]}
        )
    for key in changed:
        setattr(component, key, changes[key])
    if component.status == Component.Status.PUBLISHED:
        component.status = Component.Status.MODIFIED
    try:
        component.save()
    except IntegrityError as exc:
        raise AlreadyExistsError("A component with this name already exists.") from exc
    _audit(actor, "contenttypes.component.update", "component", component, fields=changed)
    return component


@transaction.atomic
def component_delete(*, actor: Actor, project_id: uuid.UUID, component_id: uuid.UUID) -> Component:
    """Soft-delete a component that no package captured and no live content type references."""
    actor.require_role(Role.EDITOR, "delete components")
    component = _component_for_update(actor, project_id, component_id)
    if component.status == Component.Status.DELETED:
        return component
    package_versions = list(
        PackageComponent.objects.filter(component=component)
        .order_by("package__created_at")
        .values_list("package__version", flat=True)
    )
    content_type_ids = [
        str(pk)
        for pk in ContentTypeDefinition.objects.filter(
            project_id=project_id, component_ids__contains=[component.pk]
        )
        .exclude(status=Status.DELETED)
        .order_by("pk")
        .values_list("pk", flat=True)
    ]
    if package_versions or content_type_ids:
        raise ComponentInUseError(
            details={"packageVersions": package_versions, "contentTypeIds": content_type_ids}
        )
    component.status = Component.Status.DELETED
    component.save(update_fields=["status", "updated_at"])
    _audit(actor, "contenttypes.component.delete", "component", component, name=component.name)
    return component


# --- packages ----------------------------------------------------------------------------------
@transaction.atomic
def package_create(
    *,
    actor: Actor,
    project_id: uuid.UUID,
    version: str,
    metadata: dict[str, Any] | None = None,
) -> Package:
    """Snapshot the project's live components as package ``version`` (semver, strictly greater
    than the latest). Draft components get version 1, modified ones version + 1; all become
    ``published``."""
    actor.require_role(Role.EDITOR, "create packages")
    parsed = semver.parse(version)
    if parsed is None:
        message = (
            '"draft" is reserved for the live components.'
            if version == semver.DRAFT
            else "Package versions must be semantic versions such as 1.2.0."
        )
        raise PackageInvalidVersionError(message, details={"version": version})
    project = _project(actor, project_id, for_update=True)  # one package at a time per project
    # Compared by semver precedence, not by creation time (clocks of app servers may differ).
    existing = list(Package.objects.filter(project=project).values_list("version", flat=True))
    if version in existing:
        raise PackageVersionExistsError(
            f"Package version {version} already exists.", details={"version": version}
        )
    latest = max(existing, key=semver.parse, default=None)
    if latest is not None and parsed <= semver.parse(latest):
        raise PackageInvalidVersionError(
            f"Package version {version} must be greater than the latest, {latest}.",
            details={"version": version, "latestVersion": latest},
        )
    components = list(
        Component.objects.select_for_update()
        .filter(project=project)
        .exclude(status=Component.Status.DELETED)
        .order_by("pk")
    )
    now = timezone.now()
    bumped = []
    for component in components:
        if component.status == Component.Status.DRAFT or component.version is None:
            component.version = 1
        elif component.status == Component.Status.MODIFIED:
            component.version += 1
        else:
            continue
        component.status = Component.Status.PUBLISHED
        component.updated_at = now
        bumped.append(component)
    Component.objects.bulk_update(bumped, ["status", "version", "updated_at"])
    try:
        package = Package.objects.create(
            project=project, version=version, metadata=metadata or {}, created_by=actor.user
        )
    except IntegrityError as exc:
        raise PackageVersionExistsError(details={"version": version}) from exc
    PackageComponent.objects.bulk_create(
        PackageComponent(
            package=package,
            component=c,
            name=c.name,
            type=c.type,
            version=c.version,
            schema=c.schema,
            definition=component_definition(
                CapturedComponent(str(c.pk), c.name, c.type, c.version, c.schema)
            ),
        )
        for c in components
    )
    _audit(
        actor,
        "contenttypes.package.create",
        "package",
        package,
        version=version,
        components=len(components),
        bumped=[str(c.pk) for c in bumped],
    )
    return package


# --- content types: helpers --------------------------------------------------------------------
def _definition_for_update(
    actor: Actor, content_type_id: uuid.UUID, project_id: uuid.UUID | None
) -> ContentTypeDefinition:
    """The definition row, locked. Scoped to the actor's organization (and the project). The
    schema (it can weigh hundreds of kB) and the flattened ids stay in the database: loaded only
    if used; the API sends the schema as its stored text."""
    queryset = (
        ContentTypeDefinition.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk=content_type_id, project__organization_id=actor.organization.pk)
        .defer("schema", "component_ids")
    )
    if project_id is not None:
        queryset = queryset.filter(project_id=project_id)
    definition = queryset.first()
    if definition is None:
        raise ContentTypeNotFoundError()
    return definition


def can_publish(actor: Actor, definition: ContentTypeDefinition) -> bool:
    """Admins and owners always; others when the type's ``permissions.publish`` names their role
    or (for a signed-in user, not an API key) their user id or email."""
    if actor.has_role(Role.ADMIN):
        return True
    publish = (definition.permissions or {}).get("publish") or {}
    if actor.role in (publish.get("roles") or []):
        return True
    if actor.api_key is not None:
        return False
    users = {str(u).lower() for u in publish.get("users") or []}
    return str(actor.user.pk) in users or actor.user.email.lower() in users


def _require_publisher(actor: Actor, definition: ContentTypeDefinition, action: str) -> None:
    if not can_publish(actor, definition):
        raise ForbiddenError(
            f"You need the admin role, or this content type's publish permission, to {action}."
        )


def normalize_permissions(permissions: dict[str, Any] | None) -> dict[str, Any]:
    """Every key present, lists de-duplicated in order."""
    result = default_permissions()
    source = permissions or {}
    for key in ("roles", "users"):
        result[key] = list(dict.fromkeys(source.get(key) or []))
        result["publish"][key] = list(dict.fromkeys((source.get("publish") or {}).get(key) or []))
    return result


def _require_permission_change_allowed(actor: Actor, old: dict, new: dict) -> None:
    # Granting publish rights is an admin decision: otherwise an editor could grant themselves.
    if old.get("publish") != new.get("publish") and not actor.has_role(Role.ADMIN):
        raise ForbiddenError("You need the admin role or higher to change publish permissions.")


def _mark_changed(definition: ContentTypeDefinition) -> None:
    if definition.status in (Status.PUBLISHED, Status.UNPUBLISHED):
        definition.status = Status.MODIFIED


def _name_taken(definition: ContentTypeDefinition, name: str) -> bool:
    return (
        ContentTypeDefinition.objects.filter(project_id=definition.project_id, name=name)
        .exclude(status=Status.DELETED)
        .exclude(pk=definition.pk)
        .exists()
    )


def _name_conflict(name: str) -> AlreadyExistsError:
    return AlreadyExistsError(
        "A content type with this name already exists in the project.", details={"name": name}
    )


def _save(definition: ContentTypeDefinition, fields: Iterable[str]) -> None:
    definition.revision += 1
    try:
        definition.save(update_fields=[*dict.fromkeys([*fields, "revision", "updated_at"])])
    except IntegrityError as exc:
        if _is_unique_violation(exc, "ct_definition_project_name_unique_live"):
            raise _name_conflict(definition.name) from exc
        raise


def _require_project_components(
    project_id: Any, layout_component_id: Any, allow_list: al.AllowList
) -> None:
    """404 unless the layout and every allow-listed id are components of the project, in any
    status (an older package may hold one deleted since): another organization's components never
    get into a definition. One query whatever the size of the allow-list."""
    wanted = al.referenced_ids(layout_component_id, allow_list)
    found = set(
        Component.objects.filter(id_in(Component, "id", wanted), project_id=project_id).values_list(
            as_text("pk"), flat=True
        )
    )
    unknown = sorted(set(wanted) - found)
    if unknown:
        raise ComponentNotFoundError(
            "Components not found in this project.", details={"componentIds": unknown}
        )


def _captured_components(
    definition: ContentTypeDefinition, *, for_publish: bool
) -> tuple[Any, dict[str, CapturedComponent]]:
    """The package's id (None for ``draft``) and the layout and allow-listed components as that
    package holds them (only layouts with their schema).

    Two queries whatever the size of the allow-list (the package, then its components whose ids
    are referenced). Raises 422 when the package is ``draft`` (publish only), missing, or lacks a
    referenced component, or when the layout is not a layout.
    """
    version = definition.package_version
    wanted = al.referenced_ids(definition.layout_component_id, definition.component_ids_allow_list)
    if version == semver.DRAFT:
        if for_publish:
            raise _draft_package_error(version)
        rows = (
            Component.objects.filter(
                id_in(Component, "id", wanted),
                project_id=definition.project_id,
            )
            .exclude(status=Component.Status.DELETED)
            .values_list(as_text("pk"), "name", "type", "version", layout_schemas_only())
        )
        return None, captured_from_rows(definition, rows)
    package_id = (
        Package.objects.filter(project_id=definition.project_id, version=version)
        .values_list("pk", flat=True)
        .first()
    )
    if package_id is None:
        raise _missing_package_error(version)
    rows = PackageComponent.objects.filter(
        id_in(PackageComponent, "component_id", wanted),
        package_id=package_id,
    ).values_list(as_text("component_id"), "name", "type", "version", layout_schemas_only())
    return package_id, captured_from_rows(definition, rows)


def _draft_package_error(version: str) -> ContentTypeValidationError:
    return ContentTypeValidationError(
        'Cannot publish against the "draft" package version; choose a released package.',
        details={"packageVersion": version},
    )


def _missing_package_error(version: str) -> ContentTypePackageNotFoundError:
    return ContentTypePackageNotFoundError(
        f"Package version {version} does not exist.", details={"packageVersion": version}
    )


def captured_from_rows(
    definition: ContentTypeDefinition, rows: Iterable[tuple]
) -> dict[str, CapturedComponent]:
    """Check the definition's components against the package rows ``(id, name, type, version,
    schema)`` that were loaded for it (extra rows are ignored); raise 422 on any problem."""
    wanted = al.referenced_ids(definition.layout_component_id, definition.component_ids_allow_list)
    wanted_set = set(wanted)  # a set: this runs once per row of the package
    captured = {
        str(pk): CapturedComponent(str(pk), name, type_, number, schema)
        for pk, name, type_, number, schema in rows
        if str(pk) in wanted_set
    }
    invalid = sorted(cid for cid in wanted if cid not in captured)
    if invalid:
        raise ContentTypeValidationError(
            INVALID_COMPONENTS_MESSAGE,
            details={"invalidComponentIds": invalid, "packageVersion": definition.package_version},
        )
    layout = captured[str(definition.layout_component_id)]
    if layout.type != Component.Type.LAYOUT:
        raise ContentTypeValidationError(
            "The layout component must be a component of type layout.",
            details={"layoutComponentId": layout.id, "type": layout.type},
        )
    return captured


def _generate_schema(
    definition: ContentTypeDefinition, captured: dict[str, CapturedComponent], package_id: Any
) -> RawSQL:
    """The definition's schema (an SQL expression to save), or 422 on bad groups or slots."""
    problems = al.group_problems(definition.component_ids_allow_list)
    if problems:
        raise ContentTypeValidationError(
            "Component groups must have unique ids and at least one component.", details=problems
        )
    allowed = al.component_ids(definition.component_ids_allow_list)
    try:
        frame = build_schema_frame(
            title=definition.name,
            description=definition.description,
            layout=captured[str(definition.layout_component_id)],
            allow_list=definition.component_ids_allow_list,
            names={cid: captured[cid].name for cid in allowed},
        )
    except SlotGroupError as exc:
        raise ContentTypeValidationError(
            "The layout has slots for groups that the allow-list does not define.",
            details={"unknownSlotGroups": exc.unknown_groups},
        ) from exc
    return content_schema_sql(frame, package_id, allowed)


_SNAPSHOT_FIELDS = (
    "name",
    "description",
    "layout_component_id",
    "component_ids_allow_list",
    "package_version",
    "schema",
    "template_content_ids",
    "permissions",
    "author",
    "tags",
)


# What publishing changes on the definition (a rollback also restores the snapshot fields).
PUBLISH_UPDATE_FIELDS = [
    "schema",
    "version",
    "last_published_version",
    "status",
    "withdrawn",
    "published_at",
    "published_by",
]


def next_version(
    definition: ContentTypeDefinition,
    actor: Actor,
    now: Any,
    rolled_back_from: int | None = None,
) -> ContentTypeVersion:
    """Build (unsaved) version ``last + 1`` of the (locked) definition and mark the definition
    published in memory; the caller saves both. A schema generated in SQL is built once, for the
    version: the definition then copies the version's."""
    number = (definition.last_published_version or 0) + 1
    version = ContentTypeVersion(
        definition=definition,
        version=number,
        rolled_back_from=rolled_back_from,
        published_at=now,
        published_by=actor.user,
        **{field: getattr(definition, field) for field in _SNAPSHOT_FIELDS},
    )
    if isinstance(definition.schema, RawSQL):
        definition.schema = version_schema_sql(definition.pk, number)
    definition.version = definition.last_published_version = number
    definition.status = Status.PUBLISHED
    definition.withdrawn = False
    definition.published_at = now
    definition.published_by = actor.user
    return version


def notify_published(definition: ContentTypeDefinition) -> None:
    """Send ``content_type_published`` once the transaction commits."""
    transaction.on_commit(
        partial(
            signals.content_type_published.send_robust,
            sender=ContentTypeDefinition,
            content_type_id=definition.pk,
            project_id=definition.project_id,
            version=definition.version,
        ),
        robust=True,
    )


def _write_version(
    definition: ContentTypeDefinition,
    actor: Actor,
    *,
    action: str,
    rolled_back_from: int | None = None,
) -> ContentTypeDefinition:
    """Freeze the (locked) definition as version ``last + 1`` and mark it published."""
    version = next_version(definition, actor, timezone.now(), rolled_back_from)
    try:
        version.save()
    except IntegrityError as exc:  # impossible under the row lock; the constraint is the backstop
        raise ConflictError(
            "Another publish took this version number; retry.", details={"version": version.version}
        ) from exc
    generated = isinstance(definition.schema, RawSQL)  # the copy next_version set up
    restored = [*_SNAPSHOT_FIELDS, "component_ids"] if rolled_back_from is not None else []
    _save(definition, [*PUBLISH_UPDATE_FIELDS, *restored])
    if generated:
        del definition.schema  # deferred again: loaded if used (the API reads it as text)
    _audit(
        actor,
        action,
        "content_type",
        definition,
        version=version.version,
        packageVersion=definition.package_version,
        rolledBackFrom=rolled_back_from,
    )
    notify_published(definition)
    return definition


def _restore_snapshot(definition: ContentTypeDefinition, version: ContentTypeVersion) -> None:
    for field in _SNAPSHOT_FIELDS:
        setattr(definition, field, getattr(version, field))
    definition.component_ids = al.referenced_ids(
        definition.layout_component_id, definition.component_ids_allow_list
    )
    if _name_taken(definition, definition.name):
        raise _name_conflict(definition.name)


# --- content types: use cases ------------------------------------------------------------------
@transaction.atomic
def content_type_create(
    *,
    actor: Actor,
    project_id: uuid.UUID,
    name: str,
    layout_component_id: uuid.UUID | str,
    component_ids_allow_list: al.AllowList,
    package_version: str,
    description: str = "",
    template_content_ids: list[str] | None = None,
    permissions: dict[str, Any] | None = None,
    author: str | None = None,
    tags: list[str] | None = None,
) -> ContentTypeDefinition:
    """A new ``draft`` (version null). The referenced components must belong to the project
    (404); they are checked against the package at publish time (and by
    ``content_type_set_package_version``)."""
    actor.require_role(Role.EDITOR, "create content types")
    permissions = normalize_permissions(permissions)
    _require_permission_change_allowed(actor, default_permissions(), permissions)
    project = _project(actor, project_id)
    _require_project_components(project.pk, layout_component_id, component_ids_allow_list)
    definition = ContentTypeDefinition(
        project=project,
        name=name,
        description=description,
        layout_component_id=uuid.UUID(str(layout_component_id)),
        component_ids_allow_list=component_ids_allow_list,
        component_ids=al.referenced_ids(layout_component_id, component_ids_allow_list),
        package_version=package_version,
        template_content_ids=list(template_content_ids or []),
        permissions=permissions,
        author=actor.user.email if author is None else author,
        tags=list(dict.fromkeys(tags or [])),
        created_by=actor.user,
    )
    if _name_taken(definition, name):
        raise _name_conflict(name)
    try:
        definition.save(force_insert=True)
    except IntegrityError as exc:
        raise _name_conflict(name) from exc
    _audit(actor, "contenttypes.create", "content_type", definition, name=name)
    return definition


UPDATABLE_FIELDS = frozenset(
    {
        "name",
        "description",
        "layout_component_id",
        "component_ids_allow_list",
        "template_content_ids",
        "permissions",
        "author",
        "tags",
    }
)


@transaction.atomic
def content_type_update(
    *,
    actor: Actor,
    content_type_id: uuid.UUID,
    changes: dict[str, Any],
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> ContentTypeDefinition:
    """Partial update. A real change moves ``published``/``unpublished`` to ``modified``; an
    update that changes nothing changes nothing (not even the status)."""
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise RequestValidationError.for_fields(dict.fromkeys(sorted(unknown), "Not updatable."))
    actor.require_role(Role.EDITOR, "update content types")
    definition = _definition_for_update(actor, content_type_id, project_id)
    _check_if_match(definition.etag, if_match)
    if definition.status == Status.DELETED:
        raise ContentTypeInvalidStatusError("Cannot update content type with status: deleted")
    changes = dict(changes)
    if "layout_component_id" in changes:
        changes["layout_component_id"] = uuid.UUID(str(changes["layout_component_id"]))
    if "permissions" in changes:
        changes["permissions"] = normalize_permissions(changes["permissions"])
        _require_permission_change_allowed(actor, definition.permissions, changes["permissions"])
    if "tags" in changes:
        changes["tags"] = list(dict.fromkeys(changes["tags"]))
    changed = sorted(key for key, value in changes.items() if getattr(definition, key) != value)
    if not changed:
        return definition
    for key in changed:
        setattr(definition, key, changes[key])
    if "name" in changed and _name_taken(definition, definition.name):
        raise _name_conflict(definition.name)
    if {"layout_component_id", "component_ids_allow_list"} & set(changed):
        _require_project_components(
            definition.project_id,
            definition.layout_component_id,
            definition.component_ids_allow_list,
        )
    definition.component_ids = al.referenced_ids(
        definition.layout_component_id, definition.component_ids_allow_list
    )
    _mark_changed(definition)
    _save(definition, [*changed, "component_ids", "status"])
    _audit(actor, "contenttypes.update", "content_type", definition, fields=changed)
    return definition


@transaction.atomic
def content_type_publish(
    *,
    content_type_id: uuid.UUID,
    actor: Actor,
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> ContentTypeDefinition:
    """Publish: ``draft`` → v1, ``modified``/``unpublished`` → v+1; ``published`` is a no-op.

    Validation order (nothing is written when it fails): status; the package (not ``draft``,
    exists); the layout and allow-listed components are in it and the layout is a layout; groups
    have unique ids and no group is empty. Then the schema is generated and the version written,
    all under the definition's row lock. Query count does not depend on the allow-list's size.
    """
    # The row we lock is the truth; whatever the caller loaded is only a hint.
    definition = _definition_for_update(actor, content_type_id, project_id)
    _require_publisher(actor, definition, "publish this content type")
    _check_if_match(definition.etag, if_match)
    if definition.status == Status.DELETED:
        raise ContentTypeInvalidStatusError(
            f"Cannot publish content type with status: {definition.status}"
        )
    if definition.status == Status.PUBLISHED:
        return definition  # unchanged since its last publish: a retry is a no-op
    package_id, captured = _captured_components(definition, for_publish=True)
    definition.schema = _generate_schema(definition, captured, package_id)
    return _write_version(definition, actor, action="contenttypes.publish")


@transaction.atomic
def content_type_unpublish(
    *,
    content_type_id: uuid.UUID,
    actor: Actor,
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> ContentTypeDefinition:
    """``published`` → ``unpublished``, keeping its version."""
    definition = _definition_for_update(actor, content_type_id, project_id)
    _require_publisher(actor, definition, "unpublish this content type")
    _check_if_match(definition.etag, if_match)
    if definition.status != Status.PUBLISHED:
        raise ContentTypeInvalidStatusError(
            f"Cannot unpublish content type with status: {definition.status}"
        )
    definition.status = Status.UNPUBLISHED
    definition.withdrawn = True
    _save(definition, ["status", "withdrawn"])
    _audit(actor, "contenttypes.unpublish", "content_type", definition, version=definition.version)
    transaction.on_commit(
        partial(
            signals.content_type_unpublished.send_robust,
            sender=ContentTypeDefinition,
            content_type_id=definition.pk,
            project_id=definition.project_id,
            version=definition.version,
        ),
        robust=True,
    )
    return definition


@transaction.atomic
def content_type_discard(
    *,
    content_type_id: uuid.UUID,
    actor: Actor,
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> ContentTypeDefinition:
    """``modified`` → the last published definition, ``published`` (or ``unpublished`` when it
    had been unpublished or deleted before the edits)."""
    actor.require_role(Role.EDITOR, "discard changes")
    definition = _definition_for_update(actor, content_type_id, project_id)
    _check_if_match(definition.etag, if_match)
    if definition.status == Status.DRAFT:
        raise ContentTypeNoPublishedVersionError(
            "Cannot discard changes: this content type has never been published."
        )
    if definition.status != Status.MODIFIED:
        raise ContentTypeInvalidStatusError(
            f"Cannot discard changes of content type with status: {definition.status}"
        )
    last = ContentTypeVersion.objects.get(
        definition=definition, version=definition.last_published_version
    )
    _restore_snapshot(definition, last)
    definition.status = Status.UNPUBLISHED if definition.withdrawn else Status.PUBLISHED
    definition.version = last.version
    _save(definition, [*_SNAPSHOT_FIELDS, "component_ids", "status", "version"])
    _audit(actor, "contenttypes.discard", "content_type", definition, version=last.version)
    return definition


@transaction.atomic
def content_type_rollback(
    *,
    content_type_id: uuid.UUID,
    actor: Actor,
    version: int,
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> ContentTypeDefinition:
    """Publish a **new** version (last + 1) carrying version ``version``'s definition."""
    definition = _definition_for_update(actor, content_type_id, project_id)
    _require_publisher(actor, definition, "roll back this content type")
    _check_if_match(definition.etag, if_match)
    if definition.status == Status.DELETED:
        raise ContentTypeInvalidStatusError(
            f"Cannot roll back content type with status: {definition.status}"
        )
    target = ContentTypeVersion.objects.filter(definition=definition, version=version).first()
    if target is None:
        raise ContentTypeVersionNotFoundError(
            f"Version {version} of this content type does not exist.",
            details={
                "requestedVersion": version,
                "latestVersion": definition.last_published_version,
            },
        )
    _restore_snapshot(definition, target)
    return _write_version(
        definition, actor, action="contenttypes.rollback", rolled_back_from=version
    )


@transaction.atomic
def content_type_set_package_version(
    *,
    content_type_id: uuid.UUID,
    actor: Actor,
    package_version: str,
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> ContentTypeDefinition:
    """Point the definition at another package after checking that the package exists and holds
    the layout and every allow-listed component. ``draft`` (the live components) is allowed."""
    if package_version != semver.DRAFT and not semver.is_valid(package_version):
        raise RequestValidationError.for_fields(
            {"packageVersion": 'Must be a semantic version (e.g. 1.2.0) or "draft".'}
        )
    actor.require_role(Role.EDITOR, "change the package version")
    definition = _definition_for_update(actor, content_type_id, project_id)
    _check_if_match(definition.etag, if_match)
    if definition.status == Status.DELETED:
        raise ContentTypeInvalidStatusError(
            "Cannot change the package version of content type with status: deleted"
        )
    previous = definition.package_version
    definition.package_version = package_version
    _captured_components(definition, for_publish=False)
    if package_version == previous:
        return definition
    _mark_changed(definition)
    _save(definition, ["package_version", "status"])
    _audit(
        actor,
        "contenttypes.package_version",
        "content_type",
        definition,
        **{"from": previous, "to": package_version},
    )
    return definition


@transaction.atomic
def content_type_change_status(
    *,
    content_type_id: uuid.UUID,
    actor: Actor,
    status: Any,
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> ContentTypeDefinition:
    """Soft-delete (``deleted``) or restore a deleted type (``draft`` when it was never
    published, ``modified`` when it was). ``published``/``unpublished`` have their own actions.
    Deleting a deleted type is a no-op."""
    if status not in SETTABLE_STATUSES:
        hint = (
            {
                Status.PUBLISHED: " Use the publish action to publish.",
                Status.UNPUBLISHED: " Use the unpublish action to unpublish.",
            }.get(status, "")
            if isinstance(status, str)
            else ""
        )
        raise RequestValidationError(
            f"Invalid status.{hint}",
            details={"provided": status, "allowed": list(SETTABLE_STATUSES)},
        )
    definition = _definition_for_update(actor, content_type_id, project_id)
    _require_publisher(actor, definition, "change this content type's status")
    _check_if_match(definition.etag, if_match)
    previous = definition.status
    if status == Status.DELETED:
        if previous == Status.DELETED:
            return definition
        definition.status = Status.DELETED
        # Coming back from the bin never makes a type live again without a publish.
        definition.withdrawn = definition.has_published_version
    else:
        if previous != Status.DELETED:
            raise ContentTypeInvalidStatusError(
                f"Cannot change status from {previous} to {status}: "
                "only a deleted content type can be restored."
            )
        if status == Status.DRAFT and definition.has_published_version:
            raise ContentTypeInvalidStatusError(
                "Cannot restore to draft: this content type has published versions; "
                "restore it to modified."
            )
        if status == Status.MODIFIED and not definition.has_published_version:
            raise ContentTypeInvalidStatusError(
                "Cannot restore to modified: this content type has never been published; "
                "restore it to draft."
            )
        if _name_taken(definition, definition.name):
            raise _name_conflict(definition.name)
        definition.status = status
    _save(definition, ["status", "withdrawn"])
    _audit(
        actor,
        "contenttypes.status",
        "content_type",
        definition,
        **{"from": previous, "to": definition.status},
    )
    return definition


def content_type_delete(
    *,
    content_type_id: uuid.UUID,
    actor: Actor,
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> ContentTypeDefinition:
    """Soft delete: the ``deleted`` status (restorable with ``content_type_change_status``)."""
    return content_type_change_status(
        content_type_id=content_type_id,
        actor=actor,
        status=Status.DELETED,
        project_id=project_id,
        if_match=if_match,
    )
