"""Scheduled listings: per-scope ``publish_at`` / ``unpublish_at``, and the job that stores what
reads already show.

Reads decide by the clock (``marketplace.visibility``); this module only validates and records
the times, and persists the transitions:

| stored status          | when                  | becomes         | event                   |
|------------------------|-----------------------|-----------------|-------------------------|
| ``scheduled``          | ``publish_at`` ≤ now   | ``active``      | ``listing.published``   |
| ``active``/``scheduled`` | ``unpublish_at`` ≤ now | ``unpublished`` | ``listing.unpublished`` |

Why these and no others: ``pending_review`` waits for staff (approving before the time makes it
``scheduled``, after the time ``active``); rejected, suspended and unpublished listings are not
live, so their times change nothing until they are published again.

Setting a time defers one ``marketplace.run_listing_schedule`` job at it (``schedule_at``) in the
caller's transaction; the periodic ``marketplace.sweep_listing_schedules`` is the backstop for
lost jobs. ``listing_schedule_run`` locks the row and checks the stored status and times, so the
job and the sweep racing (or a job for a time since changed) make one transition and one event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config.jobs import defer_jobs_at
from marketplace.events import listing_event_data
from marketplace.models import INDEXED_STATUSES, Listing, ListingStatus
from marketplace.visibility import is_live_at
from publishing.services import audit_record

RUN_TASK = "marketplace.run_listing_schedule"
SWEEP_TASK = "marketplace.sweep_listing_schedules"
QUEUE = "marketplace"
MAX_AHEAD = dt.timedelta(days=365)
SWEEP_BATCH = 500


class _Unset:
    """Not stated in the request: the listing keeps its time."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass(frozen=True)
class ScheduleRequest:
    """What a request states about one scope's times: ``UNSET`` keeps, ``None`` clears."""

    publish_at: dt.datetime | _Unset | None = UNSET
    unpublish_at: dt.datetime | _Unset | None = UNSET

    @property
    def stated(self) -> bool:
        return self.publish_at is not UNSET or self.unpublish_at is not UNSET


NO_CHANGE = ScheduleRequest()


