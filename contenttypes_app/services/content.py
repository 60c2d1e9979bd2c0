"""Content items: create, update, status, unpublish, discard, rollback, migrate.

Publishing (which writes versions) is ``services.content_publish``. Every change locks the item row
(``SELECT … FOR NO KEY UPDATE``, scoped to the actor's organization) before reading its status, so
status guards and version numbers are serialised per item.

Status machine (the content-type one, except that a rollback makes a working copy)::

    create → draft ─publish→ published ─update│rollback│migrate→ modified ─publish→ published (v+1)
                             published ─unpublish→ unpublished ─publish→ published (v+1)
    modified ─discard→ published | unpublished (the last published version's content)
    any ─status deleted→ deleted ─status draft|modified→ draft (never published) | modified

Why no others: only what is live can be unpublished; a deleted item is never published or edited
until restored; restoring never makes an item live without a publish.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection, transaction

from config.errors import ForbiddenError
from config.preconditions import require_if_match
from contenttypes_app.content_schema import require_valid, schema_errors
from contenttypes_app.errors import (
    ContentInvalidMigrationError,
    ContentInvalidStatusError,
    ContentNoPublishedVersionError,
    ContentNotFoundError,
    ContentSchemaError,
    ContentTypeInvalidStatusError,
    ContentTypeReferenceNotFoundError,
    ContentVersionNotFoundError,
    ProjectNotFoundError,
)
from contenttypes_app.events import content_event_data, with_type_version
from contenttypes_app.models import Content, ContentTypeDefinition, ContentTypeVersion, Project
from contenttypes_app.services.common import audit
from contenttypes_app.services.content_migration import migration_target
from contenttypes_app.services.permissions import can_publish
from publishing.models import Role
from publishing.services.audit import AUDIT_ACTIONS
from publishing.tenancy import Actor

Status = Content.Status
SETTABLE_STATUSES = (Status.DELETED, Status.DRAFT, Status.MODIFIED)
UPDATABLE_FIELDS = frozenset({"name", "description", "content", "tags", "metadata", "is_template"})
METADATA_INPUT_KEYS = ("author", "locale")


def content_audit(actor: Actor, verb: str, item: Content, **details: Any) -> None:
    """The one place content writes audit rows (``contenttypes.content.<verb>``), and with them
    the action's domain event (``content.*``, see ``AUDIT_ACTIONS``), built from the row."""
    action = f"contenttypes.content.{verb}"
    event_data = content_event_data(item) if AUDIT_ACTIONS.get(action) else None
    audit(actor, action, "content", item, event_data=event_data, **details)


def content_for_update(
    actor: Actor, content_id: uuid.UUID, project_id: uuid.UUID | None = None
) -> Content:
    """The item row, locked (its type joined, not locked, without the type's schema)."""
    queryset = (
        with_type_version(Content.objects.select_for_update(no_key=True, of=("self",)))
        .select_related("type")
        .defer("type__schema", "type__component_ids")
        .filter(pk=content_id, project__organization_id=actor.organization.pk)
    )
    if project_id is not None:
        queryset = queryset.filter(project_id=project_id)
    item = queryset.first()
    if item is None:
        raise ContentNotFoundError()
    return item


def save_content(item: Content, fields: list[str]) -> None:
    """Save ``fields`` of the (locked) item and bump its ``revision`` (the ETag)."""
    item.revision += 1
    item.save(update_fields=[*dict.fromkeys([*fields, "revision", "updated_at"])])


def _mark_changed(item: Content) -> None:
    if item.status in (Status.PUBLISHED, Status.UNPUBLISHED):
        item.status = Status.MODIFIED


def _require_editable(actor: Actor, item: Content, if_match: str | None, verb: str) -> None:
    actor.require_role(Role.EDITOR, f"{verb} content")
    require_if_match(if_match, item.etag)
    if item.status == Status.DELETED:
        raise ContentInvalidStatusError(f"Cannot {verb} content with status: deleted")


@dataclass(frozen=True)
class CreateTarget:
    """What creating an item of a type needs: the ids and the number and package of the type
    version new items are locked to (the type's last published one)."""

    project_id: uuid.UUID
    type_id: uuid.UUID
    type_version_id: uuid.UUID
    type_version: int
    package_version: str


@cache
def _create_target_sql() -> str:
    """One statement for the project (the actor's organization's), the type (of that project)
    and its last published version; names from the models, values as parameters."""
    project, definition = Project._meta.db_table, ContentTypeDefinition._meta.db_table
    version = ContentTypeVersion._meta.db_table
    return (
        f'SELECT d.id, d.status, v.id, v.version, v.package_version FROM "{project}" p '  # noqa: S608
        f'LEFT JOIN "{definition}" d ON d.project_id = p.id AND d.id = %s '
        f'LEFT JOIN "{version}" v ON v.definition_id = d.id AND v.version = '
        "d.last_published_version WHERE p.id = %s AND p.organization_id = %s"
    )


