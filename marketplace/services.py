"""Writes on listings: publish, update settings, unpublish.

Publishing locks the item row first (the same lock every item write takes), so concurrent
publishes of one item run one after the other; the unique (item, scope) constraints are the
backstop. Every change writes an ``AuditEvent``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.errors import ForbiddenError, ValidationFailedError
from marketplace.errors import ListingNotFoundError
from marketplace.models import ItemType, Listing, ListingStatus, Scope, ShareType
from publishing.errors import ContentHiddenError
from publishing.models import AuditEvent, ItemSource, PublishableItem, Role
from publishing.services import audit_event, item_lock, item_snapshot_version
from publishing.services.items import can_edit_item
from publishing.tenancy import Actor

SCOPE_ORDER = (Scope.ORGANIZATION, Scope.MARKETPLACE)
HELD_STATUSES = (ListingStatus.REJECTED, ListingStatus.SUSPENDED)
PUBLISH_FIELDS = [
    "item_version",
    "snapshot_name",
    "snapshot_description",
    "snapshot_body",
    "snapshot_variables",
    "snapshot_temperature",
    "snapshot_type",
    "snapshot_category",
    "name",
    "description",
    "usage_information",
    "status",
    "share_type",
    "is_content_visible",
    "allow_editable_references",
    "publisher",
    "updated_at",
    "published_at",
]


@dataclass(frozen=True)
class ScopeSettings:
    share_type: str
    is_content_visible: bool = True
    allow_editable_references: bool = False


@dataclass(frozen=True)
class ListingMetadata:
    name: str | None = None
    description: str | None = None
    usage_information: str | None = None


def item_field(item_type: str) -> str:
    """The listing's foreign key column for this kind of item."""
    return "prompt" if item_type == ItemType.PROMPT else "template"


def status_after_publish(listing: Listing | None, scope: str, content_changed: bool) -> str:
    """The status a (re)published listing takes. Moderation is never bypassed:

    - organization scope: always ``active`` (colleagues are not moderated);
    - a listing on moderation hold (rejected or suspended, even if since unpublished) only ever
      goes to ``pending_review``;
    - otherwise ``active``, or ``pending_review`` when review is required and there is something
      new to review (a new listing, a changed snapshot, or one not currently active).
    """
    if scope == Scope.ORGANIZATION:
        return ListingStatus.ACTIVE
    if listing is not None and (listing.moderation_hold or listing.status in HELD_STATUSES):
        return ListingStatus.PENDING_REVIEW
    if not settings.MARKETPLACE_REQUIRE_REVIEW:
        return ListingStatus.ACTIVE
    if listing is not None and listing.status == ListingStatus.ACTIVE and not content_changed:
        return ListingStatus.ACTIVE
    return ListingStatus.PENDING_REVIEW


def _apply_snapshot(listing: Listing, item: PublishableItem) -> bool:
    """Copy the item's current (versioned) content onto the listing; True when it changed."""
    snapshot = {
        "item_version": item.latest_version,
        "snapshot_name": item.name,
        "snapshot_description": item.description,
        "snapshot_body": item.body,
        "snapshot_variables": item.variables,
        "snapshot_temperature": item.temperature,
        "snapshot_type": getattr(item, "type", ""),
        "snapshot_category": getattr(item, "category", ""),
    }
    changed = any(getattr(listing, field, None) != value for field, value in snapshot.items())
    for field, value in snapshot.items():
        setattr(listing, field, value)
    return changed


def _apply_metadata(listing: Listing, item: PublishableItem, metadata: ListingMetadata) -> bool:
    display = {
        "name": metadata.name if metadata.name is not None else item.name,
        "description": metadata.description
        if metadata.description is not None
        else item.description,
        "usage_information": metadata.usage_information
        if metadata.usage_information is not None
        else "",
    }
    changed = any(getattr(listing, field, None) != value for field, value in display.items())
    for field, value in display.items():
        setattr(listing, field, value)
    return changed


def require_can_publish(actor: Actor, item: PublishableItem) -> None:
    if not can_edit_item(actor, item):
        raise ForbiddenError(
            "Only the item's owner (editor or above) or an admin/owner of its organization may "
            "publish it."
        )
    if item.content_hidden:
        raise ContentHiddenError("An item whose content is hidden from you cannot be published.")


