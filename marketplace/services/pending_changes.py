"""Review of only the change: with review required, a changed active marketplace listing keeps
its approved version live while the new one waits for a moderator.

A listing's ``snapshot_*`` and display fields are always its live version (``version``); a
change waiting for review is a ``ListingVersion`` with ``review = pending`` that
``listing.pending_version`` points to. Consumers (browse, detail, acquire, references, pins)
only ever read the live fields or ``published`` versions, so nothing of a pending change reaches
them.

Review states of a version (``ReviewState``) and who moves them:

========= ============================================ ===========================================
state     how a version gets there                     what it means
========= ============================================ ===========================================
published a publish that goes live at once; approval   live now or earlier; references may pin it
pending   a changed republish of an active, un-held    waits as ``pendingVersion``; one per
          marketplace listing with review required     listing (a partial unique constraint)
rejected  a moderator rejects the change, or suspends  never live; the reason is on the listing
          the listing while it waits                   and in the ModerationEvent
replaced  the publisher republishes again (a newer     never live; superseded before review
          change, back to the live one, or a publish
          that does not go to review), unpublishes,
          or an edit through a reference goes live
========= ============================================ ===========================================

Why these and no others: a version is immutable; only its review state moves, once, out of
``pending`` (the database trigger refuses any other update). A listing on moderation hold, a new
listing and a listing that is not active have nothing live to keep, so they go to
``pending_review`` as before (``publish.status_after_publish``): only a change of something live is
reviewed as a change. Suspension takes the whole listing down, so the waiting change goes with it.

Every function here runs under the listing's row lock, held by its caller (the publish core or a
moderation service).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from marketplace.models import Listing, ListingStatus, ListingVersion, ReviewState, Scope
from marketplace.services.references import notify_reference_holders
from marketplace.services.versions import VERSIONED_FIELDS, allocate_version_number, versioned_state
from publishing.models import User


@dataclass
class HeldChange:
    """What a publish did to a listing's pending change: ``new`` (unsaved) waits for review,
    ``withdrawn`` (a version id) is replaced; ``changed`` says whether anything moved at all."""

    listing: Listing
    new: ListingVersion | None = None
    withdrawn: int | None = None

    @property
    def changed(self) -> bool:
        return self.new is not None or self.withdrawn is not None


def changes_need_review(listing: Listing | None, scope: str) -> bool:
    """True when a changed publish of ``listing`` is held as a pending change."""
    return (
        listing is not None
        and scope == Scope.MARKETPLACE
        and settings.MARKETPLACE_REQUIRE_REVIEW
        and listing.status == ListingStatus.ACTIVE
        and not listing.moderation_hold
    )


def has_pending_change(listing: Listing) -> bool:
    """An active listing with a change waiting: approve and reject judge the change."""
    return listing.status == ListingStatus.ACTIVE and listing.pending_version_id is not None


def load_pending_versions(listings: Iterable[Listing]) -> None:
    """Attach each listing's pending version, one query for all (none when no listing has one),
    so the publish core and the event builders read them without a query per listing."""
    waiting = {listing.pending_version_id: listing for listing in listings}
    waiting.pop(None, None)
    if waiting:
        for version in ListingVersion.objects.filter(pk__in=list(waiting)):
            waiting[version.pk].pending_version = version


def hold_change(
    listing: Listing | None, *, scope: str, before: tuple | None, now: dt.datetime
) -> HeldChange | None:
    """Called by the publish core once the item's snapshot and metadata are on ``listing``.

    When the change must be reviewed, the live fields are put back (``before``) and the new state
    becomes a pending version (replacing a waiting one; nothing when it equals the waiting one;
    a withdrawal when it equals the live one). A publish that goes live or to full review
    withdraws a waiting change instead. ``None``: nothing to do with pending changes.
    """
    if listing is None:
        return None
    pending = listing.pending_version if listing.pending_version_id else None
    if not changes_need_review(listing, scope):
        return HeldChange(listing, withdrawn=pending.pk) if pending is not None else None
    state = versioned_state(listing)
    if state == before:
        return HeldChange(listing, withdrawn=pending.pk) if pending is not None else None
    for field, value in zip(VERSIONED_FIELDS, before, strict=True):
        setattr(listing, field, value)  # the live version stays on the listing
    if pending is not None and versioned_state(pending) == state:
        return HeldChange(listing)  # the same change is already waiting
    new = ListingVersion(
        listing=listing,
        number=allocate_version_number(listing),
        created_at=now,
        review=ReviewState.PENDING,
        **dict(zip(VERSIONED_FIELDS, state, strict=True)),
    )
    return HeldChange(listing, new=new, withdrawn=pending.pk if pending is not None else None)


def record_held_changes(changes: Iterable[HeldChange]) -> None:
    """Write what ``hold_change`` decided, before the listings' upsert: withdrawn versions are
    ``replaced`` (first, so the one-pending constraint holds), new ones inserted; each listing's
    ``pending_version`` is set for the upsert to write. Two statements at most."""
    changes = [change for change in changes if change.changed]
    withdrawn = [change.withdrawn for change in changes if change.withdrawn is not None]
    if withdrawn:
        ListingVersion.objects.filter(pk__in=withdrawn).settle_review(ReviewState.REPLACED)
    new = [change.new for change in changes if change.new is not None]
    if new:
        ListingVersion.objects.bulk_create(new)
    for change in changes:
        change.listing.pending_version = change.new


# --- moderation ----------------------------------------------------------------------------------
def judged_version(listing: Listing, action: str) -> int:
    """The number of the version a moderation decision judges: a waiting change for approve and
    reject, else the live version."""
    if action in ("approve", "reject") and has_pending_change(listing):
        return _pending(listing).number
    return listing.version


def _pending(listing: Listing) -> ListingVersion:
    return listing.pending_version  # one query unless attached; the listing lock covers it


def settle_change(
    listing: Listing, *, approve: bool, moderator: User, now: dt.datetime
) -> list[str]:
    """A moderator's decision on the waiting change (``approve_change`` or ``reject_change``),
    recorded on the listing; returns the listing fields to save (the caller adds the reason)."""
    fields = approve_change(listing) if approve else reject_change(listing)
    listing.moderated_by = moderator
    listing.moderated_at = now
    return [*fields, "moderation_reason", "moderated_by", "moderated_at"]


def approve_change(listing: Listing) -> list[str]:
    """Make the waiting change live: its fields onto the listing, ``version`` = its number, the
    version ``published``; holders of references get ``reference.source_updated``. Returns the
    listing fields to save."""
    pending = _pending(listing)
    from_version = listing.version
    for field in VERSIONED_FIELDS:
        setattr(listing, field, getattr(pending, field))
    listing.version = pending.number
    listing.pending_version = None
    ListingVersion.objects.filter(pk=pending.pk).settle_review(ReviewState.PUBLISHED)
    pending.listing = listing
    notify_reference_holders([pending], previous={listing.pk: from_version})
    return [*VERSIONED_FIELDS, "version", "pending_version"]


def reject_change(listing: Listing) -> list[str]:
    """Refuse the waiting change; the live version stays. Returns the listing fields to save."""
    ListingVersion.objects.filter(pk=listing.pending_version_id).settle_review(ReviewState.REJECTED)
    listing.pending_version = None
    return ["pending_version"]


def withdraw_pending_changes(listings: Iterable[Listing]) -> None:
    """Unpublishing, or a new live version made by an edit through a reference, supersedes a
    waiting change (``replaced``): one statement for all (none when nothing waits); the caller
    saves ``pending_version``."""
    waiting = [listing for listing in listings if listing.pending_version_id is not None]
    if not waiting:
        return
    ids = [listing.pending_version_id for listing in waiting]
    ListingVersion.objects.filter(pk__in=ids).settle_review(ReviewState.REPLACED)
    for listing in waiting:
        listing.pending_version = None


def drop_pending_change(listing: Listing) -> list[str]:
    """Suspension takes the whole listing down, its waiting change with it (``rejected``)."""
    if listing.pending_version_id is None:
        return []
    ListingVersion.objects.filter(pk=listing.pending_version_id).settle_review(ReviewState.REJECTED)
    listing.pending_version = None
    return ["pending_version"]
