"""The publisher's writes on existing listings: change settings, unpublish."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from config.errors import ForbiddenError
from marketplace.errors import ListingNotFoundError
from marketplace.events import listing_event_data
from marketplace.models import Listing, ListingStatus
from marketplace.selectors import category_infos
from marketplace.services import pending_changes
from marketplace.services.listing_settings import (
    SETTING_FIELDS,
    listing_settings_errors,
    settings_refusal,
)
from marketplace.services.publish import HELD_STATUSES, SCOPE_ORDER, ListingMetadata, item_field
from marketplace.services.scheduling import (
    NO_CHANGE,
    ScheduleRequest,
    apply_schedule,
    defer_schedule_jobs,
    resolve_schedule,
    schedule_errors,
)
from publishing.models import Role
from publishing.services import audit_entry, audit_record, audit_record_many, item_lock
from publishing.tenancy import Actor


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
    *,
    actor: Actor,
    listing_id: str,
    changes: dict[str, Any],
    metadata: ListingMetadata | None,
    schedule: ScheduleRequest = NO_CHANGE,
) -> Listing:
    """Change sharing settings, display metadata and the schedule; settings apply to future
    acquisitions.

    The settings the listing ends up with must pass ``listing_settings_errors``, as on publish;
    the times ``scheduling.schedule_errors``. Times not stated are kept (``None`` clears one).
    """
    listing = _listing_for_update(actor=actor, listing_id=listing_id)
    require_can_manage_listing(actor, listing)
    now = timezone.now()
    times_errors: dict[str, list[str]] = {}
    if schedule.stated:
        times = resolve_schedule(listing, schedule, now)
        times_errors = schedule_errors(listing=listing, requested=schedule, resolved=times, now=now)
    for field, value in changes.items():
        setattr(listing, field, value)
    if metadata is not None:
        for field in ("name", "description", "usage_information"):
            value = getattr(metadata, field)
            if value is not None:
                setattr(listing, field, value)
    errors = listing_settings_errors(**{name: getattr(listing, name) for name in SETTING_FIELDS})
    errors.update(times_errors)
    if errors:
        raise settings_refusal(errors)
    times_changed = False
    if schedule.stated:
        listing.status, times_changed = apply_schedule(listing, listing.status, times, now)
    listing.updated_at = now
    listing.save()
    if times_changed:
        defer_schedule_jobs([listing], now)
    audit_record(
        actor=actor,
        action="marketplace.listing.update",
        target_type="listing",
        target_id=listing.pk,
        details={
            "fields": sorted(changes)
            + (["metadata"] if metadata is not None else [])
            + (["schedule"] if schedule.stated else [])
        },
        event_data=listing_event_data(listing),
    )
    return listing


def require_can_unpublish(actor: Actor, listings: list[Listing]) -> None:
    """Editors and above, then the publisher or an admin/owner for each listing. The role is
    checked before (and whatever) the listings are, so a viewer gets 403 whether or not there is
    a listing to unpublish."""
    actor.require_role(Role.EDITOR, "unpublish listings")
    for listing in listings:
        require_can_manage_listing(actor, listing)


def unpublish_locked_listings(
    *, actor: Actor, listings: list[Listing], details: dict[str, Any] | None = None
) -> list[Listing]:
    """Soft-unpublish listings the caller has locked and checked; returns those it changed.

    The one home of the moderation-hold rule: a listing unpublished while rejected or suspended
    keeps ``moderation_hold``, so republishing it only re-submits it for review. Already
    unpublished listings are skipped (idempotent). A constant number of statements whatever the
    count: the update, the audit rows, and their ``listing.unpublished`` events (two, four with
    subscribed endpoints).
    """
    now = timezone.now()
    changed, audits = [], []
    categories = category_infos(listing.snapshot_category for listing in listings)
    # The publisher took the listing down: a change waiting for review goes with it.
    pending_changes.withdraw_pending_changes(
        listing for listing in listings if listing.status != ListingStatus.UNPUBLISHED
    )
    for listing in listings:
        if listing.status == ListingStatus.UNPUBLISHED:
            continue
        previous = listing.status
        listing.moderation_hold = listing.moderation_hold or previous in HELD_STATUSES
        listing.status = ListingStatus.UNPUBLISHED
        listing.updated_at = now
        changed.append(listing)
        audits.append(
            audit_entry(
                actor=actor,
                action="marketplace.listing.unpublish",
                target_type="listing",
                target_id=listing.pk,
                details={"scope": listing.scope, "previousStatus": previous, **(details or {})},
                event_data=listing_event_data(listing, categories),
            )
        )
    if changed:
        Listing.objects.bulk_update(
            changed, ["status", "moderation_hold", "updated_at", "pending_version"]
        )
        audit_record_many(audits)
    return changed


@transaction.atomic
def listing_unpublish(*, actor: Actor, listing_id: str) -> Listing:
    """Soft-unpublish one listing: status ``unpublished``, nothing deleted. Idempotent."""
    listing = _listing_for_update(actor=actor, listing_id=listing_id)
    require_can_unpublish(actor, [listing])
    unpublish_locked_listings(actor=actor, listings=[listing])
    return listing


@transaction.atomic
def listing_unpublish_item(
    *, actor: Actor, item_type: str, item_id: str, scopes: list[str]
) -> list[Listing]:
    """Unpublish an item's listings in ``scopes`` (scopes without a listing are skipped)."""
    actor.require_role(Role.EDITOR, "unpublish listings")  # before any lookup
    item = item_lock(actor=actor, kind=item_type, item_id=item_id)
    listings = list(
        Listing.objects.select_for_update(no_key=True)
        .filter(**{item_field(item_type): item, "scope__in": scopes})
        .order_by("pk")
    )
    require_can_unpublish(actor, listings)
    unpublish_locked_listings(actor=actor, listings=listings)
    listings.sort(key=lambda listing: SCOPE_ORDER.index(listing.scope))
    return listings