@transaction.atomic
def listing_publish(
    *,
    actor: Actor,
    item_type: str,
    item_id: str,
    scopes: dict[str, ScopeSettings],
    metadata: ListingMetadata | None = None,
) -> list[Listing]:
    """Publish an item to the given (enabled) scopes; other scopes are left untouched.

    Returns the listings of those scopes, organization first. Republishing keeps listing ids.
    """
    metadata = metadata or ListingMetadata()
    item = item_lock(actor=actor, kind=item_type, item_id=item_id)
    require_can_publish(actor, item)
    if item.latest_version == 0 or item.changed_since_last_version:
        item_snapshot_version(item=item, author=actor.user, source=ItemSource.PUBLISH)

    fk = item_field(item_type)
    existing = {
        listing.scope: listing
        for listing in Listing.objects.select_for_update(no_key=True).filter(**{fk: item})
    }
    now = timezone.now()
    published, created, audits = [], [], []
    for scope in (s for s in SCOPE_ORDER if s in scopes):
        config = scopes[scope]
        listing = existing.get(scope)
        is_new = listing is None
        if is_new:
            listing = Listing(
                item_type=item_type, organization=actor.organization, scope=scope, published_at=now
            )
            setattr(listing, fk, item)
        content_changed = _apply_snapshot(listing, item)
        content_changed |= _apply_metadata(listing, item, metadata)
        previous_status = None if is_new else listing.status
        listing.status = status_after_publish(None if is_new else listing, scope, content_changed)
        listing.share_type = config.share_type
        listing.is_content_visible = config.is_content_visible
        listing.allow_editable_references = config.allow_editable_references
        listing.publisher = actor.user
        listing.updated_at = now
        if listing.status == ListingStatus.ACTIVE and previous_status != ListingStatus.ACTIVE:
            listing.published_at = now
        (created if is_new else published).append(listing)
        audits.append(
            audit_event(
                actor=actor,
                action="marketplace.listing.publish",
                target_type="listing",
                target_id=listing.pk,
                details={
                    "itemType": item_type,
                    "itemId": item.pk,
                    "scope": scope,
                    "itemVersion": listing.item_version,
                    "status": listing.status,
                    "previousStatus": previous_status,
                    "created": is_new,
                },
            )
        )
    # The item lock serialises publishers, so these writes cannot race; were one to slip past
    # (a writer that skipped the lock), the unique constraints turn it into a 409 CONFLICT.
    Listing.objects.bulk_create(created)
    if published:
        Listing.objects.bulk_update(published, PUBLISH_FIELDS)
    AuditEvent.objects.bulk_create(audits)
    return sorted(created + published, key=lambda listing: SCOPE_ORDER.index(listing.scope))


def _listing_for_update(*, actor: Actor, listing_id: str) -> Listing:
    listing = (
        Listing.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk=listing_id, organization=actor.organization)
        .first()
    )
    if listing is None:
        raise ListingNotFoundError()
    return listing


def require_can_manage_listing(actor: Actor, listing: Listing) -> None:
    """The publisher, or an admin/owner of the publishing organization."""
    if actor.has_role(Role.ADMIN):
        return
    if actor.has_role(Role.EDITOR) and listing.publisher_id == actor.user.pk:
        return
    raise ForbiddenError("Only the publisher or an admin/owner of the organization may do this.")


@transaction.atomic
def listing_update(
    *, actor: Actor, listing_id: str, changes: dict[str, Any], metadata: ListingMetadata | None
) -> Listing:
    """Change sharing settings and display metadata; applies to future acquisitions."""
    listing = _listing_for_update(actor=actor, listing_id=listing_id)
    require_can_manage_listing(actor, listing)
    for field, value in changes.items():
        setattr(listing, field, value)
    if metadata is not None:
        for field in ("name", "description", "usage_information"):
            value = getattr(metadata, field)
            if value is not None:
                setattr(listing, field, value)
    if listing.allow_editable_references and listing.share_type != ShareType.REFERENCE:
        raise ValidationFailedError.for_fields(
            {"allowEditableReferences": "Only reference listings can allow editable references."}
        )
    listing.updated_at = timezone.now()
    listing.save()
    AuditEvent.objects.bulk_create(
        [
            audit_event(
                actor=actor,
                action="marketplace.listing.update",
                target_type="listing",
                target_id=listing.pk,
                details={
                    "fields": sorted(changes) + (["metadata"] if metadata is not None else [])
                },
            )
        ]
    )
    return listing


def _unpublish(actor: Actor, listings: list[Listing]) -> list[Listing]:
    now = timezone.now()
    audits = []
    for listing in listings:
        if listing.status == ListingStatus.UNPUBLISHED:
            continue  # idempotent
        previous = listing.status
        if previous in HELD_STATUSES:
            listing.moderation_hold = True
        listing.status = ListingStatus.UNPUBLISHED
        listing.updated_at = now
        listing.save(update_fields=["status", "moderation_hold", "updated_at"])
        audits.append(
            audit_event(
                actor=actor,
                action="marketplace.listing.unpublish",
                target_type="listing",
                target_id=listing.pk,
                details={"scope": listing.scope, "previousStatus": previous},
            )
        )
    AuditEvent.objects.bulk_create(audits)
    return listings


@transaction.atomic
def listing_unpublish(*, actor: Actor, listing_id: str) -> Listing:
    """Soft-unpublish one listing: status ``unpublished``, nothing deleted. Idempotent."""
    listing = _listing_for_update(actor=actor, listing_id=listing_id)
    require_can_manage_listing(actor, listing)
    return _unpublish(actor, [listing])[0]


@transaction.atomic
def listing_unpublish_item(
    *, actor: Actor, item_type: str, item_id: str, scopes: list[str]
) -> list[Listing]:
    """Unpublish an item's listings in ``scopes`` (scopes without a listing are skipped)."""
    item = item_lock(actor=actor, kind=item_type, item_id=item_id)
    listings = list(
        Listing.objects.select_for_update(no_key=True)
        .filter(**{item_field(item_type): item, "scope__in": scopes})
        .order_by("pk")
    )
    for listing in listings:
        require_can_manage_listing(actor, listing)
    listings.sort(key=lambda listing: SCOPE_ORDER.index(listing.scope))
    return _unpublish(actor, listings)