def _create_target(actor: Actor, project_id: uuid.UUID, type_id: Any) -> CreateTarget:
    """The target of a create, read in one statement (this is the API's hot path: the ORM would
    take three queries and compile each). 404 for another organization's project and for a type
    that is not this project's; 409 for a type deleted or never published."""
    try:
        type_uuid = type_id if isinstance(type_id, uuid.UUID) else uuid.UUID(str(type_id))
    except ValueError:
        type_uuid = None
    with connection.cursor() as cursor:
        cursor.execute(_create_target_sql(), [type_uuid, project_id, actor.organization.pk])
        row = cursor.fetchone()
    if row is None:
        raise ProjectNotFoundError()
    found_id, status, version_id, number, package_version = row
    if found_id is None:
        raise ContentTypeReferenceNotFoundError(details={"typeId": str(type_id)})
    if status == ContentTypeDefinition.Status.DELETED:
        raise ContentTypeInvalidStatusError("Cannot create content of a deleted content type.")
    if version_id is None:
        raise ContentTypeInvalidStatusError(
            "Cannot create content: the content type has never been published."
        )
    return CreateTarget(project_id, found_id, version_id, number, package_version)


def can_publish_content(actor: Actor, definition: ContentTypeDefinition) -> bool:
    """The type's ``permissions.publish`` decides where it names anyone (``can_publish``);
    otherwise editors and up publish content."""
    publish = (definition.permissions or {}).get("publish") or {}
    if publish.get("roles") or publish.get("users"):
        return can_publish(actor, definition)
    return actor.has_role(Role.EDITOR)


def require_content_publisher(actor: Actor, definition: ContentTypeDefinition, action: str) -> None:
    if not can_publish_content(actor, definition):
        raise ForbiddenError(f"You need this content type's publish permission to {action}.")


