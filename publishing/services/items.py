"""Writes on prompts and templates: create, update, delete, checkpoint, restore.

Every write locks the item row (``SELECT … FOR NO KEY UPDATE``: version and listing rows that
reference the item can still be inserted by this transaction) and allocates version numbers under
that lock, so numbers are gap-free and never repeat; the unique constraint is the backstop.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from config.bulk_sql import copy_rows
from config.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    PreconditionFailedError,
    ValidationFailedError,
)
from config.ids import validate_object_id
from config.json_text import column_json
from config.preconditions import if_match_tags
from config.rows import RowReader
from publishing.errors import ContentHiddenError, VersionNotFoundError
from publishing.events import item_version_event_data
from publishing.models import (
    ITEM_MODELS,
    VERSION_MODELS,
    ItemSource,
    ItemVersion,
    PublishableItem,
    Role,
    TemplateCategory,
    User,
)
from publishing.services.audit import audit_record
from publishing.tenancy import Actor
from publishing.variables import MAX_VARIABLES, render


def can_edit_item(actor: Actor, item: PublishableItem) -> bool:
    """Admins and owners edit any item of their organization; editors their own."""
    if actor.has_role(Role.ADMIN):
        return True
    return actor.has_role(Role.EDITOR) and item.owner_id == actor.user.pk


def require_edit(actor: Actor, item: PublishableItem) -> None:
    if not can_edit_item(actor, item):
        raise ForbiddenError(
            "Editors may change their own items; admins and owners any item of the organization."
        )


def check_if_match(item: PublishableItem, if_match: str | None) -> None:
    """Optimistic concurrency: a stale ``If-Match`` fails with 412 and changes nothing."""
    if not if_match:
        return
    candidates = if_match_tags(if_match)
    if "*" not in candidates and item.etag not in candidates:
        raise PreconditionFailedError(details={"currentETag": item.etag})


# The item lock without its owner, as fixed SQL (config.rows): what publish needs (``owner_id``).
_BARE_ITEM_LOCKS = {
    kind: RowReader(model, "id = %s AND organization_id = %s", suffix="FOR NO KEY UPDATE")
    for kind, model in ITEM_MODELS.items()
}


def item_lock(*, actor: Actor, kind: str, item_id: str, with_owner: bool = True) -> PublishableItem:
    """Load and lock an item of the actor's organization, or raise 404.

    ``with_owner=False`` skips loading the owner row (``item.owner`` would then cost a query):
    for callers that only compare ``owner_id``, such as publish, where the join and the
    queryset's construction were most of the lock's cost."""
    validate_object_id(item_id)
    if not with_owner:
        found = _BARE_ITEM_LOCKS[kind].fetch([item_id, actor.organization.pk])
        item = found[0] if found else None
    else:
        item = (
            ITEM_MODELS[kind]
            .objects.select_for_update(no_key=True, of=("self",))
            .select_related("owner")
            .filter(pk=item_id, organization=actor.organization)
            .first()
        )
    if item is None:
        raise NotFoundError(f"{kind.capitalize()} not found.")
    return item


def require_category(item: PublishableItem, data: dict[str, Any]) -> None:
    """A template filed under a new category needs an active one (400 naming the allowed ones);
    a template keeps the category it has, even one staff have since hidden."""
    category = data.get("category")
    if item.item_type != "template" or category is None or category == item.category:
        return
    allowed = list(TemplateCategory.objects.filter(is_active=True).values_list("name", flat=True))
    if category not in allowed:
        raise ValidationFailedError(
            f"Unknown or inactive template category {category!r}.",
            details={
                "fields": {"category": [f"Must be one of: {', '.join(allowed)}."]},
                "allowed": allowed,
            },
        )


def _check_limits(item: PublishableItem) -> None:
    if len(item.variables) > MAX_VARIABLES:
        raise ValidationFailedError.for_fields(
            {"body": f"At most {MAX_VARIABLES} distinct variables are allowed."}
        )


def next_version(
    *, item: PublishableItem, author: User | None, source: str, label: str = ""
) -> ItemVersion:
    """Build (unsaved) version ``latest + 1`` of the item's current content and advance the
    item's version pointer in memory. The caller saves both, with the item locked."""
    model = VERSION_MODELS[item.item_type]
    version = model(
        item=item, number=item.latest_version + 1, author=author, source=source, label=label
    )
    for field in item.content_fields:
        setattr(version, field, getattr(item, field))
    version.content_hash = item.content_hash
    item.latest_version = version.number
    item.latest_version_hash = item.content_hash
    return version


