"""Publishing content types: the one publish core, and rollback (which also writes a version).

``content_type_publish_many`` is the only place a content type gets published: the API
(``content_type_publish``, one id), the batch command (``contenttypes_app.bulk``) and whatever comes
next (scheduled publishes, jobs, content instances publishing their type) call it, so they answer
the same errors in the same order. For each content type, in primary key order:

1. **lock** the definition row (``SELECT … FOR NO KEY UPDATE``: the version insert's foreign-key
   check can still take ``KEY SHARE`` on it), scoped to the actor's organization (and project);
2. **guards**, in this order: permission (403), ``If-Match`` (412), status (``deleted`` → 409
   ``INVALID_STATUS``; ``published`` → unchanged, a no-op that writes nothing);
3. **validation**: ``templateContentIds`` name template content of the type (422,
   ``services.templates``), then against the package (422, ``services.assembly``);
4. **snapshot** into version ``last + 1`` (allocated under the lock; the (definition, version)
   unique constraint is the backstop), the definition saved through ``save_definitions``
   (revision bump), one audit row each, ``content_type_published`` sent after commit.

A constant number of queries whatever the number of types and the size of their allow-lists: one
lock, two for the packages, then one insert of versions, one update of definitions, one insert of
audit rows (none of the last five when nothing is publishable).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from config.errors import ConflictError, DomainError
from config.preconditions import require_if_match
from contenttypes_app import signals
from contenttypes_app.errors import (
    ContentTypeInvalidStatusError,
    ContentTypeNotFoundError,
    ContentTypeVersionNotFoundError,
)
from contenttypes_app.events import content_type_event_data
from contenttypes_app.models import ContentTypeDefinition, ContentTypeVersion
from contenttypes_app.services.assembly import publishable_schema, released_package_rows
from contenttypes_app.services.content_migration import content_migrations_after_publish
from contenttypes_app.services.content_types import (
    SNAPSHOT_FIELDS,
    definition_for_update,
    restore_snapshot,
    save_definitions,
)
from contenttypes_app.services.permissions import require_publisher
from contenttypes_app.services.templates import invalid_template_ids, template_error
from contenttypes_app.sql import version_schema_sql
from publishing.services import audit_entry, audit_record_many
from publishing.tenancy import Actor

Status = ContentTypeDefinition.Status

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


@dataclass
class PublishOutcome:
    """What ``content_type_publish_many`` did with each requested id."""

    published: list[ContentTypeDefinition] = field(default_factory=list)  # a new version each
    unchanged: list[ContentTypeDefinition] = field(default_factory=list)  # already published
    # id (canonical string) → the error the API answers for it; missing ids first, then pk order
    failures: dict[str, DomainError] = field(default_factory=dict)


def _lock(
    actor: Actor, content_type_ids: Sequence[uuid.UUID], project_id: uuid.UUID | None
) -> list[ContentTypeDefinition]:
    """The definitions, locked in primary key order (so concurrent batches never deadlock),
    scoped to the actor's organization. The schema (it can weigh hundreds of kB) and the
    flattened ids stay in the database: publishing replaces the one and never reads the other."""
    queryset = (
        ContentTypeDefinition.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk__in=content_type_ids, project__organization_id=actor.organization.pk)
        .defer("schema", "component_ids")
        .order_by("pk")
    )
    if project_id is not None:
        queryset = queryset.filter(project_id=project_id)
    return list(queryset)


def _require_publishable(
    actor: Actor, definition: ContentTypeDefinition, if_match: str | None, verb: str
) -> None:
    """The guards every version-writing action runs, in this order: permission, ``If-Match``,
    status (a ``deleted`` type is never published)."""
    require_publisher(actor, definition, f"{verb} this content type")
    require_if_match(if_match, definition.etag)
    if definition.status == Status.DELETED:
        raise ContentTypeInvalidStatusError(
            f"Cannot {verb} content type with status: {definition.status}"
        )


@transaction.atomic
def content_type_publish_many(
    *,
    actor: Actor,
    content_type_ids: Sequence[uuid.UUID],
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
    audit_details: Mapping[str, Any] | None = None,
) -> PublishOutcome:
    """Publish content types: ``draft`` → v1, ``modified``/``unpublished`` → v+1; ``published``
    is unchanged; every other id fails with the error the API would answer (nothing is written
    for it, the others go on). See the module docstring for the order of the steps.

    ``if_match`` is checked against every type (a caller publishing one type passes its
    ``If-Match`` header). ``audit_details`` are added to every audit row (the batch marks its
    rows ``{"bulk": true}``).
    """
    outcome = PublishOutcome()
    # The rows we lock are the truth; whatever the caller loaded is only a hint.
    definitions = _lock(actor, content_type_ids, project_id)
    found = {str(d.pk) for d in definitions}
    for missing in sorted({str(i) for i in content_type_ids} - found):
        outcome.failures[missing] = ContentTypeNotFoundError()
    candidates = []
    for definition in definitions:
        try:
            _require_publishable(actor, definition, if_match, "publish")
        except DomainError as exc:
            outcome.failures[str(definition.pk)] = exc
            continue
        if definition.status == Status.PUBLISHED:
            outcome.unchanged.append(definition)  # unchanged since its last publish: a no-op
        else:
            candidates.append(definition)
    package_rows = released_package_rows(candidates)
    bad_templates = invalid_template_ids(candidates)
    for definition in candidates:
        try:
            if definition.pk in bad_templates:
                raise template_error(bad_templates[definition.pk])
            definition.schema = publishable_schema(definition, package_rows)
        except DomainError as exc:
            outcome.failures[str(definition.pk)] = exc
            continue
        outcome.published.append(definition)
    _write_versions(
        outcome.published,
        actor,
        action="contenttypes.content_type.publish",
        audit_details=audit_details,
    )
    return outcome


def content_type_publish(
    *,
    content_type_id: uuid.UUID,
    actor: Actor,
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> ContentTypeDefinition:
    """Publish one content type (the API): ``content_type_publish_many`` for its id, raising
    the error it answers for it. Publishing an unchanged ``published`` type is a no-op. (The core
    is the transaction: a failed publish has written nothing, so the error is raised after it.)"""
    outcome = content_type_publish_many(
        actor=actor, content_type_ids=[content_type_id], project_id=project_id, if_match=if_match
    )
    for error in outcome.failures.values():
        raise error
    (definition,) = outcome.published or outcome.unchanged
    return definition


def _stage_version(
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
        **{field: getattr(definition, field) for field in SNAPSHOT_FIELDS},
    )
    if isinstance(definition.schema, RawSQL):
        definition.schema = version_schema_sql(definition.pk, number)
    definition.version = definition.last_published_version = number
    definition.status = Status.PUBLISHED
    definition.withdrawn = False
    definition.published_at = now
    definition.published_by = actor.user
    return version


def _notify_published(definition: ContentTypeDefinition) -> None:
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


def _write_versions(
    definitions: list[ContentTypeDefinition],
    actor: Actor,
    *,
    action: str,
    rolled_back_from: int | None = None,
    audit_details: Mapping[str, Any] | None = None,
) -> None:
    """Freeze the (locked, checked) definitions as version ``last + 1`` each and mark them
    published: one insert of versions, one update of definitions, one insert of audit rows and
    the ``content_type.published`` events (``audit_record_many``: +2 queries, +3 with endpoints)."""
    if not definitions:
        return
    now = timezone.now()
    generated = {d.pk for d in definitions if isinstance(d.schema, RawSQL)}
    versions = [_stage_version(d, actor, now, rolled_back_from) for d in definitions]
    try:
        ContentTypeVersion.objects.bulk_create(versions)
    except IntegrityError as exc:  # impossible under the row locks; the constraint is the backstop
        raise ConflictError(
            "Another publish took this version number; retry.",
            details={"version": versions[0].version},
        ) from exc
    restored = [*SNAPSHOT_FIELDS, "component_ids"] if rolled_back_from is not None else []
    # before the save: it clears the migrateContent flag of the types it queues a migration for
    content_migrations_after_publish(actor, list(zip(definitions, versions, strict=True)))
    save_definitions(definitions, [*PUBLISH_UPDATE_FIELDS, *restored, "migrate_content_on_publish"])
    audits = []
    for definition in definitions:
        if definition.pk in generated:
            del definition.schema  # deferred again: loaded if used (the API reads it as text)
        details = {"version": definition.version, "packageVersion": definition.package_version}
        if rolled_back_from is not None:
            details["rolledBackFrom"] = rolled_back_from
        audits.append(
            audit_entry(
                actor=actor,
                action=action,
                target_type="content_type",
                target_id=str(definition.pk),
                details={**details, **(audit_details or {})},
                event_data=content_type_event_data(definition),
            )
        )
    audit_record_many(audits)
    for definition in definitions:
        _notify_published(definition)


@transaction.atomic
def content_type_rollback(
    *,
    content_type_id: uuid.UUID,
    actor: Actor,
    version: int,
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> ContentTypeDefinition:
    """Publish a **new** version (last + 1) carrying version ``version``'s definition. The same
    lock and guards as a publish; the schema is the old version's, so no package check."""
    definition = definition_for_update(actor, content_type_id, project_id)
    _require_publishable(actor, definition, if_match, "roll back")
    target = ContentTypeVersion.objects.filter(definition=definition, version=version).first()
    if target is None:
        raise ContentTypeVersionNotFoundError(
            f"Version {version} of this content type does not exist.",
            details={
                "requestedVersion": version,
                "latestVersion": definition.last_published_version,
            },
        )
    restore_snapshot(definition, target)
    _write_versions(
        [definition], actor, action="contenttypes.content_type.rollback", rolled_back_from=version
    )
    return definition
