"""Publishing items as listings: the publish core that the API and the batch share.

Publishing locks the item row first (the same lock every item write takes), so concurrent
publishes of one item run one after the other; the unique (item, scope) constraints are the
backstop. Every listing written gets an audit row and a ``listing.published`` event
(``publishing.services.audit``), both bulk-inserted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.errors import DomainError, ForbiddenError
from config.rows import RowReader
from marketplace.events import listing_event_data
from marketplace.models import ItemType, Listing, ListingStatus, Scope
from marketplace.selectors import category_infos
from marketplace.services import pending_changes
from marketplace.services.listing_rows import listings_upsert, new_listing
from marketplace.services.listing_settings import (
    FIELD_BY_NAME,
    ScopeSettings,
    describe_setting_changes,
    listing_settings_errors,
    resolve_scope_settings,
    settings_refusal,
)
from marketplace.services.references import notify_reference_holders
from marketplace.services.scheduling import (
    apply_schedule,
    defer_schedule_jobs,
    resolve_schedule,
    schedule_errors,
)
from marketplace.services.versions import (
    NewListingVersion,
    listing_versions_record,
    next_listing_version,
    versioned_state,
)
from publishing.errors import ContentHiddenError
from publishing.events import zone_fixed
from publishing.models import ItemSource, PublishableItem
from publishing.services import AuditEntry, audit_entry, audit_record_many, item_lock
from publishing.services.items import can_edit_item, item_versions_record
from publishing.tenancy import Actor

# The existing listings of some items in some scopes, locked (the publish core's first read).
LISTING_LOCKS = {
    fk: RowReader(Listing, f"{fk}_id = ANY(%s) AND scope = ANY(%s)", suffix="FOR NO KEY UPDATE")
    for fk in ("prompt", "template")
}
SCOPE_ORDER = (Scope.ORGANIZATION, Scope.MARKETPLACE)
HELD_STATUSES = (ListingStatus.REJECTED, ListingStatus.SUSPENDED)
APPROVED = (ListingStatus.ACTIVE, ListingStatus.SCHEDULED)


@dataclass(frozen=True)
class ListingMetadata:
    """Display overrides; ``None`` = not stated (kept, or the item's own for a new listing)."""

    name: str | None = None
    description: str | None = None
    usage_information: str | None = None


@dataclass
class PublishOutcome:
    """What ``publish_locked_items`` did: the listings per item id (organization first), the ids
    of items that changed, and per item the sharing settings that changed (for dry runs)."""

    listings: dict[str, list[Listing]] = dataclasses.field(default_factory=dict)
    changed_items: set[str] = dataclasses.field(default_factory=set)
    setting_changes: dict[str, list[str]] = dataclasses.field(default_factory=dict)


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
    if listing is not None and listing.status in APPROVED and not content_changed:
        return ListingStatus.ACTIVE  # (``scheduling.apply_schedule`` keeps a future go-live)
    return ListingStatus.PENDING_REVIEW


def apply_snapshot(listing: Listing, item: PublishableItem) -> bool:
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


def _apply_metadata(
    listing: Listing, item: PublishableItem, metadata: ListingMetadata, *, is_new: bool
) -> bool:
    """Stated metadata wins; a new listing takes the item's name and description for the rest,
    an existing one keeps its own (a republish does not undo a display override)."""
    display = {}
    if metadata.name is not None or is_new:
        display["name"] = metadata.name if metadata.name is not None else item.name
    if metadata.description is not None or is_new:
        display["description"] = (
            metadata.description if metadata.description is not None else item.description
        )
    if metadata.usage_information is not None or is_new:
        display["usage_information"] = metadata.usage_information or ""
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


@zone_fixed()  # a thousand listings' event payloads: the time zone looked up once
def publish_locked_items(
    *,
    actor: Actor,
    item_type: str,
    items: list[PublishableItem],
    scopes: dict[str, ScopeSettings],
    metadata: ListingMetadata,
    touch_unchanged: bool,
    on_refused: Callable[[PublishableItem, DomainError], None] | None = None,
) -> PublishOutcome:
    """Publish items that the caller has locked and checked, in a constant number of queries.

    The one publish core (the API and the batch call it), so its rules hold for every caller:

    - settings the request does not state are kept from the existing listing; defaults
      (``NEW_LISTING_DEFAULTS``) apply only to a listing being created;
    - the resulting settings must pass ``listing_settings_errors``: an item whose settings do not
      is refused with ``VALIDATION_FAILED`` (raised, or passed to ``on_refused`` so a batch skips
      only that item) before anything of it is written.

    Then it records a ``publish`` version for each item changed since its last version, creates
    or updates one listing per (item, enabled scope) with ``INSERT … ON CONFLICT (item, scope) DO
    UPDATE``, and writes one audit row and one ``listing.published`` event per listing written
    (set-based: a constant number of queries whatever the count). With ``touch_unchanged`` (the API)
    listings that would not change are still written (their ``updatedAt`` moves); without it
    (bulk commands) they are skipped, so a re-run writes nothing.
    """
    fk = item_field(item_type)
    # Locked after the items, in a statement of its own: its snapshot then sees a listing that a
    # publish we waited for (on the item lock) created. Fixed SQL (config.rows): building the
    # queryset cost more CPU than the whole round trip.
    locked = LISTING_LOCKS[fk].fetch([[item.pk for item in items], list(scopes)])
    existing = {(getattr(listing, f"{fk}_id"), listing.scope): listing for listing in locked}
    pending_changes.load_pending_versions(existing.values())
    enabled = [s for s in SCOPE_ORDER if s in scopes]
    resolved: dict[tuple[str, str], dict[str, Any]] = {}
    times: dict[tuple[str, str], tuple] = {}
    accepted = []
    now = timezone.now()
    for item in items:
        scope_errors: dict[str, list[str]] = {}
        for scope in enabled:
            listing = existing.get((item.pk, scope))
            values = resolve_scope_settings(listing, scopes[scope])
            resolved[(item.pk, scope)] = values
            requested = scopes[scope].schedule
            times[(item.pk, scope)] = resolve_schedule(listing, requested, now)
            scope_errors.update(
                schedule_errors(
                    listing=listing,
                    requested=requested,
                    resolved=times[(item.pk, scope)],
                    now=now,
                    prefix=f"scopes.{scope}.",
                )
            )
            for name, messages in listing_settings_errors(**values).items():
                if listing is not None and getattr(scopes[scope], FIELD_BY_NAME[name]) is None:
                    messages = [
                        *messages,
                        f"{name} is kept from the listing; state it to change it.",
                    ]
                scope_errors[f"scopes.{scope}.{name}"] = messages
        if not scope_errors:
            accepted.append(item)
        elif on_refused is None:
            raise settings_refusal(scope_errors)
        else:
            on_refused(item, settings_refusal(scope_errors))
    items = accepted

    versioned = item_versions_record(
        item_type=item_type,
        items=[i for i in items if i.latest_version == 0 or i.changed_since_last_version],
        author=actor.user,
        source=ItemSource.PUBLISH,
    )
    outcome = PublishOutcome(changed_items=set(versioned))

    to_write: list[Listing] = []
    rescheduled: list[Listing] = []  # times changed: their jobs are deferred with the write
    new_versions: list[NewListingVersion] = []
    audits: list[tuple[Listing, dict[str, Any]]] = []
    held_changes: list[pending_changes.HeldChange] = []
    for item in items:
        for scope in enabled:
            listing = existing.get((item.pk, scope))
            is_new = listing is None
            values = resolved[(item.pk, scope)]
            setting_changes = describe_setting_changes(listing, values)
            before = versioned_state(listing)
            if is_new:
                listing = new_listing(
                    item_type=item_type,
                    organization=actor.organization,
                    scope=scope,
                    published_at=now,
                    **{fk: item},
                )
            outcome.listings.setdefault(item.pk, []).append(listing)
            changed = apply_snapshot(listing, item)
            changed |= _apply_metadata(listing, item, metadata, is_new=is_new)
            # With review required, a change of an active listing waits; the live one stays.
            held = pending_changes.hold_change(
                None if is_new else listing, scope=scope, before=before, now=now
            )
            if held is not None:
                changed = held.changed
                held_changes.append(held)
            previous = None if is_new else listing.status
            content_changed = versioned_state(listing) != before
            status = status_after_publish(None if is_new else listing, scope, content_changed)
            if status == ListingStatus.ACTIVE and previous != ListingStatus.ACTIVE:
                listing.published_at = now
            # scheduled instead of active while publishAt is ahead (published_at = publishAt)
            status, times_changed = apply_schedule(listing, status, times[(item.pk, scope)], now)
            changed |= is_new or status != previous or bool(setting_changes) or times_changed
            if not changed and not touch_unchanged:
                continue
            if changed:
                outcome.changed_items.add(item.pk)
            if setting_changes:
                outcome.setting_changes.setdefault(item.pk, []).extend(
                    f"{scope}: {change}" for change in setting_changes
                )
            listing.status = status
            for name, value in values.items():
                setattr(listing, name, value)
            listing.publisher = actor.user
            listing.updated_at = now
            if versioned_state(listing) != before:
                new_versions.append(next_listing_version(listing, now=now))
            to_write.append(listing)
            if times_changed:
                rescheduled.append(listing)
            audits.append(
                (
                    listing,
                    {
                        "itemType": item_type,
                        "itemId": item.pk,
                        "scope": scope,
                        "itemVersion": listing.item_version,
                        "status": status,
                        "previousStatus": previous,
                        "created": is_new,
                    },
                )
            )
    if to_write:
        pending_changes.record_held_changes(held_changes)
        # The item locks serialise publishers; the unique (item, scope) constraints make this
        # upsert the backstop, so a listing is never duplicated.
        listings_upsert(to_write, fk)
        listing_versions_record(new_versions)
        notify_reference_holders(new_versions)
        defer_schedule_jobs(rescheduled, now)
        # After the upsert: the event data is the listing as written (its id and timestamps).
        categories = category_infos(listing.snapshot_category for listing, _ in audits)
        entries: list[AuditEntry] = [
            audit_entry(
                actor=actor,
                action="marketplace.listing.publish",
                target_type="listing",
                target_id=listing.pk,
                details=details,
                event_data=listing_event_data(listing, categories),
            )
            for listing, details in audits
        ]
        audit_record_many(entries)
    return outcome


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
    item = item_lock(actor=actor, kind=item_type, item_id=item_id, with_owner=False)
    require_can_publish(actor, item)
    outcome = publish_locked_items(
        actor=actor,
        item_type=item_type,
        items=[item],
        scopes=scopes,
        metadata=metadata or ListingMetadata(),
        touch_unchanged=True,
    )
    return outcome.listings[item.pk]