_POINTERS_UPDATE = {
    kind: f'UPDATE "{model._meta.db_table}" SET latest_version = latest_version + 1, '  # noqa: S608
    "latest_version_hash = content_hash WHERE id = ANY(%s)"
    for kind, model in ITEM_MODELS.items()
}  # table names from the models; the ids are the parameter


def item_versions_record(
    *, item_type: str, items: list[PublishableItem], author: User | None, source: str
) -> list[str]:
    """Record each (locked) item's current content as version ``latest + 1``, set-based: one
    insert of plain rows (``COPY`` for many; no version instances) and one update of the items'
    pointers. The in-memory items advance as ``next_version`` does. Returns their ids."""
    if not items:
        return []
    model = VERSION_MODELS[item_type]
    fields = items[0].content_fields
    columns = ("item_id", "number", *fields, "content_hash", "author_id", "source", "label",
               "created_at")  # fmt: skip
    json_fields = {
        f.name for f in model._meta.concrete_fields if f.get_internal_type() == "JSONField"
    }
    now = timezone.now()
    author_id = author.pk if author is not None else None
    rows = []
    for item in items:
        item.latest_version += 1
        item.latest_version_hash = item.content_hash
        content = [
            column_json(getattr(item, f)) if f in json_fields else getattr(item, f) for f in fields
        ]
        rows.append((item.pk, item.latest_version, *content, item.content_hash, author_id,
                     source, "", now))  # fmt: skip
    copy_rows(model._meta.db_table, columns, rows)
    ids = [item.pk for item in items]
    # The same values as in memory, computed by PostgreSQL from the locked rows in one statement
    # of fixed SQL: the queryset's compilation of a thousand ids cost more than the update.
    with connection.cursor() as cursor:
        cursor.execute(_POINTERS_UPDATE[item_type], [ids])
    return ids


def item_snapshot_version(
    *, item: PublishableItem, author: User | None, source: str, label: str = ""
) -> ItemVersion:
    """Record the item's current content as version ``latest + 1``. The item must be locked."""
    version = next_version(item=item, author=author, source=source, label=label)
    version.save()
    type(item).objects.filter(pk=item.pk).update(
        latest_version=item.latest_version, latest_version_hash=item.latest_version_hash
    )
    return version


@transaction.atomic
def item_create(*, actor: Actor, kind: str, data: dict[str, Any]) -> PublishableItem:
    actor.require_role(Role.EDITOR, f"create {kind}s")
    item = ITEM_MODELS[kind](organization=actor.organization, owner=actor.user)
    require_category(item, data)
    for field, value in data.items():
        setattr(item, field, value)
    item.refresh_derived()
    _check_limits(item)
    item.save()
    audit_record(
        actor=actor,
        action=f"publishing.{item.item_type}.create",
        target_type=item.item_type,
        target_id=item.pk,
        details={},
    )
    return item


@transaction.atomic
def item_update(
    *, actor: Actor, kind: str, item_id: str, data: dict[str, Any], if_match: str | None = None
) -> PublishableItem:
    item = item_lock(actor=actor, kind=kind, item_id=item_id)
    require_edit(actor, item)
    return item_update_locked(actor=actor, item=item, data=data, if_match=if_match)


