"""Moderation of marketplace listings by platform staff: the state machine, its audit trail and the
notices sent to publishers. The admin, the demo data and any command call these functions, so each
rule lives here once.

Allowed transitions (marketplace listings only):

========= ===================== =========== ===================================================
action    from                  to          also
========= ===================== =========== ===================================================
approve   pending_review        active      clears the moderation hold; published_at = now
                                (scheduled  while its publishAt is ahead; live at that time)
approve   active, change        active      the pending version goes live (pending_changes)
reject    pending_review        rejected    reason required; sets the hold; unfeatures;
                                            resolves open reports; emails the publisher
reject    active, change        active      reason required; the live version stays; the
                                            pending one is rejected; emails the publisher
suspend   active, scheduled     suspended   reason required; sets the hold; unfeatures;
                                            resolves open reports; emails the publisher;
                                            a waiting change is rejected with it
reinstate suspended             active      clears the moderation hold (scheduled, as approve)
feature   active, not featured  (same)
unfeature featured, any status  (same)
========= ===================== =========== ===================================================

Why these and no others:

- *Reject* refuses a submission that never went live; taking down a live listing is *suspend*
  (the publisher is told it was taken down, and reports against it are settled). So reject is only
  allowed from ``pending_review`` and suspend only from ``active``.
- A rejected listing goes back to review only when its publisher republishes it (publishing a held
  listing always yields ``pending_review``, see ``publish.status_after_publish``); staff then
  approve it. Approving straight from ``rejected`` would skip looking at the new submission.
- *Approve* and *reject* of an active listing judge its waiting change only (review of only the
  change, ``marketplace.services.pending_changes``): the live version is not in question.
- Organization listings are never moderated: they are visible to colleagues only, and publishing
  always makes them active, so a moderation status there could not hold.

Every service is keyword-only, checks that the moderator holds ``marketplace.moderate_listing``,
locks the listing row (``SELECT … FOR NO KEY UPDATE``) and decides on the locked row, writes a
``ModerationEvent`` and an audit row (with its domain event: ``listing.approved``, ``.rejected``,
``.suspended``, ``.reinstated``, to the publishing organization) in the same transaction, and
sends emails only after commit. Invalid transitions raise ``ListingModerationError`` (HTTP 409,
code ``INVALID_STATUS``, in ``marketplace.errors``).
The ``*_many`` variants (``marketplace.services.moderation_bulk``) run one transaction per object
so one refusal skips only that object, and return a ``BulkOutcome`` that counts what was done and
what was skipped, and why.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from config.errors import ForbiddenError, ValidationFailedError
from marketplace.errors import (
    ListingModerationError,
    ListingNotFoundError,
    ReportInvalidStatusError,
    ReportNotFoundError,
)
from marketplace.events import listing_event_data
from marketplace.models import (
    Listing,
    ListingStatus,
    ModerationAction,
    ModerationEvent,
    Report,
    ReportStatus,
    Scope,
)
from marketplace.services import pending_changes
from marketplace.services.moderation_notices import notify_publisher_after_commit
from marketplace.services.scheduling import go_live_status
from publishing.models import User
from publishing.services import AUDIT_ACTIONS, AuditEntry, audit_entry, audit_record_many

MODERATE_PERMISSION = "marketplace.moderate_listing"
REASON_MAX_LENGTH = 2000

# The listing actions, in the order the admin offers them.
LISTING_ACTIONS = (
    ModerationAction.APPROVE,
    ModerationAction.REJECT,
    ModerationAction.SUSPEND,
    ModerationAction.REINSTATE,
    ModerationAction.FEATURE,
    ModerationAction.UNFEATURE,
)
REPORT_ACTIONS = (ModerationAction.RESOLVE_REPORT, ModerationAction.DISMISS_REPORT)
REASON_REQUIRED = frozenset({ModerationAction.REJECT, ModerationAction.SUSPEND})

# action -> (statuses it may start from, status it leads to); feature/unfeature keep the status.
STATUS_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    ModerationAction.APPROVE: ((ListingStatus.PENDING_REVIEW,), ListingStatus.ACTIVE),
    ModerationAction.REJECT: ((ListingStatus.PENDING_REVIEW,), ListingStatus.REJECTED),
    ModerationAction.SUSPEND: (
        (ListingStatus.ACTIVE, ListingStatus.SCHEDULED),
        ListingStatus.SUSPENDED,
    ),
    ModerationAction.REINSTATE: ((ListingStatus.SUSPENDED,), ListingStatus.ACTIVE),
}
TAKEDOWN_ACTIONS = frozenset({ModerationAction.REJECT, ModerationAction.SUSPEND})
# On an active listing with a waiting change, these judge the change (pending_changes).
CHANGE_ACTIONS = frozenset({ModerationAction.APPROVE, ModerationAction.REJECT})


# --- rules ---------------------------------------------------------------------------------------
def can_moderate(user: User | None) -> bool:
    return bool(user is not None and user.is_active and user.has_perm(MODERATE_PERMISSION))


def require_moderator(user: User) -> None:
    if not can_moderate(user):
        raise ForbiddenError(
            "Only staff with the marketplace.moderate_listing permission may moderate listings."
        )


def _status_label(status: str) -> str:
    return ListingStatus(status).label.lower()


def listing_moderation_refusal(listing: Listing, action: str) -> str | None:
    """Why ``action`` is not allowed on ``listing`` right now, or None when it is.

    The admin uses this to offer only the actions that apply; the services re-check it on the
    locked row, which is the only check that counts.
    """
    if listing.scope != Scope.MARKETPLACE:
        return "not a marketplace listing"
    if action == ModerationAction.FEATURE:
        if listing.status != ListingStatus.ACTIVE:
            return f"status {_status_label(listing.status)}, only active listings can be featured"
        return "already featured" if listing.featured else None
    if action == ModerationAction.UNFEATURE:
        return None if listing.featured else "not featured"
    if action in CHANGE_ACTIONS and pending_changes.has_pending_change(listing):
        return None
    from_statuses, _ = STATUS_TRANSITIONS[action]
    if listing.status not in from_statuses:
        needed = " or ".join(_status_label(status) for status in from_statuses)
        return f"status {_status_label(listing.status)}, needs {needed}"
    return None


def clean_moderation_text(value: str | None, *, field_name: str, required: bool, what: str) -> str:
    """A moderator's reason or note, stripped; 400 when required and blank, or too long."""
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailedError.for_fields(
            {field_name: f"A {field_name} is required to {what}."}
        )
    if len(text) > REASON_MAX_LENGTH:
        raise ValidationFailedError.for_fields(
            {field_name: f"At most {REASON_MAX_LENGTH} characters."}
        )
    return text


