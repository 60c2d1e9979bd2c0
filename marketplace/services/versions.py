"""Listing versions: the immutable record of what each publish put on a listing.

Numbers run 1, 2, 3 … per listing with no gaps: a version is only written by a caller that holds
the listing's row lock (the publish core locks existing listings ``FOR NO KEY UPDATE`` and the
item lock serialises the creation of new ones; an edit through a reference locks the listing),
and the unique (listing, number) constraint is the backstop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter

from config.bulk_sql import copy_rows
from config.json_text import column_json
from marketplace.models import Listing, ListingVersion, ReviewState

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


_STATE = attrgetter(*VERSIONED_FIELDS)  # one C call per listing (a batch asks 4 per listing)


def versioned_state(listing: Listing | None) -> tuple | None:
    """What a version records of a listing; a publish that leaves it equal records none."""
    if listing is None:
        return None
    return _STATE(listing)


def allocate_version_number(listing: Listing) -> int:
    """The (locked) listing's next version number: after every number allocated so far, live or
    not (a pending, rejected or replaced change keeps its number), so numbers never repeat."""
    listing.last_version = max(listing.last_version, listing.version) + 1
    return listing.last_version


@dataclass(slots=True)
class NewListingVersion:
    """An unsaved version row: plain values, no model instance (a batch makes thousands)."""

    listing: Listing
    number: int
    created_at: dt.datetime
    state: tuple  # the VERSIONED_FIELDS, in order


def next_listing_version(listing: Listing, *, now: dt.datetime) -> NewListingVersion:
    """Make the (locked) listing's state its next live version: bump ``version`` and return the
    unsaved version row for it (``listing_versions_record`` writes it)."""
    listing.version = allocate_version_number(listing)
    return NewListingVersion(listing, listing.version, now, versioned_state(listing))


_COLUMNS = ("listing_id", "number", *VERSIONED_FIELDS, "created_at", "review")
_JSON = VERSIONED_FIELDS.index("snapshot_variables")
_PUBLISHED = ReviewState.PUBLISHED.value


def listing_versions_record(versions: Iterable[NewListingVersion]) -> None:
    """Insert the rows of ``next_listing_version`` in one statement (``COPY`` for many), after
    their listings (a new listing gets its id at the upsert). Published, immutable rows."""
    rows = []
    for version in versions:
        state = list(version.state)
        state[_JSON] = column_json(state[_JSON])
        rows.append(
            (
                version.listing.pk,
                version.number,
                *state,
                version.created_at,
                ReviewState.PUBLISHED.value,
            )
        )
    copy_rows(ListingVersion._meta.db_table, _COLUMNS, rows)
