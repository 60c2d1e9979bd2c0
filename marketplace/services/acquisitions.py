"""The consumer side: acquire, edit through a reference, remove, report."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.errors import ForbiddenError, NotFoundError
from config.ids import validate_object_id
from marketplace.errors import (
    EditableReferencesNotAllowedError,
    ListingNotFoundError,
    ListingUnavailableError,
    ReferencePinnedError,
)
from marketplace.events import acquisition_event_data
from marketplace.models import (
    Acquisition,
    Follow,
    ItemType,
    Listing,
    Report,
    ReportStatus,
    ShareType,
)
from marketplace.selectors import content_visible_to, listing_visible_queryset
from marketplace.services import pending_changes
from marketplace.services.publish import apply_snapshot, item_field
from marketplace.services.references import notify_reference_holders, pin_for
from marketplace.services.versions import (
    listing_versions_record,
    next_listing_version,
    versioned_state,
)
from marketplace.visibility import listing_is_live, with_live
from publishing.errors import ContentHiddenError
from publishing.models import ITEM_MODELS, ItemSource, ItemVersion, PublishableItem, Role
from publishing.services import (
    audit_record,
    item_delete,
    item_snapshot_version,
    item_update_locked,
    render_text,
)
from publishing.tenancy import Actor


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
    listing.is_live = True  # it passed live_q at the database's clock
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
    *,
    actor: Actor,
    listing_id: str,
    request_editable: bool = False,
    follow: str = Follow.LATEST,
    version: int | None = None,
) -> tuple[Acquisition, bool]:
    """Acquire a visible listing into the actor's organization; idempotent per organization.

    Acquiring again returns the first acquisition; with ``request_editable`` a read-only
    reference becomes editable when the listing allows it (else 409
    ``EDITABLE_REFERENCES_NOT_ALLOWED``).

    A new reference follows the latest version, or with ``follow="pinned"`` stays on
    ``version`` (default: the live one); a repeat acquisition keeps its follow (change it with
    ``acquisition_set_follow``). Pinning a copy is refused (400).

    Returns (acquisition, created). The listing row lock serialises concurrent acquisitions, so
    ``usage_count`` is exact; the unique (listing, organization) constraint is the backstop.
    """
    actor.require_role(Role.EDITOR, "acquire listings")
    listing = _visible_listing_for_update(actor=actor, listing_id=listing_id)
    pinned = pin_for(listing=listing, follow=follow, version=version)
    existing = (
        Acquisition.objects.select_related("pinned")
        .filter(listing=listing, organization=actor.organization)
        .first()
    )
    if existing is not None:
        if request_editable and not existing.is_editable:
            _make_editable(actor, listing, existing)
        return existing, False
    acquisition = Acquisition(
        listing=listing,
        organization=actor.organization,
        acquired_by=actor.user,
        type=listing.share_type,
        follow=follow,
        pinned=pinned,
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
        event_data=acquisition_event_data(acquisition, actor),
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
    """References resolve only while their listing is live (at the database's clock when the
    listing was read with ``with_live`` or through ``acquisition_get``)."""
    if not listing_is_live(listing):
        raise ListingUnavailableError(
            "The listing behind this reference is no longer available.",
            details={"listingId": listing.pk},
        )


def acquisition_render(
    *, acquisition: Acquisition, actor: Actor, values: dict[str, Any], strict: bool
) -> tuple[str | None, list[str]]:
    """Render what an acquisition resolves to, as its detail shows it: a copy's own body, a
    reference's source (its pinned version, or the listing's latest snapshot) while the listing
    is live (410 after). Content the listing hides renders to ``None``."""
    if acquisition.type == ShareType.COPY:
        copy = acquisition.copied_item
        if copy is None:
            raise NotFoundError("The copy of this acquisition was deleted.")
        return render_text(copy.body, values, strict=strict, hidden=copy.content_hidden)
    require_available(acquisition.listing)
    hidden = not content_visible_to(acquisition.listing, actor)
    source = acquisition.source  # the pinned version, or the listing's latest snapshot
    return render_text(source.snapshot_body, values, strict=strict, hidden=hidden)


@transaction.atomic
def acquisition_remove(*, actor: Actor, acquisition_id: str, delete_copy: bool = False) -> None:
    """Remove an acquisition from the library; its copy stays unless ``delete_copy``."""
    actor.require_role(Role.EDITOR, "manage acquisitions")
    validate_object_id(acquisition_id)
    acquisition = (
        Acquisition.objects.select_for_update(of=("self",))
        .select_related("listing", "copied_prompt", "copied_template")
        .filter(pk=acquisition_id, organization=actor.organization)
        .first()
    )
    if acquisition is None:
        raise NotFoundError("Acquisition not found.")
    copy = acquisition.copied_item
    # The acquisition as the acquirer saw it, before its copy (if asked) goes.
    event_data = acquisition_event_data(acquisition, actor)
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
        event_data=event_data,
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
    if acquisition.pinned_id is not None:
        raise ReferencePinnedError(
            details={"acquisitionId": acquisition.pk, "follow": acquisition.follow}
        )
    # Lock order as in publish: the item (parent) first, then its listing.
    source = acquisition.listing
    item = (
        ITEM_MODELS[source.item_type].objects.select_for_update(no_key=True).get(pk=source.item_id)
    )
    listing = with_live(Listing.objects.select_for_update(no_key=True)).get(pk=source.pk)
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
    now = timezone.now()
    before = versioned_state(listing)
    apply_snapshot(listing, item)
    listing.updated_at = now
    new_version = (
        next_listing_version(listing, now=now) if versioned_state(listing) != before else None
    )
    if new_version is not None:  # a new live version supersedes a change waiting for review
        pending_changes.withdraw_pending_changes([listing])
    listing.save()
    if new_version is not None:
        listing_versions_record([new_version])
        notify_reference_holders([new_version])
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
