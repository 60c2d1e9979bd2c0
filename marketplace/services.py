"""Writes on listings: publish, update settings, unpublish.

Publishing locks the item row first (the same lock every item write takes), so concurrent
publishes of one item run one after the other; the unique (item, scope) constraints are the
backstop. Every change writes an ``AuditEvent``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.errors import DomainError, ForbiddenError, NotFoundError, ValidationFailedError
from config.ids import validate_object_id
from marketplace.errors import (
    EditableReferencesNotAllowedError,
    ListingNotFoundError,
    ListingUnavailableError,
)
from marketplace.models import (
    Acquisition,
    ItemType,
    Listing,
    ListingStatus,
    Report,
    ReportStatus,
    Scope,
    ShareType,
)
from marketplace.selectors import content_visible_to, listing_visible_queryset
from publishing.errors import ContentHiddenError
from publishing.models import (
    ITEM_MODELS,
    VERSION_MODELS,
    AuditEvent,
    ItemSource,
    ItemVersion,
    PublishableItem,
    Role,
)
from publishing.services import (
    audit_event,
    audit_record,
    item_delete,
    item_lock,
    item_snapshot_version,
    item_update_locked,
)
from publishing.services.items import can_edit_item, next_version
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


SETTING_FIELDS = ("share_type", "is_content_visible", "allow_editable_references")
SETTING_NAMES = {
    "share_type": "shareType",
    "is_content_visible": "isContentVisible",
    "allow_editable_references": "allowEditableReferences",
}


@dataclass(frozen=True)
class ScopeSettings:
    """What a publish request states for one scope; ``None`` means "not stated".

    Not stated: an existing listing keeps its own value, a new listing takes
    ``NEW_LISTING_DEFAULTS``. So republishing never changes a setting nobody asked to change (and
    hidden content never becomes visible without an explicit ``is_content_visible=True``).
    """

    share_type: str | None = None
    is_content_visible: bool | None = None
    allow_editable_references: bool | None = None


# The settings of a listing being created, for every setting its request does not state.
NEW_LISTING_DEFAULTS = ScopeSettings(
    share_type=ShareType.COPY, is_content_visible=True, allow_editable_references=False
)


def listing_settings_errors(
    *, share_type: str, is_content_visible: bool, allow_editable_references: bool
) -> dict[str, list[str]]:
    """Field errors for a combination of sharing settings that no listing may have.

    The one home of these rules: publish (API and batch) and ``listing_update`` call it on the
    settings a listing would end up with, so every caller answers ``VALIDATION_FAILED`` before
    the database constraint ``listing_editable_only_reference`` is reached.
    """
    errors: dict[str, list[str]] = {}
    if allow_editable_references and share_type != ShareType.REFERENCE:
        errors.setdefault("allowEditableReferences", []).append(
            "Editable references need shareType 'reference'."
        )
    if allow_editable_references and not is_content_visible:
        # Nobody edits what they cannot see: the holder would overwrite a hidden body.
        message = "Editable references need visible content (isContentVisible true)."
        errors.setdefault("allowEditableReferences", []).append(message)
        errors.setdefault("isContentVisible", []).append(message)
    return errors


def resolve_scope_settings(listing: Listing | None, requested: ScopeSettings) -> dict[str, Any]:
    """The settings a (re)published listing takes: what the request states, else what the
    listing has, else (new listing) ``NEW_LISTING_DEFAULTS``."""
    base = NEW_LISTING_DEFAULTS if listing is None else listing
    resolved = {}
    for field in SETTING_FIELDS:
        value = getattr(requested, field)
        resolved[field] = getattr(base, field) if value is None else value
    return resolved


def describe_setting_changes(listing: Listing | None, resolved: dict[str, Any]) -> list[str]:
    """``["isContentVisible false → true"]``: what publishing would change, for dry runs."""

    def text(value: Any) -> str:
        return str(value).lower() if isinstance(value, bool) else str(value)

    if listing is None:
        return [
            "new listing: "
            + ", ".join(f"{SETTING_NAMES[f]} {text(resolved[f])}" for f in SETTING_FIELDS)
        ]
    return [
        f"{SETTING_NAMES[f]} {text(getattr(listing, f))} → {text(resolved[f])}"
        for f in SETTING_FIELDS
        if getattr(listing, f) != resolved[f]
    ]


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
    if listing is not None and listing.status == ListingStatus.ACTIVE and not content_changed:
        return ListingStatus.ACTIVE
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


def _settings_refusal(scope_errors: dict[str, list[str]]) -> ValidationFailedError:
    message = "; ".join(f"{key}: {' '.join(texts)}" for key, texts in scope_errors.items())
    return ValidationFailedError.for_fields(scope_errors, message)


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
    UPDATE``, and writes one audit row per listing written. With ``touch_unchanged`` (the API)
    listings that would not change are still written (their ``updatedAt`` moves); without it
    (bulk commands) they are skipped, so a re-run writes nothing.
    """
    fk = item_field(item_type)
    existing = {
        (getattr(listing, f"{fk}_id"), listing.scope): listing
        for listing in Listing.objects.select_for_update(no_key=True).filter(
            **{f"{fk}__in": items, "scope__in": list(scopes)}
        )
    }
    enabled = [s for s in SCOPE_ORDER if s in scopes]
    resolved: dict[tuple[str, str], dict[str, Any]] = {}
    accepted = []
    for item in items:
        scope_errors: dict[str, list[str]] = {}
        for scope in enabled:
            values = resolve_scope_settings(existing.get((item.pk, scope)), scopes[scope])
            resolved[(item.pk, scope)] = values
            for name, messages in listing_settings_errors(**values).items():
                scope_errors[f"scopes.{scope}.{name}"] = messages
        if not scope_errors:
            accepted.append(item)
        elif on_refused is None:
            raise _settings_refusal(scope_errors)
        else:
            on_refused(item, _settings_refusal(scope_errors))
    items = accepted

    versions = [
        next_version(item=item, author=actor.user, source=ItemSource.PUBLISH)
        for item in items
        if item.latest_version == 0 or item.changed_since_last_version
    ]
    if versions:
        VERSION_MODELS[item_type].objects.bulk_create(versions)
        # The same values next_version() set in memory, computed by PostgreSQL from the locked
        # rows in one statement (bulk_update's CASE per row cost ~80 ms per 1,000 items).
        ITEM_MODELS[item_type].objects.filter(pk__in=[v.item.pk for v in versions]).update(
            latest_version=F("latest_version") + 1, latest_version_hash=F("content_hash")
        )
    outcome = PublishOutcome(changed_items={version.item.pk for version in versions})

    now = timezone.now()
    to_write, audits = [], []
    for item in items:
        for scope in enabled:
            listing = existing.get((item.pk, scope))
            is_new = listing is None
            values = resolved[(item.pk, scope)]
            setting_changes = describe_setting_changes(listing, values)
            if is_new:
                listing = Listing(
                    item_type=item_type,
                    organization=actor.organization,
                    scope=scope,
                    published_at=now,
                )
                setattr(listing, fk, item)
            outcome.listings.setdefault(item.pk, []).append(listing)
            changed = apply_snapshot(listing, item)
            changed |= _apply_metadata(listing, item, metadata, is_new=is_new)
            previous = None if is_new else listing.status
            status = status_after_publish(None if is_new else listing, scope, changed)
            changed |= is_new or status != previous or bool(setting_changes)
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
            if status == ListingStatus.ACTIVE and previous != ListingStatus.ACTIVE:
                listing.published_at = now
            to_write.append(listing)
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
                        "status": status,
                        "previousStatus": previous,
                        "created": is_new,
                    },
                )
            )
    if to_write:
        # The item locks serialise publishers; the unique (item, scope) constraints make this
        # upsert the backstop, so a listing is never duplicated.
        Listing.objects.bulk_create(
            to_write,
            update_conflicts=True,
            unique_fields=[fk, "scope"],
            update_fields=PUBLISH_FIELDS,
        )
        AuditEvent.objects.bulk_create(audits)
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
    item = item_lock(actor=actor, kind=item_type, item_id=item_id)
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
    """Change sharing settings and display metadata; applies to future acquisitions.

    The settings the listing ends up with must pass ``listing_settings_errors``, as on publish.
    """
    listing = _listing_for_update(actor=actor, listing_id=listing_id)
    require_can_manage_listing(actor, listing)
    for field, value in changes.items():
        setattr(listing, field, value)
    if metadata is not None:
        for field in ("name", "description", "usage_information"):
            value = getattr(metadata, field)
            if value is not None:
                setattr(listing, field, value)
    errors = listing_settings_errors(**{name: getattr(listing, name) for name in SETTING_FIELDS})
    if errors:
        raise _settings_refusal(errors)
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
    unpublished listings are skipped (idempotent). Two statements whatever the count.
    """
    now = timezone.now()
    changed, audits = [], []
    for listing in listings:
        if listing.status == ListingStatus.UNPUBLISHED:
            continue
        previous = listing.status
        listing.moderation_hold = listing.moderation_hold or previous in HELD_STATUSES
        listing.status = ListingStatus.UNPUBLISHED
        listing.updated_at = now
        changed.append(listing)
        audits.append(
            audit_event(
                actor=actor,
                action="marketplace.listing.unpublish",
                target_type="listing",
                target_id=listing.pk,
                details={"scope": listing.scope, "previousStatus": previous, **(details or {})},
            )
        )
    if changed:
        Listing.objects.bulk_update(changed, ["status", "moderation_hold", "updated_at"])
        AuditEvent.objects.bulk_create(audits)
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


# --- consumer side: acquire, report, library ------------------------------------------------------
def _visible_listing_for_update(*, actor: Actor, listing_id: str) -> Listing:
    validate_object_id(listing_id)
    listing = (
        listing_visible_queryset(actor=actor)
        .select_for_update(no_key=True, of=("self",))
        .select_related("organization")
        .filter(pk=listing_id)
        .first()
    )
    if listing is None:
        raise ListingNotFoundError()
    return listing


def _copy_item(actor: Actor, listing: Listing) -> PublishableItem:
    """A new item in the actor's organization made from the listing's snapshot."""
    model = ITEM_MODELS[listing.item_type]
    item = model(
        organization=actor.organization,
        owner=actor.user,
        name=listing.snapshot_name,
        description=listing.snapshot_description,
        body=listing.snapshot_body,
        temperature=listing.snapshot_temperature,
        # Hidden content stays hidden from the copy's new owners (usable, not readable).
        content_hidden=not content_visible_to(listing, actor),
        copied_from_listing=listing.pk,
        copied_from_organization_name=listing.organization.name,
        copied_from_name=listing.name,
    )
    if listing.item_type == ItemType.TEMPLATE:
        item.type = listing.snapshot_type
        item.category = listing.snapshot_category or "other"
    item.refresh_derived()
    item.save(force_insert=True)
    return item


@transaction.atomic
def listing_acquire(
    *, actor: Actor, listing_id: str, request_editable: bool = False
) -> tuple[Acquisition, bool]:
    """Acquire a visible listing into the actor's organization; idempotent per organization.

    Acquiring again returns the first acquisition; with ``request_editable`` a read-only
    reference becomes editable when the listing allows it (else 409
    ``EDITABLE_REFERENCES_NOT_ALLOWED``).

    Returns (acquisition, created). The listing row lock serialises concurrent acquisitions, so
    ``usage_count`` is exact; the unique (listing, organization) constraint is the backstop.
    """
    actor.require_role(Role.EDITOR, "acquire listings")
    listing = _visible_listing_for_update(actor=actor, listing_id=listing_id)
    existing = Acquisition.objects.filter(listing=listing, organization=actor.organization).first()
    if existing is not None:
        if request_editable and not existing.is_editable:
            _make_editable(actor, listing, existing)
        return existing, False
    acquisition = Acquisition(
        listing=listing,
        organization=actor.organization,
        acquired_by=actor.user,
        type=listing.share_type,
        is_editable=(
            listing.share_type == ShareType.REFERENCE
            and listing.allow_editable_references
            and request_editable
        ),
    )
    if listing.share_type == ShareType.COPY:
        copy = _copy_item(actor, listing)
        setattr(acquisition, f"copied_{listing.item_type}", copy)
    acquisition.save(force_insert=True)
    Listing.objects.filter(pk=listing.pk).update(usage_count=F("usage_count") + 1)
    listing.usage_count += 1
    audit_record(
        actor=actor,
        action="marketplace.listing.acquire",
        target_type="listing",
        target_id=listing.pk,
        details={
            "acquisitionId": acquisition.pk,
            "type": acquisition.type,
            "isEditable": acquisition.is_editable,
            "publisherOrganizationId": str(listing.organization_id),
        },
    )
    return acquisition, True


def _make_editable(actor: Actor, listing: Listing, acquisition: Acquisition) -> None:
    """A repeat acquisition asking for an editable reference upgrades the existing one, when the
    listing allows it (under the listing's row lock); otherwise 409 says why."""
    if listing.share_type != ShareType.REFERENCE or not listing.allow_editable_references:
        raise EditableReferencesNotAllowedError(
            "This listing does not allow editable references; your acquisition stays read-only."
            if listing.share_type == ShareType.REFERENCE
            else "This listing is shared as a copy: there is no reference to make editable.",
            details={"listingId": listing.pk, "acquisitionId": acquisition.pk},
        )
    acquisition.is_editable = True
    acquisition.save(update_fields=["is_editable"])
    audit_record(
        actor=actor,
        action="marketplace.acquisition.make_editable",
        target_type="acquisition",
        target_id=acquisition.pk,
        details={"listingId": listing.pk},
    )


def require_available(listing: Listing) -> None:
    """References resolve only while their listing is active."""
    if listing.status != ListingStatus.ACTIVE:
        raise ListingUnavailableError(
            "The listing behind this reference is no longer available.",
            details={"listingId": listing.pk},
        )


@transaction.atomic
def acquisition_remove(*, actor: Actor, acquisition_id: str, delete_copy: bool = False) -> None:
    """Remove an acquisition from the library; its copy stays unless ``delete_copy``."""
    actor.require_role(Role.EDITOR, "manage acquisitions")
    validate_object_id(acquisition_id)
    acquisition = (
        Acquisition.objects.select_for_update()
        .filter(pk=acquisition_id, organization=actor.organization)
        .first()
    )
    if acquisition is None:
        raise NotFoundError("Acquisition not found.")
    copy = acquisition.copied_item
    if delete_copy and copy is not None:
        item_delete(actor=actor, kind=copy.item_type, item_id=copy.pk)
    Listing.objects.filter(pk=acquisition.listing_id, usage_count__gt=0).update(
        usage_count=F("usage_count") - 1
    )
    audit_record(
        actor=actor,
        action="marketplace.acquisition.remove",
        target_type="acquisition",
        target_id=acquisition.pk,
        details={"listingId": acquisition.listing_id, "deletedCopy": bool(delete_copy and copy)},
    )
    acquisition.delete()


@transaction.atomic
def acquisition_edit_source(
    *, actor: Actor, acquisition_id: str, data: dict[str, Any], if_match: str | None = None
) -> tuple[Acquisition, ItemVersion]:
    """Edit the source item through an editable reference.

    The edit goes through ``item_update_locked``, the item update's own core, so ``If-Match``
    (412), the variable limit, the revision (ETag) and the audit row apply exactly as on
    ``PATCH /api/prompts/{id}``. Then a version authored by the holder is recorded and the
    listing's snapshot follows, so every holder of the reference sees the edit. A listing that
    hides its content refuses ``body`` and ``variables`` (403 ``CONTENT_HIDDEN``), whatever its
    settings say: nobody edits what they cannot see.
    """
    actor.require_role(Role.EDITOR, "edit through references")
    validate_object_id(acquisition_id)
    acquisition = (
        Acquisition.objects.select_related("listing")
        .filter(pk=acquisition_id, organization=actor.organization)
        .first()
    )
    if acquisition is None:
        raise NotFoundError("Acquisition not found.")
    if acquisition.type != ShareType.REFERENCE or not acquisition.is_editable:
        raise ForbiddenError("This acquisition is not an editable reference.")
    # Lock order as in publish: the item (parent) first, then its listing.
    source = acquisition.listing
    item = (
        ITEM_MODELS[source.item_type].objects.select_for_update(no_key=True).get(pk=source.item_id)
    )
    listing = Listing.objects.select_for_update(no_key=True).get(pk=source.pk)
    require_available(listing)
    if not listing.allow_editable_references:
        raise ForbiddenError("The publisher no longer allows editing through references.")
    if not content_visible_to(listing, actor) and {"body", "variables"} & data.keys():
        raise ContentHiddenError(
            "This listing hides its content: its body and variables cannot be edited through a "
            "reference."
        )
    item = item_update_locked(actor=actor, item=item, data=data, if_match=if_match)
    if item.latest_version and not item.changed_since_last_version:
        version = item.versions.get(number=item.latest_version)
    else:
        version = item_snapshot_version(
            item=item,
            author=actor.user,
            source=ItemSource.MANUAL,
            label=f"Edited through a reference by {actor.organization.name}"[:100],
        )
    apply_snapshot(listing, item)
    listing.updated_at = timezone.now()
    listing.save()
    setattr(listing, item_field(listing.item_type), item)  # the caller reads its ETag
    acquisition.listing = listing
    audit_record(
        actor=actor,
        action="marketplace.reference.edit",
        target_type="listing",
        target_id=listing.pk,
        details={"acquisitionId": acquisition.pk, "itemVersion": version.number},
    )
    return acquisition, version


@transaction.atomic
def listing_report(
    *, actor: Actor, listing_id: str, reason: str, details: str = ""
) -> tuple[Report, bool]:
    """File a report for moderators; an organization's open report is returned, not repeated."""
    validate_object_id(listing_id)
    listing = listing_visible_queryset(actor=actor).filter(pk=listing_id).first()
    if listing is None:
        raise ListingNotFoundError()
    report, created = Report.objects.get_or_create(
        listing=listing,
        organization=actor.organization,
        status=ReportStatus.OPEN,
        defaults={"reporter": actor.user, "reason": reason, "details": details},
    )
    if created:
        audit_record(
            actor=actor,
            action="marketplace.listing.report",
            target_type="listing",
            target_id=listing.pk,
            details={"reportId": report.pk, "reason": reason},
        )
    return report, created


# --- moderation (staff) ------------------------------------------------------------------------
# Implemented in marketplace/moderation.py (transitions, locks, events, emails) and re-exported
# here, so ``marketplace.services`` names every operation on listings.
from marketplace.moderation import (  # noqa: E402
    listing_approve,
    listing_feature,
    listing_moderate_many,
    listing_reinstate,
    listing_reject,
    listing_suspend,
    listing_unfeature,
    report_dismiss,
    report_resolve,
    report_settle_many,
)

__all__ = [  # the use cases; helpers shared with marketplace.bulk are imported by name
    "acquisition_edit_source",
    "acquisition_remove",
    "listing_acquire",
    "listing_approve",
    "listing_feature",
    "listing_moderate_many",
    "listing_publish",
    "listing_reinstate",
    "listing_reject",
    "listing_report",
    "listing_suspend",
    "listing_unfeature",
    "listing_unpublish",
    "listing_unpublish_item",
    "listing_update",
    "publish_locked_items",
    "report_dismiss",
    "report_resolve",
    "report_settle_many",
]
