"""Publishing content types: a new immutable version ``last + 1``, validated against the package.

The version number is allocated under the definition's row lock (``SELECT … FOR NO KEY UPDATE``);
the (definition, version) unique constraint is the backstop. Signals are sent after commit.
"""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from config.errors import ConflictError
from contenttypes_app import signals
from contenttypes_app.errors import ContentTypeInvalidStatusError, ContentTypeVersionNotFoundError
from contenttypes_app.models import ContentTypeDefinition, ContentTypeVersion
from contenttypes_app.services.assembly import captured_components, generate_schema
from contenttypes_app.services.common import audit, check_if_match
from contenttypes_app.services.content_types import (
    SNAPSHOT_FIELDS,
    definition_for_update,
    require_publisher,
    restore_snapshot,
    save_definition,
)
from contenttypes_app.sql import version_schema_sql
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
    restored = [*SNAPSHOT_FIELDS, "component_ids"] if rolled_back_from is not None else []
    save_definition(definition, [*PUBLISH_UPDATE_FIELDS, *restored])
    if generated:
        del definition.schema  # deferred again: loaded if used (the API reads it as text)
    audit(
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
    definition = definition_for_update(actor, content_type_id, project_id)
    require_publisher(actor, definition, "publish this content type")
    check_if_match(definition.etag, if_match)
    if definition.status == Status.DELETED:
        raise ContentTypeInvalidStatusError(
            f"Cannot publish content type with status: {definition.status}"
        )
    if definition.status == Status.PUBLISHED:
        return definition  # unchanged since its last publish: a retry is a no-op
    package_id, captured = captured_components(definition, for_publish=True)
    definition.schema = generate_schema(definition, captured, package_id)
    return _write_version(definition, actor, action="contenttypes.publish")


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
    definition = definition_for_update(actor, content_type_id, project_id)
    require_publisher(actor, definition, "roll back this content type")
    check_if_match(definition.etag, if_match)
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
    restore_snapshot(definition, target)
    return _write_version(
        definition, actor, action="contenttypes.rollback", rolled_back_from=version
    )
