"""Reads for listings."""

from __future__ import annotations

from django.db.models import QuerySet

from config.ids import validate_object_id
from marketplace.errors import ListingNotFoundError
from marketplace.models import Listing, ListingStatus
from publishing.models import PublishableItem
from publishing.tenancy import Actor


def listing_ids_blocking_item_delete(*, item: PublishableItem) -> list[str]:
    """Ids of the item's listings that are not unpublished: they must be unpublished first."""
    return sorted(
        item.listings.exclude(status=ListingStatus.UNPUBLISHED).values_list("pk", flat=True)
    )


def listing_list_published_by(
    *,
    actor: Actor,
    scope: str | None = None,
    status: str | None = None,
    item_type: str | None = None,
) -> QuerySet[Listing]:
    """The listings of the actor's organization, every status, newest first."""
    queryset = Listing.objects.filter(organization=actor.organization)
    if scope:
        queryset = queryset.filter(scope=scope)
    if status:
        queryset = queryset.filter(status=status)
    if item_type:
        queryset = queryset.filter(item_type=item_type)
    return queryset.order_by("-updated_at", "-pk")


def listing_get_own(*, actor: Actor, listing_id: str) -> Listing:
    validate_object_id(listing_id)
    listing = Listing.objects.filter(pk=listing_id, organization=actor.organization).first()
    if listing is None:
        raise ListingNotFoundError()
    return listing
