"""Set-based publishing for operators: a batch of items per transaction, a constant number of
queries per batch, the same rules as the single-item services (they share every rule function).

Per batch: lock the items in id order, bulk-insert the versions that are due, bulk-update the
items' version pointers, read the existing listings, upsert the changed listings with
``INSERT … ON CONFLICT (item, scope) DO UPDATE``, bulk-insert the audit rows. Items that fail a
rule are reported and skipped; the rest of the batch goes on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from config.batches import BatchResult, ItemFailure
from config.errors import DomainError, NotFoundError
from config.ids import is_object_id
from config.rows import RowReader
from marketplace.models import Listing, ListingStatus
from marketplace.services import (
    ListingMetadata,
    ScopeSettings,
    item_field,
    publish_locked_items,
    require_can_publish,
    require_can_unpublish,
    unpublish_locked_listings,
)
from publishing.models import ITEM_MODELS
from publishing.tenancy import Actor

# A batch's items of one organization, locked in id order (so two batches never deadlock), as
# fixed SQL (config.rows): the queryset's compilation of a thousand ids was a twentieth of a
# batch's Python time.
BATCH_ITEM_LOCKS = {
    kind: RowReader(
        model, "organization_id = %s AND id = ANY(%s) ORDER BY id", suffix="FOR NO KEY UPDATE"
    )
    for kind, model in ITEM_MODELS.items()
}


def _lock_items(actor: Actor, item_type: str, item_ids: list[str], result: BatchResult) -> list:
    """Lock the batch's items of the actor's organization in id order; report the missing."""
    valid = sorted({i for i in item_ids if is_object_id(i)})
    for bad in (i for i in item_ids if not is_object_id(i)):
        result.failures.append(ItemFailure(bad, "VALIDATION_FAILED", "Not a 24-hex id."))
    items = BATCH_ITEM_LOCKS[item_type].fetch([actor.organization.pk, valid])
    found = {item.pk for item in items}
    for missing in (i for i in valid if i not in found):
        result.failures.append(ItemFailure(missing, NotFoundError.code, "Item not found."))
    return items


def _allowed(items: list, check, result: BatchResult) -> list:
    allowed = []
    for item in items:
        try:
            check(item)
        except DomainError as exc:
            result.failures.append(ItemFailure(item.pk, exc.code, exc.message))
        else:
            allowed.append(item)
    return allowed


@transaction.atomic
def listing_publish_batch(
    *,
    actor: Actor,
    item_type: str,
    item_ids: list[str],
    scopes: dict[str, ScopeSettings],
    metadata: ListingMetadata | None = None,
) -> BatchResult:
    """Publish a batch of items in one transaction; unchanged items write nothing."""
    result = BatchResult()
    items = _lock_items(actor, item_type, item_ids, result)
    items = _allowed(items, lambda item: require_can_publish(actor, item), result)
    if items:
        refused: set[str] = set()

        def refuse(item, exc: DomainError) -> None:
            refused.add(item.pk)
            result.failures.append(ItemFailure(item.pk, exc.code, exc.message))

        outcome = publish_locked_items(
            actor=actor,
            item_type=item_type,
            items=items,
            scopes=scopes,
            metadata=metadata or ListingMetadata(),
            touch_unchanged=False,
            on_refused=refuse,
        )
        result.changed_ids += sorted(outcome.changed_items)
        result.unchanged += len(items) - len(refused) - len(outcome.changed_items)
        result.details.update(outcome.setting_changes)
    return result


@transaction.atomic
def listing_unpublish_batch(
    *, actor: Actor, item_type: str, item_ids: list[str], scopes: Iterable[str]
) -> BatchResult:
    """Unpublish a batch of items' listings in ``scopes`` (one transaction)."""
    result = BatchResult()
    items = _lock_items(actor, item_type, item_ids, result)
    fk = item_field(item_type)
    listings = list(
        Listing.objects.select_for_update(no_key=True)
        .filter(**{f"{fk}__in": items, "scope__in": list(scopes)})
        .exclude(status=ListingStatus.UNPUBLISHED)
        .order_by("pk")
    )
    by_item: dict[str, list[Listing]] = {}
    for listing in listings:
        by_item.setdefault(getattr(listing, f"{fk}_id"), []).append(listing)
    allowed: list[Listing] = []
    for item in items:
        mine = by_item.get(item.pk, [])
        try:
            require_can_unpublish(actor, mine)
        except DomainError as exc:
            result.failures.append(ItemFailure(item.pk, exc.code, exc.message))
            continue
        if not mine:
            result.unchanged += 1
            continue
        result.changed_ids.append(item.pk)
        allowed += mine
    unpublish_locked_listings(actor=actor, listings=allowed, details={"bulk": True})
    return result


# --- the same batches as bulk jobs (``--async``: bulkjobs runs them on the task engine) ----------
# A job stores its options as JSON; these turn the command's settings into options and back, so a
# batch on a worker calls the batch service with exactly what the synchronous command would.


_OPTION_NAMES = {
    "share_type": "shareType",
    "is_content_visible": "isContentVisible",
    "allow_editable_references": "allowEditableReferences",
}


def publish_items_options(scopes: dict[str, ScopeSettings]) -> dict[str, Any]:
    """The scopes' stated settings in the API's spelling (``None``: not stated, kept). The
    commands state no schedule, so a batch keeps every listing's times, as the sync run does."""
    return {
        "scopes": {
            scope: {api: getattr(settings, name) for name, api in _OPTION_NAMES.items()}
            for scope, settings in scopes.items()
        }
    }


def listing_publish_job_batch(
    *, actor: Actor, options: dict[str, Any], item_type: str, item_ids: list[str]
) -> BatchResult:
    """``listing_publish_batch`` with a job's options (``publish_items_options``)."""
    fields = {api: name for name, api in _OPTION_NAMES.items()}
    scopes = {
        scope: ScopeSettings(**{fields[api]: value for api, value in values.items()})
        for scope, values in options["scopes"].items()
    }
    return listing_publish_batch(actor=actor, item_type=item_type, item_ids=item_ids, scopes=scopes)


def unpublish_items_options(scopes: Iterable[str]) -> dict[str, Any]:
    return {"scopes": list(scopes)}


def listing_unpublish_job_batch(
    *, actor: Actor, options: dict[str, Any], item_type: str, item_ids: list[str]
) -> BatchResult:
    """``listing_unpublish_batch`` with a job's options (``unpublish_items_options``)."""
    return listing_unpublish_batch(
        actor=actor, item_type=item_type, item_ids=item_ids, scopes=options["scopes"]
    )
