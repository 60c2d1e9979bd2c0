"""Payload builders for the marketplace's domain events (see ``publishing.services.audit``).

Each builder returns the resource as the API shows it to the organization that receives the
event, from rows the service already holds (no query, so the batch publish stays set-based):

- ``listing.*`` go to the publishing organization: ``OwnListingOutputSerializer``'s shape, content
  included (it is that organization's own content);
- ``acquisition.*`` go to the acquiring organization: ``AcquisitionDetailSerializer``'s shape as
  the acquirer sees it, so a hidden body is null (``content_visible_to``, the one rule).

``tests/marketplace/test_events.py`` checks each builder against its serializer.
"""

from __future__ import annotations

from typing import Any

from marketplace.models import Acquisition, Listing, ShareType
from marketplace.selectors import category_info, content_visible_to
from marketplace.visibility import acquisition_listing_live, current_status
from publishing.events import iso
from publishing.tenancy import Actor


def listing_event_data(
    listing: Listing, categories: dict[str, dict] | None = None
) -> dict[str, Any]:
    """A listing as its publishing organization sees it (``GET /api/marketplace/my-listings``).

    Set-based writers pass ``categories`` (``category_infos`` of their listings) so the batch
    costs one category query, not one per listing."""
    moderation = None
    if listing.moderation_reason or listing.moderated_at is not None:
        moderation = {
            "reason": listing.moderation_reason,
            "moderatedAt": iso(listing.moderated_at),
        }
    return {
        "id": listing.pk,
        "itemType": listing.item_type,
        "itemId": listing.item_id,
        "itemVersion": listing.item_version,
        "scope": listing.scope,
        "shareType": listing.share_type,
        "isContentVisible": listing.is_content_visible,
        "allowEditableReferences": listing.allow_editable_references,
        "status": current_status(listing),
        "name": listing.name,
        "description": listing.description,
        "usageInformation": listing.usage_information,
        "variables": list(listing.snapshot_variables),
        "content": listing.snapshot_body,
        "category": category_info(listing, categories),
        "usageCount": listing.usage_count,
        "version": listing.version,
        "latestVersion": listing.version,
        "moderation": moderation,
        "pendingVersion": pending_version_event_data(listing),
        "publisherId": listing.publisher_id,
        "publishedAt": iso(listing.published_at),
        "publishAt": iso(listing.publish_at),
        "unpublishAt": iso(listing.unpublish_at),
        "updatedAt": iso(listing.updated_at),
    }


def pending_version_event_data(listing: Listing) -> dict[str, Any] | None:
    """The listing's change waiting for review, as ``ListingVersionOutputSerializer`` shows it to
    the publisher (content included: the event goes to the publishing organization only). The
    writers attach the version, so this reads no row."""
    if listing.pending_version_id is None:
        return None
    version = listing.pending_version
    return {
        "number": version.number,
        "itemVersion": version.item_version,
        "name": version.name,
        "description": version.description,
        "usageInformation": version.usage_information,
        "variables": list(version.snapshot_variables),
        "content": version.snapshot_body,
        "createdAt": iso(version.created_at),
        "review": version.review,
    }


def acquisition_event_data(acquisition: Acquisition, actor: Actor) -> dict[str, Any]:
    """An acquisition as the acquiring organization (``actor``'s) sees it
    (``GET /api/marketplace/acquisitions/{id}``): never the body of a hidden listing."""
    listing = acquisition.listing
    copy = acquisition.copied_item
    item = None
    if acquisition.type == ShareType.COPY:
        if copy is not None:
            item = {
                "id": copy.pk,
                "name": copy.name,
                "description": copy.description,
                "body": None if copy.content_hidden else copy.body,
                "variables": list(copy.variables),
                "version": copy.latest_version or None,
                "contentHidden": copy.content_hidden,
            }
    elif acquisition_listing_live(acquisition):
        visible = content_visible_to(listing, actor)
        source = acquisition.source
        item = {
            "id": listing.item_id,
            "name": source.snapshot_name,
            "description": source.snapshot_description,
            "body": source.snapshot_body if visible else None,
            "variables": list(source.snapshot_variables),
            "version": source.item_version,
            "contentHidden": not visible,
        }
    return {
        "id": acquisition.pk,
        "itemType": listing.item_type,
        "type": acquisition.type,
        "isEditable": acquisition.is_editable,
        "publishedItemId": acquisition.listing_id,
        "originalItemId": listing.item_id,
        "copiedItemId": copy.pk if copy is not None else None,
        "acquiredAt": iso(acquisition.acquired_at),
        "follow": acquisition.follow,
        "pinnedVersion": acquisition.pinned.number if acquisition.pinned_id else None,
        "latestVersion": listing.version,
        "updateAvailable": acquisition.update_available,
        "listingName": listing.name,
        "available": acquisition.type == ShareType.COPY or acquisition_listing_live(acquisition),
        "item": item,
    }