def resolve_schedule(
    listing: Listing | None, requested: ScheduleRequest, now: dt.datetime
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The times a listing ends up with: stated, else kept. A kept time that has passed is
    dropped (it happened; keeping a past ``unpublish_at`` would hide a republished listing)."""

    def pick(name: str) -> dt.datetime | None:
        value = getattr(requested, name)
        if value is not UNSET:
            return value
        kept = getattr(listing, name, None) if listing is not None else None
        return kept if kept is not None and kept > now else None

    return pick("publish_at"), pick("unpublish_at")


def schedule_errors(
    *,
    listing: Listing | None,
    requested: ScheduleRequest,
    resolved: tuple[dt.datetime | None, dt.datetime | None],
    now: dt.datetime,
    prefix: str = "",
) -> dict[str, list[str]]:
    """Field errors (``{prefix}publishAt``…) for the stated times and the pair they make."""
    errors: dict[str, list[str]] = {}
    publish_at, unpublish_at = resolved
    for name, field in (("publishAt", "publish_at"), ("unpublishAt", "unpublish_at")):
        value = getattr(requested, field)
        if value is UNSET or value is None:
            continue
        if value <= now:
            errors.setdefault(prefix + name, []).append("Must be in the future.")
        elif value > now + MAX_AHEAD:
            errors.setdefault(prefix + name, []).append("Must be at most one year ahead.")
    if publish_at and unpublish_at and unpublish_at <= publish_at:
        errors.setdefault(prefix + "unpublishAt", []).append("Must be after publishAt.")
    stated_publish = requested.publish_at
    if (
        stated_publish is not UNSET
        and stated_publish is not None
        and listing is not None
        and is_live_at(listing, now)
    ):
        errors.setdefault(prefix + "publishAt", []).append(
            "The listing is already live: unpublish it first to schedule its go-live "
            "(unpublishAt alone may be set on a live listing)."
        )
    return errors


def apply_schedule(
    listing: Listing,
    status: str,
    resolved: tuple[dt.datetime | None, dt.datetime | None],
    now: dt.datetime,
) -> tuple[str, bool]:
    """Store the times; a listing that would go ``active`` before its ``publish_at`` is
    ``scheduled`` instead, with ``published_at = publish_at`` (browse's index range relies on
    it). Returns the status and whether the times changed."""
    publish_at, unpublish_at = resolved
    changed = (listing.publish_at, listing.unpublish_at) != (publish_at, unpublish_at)
    listing.publish_at, listing.unpublish_at = publish_at, unpublish_at
    return go_live_status(listing, status, now), changed


def go_live_status(listing: Listing, status: str, now: dt.datetime) -> str:
    """``active`` → ``scheduled`` while ``publish_at`` is ahead (setting ``published_at`` to it);
    a ``scheduled`` listing whose time was cleared or has come goes ``active`` now."""
    if status in INDEXED_STATUSES and listing.publish_at is not None and listing.publish_at > now:
        listing.published_at = listing.publish_at
        return ListingStatus.SCHEDULED
    if status == ListingStatus.SCHEDULED:
        if listing.published_at > now:
            listing.published_at = now
        return ListingStatus.ACTIVE
    return status


def defer_schedule_jobs(listings: Iterable[Listing], now: dt.datetime | None = None) -> None:
    """One job per (listing, future time), in the caller's transaction, in one insert whatever
    the count. Callers pass the listings whose times changed; jobs for times since changed find
    nothing due and do nothing."""
    now = now or timezone.now()
    items = [
        ({"listing_id": listing.pk, "transition": transition}, at)
        for listing in listings
        for transition in ("publish", "unpublish")
        if (at := getattr(listing, f"{transition}_at")) is not None and at > now
    ]
    defer_jobs_at(RUN_TASK, queue=QUEUE, items=items)


@transaction.atomic
def listing_schedule_run(
    *, listing_id: str, transition: str, now: dt.datetime | None = None
) -> str:
    """Store one due transition of a listing, once: ``done``, or why nothing ran (``missing``,
    ``not_due``, ``finished``: the stored status already moved on)."""
    now = now or timezone.now()
    listing = (
        Listing.objects.select_for_update(no_key=True, of=("self",))
        .select_related("organization")
        .filter(pk=listing_id)
        .first()
    )
    if listing is None:
        return "missing"
    ran = False
    # Publish first: a listing whose two times both passed while no worker ran ends unpublished.
    if listing.status == ListingStatus.SCHEDULED:
        if listing.publish_at is not None and listing.publish_at <= now:
            _store(listing, ListingStatus.ACTIVE, "schedule_publish", now)
            ran = True
        elif transition == "publish":
            return "not_due"
    if (
        (transition == "unpublish" or ran)
        and listing.status in INDEXED_STATUSES
        and listing.unpublish_at is not None
    ):
        if listing.unpublish_at <= now:
            _store(listing, ListingStatus.UNPUBLISHED, "schedule_unpublish", now)
            ran = True
        elif not ran:
            return "not_due"
    return "done" if ran else "finished"


def _store(listing: Listing, status: str, verb: str, now: dt.datetime) -> None:
    previous = listing.status
    listing.status = status
    listing.updated_at = now
    listing.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=None,
        organization=listing.organization,
        action=f"marketplace.listing.{verb}",
        target_type="listing",
        target_id=listing.pk,
        details={
            "scope": listing.scope,
            "previousStatus": previous,
            "publishAt": _iso(listing.publish_at),
            "unpublishAt": _iso(listing.unpublish_at),
        },
        event_data=listing_event_data(listing),
    )


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def listing_schedule_sweep(*, now: dt.datetime | None = None) -> int:
    """The backstop of lost jobs: store every due transition (each listing in its own
    transaction). Reads the two small partial indexes. Returns how many listings moved."""
    now = now or timezone.now()
    due = list(
        Listing.objects.filter(
            Q(status=ListingStatus.SCHEDULED, publish_at__lte=now)
            | Q(status__in=INDEXED_STATUSES, unpublish_at__lte=now)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    ran = 0
    for pk in due:
        ran += listing_schedule_run(listing_id=pk, transition="unpublish", now=now) == "done"
    return ran
