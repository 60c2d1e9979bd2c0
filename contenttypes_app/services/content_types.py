"""Content types: create, update, unpublish, discard, package version, status (delete/restore).

Publishing and rolling back (which write versions) live in ``services.publish``. Every change
locks the definition row with ``SELECT … FOR NO KEY UPDATE`` before reading its status, so status
guards and version allocation are serialised per content type; ``NO KEY`` lets the version
insert's foreign-key check (``FOR KEY SHARE`` on the same row) pass inside our own transaction and
never blocks readers.

Status machine (docs/content-types.md has the full table)::

    create → draft ─publish→ published ─update→ modified ─publish→ published (v+1)
                             published ─unpublish→ unpublished ─publish→ published (v+1)
    modified ─discard→ published | unpublished      any ─status deleted→ deleted
    deleted ─status draft|modified→ draft (never published) | modified (has versions)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.preconditions import require_if_match
from contenttypes_app import allow_list as al
from contenttypes_app import signals
from contenttypes_app.errors import (
    AlreadyExistsError,
    ComponentNotFoundError,
    ContentTypeHasContentError,
    ContentTypeInvalidStatusError,
    ContentTypeNoPublishedVersionError,
    ContentTypeNotFoundError,
)
from contenttypes_app.events import content_type_event_data
from contenttypes_app.models import (
    Component,
    Content,
    ContentTypeDefinition,
    ContentTypeVersion,
    default_permissions,
)
from contenttypes_app.services.assembly import captured_components
from contenttypes_app.services.common import (
    audit,
    is_unique_violation,
    project_for_actor,
)
from contenttypes_app.services.permissions import (
    normalize_permissions,
    require_permission_change_allowed,
    require_publisher,
)
from contenttypes_app.services.templates import require_valid_templates
from contenttypes_app.sql import as_text, id_in
from publishing.models import Role
from publishing.tenancy import Actor

Status = ContentTypeDefinition.Status
RESTORABLE_STATUSES = (Status.DRAFT, Status.MODIFIED)
SETTABLE_STATUSES = (Status.DELETED, *RESTORABLE_STATUSES)
NAME_CONSTRAINT = "ct_definition_project_name_unique_live"

# The definition's fields a version freezes (and a rollback or a discard restores).
SNAPSHOT_FIELDS = (
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


# --- content types: helpers --------------------------------------------------------------------
def definition_for_update(
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


def save_definitions(definitions: Sequence[ContentTypeDefinition], fields: Iterable[str]) -> None:
    """Save ``fields`` of the (locked) definitions and bump each one's ``revision`` (its ETag):
    every write of a definition goes through here, one row or a batch (one ``UPDATE`` either
    way). A live name taken meanwhile answers 409 ``ALREADY_EXISTS``."""
    now = timezone.now()
    for definition in definitions:
        definition.revision += 1
        definition.updated_at = now  # auto_now does not run in bulk_update
    fields = [*dict.fromkeys([*fields, "revision", "updated_at"])]
    try:
        if len(definitions) == 1:
            definitions[0].save(update_fields=fields)
        else:
            ContentTypeDefinition.objects.bulk_update(definitions, fields)
    except IntegrityError as exc:
        # Only a single write can change a name (publishing never does).
        if len(definitions) == 1 and is_unique_violation(exc, NAME_CONSTRAINT):
            raise _name_conflict(definitions[0].name) from exc
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


def restore_snapshot(definition: ContentTypeDefinition, version: ContentTypeVersion) -> None:
    """Copy ``version``'s frozen fields back onto the definition in memory (discard, rollback);
    409 when another live type has taken the name meanwhile."""
    for field in SNAPSHOT_FIELDS:
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
    require_permission_change_allowed(actor, default_permissions(), permissions)
    project = project_for_actor(actor, project_id)
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
    audit(actor, "contenttypes.content_type.create", "content_type", definition, name=name)
    return definition


# The fields ``content_type_update`` changes (the input serializer maps the API's keys onto them);
# status, package version and versions have their own use cases.
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
    if unknown:  # the input serializer accepts only these; anything else is a caller's bug
        raise ValueError(f"content_type_update cannot change {sorted(unknown)}")
    actor.require_role(Role.EDITOR, "update content types")
    definition = definition_for_update(actor, content_type_id, project_id)
    require_if_match(if_match, definition.etag)
    if definition.status == Status.DELETED:
        raise ContentTypeInvalidStatusError("Cannot update content type with status: deleted")
    changes = dict(changes)
    if "layout_component_id" in changes:
        changes["layout_component_id"] = uuid.UUID(str(changes["layout_component_id"]))
    if "permissions" in changes:
        changes["permissions"] = normalize_permissions(changes["permissions"])
        require_permission_change_allowed(actor, definition.permissions, changes["permissions"])
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
    if "template_content_ids" in changed:
        require_valid_templates(definition)
    _mark_changed(definition)
    save_definitions([definition], [*changed, "component_ids", "status"])
    audit(actor, "contenttypes.content_type.update", "content_type", definition, fields=changed)
    return definition


@transaction.atomic
def content_type_unpublish(
    *,
    content_type_id: uuid.UUID,
    actor: Actor,
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> ContentTypeDefinition:
    """``published`` → ``unpublished``, keeping its version."""
    definition = definition_for_update(actor, content_type_id, project_id)
    require_publisher(actor, definition, "unpublish this content type")
    require_if_match(if_match, definition.etag)
    if definition.status != Status.PUBLISHED:
        raise ContentTypeInvalidStatusError(
            f"Cannot unpublish content type with status: {definition.status}"
        )
    definition.status = Status.UNPUBLISHED
    definition.withdrawn = True
    save_definitions([definition], ["status", "withdrawn"])
    audit(
        actor,
        "contenttypes.content_type.unpublish",
        "content_type",
        definition,
        event_data=content_type_event_data(definition),
        version=definition.version,
    )
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
    definition = definition_for_update(actor, content_type_id, project_id)
    require_if_match(if_match, definition.etag)
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
    restore_snapshot(definition, last)
    definition.status = Status.UNPUBLISHED if definition.withdrawn else Status.PUBLISHED
    definition.version = last.version
    save_definitions([definition], [*SNAPSHOT_FIELDS, "component_ids", "status", "version"])
    audit(
        actor, "contenttypes.content_type.discard", "content_type", definition, version=last.version
    )
    return definition


@transaction.atomic
def content_type_set_package_version(
    *,
    content_type_id: uuid.UUID,
    actor: Actor,
    package_version: str,
    migrate_content: bool | None = None,
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> ContentTypeDefinition:
    """Point the definition at another package after checking that the package exists and holds
    the layout and every allow-listed component. ``draft`` (the live components) is allowed.

    ``migrate_content`` (when given) sets whether the next publish migrates the type's content
    to the version it writes (``services.content_migration``); ``None`` leaves it as it was."""
    actor.require_role(Role.EDITOR, "change the package version")
    definition = definition_for_update(actor, content_type_id, project_id)
    require_if_match(if_match, definition.etag)
    if definition.status == Status.DELETED:
        raise ContentTypeInvalidStatusError(
            "Cannot change the package version of content type with status: deleted"
        )
    previous, previous_flag = definition.package_version, definition.migrate_content_on_publish
    definition.package_version = package_version
    captured_components(definition)
    if migrate_content is not None:
        definition.migrate_content_on_publish = migrate_content
    if package_version == previous and definition.migrate_content_on_publish == previous_flag:
        return definition
    if package_version != previous:
        _mark_changed(definition)
    save_definitions([definition], ["package_version", "status", "migrate_content_on_publish"])
    audit(
        actor,
        "contenttypes.content_type.change_package_version",
        "content_type",
        definition,
        **{
            "from": previous,
            "to": package_version,
            "migrateContent": definition.migrate_content_on_publish,
        },
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
    if status not in SETTABLE_STATUSES:  # the input serializer answers the API's 400 before this
        raise ValueError(
            f"content_type_change_status sets only {SETTABLE_STATUSES}, not {status!r}"
        )
    definition = definition_for_update(actor, content_type_id, project_id)
    require_publisher(actor, definition, "change this content type's status")
    require_if_match(if_match, definition.etag)
    previous = definition.status
    if status == Status.DELETED:
        if previous == Status.DELETED:
            return definition
        live = Content.objects.filter(type_id=definition.pk).exclude(status=Content.Status.DELETED)
        count = live.count()
        if count:
            raise ContentTypeHasContentError(
                "Cannot delete a content type that still has content; delete the content first.",
                details={"contentCount": count},
            )
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
    save_definitions([definition], ["status", "withdrawn"])
    deleted = definition.status == Status.DELETED
    audit(
        actor,
        "contenttypes.content_type.delete" if deleted else "contenttypes.content_type.restore",
        "content_type",
        definition,
        event_data=content_type_event_data(definition) if deleted else None,
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
