"""Bulk content migration: every content item of a type moved to one of its versions, as a job.

``content_migration_start`` (the API's ``POST …/migrate-content``) and a publish after
``PUT …/package-version`` with ``migrateContent`` (``content_migrations_after_publish``) record a
``ContentMigration`` and defer its job in the same transaction (``config.jobs``): a rollback
leaves neither. The job (``contenttypes_app.tasks``) calls ``content_migration_run``, which walks
the type's non-deleted items in id order, one batch per transaction:

- lock the migration row (a finished migration is left alone: a retried job is a no-op), then the
  batch's item rows (``FOR NO KEY UPDATE``; a dry run locks nothing and writes only its report);
- per item, the rules of ``content_migrate``: already at the target → ``unchanged``; locked to a
  newer version, or not matching the target's schema (the cached validator) → ``failed`` with
  ``{path, message}`` errors; otherwise migrated (``published``/``unpublished`` → ``modified``);
- one update of the items, one insert of audit rows and their ``content.migrated`` events, one
  update of the report and the cursor. A constant number of queries per batch.

A job killed mid-way resumes after the last committed batch (the stalled-job sweep retries it).
The member who started it is re-checked each batch: without the editor role the migration stops,
``failed``, with the reason in ``error``; what already committed stays migrated.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from config.errors import DomainError
from config.jobs import defer_jobs
from contenttypes_app.content_schema import schema_errors
from contenttypes_app.errors import (
    ContentMigrationInProgressError,
    ContentTypeInvalidStatusError,
    TypeVersionNotFoundError,
)
from contenttypes_app.events import content_event_data, with_type_version
from contenttypes_app.models import (
    Content,
    ContentMigration,
    ContentTypeDefinition,
    ContentTypeVersion,
)
from contenttypes_app.services.common import audit, is_unique_violation
from contenttypes_app.services.content_types import definition_for_update
from publishing.models import Role
from publishing.services import audit_entry, audit_record_many
from publishing.tenancy import Actor, actor_for

MIGRATE_TASK = "contenttypes.migrate_content"
QUEUE = "content"
ONE_ACTIVE = "ct_migration_one_active_per_type"
Status = ContentMigration.Status
ContentStatus = Content.Status


def _defer(migrations: Sequence[ContentMigration]) -> None:
    defer_jobs(
        MIGRATE_TASK, queue=QUEUE, kwargs_list=[{"migration_id": str(m.pk)} for m in migrations]
    )


def migration_target(definition: ContentTypeDefinition, to_version: int) -> ContentTypeVersion:
    """Version ``to_version`` of the type, or 404 ``TYPE_VERSION_NOT_FOUND`` (one item's
    ``content_migrate`` and the bulk migration)."""
    target = (
        ContentTypeVersion.objects.filter(definition=definition, version=to_version)
        .only("id", "version", "package_version")
        .first()
    )
    if target is None:
        raise TypeVersionNotFoundError(
            f"Version {to_version} of this content type does not exist.",
            details={
                "targetVersion": to_version,
                "latestVersion": definition.last_published_version,
            },
        )
    return target


def _active_migration_id(type_id: uuid.UUID) -> str | None:
    found = (
        ContentMigration.objects.filter(type_id=type_id, status__in=ContentMigration.ACTIVE)
        .filter(dry_run=False)
        .values_list("pk", flat=True)
        .first()
    )
    return None if found is None else str(found)


@transaction.atomic
def content_migration_start(
    *,
    actor: Actor,
    content_type_id: uuid.UUID,
    to_version: int,
    dry_run: bool = False,
    project_id: uuid.UUID | None = None,
) -> ContentMigration:
    """Queue a migration (or a dry run) of every item of the type to version ``to_version``:
    editors and up; unknown version → 404 ``TYPE_VERSION_NOT_FOUND``; a deleted type → 409
    ``INVALID_STATUS``; a real migration already queued or running → 409
    ``MIGRATION_IN_PROGRESS``. The job is deferred in this transaction."""
    actor.require_role(Role.EDITOR, "migrate content")
    definition = definition_for_update(actor, content_type_id, project_id)
    if definition.status == ContentTypeDefinition.Status.DELETED:
        raise ContentTypeInvalidStatusError("Cannot migrate the content of a deleted content type.")
    target = migration_target(definition, to_version)
    migration = ContentMigration(
        project_id=definition.project_id,
        type=definition,
        target=target,
        dry_run=dry_run,
        created_by=actor.user,
    )
    try:
        with transaction.atomic():
            migration.save(force_insert=True)
    except IntegrityError as exc:
        if not is_unique_violation(exc, ONE_ACTIVE):
            raise
        raise ContentMigrationInProgressError(
            details={"migrationId": _active_migration_id(definition.pk)}
        ) from exc
    audit(
        actor,
        "contenttypes.content_type.migrate_content",
        "content_type",
        definition,
        migrationId=str(migration.pk),
        toVersion=target.version,
        dryRun=dry_run,
    )
    _defer([migration])
    return migration


def content_migrations_after_publish(
    actor: Actor, published: Sequence[tuple[ContentTypeDefinition, ContentTypeVersion]]
) -> list[ContentMigration]:
    """For the just-published types whose package change asked for it (``migrateContent``),
    queue a migration to the new version and clear the flag, in the publish's transaction. A type
    whose previous migration is still active keeps the flag (its next publish migrates). Three
    queries when any type asked, none otherwise; the caller saves the flag."""
    wanted = [(d, v) for d, v in published if d.migrate_content_on_publish]
    if not wanted:
        return []
    busy = set(
        ContentMigration.objects.filter(
            type_id__in=[d.pk for d, _ in wanted], status__in=ContentMigration.ACTIVE, dry_run=False
        ).values_list("type_id", flat=True)
    )
    migrations = []
    for definition, version in wanted:
        if definition.pk in busy:
            continue
        definition.migrate_content_on_publish = False
        migrations.append(
            ContentMigration(
                project_id=definition.project_id,
                type=definition,
                target=version,
                created_by=actor.user,
            )
        )
    ContentMigration.objects.bulk_create(migrations)
    _defer(migrations)
    return migrations


# --- the job -----------------------------------------------------------------------------------
def content_migration_run(migration_id: uuid.UUID | str) -> ContentMigration | None:
    """Run (or resume) a migration to its end, a batch per transaction. Returns the finished
    migration (``None`` when it no longer exists)."""
    while True:
        migration, done = _run_batch(migration_id)
        if migration is None or done:
            return migration


def _fail(migration: ContentMigration, reason: str) -> tuple[ContentMigration, bool]:
    migration.status = Status.FAILED
    migration.error = reason
    migration.finished_at = timezone.now()
    migration.save(update_fields=["status", "error", "started_at", "finished_at"])
    return migration, True


def _actor(migration: ContentMigration) -> Actor:
    """The member who started the migration, re-checked now (a role can be lost mid-way)."""
    if migration.created_by is None:
        raise DomainError("The member who started this migration no longer exists.")
    actor = actor_for(migration.created_by, migration.project.organization)
    actor.require_role(Role.EDITOR, "migrate content")
    return actor


@transaction.atomic
def _run_batch(migration_id: uuid.UUID | str) -> tuple[ContentMigration | None, bool]:
    migration = (
        ContentMigration.objects.select_for_update(of=("self",))
        .select_related("target", "created_by", "project__organization")
        .filter(pk=migration_id)
        .first()
    )
    if migration is None or migration.status not in ContentMigration.ACTIVE:
        return migration, True
    if migration.status == Status.QUEUED:
        migration.status, migration.started_at = Status.RUNNING, timezone.now()
    try:
        actor = _actor(migration)
    except DomainError as exc:
        return _fail(migration, exc.message)
    size = settings.CONTENT_MIGRATION_BATCH_SIZE
    queryset = Content.objects.filter(type_id=migration.type_id).exclude(
        status=ContentStatus.DELETED
    )
    if migration.cursor is not None:
        queryset = queryset.filter(pk__gt=migration.cursor)
    if not migration.dry_run:
        queryset = queryset.select_for_update(no_key=True, of=("self",))
    items = list(with_type_version(queryset).order_by("pk")[:size])
    migrate = _sort_batch(migration, items)
    if migrate and not migration.dry_run:
        _write_batch(actor, migration, migrate)
    migration.migrated += len(migrate)
    if items:
        migration.cursor = items[-1].pk
    done = len(items) < size
    if done:
        migration.status, migration.finished_at = Status.SUCCEEDED, timezone.now()
    migration.save(
        update_fields=[
            "status",
            "started_at",
            "finished_at",
            "migrated",
            "unchanged",
            "failed_count",
            "failures",
            "cursor",
        ]
    )
    return migration, done


def _sort_batch(migration: ContentMigration, items: list[Content]) -> list[Content]:
    """Count the unchanged and the failed (into the migration); return the items to migrate."""
    target = migration.target
    kept = settings.CONTENT_MIGRATION_FAILURES_KEPT
    migrate = []
    for item in items:
        current = item.type_version_number
        if current == target.version:
            migration.unchanged += 1
            continue
        if current > target.version:
            errors = [
                {
                    "path": "",
                    "message": f"Content is locked to type version {current}, newer than "
                    f"{target.version}: content only migrates forward.",
                }
            ]
        else:
            errors = schema_errors(target.pk, item.content)
        if errors:
            migration.failed_count += 1
            if len(migration.failures) < kept:
                migration.failures.append({"id": str(item.pk), "errors": errors})
            continue
        migrate.append(item)
    return migrate


def _write_batch(actor: Actor, migration: ContentMigration, items: list[Content]) -> None:
    """One update of the items, one insert of their audit rows and ``content.migrated`` events."""
    target, now = migration.target, timezone.now()
    Content.objects.filter(pk__in=[item.pk for item in items]).update(
        type_version=target,
        status=Case(
            When(status=ContentStatus.DRAFT, then=Value(ContentStatus.DRAFT)),
            default=Value(ContentStatus.MODIFIED),
        ),
        revision=F("revision") + 1,
        updated_at=now,
    )
    entries = []
    for item in items:
        previous = item.type_version_number
        item.type_version = target
        if item.status != ContentStatus.DRAFT:
            item.status = ContentStatus.MODIFIED
        item.revision += 1
        item.updated_at = now
        details: dict[str, Any] = {
            "from": previous,
            "to": target.version,
            "migrationId": str(migration.pk),
        }
        entries.append(
            audit_entry(
                actor=actor,
                action="contenttypes.content.migrate",
                target_type="content",
                target_id=str(item.pk),
                details=details,
                event_data=content_event_data(item),
            )
        )
    audit_record_many(entries)