def clean_reason(action: str, reason: str | None) -> str:
    """The reason of a listing action (required to reject or suspend)."""
    return clean_moderation_text(
        reason, field_name="reason", required=action in REASON_REQUIRED, what=f"{action} a listing"
    )


# --- records ----------------------------------------------------------------------------------
def _moderation_records(
    *,
    listing: Listing,
    moderator: User,
    action: str,
    from_status: str,
    reason: str,
    report: Report | None = None,
    details: dict | None = None,
    version: int | None = None,
) -> tuple[ModerationEvent, AuditEntry]:
    """The moderation log row and the audit entry (with its domain event, if the action has
    one) of one moderation action; the caller bulk-writes them."""
    event = ModerationEvent(
        listing=listing,
        moderator=moderator,
        action=action,
        from_status=from_status,
        to_status=listing.status,
        reason=reason,
        report=report,
        version=listing.version if version is None else version,
    )
    if report is None:
        audit_action, target_type, target_id = (
            f"marketplace.listing.{action}",
            "listing",
            listing.pk,
        )
    else:
        verb = action.removesuffix("_report")
        audit_action, target_type, target_id = f"marketplace.report.{verb}", "report", report.pk
    audit = audit_entry(
        actor=None,
        user=moderator,
        organization=listing.organization,
        action=audit_action,
        target_type=target_type,
        target_id=target_id,
        details={
            "listingId": listing.pk,
            "fromStatus": from_status,
            "toStatus": listing.status,
            "reason": reason,
            **(details or {}),
        },
        event_data=listing_event_data(listing) if AUDIT_ACTIONS[audit_action] else None,
    )
    return event, audit


# --- listing services ----------------------------------------------------------------------------
def _lock_listing(listing_id: str) -> Listing:
    # The locked row is the truth; whatever the caller showed the moderator is only a hint.
    # NO KEY: reports and acquisitions referencing the listing may still be inserted meanwhile.
    listing = (
        Listing.objects.select_for_update(no_key=True, of=("self",))
        .select_related("organization", "publisher")
        .filter(pk=listing_id)
        .first()
    )
    if listing is None:
        raise ListingNotFoundError()
    return listing


