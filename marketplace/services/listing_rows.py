"""The publish core's listing writes as plain rows (issue 21: ``bulk_create`` spent more time
turning 1,000 listings into SQL than PostgreSQL spent storing them).

- ``new_listing``: the instance of a listing being created, as ``Listing(**values)`` makes it;
- ``listings_upsert``: every listing written by a publish, new or existing, in one
  ``INSERT … ON CONFLICT (item, scope) DO UPDATE`` (the unique constraint stays the backstop);
- ``marketplace.services.versions.listing_versions_record`` writes the version rows with
  ``copy_rows``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from operator import attrgetter
from typing import Any

from django.db import connection
from django.db.models import DEFERRED

from config.bulk_sql import json_rows_upsert
from marketplace.models import Listing
from marketplace.services.versions import VERSIONED_FIELDS

# What a republish may change: the versioned state and the publish settings (every other
# column keeps the stored value: usage count, moderation fields, featured).
PUBLISH_FIELDS = (
    *VERSIONED_FIELDS,
    "status",
    "share_type",
    "is_content_visible",
    "allow_editable_references",
    "publisher",
    "updated_at",
    "published_at",
    "version",
    "last_version",
    "pending_version",
    "publish_at",
    "unpublish_at",
)
_FIELDS = [f for f in Listing._meta.concrete_fields if not f.generated]
_ROW = attrgetter(*(f.attname for f in _FIELDS))  # a listing's values in _FIELDS order, in C
_UPDATE = [Listing._meta.get_field(name).column for name in PUBLISH_FIELDS]


@cache
def _new_listing_plan() -> tuple[list[Any], dict[str, int], list[tuple[int, Any]]]:
    """Every concrete field's default in field order (a generated column stays deferred), the
    position of each attribute, and the fields whose default is made per instance (the id, the
    variables list)."""
    fields = Listing._meta.concrete_fields
    template = Listing()
    defaults = [template.__dict__.get(f.attname, DEFERRED) for f in fields]
    fresh = [(i, f) for i, f in enumerate(fields) if f.has_default() and callable(f.default)]
    return defaults, {f.attname: i for i, f in enumerate(fields)}, fresh


def new_listing(**values: Any) -> Listing:
    """``Listing(**values)``, built through ``Model.__init__``'s positional path: the keyword
    path resolves and defaults each of the 36 fields per instance (30 to 48 µs against 11 to 15
    µs, for each of the thousands of listings a batch creates). Column attributes (``scope``,
    ``organization_id``) go in the positional values, related objects (``organization``) are set
    after, as the descriptors set them; ``tests/marketplace/test_listing_rows.py`` compares the
    two."""
    defaults, positions, fresh = _new_listing_plan()
    row = list(defaults)
    for index, field in fresh:
        row[index] = field.get_default()
    related = {}
    for name, value in values.items():
        index = positions.get(name)
        if index is None:
            related[name] = value
        else:
            row[index] = value
    listing = Listing(*row)
    for name, value in related.items():
        setattr(listing, name, value)
    return listing


def listings_upsert(listings: Sequence[Listing], fk: str) -> None:
    """Insert or update ``listings`` (one statement); a listing that met an existing row of its
    (item, scope) takes that row's id, as ``bulk_create(update_conflicts=True)`` did."""
    if not listings:
        return
    fk_column = f"{fk}_id"
    written = json_rows_upsert(
        table=Listing._meta.db_table,
        columns=[f.column for f in _FIELDS],
        rows=[_ROW(listing) for listing in listings],
        conflict=[fk_column, "scope"],
        update=_UPDATE,
        returning=["id", fk_column, "scope"],
    )
    ids = {(item_id, scope): pk for pk, item_id, scope in written}
    for listing in listings:
        listing.pk = ids[(getattr(listing, fk_column), listing.scope)]
        listing._state.adding, listing._state.db = False, connection.alias
