"""References that follow the latest version or stay pinned to one, and telling their holders.

- ``acquisition_set_follow``: move a reference's pin to any version of its listing, or switch it
  to following latest; copies cannot be pinned (they own their item).
- ``notify_reference_holders``: every organization holding a reference to a listing that got a
  new live version receives ``reference.source_updated`` (ids and version numbers only, never
  content), set-based and in the publish's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from config.errors import NotFoundError, ValidationFailedError
from config.ids import validate_object_id
from marketplace.errors import ListingVersionNotFoundError
from marketplace.models import (
    Acquisition,
    Follow,
    Listing,
    ListingStatus,
    ListingVersion,
    ReviewState,
    ShareType,
)
from marketplace.services.versions import NewListingVersion
from publishing.models import Role
from publishing.services import audit_record
from publishing.tenancy import Actor
from webhooks.events import EventDraft, events_emit


def pin_for(*, listing: Listing, follow: str, version: int | None) -> ListingVersion | None:
    """The version a reference gets pinned to (``None`` when it follows latest).

    ``version`` defaults to the listing's live one; pinning a copy is refused (400) rather than
    silently ignored.
    """
    if follow == Follow.LATEST:
        if version is not None:
            raise ValidationFailedError.for_fields(
                {"version": "Only with follow 'pinned'; a reference following latest has none."}
            )
        return None
    if listing.share_type != ShareType.REFERENCE:
        raise ValidationFailedError.for_fields(
            {"follow": "Only references can be pinned: this listing is shared as a copy."}
        )
    number = listing.version if version is None else version
    # Only published versions: never a change waiting for review, rejected or replaced.
    pinned = ListingVersion.objects.filter(
        listing=listing, number=number, review=ReviewState.PUBLISHED
    ).first()
    if pinned is None:
        raise ListingVersionNotFoundError(details={"listingId": listing.pk, "version": number})
    return pinned


@transaction.atomic
def acquisition_set_follow(
    *, actor: Actor, acquisition_id: str, follow: str, version: int | None = None
) -> Acquisition:
    """Pin a reference to a version of its listing (default: the live one), or follow latest."""
    actor.require_role(Role.EDITOR, "manage acquisitions")
    validate_object_id(acquisition_id)
    acquisition = (
        Acquisition.objects.select_for_update(of=("self",))
        .select_related("listing", "listing__organization", "pinned")
        .filter(pk=acquisition_id, organization=actor.organization)
        .first()
    )
    if acquisition is None:
        raise NotFoundError("Acquisition not found.")
    if acquisition.type != ShareType.REFERENCE:
        raise ValidationFailedError.for_fields(
            {"follow": "Only references follow or pin versions; a copy owns its item."}
        )
    pinned = pin_for(listing=acquisition.listing, follow=follow, version=version)
    acquisition.follow = follow
    acquisition.pinned = pinned
    acquisition.save(update_fields=["follow", "pinned"])
    audit_record(
        actor=actor,
        action="marketplace.acquisition.follow",
        target_type="acquisition",
        target_id=acquisition.pk,
        details={"follow": follow, "pinnedVersion": pinned.number if pinned else None},
    )
    return acquisition


def notify_reference_holders(
    versions: Iterable[ListingVersion | NewListingVersion],
    *,
    previous: dict[str, int] | None = None,
) -> None:
    """``reference.source_updated`` to each holder of a reference to a listing that got a new
    live (active) version: one select of the holders, then ``events_emit`` (set-based).

    ``previous`` gives the live version each listing had before (an approved change may follow
    rejected numbers); by default it is the number just before."""
    previous = previous or {}
    live = {
        v.listing.pk: v
        for v in versions
        if v.listing.status == ListingStatus.ACTIVE and v.number > 1
    }
    if not live:
        return
    holders = Acquisition.objects.filter(
        listing_id__in=list(live), type=ShareType.REFERENCE
    ).values_list("listing_id", "organization_id", "follow")
    drafts = [
        EventDraft(
            organization_id=organization_id,
            type="reference.source_updated",
            data={
                "listingId": listing_id,
                "fromVersion": previous.get(listing_id, live[listing_id].number - 1),
                "toVersion": live[listing_id].number,
                "follow": follow,
            },
        )
        for listing_id, organization_id, follow in holders.order_by("organization_id", "pk")
    ]
    events_emit(drafts)
