"""Listing versions: the immutable record of what each publish put on a listing.

Numbers run 1, 2, 3 … per listing with no gaps: a version is only written by a caller that holds
the listing's row lock (the publish core locks existing listings ``FOR NO KEY UPDATE`` and the
item lock serialises the creation of new ones; an edit through a reference locks the listing),
and the unique (listing, number) constraint is the backstop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from config.rows import RowWriter
from marketplace.models import Listing, ListingVersion

_VERSION_WRITER = RowWriter(ListingVersion)  # bulk_create's INSERT, without its compiler
VERSIONED_FIELDS = (
    "item_version",
    "name",
    "description",
    "usage_information",
    "snapshot_name",
    "snapshot_description",
    "snapshot_body",
    "snapshot_variables",
    "snapshot_temperature",
    "snapshot_type",
    "snapshot_category",
)


def versioned_state(listing: Listing | None) -> tuple | None:
    """What a version records of a listing; a publish that leaves it equal records none."""
    if listing is None:
        return None
    return tuple(getattr(listing, field) for field in VERSIONED_FIELDS)


def allocate_version_number(listing: Listing) -> int:
    """The (locked) listing's next version number: after every number allocated so far, live or
    not (a pending, rejected or replaced change keeps its number), so numbers never repeat."""
    listing.last_version = max(listing.last_version, listing.version) + 1
    return listing.last_version


def next_listing_version(listing: Listing, *, now: dt.datetime) -> ListingVersion:
    """Make the (locked) listing's state its next live version: bump ``version`` and return the
    unsaved version row for it."""
    listing.version = allocate_version_number(listing)
    return ListingVersion(
        listing=listing,
        number=listing.version,
        created_at=now,
        **{field: getattr(listing, field) for field in VERSIONED_FIELDS},
    )


def listing_versions_record(versions: Iterable[ListingVersion]) -> None:
    """Insert the rows of ``next_listing_version`` in one statement, after their listings."""
    rows = list(versions)
    for row in rows:
        row.listing_id = row.listing.pk  # a new listing got its id at the upsert
    _VERSION_WRITER.insert(rows)
