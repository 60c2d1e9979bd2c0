"""Publishing content: ``content_publish_many`` is the one publish core for content items.

The API (``content_publish``, one id) and the ``publish_content`` command call it, so they answer
the same errors in the same order. For each item, in primary key order:

1. **lock** the item row (``SELECT … FOR NO KEY UPDATE``), scoped to the actor's organization (and
   project); the version number is allocated under it, so versions are gap-free;
2. **guards**, in this order: permission (403; the type's ``permissions.publish`` where it names
   anyone, else editor and up), ``If-Match`` (412), status (``deleted`` item, or a ``deleted`` or
   ``unpublished`` type → 409 ``INVALID_STATUS``; ``published`` → unchanged, a no-op);
3. **validation** of ``content`` against the locked type version's schema (422);
4. **versions** ``last + 1`` (one insert), the items saved, one audit row each, and
   ``content_published`` sent after commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import ConflictError, DomainError
from config.preconditions import require_if_match
from contenttypes_app import signals
from contenttypes_app.content_schema import require_valid
from contenttypes_app.errors import ContentInvalidStatusError, ContentNotFoundError
from contenttypes_app.events import with_type_version
from contenttypes_app.models import Content, ContentTypeDefinition, ContentVersion
from contenttypes_app.services.content import content_audit, require_content_publisher
from publishing.tenancy import Actor

Status = Content.Status
TypeStatus = ContentTypeDefinition.Status
PUBLISH_FIELDS = ["version", "last_published_version", "status", "withdrawn", "metadata"]


@dataclass
class ContentPublishOutcome:
    """What ``content_publish_many`` did with each requested id."""

    published: list[Content] = field(default_factory=list)  # a new version each
    unchanged: list[Content] = field(default_factory=list)  # already published
    # id (canonical string) → the error the API answers for it
    failures: dict[str, DomainError] = field(default_factory=dict)


def _lock(
    actor: Actor, content_ids: Sequence[uuid.UUID], project_id: uuid.UUID | None
) -> list[Content]:
    """The items, locked in primary key order (concurrent batches never deadlock), with what
    the API answers joined (the type version's number, the schedule), so the answer needs no
    second read."""
    queryset = (
        with_type_version(Content.objects.select_for_update(no_key=True, of=("self",)))
        .select_related("type", "publish_schedule")
        .defer("type__schema", "type__component_ids")
        .filter(pk__in=content_ids, project__organization_id=actor.organization.pk)
        .order_by("pk")
    )
    if project_id is not None:
        queryset = queryset.filter(project_id=project_id)
    return list(queryset)


def _guard(actor: Actor, item: Content, if_match: str | None) -> None:
    require_content_publisher(actor, item.type, "publish this content")
    require_if_match(if_match, item.etag)
    if item.status == Status.DELETED:
        raise ContentInvalidStatusError("Cannot publish content with status: deleted")
    if item.type.status in (TypeStatus.DELETED, TypeStatus.UNPUBLISHED):
        raise ContentInvalidStatusError(
            f"Cannot publish content: its content type is {item.type.status}"
        )


@transaction.atomic
def content_publish_many(
    *,
    actor: Actor,
    content_ids: Sequence[uuid.UUID],
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
    audit_details: Mapping[str, Any] | None = None,
) -> ContentPublishOutcome:
    """Publish content items: ``draft`` → v1, ``modified``/``unpublished`` → v+1; ``published``
    is unchanged; every other id fails with the error the API would answer (nothing is written
    for it, the others go on). ``audit_details`` are added to every audit row."""
    outcome = ContentPublishOutcome()
    items = _lock(actor, content_ids, project_id)
    found = {str(item.pk) for item in items}
    for missing in sorted({str(i) for i in content_ids} - found):
        outcome.failures[missing] = ContentNotFoundError()
    for item in items:
        try:
            _guard(actor, item, if_match)
            if item.status == Status.PUBLISHED:
                outcome.unchanged.append(item)  # unchanged since its last publish: a no-op
                continue
            require_valid(item.type_version_id, item.content)
        except DomainError as exc:
            outcome.failures[str(item.pk)] = exc
            continue
        outcome.published.append(item)
    _write_versions(outcome.published, actor, audit_details or {})
    return outcome


def content_publish(
    *,
    actor: Actor,
    content_id: uuid.UUID,
    project_id: uuid.UUID | None = None,
    if_match: str | None = None,
) -> Content:
    """Publish one item (the API): ``content_publish_many`` for its id, raising its error."""
    outcome = content_publish_many(
        actor=actor, content_ids=[content_id], project_id=project_id, if_match=if_match
    )
    for error in outcome.failures.values():
        raise error
    (item,) = outcome.published or outcome.unchanged
    return item


def _write_versions(items: list[Content], actor: Actor, audit_details: Mapping[str, Any]) -> None:
    """Freeze the (locked, checked) items as version ``last + 1`` each: one insert of versions,
    one update per item, one audit row each; ``content_published`` after commit."""
    if not items:
        return
    now = timezone.now()
    versions = []
    for item in items:
        number = (item.last_published_version or 0) + 1
        versions.append(
            ContentVersion(
                content_item=item,
                version=number,
                type_version_id=item.type_version_id,
                status=Status.PUBLISHED,
                name=item.name,
                content=item.content,
                created_at=now,
                created_by=actor.user,
            )
        )
        item.version = item.last_published_version = number
        item.status = Status.PUBLISHED
        item.withdrawn = False
        item.metadata = {
            **item.metadata,
            "publishedAt": now.isoformat().replace("+00:00", "Z"),
            "publishedBy": str(actor.user.pk),
        }
        item.revision += 1
        item.updated_at = now
    try:
        ContentVersion.objects.bulk_create(versions)
    except IntegrityError as exc:  # impossible under the row locks; the constraint is the backstop
        raise ConflictError(
            "Another publish took this version number; retry.",
            details={"version": versions[0].version},
        ) from exc
    fields = [*PUBLISH_FIELDS, "revision", "updated_at"]
    if len(items) == 1:  # the API's case: a plain UPDATE by primary key, not a CASE per field
        (item,) = items
        Content.objects.filter(pk=item.pk).update(**{f: getattr(item, f) for f in fields})
    else:
        Content.objects.bulk_update(items, fields)
    for item in items:
        content_audit(actor, "publish", item, version=item.version, **audit_details)
        transaction.on_commit(
            partial(
                signals.content_published.send_robust,
                sender=Content,
                content_id=item.pk,
                project_id=item.project_id,
                version=item.version,
            ),
            robust=True,
        )