def _resolve_open_reports(
    *, listing: Listing, moderator: User, action: str, reason: str, now
) -> list[tuple[ModerationEvent, AuditEntry]]:
    """Settle every open report of a listing that moderators just took down."""
    reports = list(
        Report.objects.select_for_update(no_key=True)
        .filter(listing=listing, status=ReportStatus.OPEN)
        .order_by("pk")
    )
    rows = []
    note = f"Listing {ListingStatus(listing.status).label.lower()}: {reason}"
    for report in reports:
        report.status = ReportStatus.RESOLVED
        report.resolved_by = moderator
        report.resolved_at = now
        report.resolution_note = note
        rows.append(
            _moderation_records(
                listing=listing,
                moderator=moderator,
                action=ModerationAction.RESOLVE_REPORT,
                from_status=listing.status,
                reason=note,
                report=report,
                details={"via": action},
            )
        )
    if reports:
        Report.objects.bulk_update(
            reports, ["status", "resolved_by", "resolved_at", "resolution_note"]
        )
    return rows


def _moderate_listing(
    *, action: str, listing_id: str, moderator: User, reason: str | None, notify: bool
) -> Listing:
    require_moderator(moderator)
    reason = clean_reason(action, reason)
    listing = _lock_listing(listing_id)
    why = listing_moderation_refusal(listing, action)
    if why is not None:
        raise ListingModerationError(
            action=action, listing_id=listing.pk, why=why, status=listing.status
        )

    now = timezone.now()
    from_status = listing.status
    fields = ["updated_at"]
    details: dict = {}
    judged = pending_changes.judged_version(listing, action)
    change = action in CHANGE_ACTIONS and pending_changes.has_pending_change(listing)
    if change:  # only the change is judged: the listing stays active, with or without it
        fields += pending_changes.settle_change(
            listing, approve=action == ModerationAction.APPROVE, moderator=moderator, now=now
        )
        listing.moderation_reason = reason
        details = {"change": True, "version": judged}
    elif action in STATUS_TRANSITIONS:
        listing.status = STATUS_TRANSITIONS[action][1]
        listing.moderation_hold = action in TAKEDOWN_ACTIONS
        listing.moderation_reason = reason
        listing.moderated_by = moderator
        listing.moderated_at = now
        fields += ["status", "moderation_hold", "moderation_reason", "moderated_by", "moderated_at"]
        if action == ModerationAction.APPROVE:
            listing.published_at = now  # first time visible in the marketplace (as in publish)
            fields.append("published_at")
        if action == ModerationAction.SUSPEND:
            fields += pending_changes.drop_pending_change(listing)
        # Approved or reinstated before its publishAt: scheduled, live at the time.
        if listing.status == ListingStatus.ACTIVE:
            listing.status = go_live_status(listing, listing.status, now)
            fields.append("published_at")
    if action == ModerationAction.FEATURE:
        listing.featured = True
        fields.append("featured")
    elif action == ModerationAction.UNFEATURE:
        listing.featured = False
        fields.append("featured")
    elif action in TAKEDOWN_ACTIONS and listing.featured and not change:
        # A listing taken down does not come back featured: featuring it again is a new decision.
        listing.featured = False
        fields.append("featured")
        details["unfeatured"] = True
    listing.updated_at = now
    listing.save(update_fields=fields)

    rows = [
        _moderation_records(
            listing=listing,
            moderator=moderator,
            action=action,
            from_status=from_status,
            reason=reason,
            details=details,
            version=judged,
        )
    ]
    if action in TAKEDOWN_ACTIONS and not change:
        rows += _resolve_open_reports(
            listing=listing, moderator=moderator, action=action, reason=reason, now=now
        )
    ModerationEvent.objects.bulk_create([event for event, _ in rows])
    audit_record_many([audit for _, audit in rows])
    if action in TAKEDOWN_ACTIONS and notify:
        notify_publisher_after_commit(
            listing, action, reason, change_version=judged if change else None
        )
    return listing


@transaction.atomic
def listing_approve(*, listing_id: str, moderator: User, reason: str = "") -> Listing:
    """``pending_review`` → ``active``; clears the moderation hold. ``reason`` is optional.

    On an active listing with a waiting change: the change goes live (``listing.approved``, and
    ``reference.source_updated`` to holders of references)."""
    return _moderate_listing(
        action=ModerationAction.APPROVE,
        listing_id=listing_id,
        moderator=moderator,
        reason=reason,
        notify=False,
    )


