"""Reads for listings (filled in by the marketplace issues)."""

from __future__ import annotations

from publishing.models import PublishableItem


def listing_ids_blocking_item_delete(*, item: PublishableItem) -> list[str]:
    """Ids of the item's listings that must be unpublished before it can be deleted."""
    return []
