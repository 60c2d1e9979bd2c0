"""When a listing is live: the one rule every read applies, against the database's clock.

A listing is live when its stored status is ``active`` or ``scheduled``, its ``published_at``
(= ``publish_at`` while scheduled) has come, and its ``unpublish_at``, if any, has not. The
comparison runs in the query itself with ``marketplace_now()`` (the statement's time; a session
may freeze it with ``SET LOCAL marketplace.now = '…'``, which is how tests move the clock), so a
listing is visible from the first request at or after ``publish_at`` and gone from the first one
at or after ``unpublish_at`` whether or not the schedule job has run; the job only stores it.

Why this shape: partial index predicates cannot hold ``now()``. Browse's partial indexes hold
both statuses (``INDEXED_STATUSES``), ordered by ``(featured, published_at, id)`` descending;
``published_at <= now()`` is then an index range per ``featured`` value (``featured IN (true,
false)`` on the leading column keeps the scan ordered), so the not-yet-live rows, which all sort
first, are never read. ``unpublish_at`` is a cheap filter on the rows read.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, DateTimeField, ExpressionWrapper, Func, Q
from django.utils import timezone

from marketplace.models import INDEXED_STATUSES, Listing, ListingStatus


class DbNow(Func):
    """``marketplace_now()``: the database clock visibility compares with (migration 0010)."""

    template = "marketplace_now()"
    output_field = DateTimeField()

    def __init__(self) -> None:
        super().__init__()


def live_q(prefix: str = "") -> Q:
    """The listings live at the database's now (``prefix`` = ``"listing__"`` from a relation)."""
    now = DbNow()
    return Q(**{f"{prefix}status__in": INDEXED_STATUSES, f"{prefix}published_at__lte": now}) & (
        Q(**{f"{prefix}unpublish_at__isnull": True}) | Q(**{f"{prefix}unpublish_at__gt": now})
    )


def live_expression(prefix: str = "") -> ExpressionWrapper:
    """``live_q`` as a boolean column, for annotating (``is_live``)."""
    return ExpressionWrapper(live_q(prefix), output_field=BooleanField())


def is_live_at(listing: Listing, now: dt.datetime) -> bool:
    """``live_q`` in Python, for a listing just written (no query to annotate)."""
    return (
        listing.status in INDEXED_STATUSES
        and listing.published_at <= now
        and (listing.unpublish_at is None or listing.unpublish_at > now)
    )


def listing_is_live(listing: Listing) -> bool:
    """The ``is_live`` a selector annotated (the database clock), else ``is_live_at`` now."""
    flag = getattr(listing, "is_live", None)
    return is_live_at(listing, timezone.now()) if flag is None else flag


def current_status(listing: Listing) -> str:
    """The status as of now, which reads show: a due ``scheduled`` listing is ``active``, an
    active one past its ``unpublish_at`` is ``unpublished``, even before the job stores it."""
    if listing.status not in INDEXED_STATUSES:
        return listing.status
    if listing_is_live(listing):
        return ListingStatus.ACTIVE
    if listing.published_at > _now_of(listing):
        return ListingStatus.SCHEDULED
    return ListingStatus.UNPUBLISHED  # its unpublish_at has come


def _now_of(listing: Listing) -> dt.datetime:
    # The instant a not-live listing was judged at: the annotated database clock, else now.
    return getattr(listing, "db_now", None) or timezone.now()


def acquisition_listing_live(acquisition) -> bool:
    """Whether a reference's listing is live: ``acquisition_list``'s annotation, else the
    listing's own."""
    flag = getattr(acquisition, "listing_live", None)
    return listing_is_live(acquisition.listing) if flag is None else flag


def with_live(queryset):
    """Annotate ``is_live`` and ``db_now`` (the clock it was judged at) in the same query."""
    return queryset.annotate(is_live=live_expression(), db_now=DbNow())