def item_update_locked(
    *, actor: Actor, item: PublishableItem, data: dict[str, Any], if_match: str | None = None
) -> PublishableItem:
    """Apply an update to an item the caller has locked and may edit: ``If-Match`` (412), the
    hidden-body rule, the limits, the revision (ETag) bump and the audit row.

    The one home of these rules: ``item_update`` calls it for the item's organization, and the
    marketplace calls it for a holder editing through an editable reference.
    """
    check_if_match(item, if_match)
    if item.content_hidden and "body" in data:
        raise ContentHiddenError("The body of an item whose content is hidden cannot be changed.")
    require_category(item, data)
    for field, value in data.items():
        setattr(item, field, value)
    old_hash = item.content_hash
    item.refresh_derived()
    _check_limits(item)
    if item.content_hash != old_hash:
        item.revision += 1
    item.save()
    audit_record(
        actor=actor,
        action=f"publishing.{item.item_type}.update",
        target_type=item.item_type,
        target_id=item.pk,
        details={"fields": sorted(data)},
    )
    return item


@transaction.atomic
def item_delete(*, actor: Actor, kind: str, item_id: str) -> None:
    """Delete an item and its versions; refused while it has an active listing."""
    item = item_lock(actor=actor, kind=kind, item_id=item_id)
    require_edit(actor, item)
    from marketplace.selectors import listing_ids_blocking_item_delete

    blocking = listing_ids_blocking_item_delete(item=item)
    if blocking:
        raise ConflictError(
            "Unpublish this item's listings before deleting it.", details={"listingIds": blocking}
        )
    audit_record(
        actor=actor,
        action=f"publishing.{item.item_type}.delete",
        target_type=item.item_type,
        target_id=item.pk,
        details={"name": item.name},
    )
    item.delete()


@transaction.atomic
def item_checkpoint(
    *, actor: Actor, kind: str, item_id: str, label: str = ""
) -> tuple[ItemVersion, bool]:
    """Snapshot the current state; if nothing changed, return the latest version instead."""
    item = item_lock(actor=actor, kind=kind, item_id=item_id)
    require_edit(actor, item)
    if item.latest_version and not item.changed_since_last_version:
        return item.versions.get(number=item.latest_version), False
    version = item_snapshot_version(
        item=item, author=actor.user, source=ItemSource.MANUAL, label=label
    )
    audit_record(
        actor=actor,
        action=f"publishing.{item.item_type}.checkpoint",
        target_type=item.item_type,
        target_id=item.pk,
        details={"version": version.number},
        event_data=item_version_event_data(item, version),
    )
    return version, True


@transaction.atomic
def item_restore(
    *, actor: Actor, kind: str, item_id: str, number: int
) -> tuple[PublishableItem, ItemVersion]:
    """The item takes version ``number``'s content; a new ``restore`` version records it."""
    item = item_lock(actor=actor, kind=kind, item_id=item_id)
    require_edit(actor, item)
    source = item.versions.filter(number=number).first()
    if source is None:
        raise VersionNotFoundError(
            details={"requestedVersion": number, "latestVersion": item.latest_version or None}
        )
    for field in item.content_fields:
        setattr(item, field, getattr(source, field))
    item.refresh_derived()
    item.revision += 1
    item.save()
    version = item_snapshot_version(
        item=item, author=actor.user, source=ItemSource.RESTORE, label=f"Restored v{number}"
    )
    audit_record(
        actor=actor,
        action=f"publishing.{item.item_type}.restore",
        target_type=item.item_type,
        target_id=item.pk,
        details={"fromVersion": number, "version": version.number},
        event_data=item_version_event_data(item, version),
    )
    return item, version


def render_text(
    body: str, values: dict[str, Any], *, strict: bool, hidden: bool
) -> tuple[str | None, list[str]]:
    """``{{variables}}`` filled in: (text, names without a value). ``strict`` refuses missing
    values with 400; hidden content renders to ``None`` (the names stay: they are public)."""
    text, missing = render(body, values)
    if missing and strict:
        raise ValidationFailedError(
            "Some variables have no value.",
            details={
                "fields": {"variables": [f"Missing: {', '.join(missing)}."]},
                "missing": missing,
            },
        )
    return (None if hidden else text), missing