def _clean_metadata(metadata: dict[str, Any] | None, base: dict[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key in METADATA_INPUT_KEYS:
        if metadata and key in metadata:
            result[key] = metadata[key]
    return result


# --- use cases ---------------------------------------------------------------------------------
@transaction.atomic
def content_create(
    *,
    actor: Actor,
    project_id: uuid.UUID,
    type_id: uuid.UUID | str,
    name: str,
    content: dict[str, Any],
    description: str = "",
    is_template: bool = False,
    tags: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Content:
    """A ``draft`` (version null) locked to the type's last published version, validated.

    The returned item carries ``type_version_number``, ``package_version`` and its (empty)
    schedule, as the API's reads annotate them, so it can be answered without reading it back."""
    actor.require_role(Role.EDITOR, "create content")
    target = _create_target(actor, project_id, type_id)
    require_valid(target.type_version_id, content)
    item = Content(
        project_id=target.project_id,
        type_id=target.type_id,
        type_version_id=target.type_version_id,
        name=name,
        description=description,
        is_template=is_template,
        content=content,
        tags=list(dict.fromkeys(tags or [])),
        metadata=_clean_metadata(metadata, {"author": actor.user.email, "locale": None}),
        created_by=actor.user,
    )
    item.save(force_insert=True)
    item.type_version_number, item.package_version = target.type_version, target.package_version
    Content.publish_schedule.related.set_cached_value(item, None)
    content_audit(
        actor, "create", item, typeId=str(target.type_id), typeVersion=target.type_version
    )
    return item


@transaction.atomic
def content_update(
    *,
    actor: Actor,
    content_id: uuid.UUID,
    changes: dict[str, Any],
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> Content:
    """Partial update; ``content`` is re-validated. A real change moves ``published`` (or
    ``unpublished``) to ``modified``; an update that changes nothing writes nothing."""
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:  # the input serializer accepts only these; anything else is a caller's bug
        raise ValueError(f"content_update cannot change {sorted(unknown)}")
    item = content_for_update(actor, content_id, project_id)
    _require_editable(actor, item, if_match, "update")
    changes = dict(changes)
    if "tags" in changes:
        changes["tags"] = list(dict.fromkeys(changes["tags"]))
    if "metadata" in changes:
        changes["metadata"] = _clean_metadata(changes["metadata"], item.metadata)
    changed = sorted(key for key, value in changes.items() if getattr(item, key) != value)
    if not changed:
        return item
    if "content" in changed:
        require_valid(item.type_version_id, changes["content"])
    for key in changed:
        setattr(item, key, changes[key])
    _mark_changed(item)
    save_content(item, [*changed, "status"])
    content_audit(actor, "update", item, fields=changed)
    return item


@transaction.atomic
def content_unpublish(
    *,
    actor: Actor,
    content_id: uuid.UUID,
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> Content:
    """``published`` → ``unpublished``, keeping its version."""
    item = content_for_update(actor, content_id, project_id)
    require_content_publisher(actor, item.type, "unpublish this content")
    require_if_match(if_match, item.etag)
    if item.status != Status.PUBLISHED:
        raise ContentInvalidStatusError("Cannot unpublish: content is not currently published")
    item.status = Status.UNPUBLISHED
    item.withdrawn = True
    save_content(item, ["status", "withdrawn"])
    content_audit(actor, "unpublish", item, version=item.version)
    return item


@transaction.atomic
def content_discard(
    *,
    actor: Actor,
    content_id: uuid.UUID,
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> Content:
    """``modified`` → the last published version (its content and type version), ``published``
    (or ``unpublished`` when it had been unpublished or deleted before the edits)."""
    item = content_for_update(actor, content_id, project_id)
    actor.require_role(Role.EDITOR, "discard changes")
    require_if_match(if_match, item.etag)
    if item.status == Status.DRAFT:
        raise ContentNoPublishedVersionError(
            "Cannot discard changes: this content has never been published."
        )
    if item.status != Status.MODIFIED:
        raise ContentInvalidStatusError(
            f"Cannot discard changes of content with status: {item.status}"
        )
    last = item.versions.get(version=item.last_published_version)
    item.name, item.content, item.type_version_id = last.name, last.content, last.type_version_id
    item.status = Status.UNPUBLISHED if item.withdrawn else Status.PUBLISHED
    item.version = last.version
    item.metadata = {**item.metadata, "rolledBackFrom": None}
    save_content(item, ["name", "content", "type_version", "status", "version", "metadata"])
    content_audit(actor, "discard", item, version=last.version)
    return item


@transaction.atomic
def content_change_status(
    *,
    actor: Actor,
    content_id: uuid.UUID,
    status: str,
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> Content:
    """Soft-delete (``deleted``) or restore a deleted item (``draft`` when never published,
    ``modified`` when it was). Deleting a deleted item is a no-op."""
    if status not in SETTABLE_STATUSES:  # the input serializer answers the API's 400 before this
        raise ValueError(f"content_change_status sets only {SETTABLE_STATUSES}, not {status!r}")
    item = content_for_update(actor, content_id, project_id)
    actor.require_role(Role.EDITOR, "change the status of content")
    require_if_match(if_match, item.etag)
    previous = item.status
    if status == Status.DELETED:
        if previous == Status.DELETED:
            return item
        item.status = Status.DELETED
        item.withdrawn = item.has_published_version
    else:
        if previous != Status.DELETED:
            raise ContentInvalidStatusError(
                f"Cannot change status from {previous} to {status}: "
                "only deleted content can be restored."
            )
        if (status == Status.DRAFT) == item.has_published_version:
            right = Status.MODIFIED if item.has_published_version else Status.DRAFT
            raise ContentInvalidStatusError(f"Cannot restore to {status}: restore it to {right}.")
        item.status = status
    save_content(item, ["status", "withdrawn"])
    verb = "delete" if item.status == Status.DELETED else "restore"
    content_audit(actor, verb, item, **{"from": previous, "to": item.status})
    return item


def content_delete(
    *,
    actor: Actor,
    content_id: uuid.UUID,
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> Content:
    """Soft delete: the ``deleted`` status (restorable with ``content_change_status``)."""
    return content_change_status(
        actor=actor,
        content_id=content_id,
        status=Status.DELETED,
        project_id=project_id,
        if_match=if_match,
    )


@transaction.atomic
def content_rollback(
    *,
    actor: Actor,
    content_id: uuid.UUID,
    version: int,
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> Content:
    """A **working copy** of version ``version`` (its content and type version): ``modified``,
    not published, ``metadata.rolledBackFrom`` = ``version``."""
    item = content_for_update(actor, content_id, project_id)
    _require_editable(actor, item, if_match, "roll back")
    target = item.versions.filter(version=version).first()
    if target is None:
        raise ContentVersionNotFoundError(
            f"Version {version} of this content does not exist.",
            details={"requestedVersion": version, "latestVersion": item.last_published_version},
        )
    item.name, item.content, item.type_version_id = (
        target.name,
        target.content,
        target.type_version_id,
    )
    item.status = Status.MODIFIED
    item.metadata = {**item.metadata, "rolledBackFrom": version}
    save_content(item, ["name", "content", "type_version", "status", "metadata"])
    content_audit(actor, "rollback", item, rolledBackFrom=version)
    return item


@transaction.atomic
def content_migrate(
    *,
    actor: Actor,
    content_id: uuid.UUID,
    target_type_version: int,
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> Content:
    """Move the item to a newer version of its type, re-validated against that version's schema:
    unknown target → 404 ``TYPE_VERSION_NOT_FOUND``; lower → 422 ``INVALID_MIGRATION``; not
    fitting → 422 ``VALIDATION_FAILED`` (nothing changed). The current version is a no-op."""
    item = content_for_update(actor, content_id, project_id)
    _require_editable(actor, item, if_match, "migrate")
    current = ContentTypeVersion.objects.values_list("version", flat=True).get(
        pk=item.type_version_id
    )
    target = migration_target(item.type, target_type_version)
    if target.version < current:
        raise ContentInvalidMigrationError(
            details={"currentVersion": current, "targetVersion": target.version}
        )
    if target.version == current:
        return item
    errors = schema_errors(target.pk, item.content)
    if errors:
        raise ContentSchemaError(details={"errors": errors})
    item.type_version = target
    item.status = Status.MODIFIED if item.status != Status.DRAFT else Status.DRAFT
    save_content(item, ["type_version", "status"])
    content_audit(actor, "migrate", item, **{"from": current, "to": target.version})
    return item