@transaction.atomic
def listing_reject(
    *, listing_id: str, moderator: User, reason: str, notify: bool = True
) -> Listing:
    """``pending_review`` → ``rejected`` with a reason the publisher sees; emails them.

    On an active listing with a waiting change: only the change is rejected, the live version
    stays (the listing stays active)."""
    return _moderate_listing(
        action=ModerationAction.REJECT,
        listing_id=listing_id,
        moderator=moderator,
        reason=reason,
        notify=notify,
    )


@transaction.atomic
def listing_suspend(
    *, listing_id: str, moderator: User, reason: str, notify: bool = True
) -> Listing:
    """``active`` → ``suspended``; resolves the listing's open reports; emails the publisher."""
    return _moderate_listing(
        action=ModerationAction.SUSPEND,
        listing_id=listing_id,
        moderator=moderator,
        reason=reason,
        notify=notify,
    )


@transaction.atomic
def listing_reinstate(*, listing_id: str, moderator: User, reason: str = "") -> Listing:
    """``suspended`` → ``active``; clears the moderation hold."""
    return _moderate_listing(
        action=ModerationAction.REINSTATE,
        listing_id=listing_id,
        moderator=moderator,
        reason=reason,
        notify=False,
    )


@transaction.atomic
def listing_feature(*, listing_id: str, moderator: User, reason: str = "") -> Listing:
    """Feature an active marketplace listing (shown first in browse)."""
    return _moderate_listing(
        action=ModerationAction.FEATURE,
        listing_id=listing_id,
        moderator=moderator,
        reason=reason,
        notify=False,
    )


@transaction.atomic
def listing_unfeature(*, listing_id: str, moderator: User, reason: str = "") -> Listing:
    """Stop featuring a listing, whatever its status."""
    return _moderate_listing(
        action=ModerationAction.UNFEATURE,
        listing_id=listing_id,
        moderator=moderator,
        reason=reason,
        notify=False,
    )


LISTING_SERVICES: dict[str, Callable[..., Listing]] = {
    ModerationAction.APPROVE: listing_approve,
    ModerationAction.REJECT: listing_reject,
    ModerationAction.SUSPEND: listing_suspend,
    ModerationAction.REINSTATE: listing_reinstate,
    ModerationAction.FEATURE: listing_feature,
    ModerationAction.UNFEATURE: listing_unfeature,
}


# --- report services -----------------------------------------------------------------------------
@transaction.atomic
def _settle_report(*, action: str, report_id: str, moderator: User, note: str) -> Report:
    require_moderator(moderator)
    note = clean_moderation_text(note, field_name="note", required=True, what="settle a report")
    listing_id = Report.objects.filter(pk=report_id).values_list("listing_id", flat=True).first()
    if listing_id is None:
        raise ReportNotFoundError()
    # Parents before children, as listing_suspend does: listing row first, then the report.
    listing = _lock_listing(listing_id)
    report = Report.objects.select_for_update(no_key=True).get(pk=report_id)
    if report.status != ReportStatus.OPEN:
        raise ReportInvalidStatusError(action=action, report_id=report.pk, status=report.status)
    report.status = (
        ReportStatus.RESOLVED
        if action == ModerationAction.RESOLVE_REPORT
        else ReportStatus.DISMISSED
    )
    report.resolved_by = moderator
    report.resolved_at = timezone.now()
    report.resolution_note = note
    report.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note"])
    event, audit = _moderation_records(
        listing=listing,
        moderator=moderator,
        action=action,
        from_status=listing.status,
        reason=note,
        report=report,
        details={"reportReason": report.reason},
    )
    event.save()
    audit_record_many([audit])
    return report


def report_resolve(*, report_id: str, moderator: User, note: str) -> Report:
    """Close an open report as acted upon (the note says what was done)."""
    return _settle_report(
        action=ModerationAction.RESOLVE_REPORT, report_id=report_id, moderator=moderator, note=note
    )


def report_dismiss(*, report_id: str, moderator: User, note: str) -> Report:
    """Close an open report as unfounded (the note says why)."""
    return _settle_report(
        action=ModerationAction.DISMISS_REPORT, report_id=report_id, moderator=moderator, note=note
    )


REPORT_SERVICES: dict[str, Callable[..., Report]] = {
    ModerationAction.RESOLVE_REPORT: report_resolve,
    ModerationAction.DISMISS_REPORT: report_dismiss,
}
