"""The moderation services: transitions, hold, reports, audit rows, emails, permissions, bulk."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection, transaction

from config.errors import ForbiddenError, InvalidStatusError, ValidationFailedError
from marketplace import moderation
from marketplace.errors import (
    ListingModerationError,
    ListingNotFoundError,
    ReportInvalidStatusError,
)
from marketplace.models import Listing, ModerationEvent, Report
from publishing.models import AuditEvent
from tests.conftest import bearer_client
from tests.factories import OrganizationFactory, UserFactory
from tests.marketplace.conftest import both_scopes
from tests.marketplace.moderation_helpers import (
    make_listing,
    make_report,
    make_staff_viewer,
)

STATUSES = ["active", "pending_review", "rejected", "suspended", "unpublished"]
# action -> {starting status: resulting status}; every other status is refused.
ALLOWED = {
    "approve": {"pending_review": "active"},
    "reject": {"pending_review": "rejected"},
    "suspend": {"active": "suspended"},
    "reinstate": {"suspended": "active"},
    "feature": {"active": "active"},
    "unfeature": {status: status for status in STATUSES},  # any featured listing
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.25 s per user; these tests create many users and check no passwords
    # (the browser test logs in, with the same hasher on both sides).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run(action: str, listing: Listing, moderator, reason: str = "Because."):
    return moderation.LISTING_SERVICES[action](
        listing_id=listing.pk, moderator=moderator, reason=reason
    )


@pytest.mark.django_db
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", list(ALLOWED))
def test_every_action_from_every_status(action, status, org, editor, moderator):
    listing = make_listing(editor, org, status=status, featured=action == "unfeature")
    expected = ALLOWED[action].get(status)
    if expected is None:
        with pytest.raises(ListingModerationError) as exc_info:
            run(action, listing, moderator)
        assert exc_info.value.code == "INVALID_STATUS"
        assert exc_info.value.status_code == 409
        assert exc_info.value.details["status"] == status
        listing.refresh_from_db()
        assert listing.status == status
        assert not ModerationEvent.objects.exists()
        assert not AuditEvent.objects.filter(action__startswith="marketplace.listing.").exclude(
            action="marketplace.listing.publish"
        )
        return
    run(action, listing, moderator)
    listing.refresh_from_db()
    assert listing.status == expected
    if action == "feature":
        assert listing.featured
    if action == "unfeature":
        assert not listing.featured
    event = ModerationEvent.objects.get()
    assert (event.action, event.from_status, event.to_status, event.moderator) == (
        action,
        status,
        expected,
        moderator,
    )
    audit = AuditEvent.objects.get(action=f"marketplace.listing.{action}")
    assert audit.actor_user == moderator
    assert audit.organization == org
    assert (audit.target_type, audit.target_id) == ("listing", listing.pk)
    assert audit.details["fromStatus"] == status
    assert audit.details["toStatus"] == expected


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["approve", "reject", "suspend", "reinstate", "feature"])
def test_organization_listings_are_not_moderated(action, org, editor, moderator):
    status = {"approve": "pending_review", "reject": "pending_review", "reinstate": "suspended"}
    listing = make_listing(editor, org, scope="organization", status=status.get(action, "active"))
    with pytest.raises(ListingModerationError, match="not a marketplace listing"):
        run(action, listing, moderator)


@pytest.mark.django_db
def test_reject_records_the_reason_holds_the_listing_and_republishing_resubmits_it(
    org, editor, moderator
):
    listing = make_listing(editor, org, status="pending_review", featured=True)
    moderation.listing_reject(
        listing_id=listing.pk, moderator=moderator, reason="  Misleading claims.  "
    )
    listing.refresh_from_db()
    assert listing.status == "rejected"
    assert listing.moderation_hold is True
    assert listing.moderation_reason == "Misleading claims."
    assert listing.moderated_by == moderator
    assert listing.moderated_at is not None
    assert listing.featured is False  # taken down: featuring again is a new decision
    assert ModerationEvent.objects.get().reason == "Misleading claims."

    # The publisher republishes: back to review, never straight to active.
    body = both_scopes(listing.prompt_id)
    body["scopes"]["marketplace"]["isContentVisible"] = True
    response = bearer_client(editor).post("/api/marketplace/publish", body, format="json")
    assert response.status_code == 200, response.json()
    listing.refresh_from_db()
    assert listing.status == "pending_review"

    moderation.listing_approve(listing_id=listing.pk, moderator=moderator)
    listing.refresh_from_db()
    assert (listing.status, listing.moderation_hold, listing.moderation_reason) == (
        "active",
        False,
        "",
    )


@pytest.mark.django_db
def test_approve_makes_the_listing_newest(org, editor, moderator):
    listing = make_listing(editor, org, status="pending_review")
    before = listing.published_at
    moderation.listing_approve(listing_id=listing.pk, moderator=moderator, reason="Looks good")
    listing.refresh_from_db()
    assert listing.published_at > before
    assert listing.moderation_reason == "Looks good"


@pytest.mark.django_db
def test_suspend_and_reinstate_keep_the_hold_until_staff_lift_it(org, editor, moderator):
    listing = make_listing(editor, org)
    moderation.listing_suspend(listing_id=listing.pk, moderator=moderator, reason="Reported")
    listing.refresh_from_db()
    assert (listing.status, listing.moderation_hold) == ("suspended", True)
    moderation.listing_reinstate(listing_id=listing.pk, moderator=moderator)
    listing.refresh_from_db()
    assert (listing.status, listing.moderation_hold) == ("active", False)
    assert list(
        ModerationEvent.objects.order_by("pk").values_list("action", "from_status", "to_status")
    ) == [("suspend", "active", "suspended"), ("reinstate", "suspended", "active")]


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["reject", "suspend"])
@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reject_and_suspend_need_a_reason(action, reason, org, editor, moderator):
    listing = make_listing(editor, org, status="pending_review" if action == "reject" else "active")
    with pytest.raises(ValidationFailedError) as exc_info:
        run(action, listing, moderator, reason=reason)
    assert "reason" in exc_info.value.details["fields"]
    listing.refresh_from_db()
    assert listing.moderation_hold is False
    assert not ModerationEvent.objects.exists()


@pytest.mark.django_db
def test_reason_length_is_limited(org, editor, moderator):
    listing = make_listing(editor, org, status="pending_review")
    with pytest.raises(ValidationFailedError):
        run("reject", listing, moderator, reason="x" * 2001)


@pytest.mark.django_db
def test_suspend_resolves_the_open_reports(org, editor, moderator, stranger, other_org):
    listing = make_listing(editor, org, featured=True)
    third_org = OrganizationFactory()
    open_one = make_report(listing, other_org, stranger)
    open_two = make_report(listing, third_org, UserFactory(), reason="offensive")
    dismissed = make_report(listing, org, editor, status="dismissed")
    moderation.listing_suspend(listing_id=listing.pk, moderator=moderator, reason="Spam flood")

    for report in (open_one, open_two):
        report.refresh_from_db()
        assert report.status == "resolved"
        assert report.resolved_by == moderator
        assert report.resolved_at is not None
        assert report.resolution_note == "Listing suspended: Spam flood"
    dismissed.refresh_from_db()
    assert dismissed.status == "dismissed"
    assert dismissed.resolved_by is None
    events = list(ModerationEvent.objects.order_by("pk"))
    assert (events[0].action, events[0].report_id) == ("suspend", None)
    assert {(e.action, e.report_id) for e in events[1:]} == {
        ("resolve_report", open_one.pk),
        ("resolve_report", open_two.pk),
    }
    assert AuditEvent.objects.filter(action="marketplace.report.resolve").count() == 2
    suspend_audit = AuditEvent.objects.get(action="marketplace.listing.suspend")
    assert suspend_audit.details["unfeatured"] is True


@pytest.mark.django_db
def test_reject_also_settles_open_reports(org, editor, moderator, stranger, other_org):
    """A live, reported listing resubmitted with changes and then rejected: reports resolved."""
    listing = make_listing(editor, org, status="pending_review")
    report = make_report(listing, other_org, stranger)
    moderation.listing_reject(listing_id=listing.pk, moderator=moderator, reason="Still spam")
    report.refresh_from_db()
    assert (report.status, report.resolution_note) == ("resolved", "Listing rejected: Still spam")
    assert ModerationEvent.objects.filter(action="resolve_report", report=report).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "status", "subject"),
    [
        ("reject", "pending_review", "was not approved"),
        ("suspend", "active", "has been suspended"),
    ],
)
def test_reject_and_suspend_email_the_publisher_after_commit(
    action, status, subject, org, editor, moderator, django_capture_on_commit_callbacks
):
    listing = make_listing(editor, org, status=status, name="Inbound triage")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run(action, listing, moderator, reason="Contains phishing links.")
        assert mail.outbox == []  # nothing is sent before the commit
    assert len(callbacks) == 1
    (message,) = mail.outbox
    assert message.to == [editor.email]
    assert subject in message.subject
    assert "Inbound triage" in message.subject
    assert "Contains phishing links." in message.body
    assert listing.pk in message.body
    assert moderator.email not in message.body  # moderators stay anonymous


@pytest.mark.django_db
def test_no_email_for_a_rolled_back_decision(
    org, editor, moderator, django_capture_on_commit_callbacks
):
    listing = make_listing(editor, org, status="pending_review")

    def reject_then_fail():
        with transaction.atomic():
            run("reject", listing, moderator)
            raise RuntimeError("the caller failed later")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        reject_then_fail()
    assert callbacks == []
    assert mail.outbox == []
    listing.refresh_from_db()
    assert listing.status == "pending_review"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "status"),
    [("approve", "pending_review"), ("reinstate", "suspended"), ("feature", "active")],
)
def test_other_actions_send_no_email(
    action, status, org, editor, moderator, django_capture_on_commit_callbacks
):
    listing = make_listing(editor, org, status=status)
    with django_capture_on_commit_callbacks(execute=True):
        run(action, listing, moderator)
    assert mail.outbox == []


@pytest.mark.django_db
def test_notify_false_sends_nothing(org, editor, moderator, django_capture_on_commit_callbacks):
    listing = make_listing(editor, org)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.listing_suspend(
            listing_id=listing.pk, moderator=moderator, reason="Demo", notify=False
        )
    assert mail.outbox == []


@pytest.mark.django_db
def test_only_holders_of_the_permission_may_moderate(org, editor, owner, moderator):
    listing = make_listing(editor, org, status="pending_review")
    staff_viewer = make_staff_viewer()
    moderator.is_active = False
    for user in (staff_viewer, owner, editor, moderator):
        with pytest.raises(ForbiddenError):
            moderation.listing_approve(listing_id=listing.pk, moderator=user)
        with pytest.raises(ForbiddenError):
            moderation.listing_moderate_many(
                action="approve", listing_ids=[listing.pk], moderator=user
            )
    listing.refresh_from_db()
    assert listing.status == "pending_review"
    assert not ModerationEvent.objects.exists()


@pytest.mark.django_db
def test_superusers_may_moderate(org, editor):
    listing = make_listing(editor, org, status="pending_review")
    root = UserFactory(is_staff=True, is_superuser=True)
    moderation.listing_approve(listing_id=listing.pk, moderator=root)
    listing.refresh_from_db()
    assert listing.status == "active"


@pytest.mark.django_db
def test_missing_listing_is_not_found(moderator):
    with pytest.raises(ListingNotFoundError):
        moderation.listing_approve(listing_id="0" * 24, moderator=moderator)


@pytest.mark.django_db
def test_bulk_skips_invalid_listings_and_says_why(org, editor, moderator):
    pending = [make_listing(editor, org, status="pending_review") for _ in range(2)]
    active = make_listing(editor, org, status="active")
    rejected = make_listing(editor, org, status="rejected")
    org_scope = make_listing(editor, org, scope="organization", status="active")
    missing = "f" * 24
    ids = [listing.pk for listing in (*pending, active, rejected, org_scope)] + [missing]

    outcome = moderation.listing_moderate_many(
        action="approve", listing_ids=ids, moderator=moderator
    )

    assert sorted(outcome.done) == sorted(listing.pk for listing in pending)
    assert outcome.skipped == {
        "status active, needs pending review": [active.pk],
        "status rejected, needs pending review": [rejected.pk],
        "not a marketplace listing": [org_scope.pk],
        "not found": [missing],
    }
    assert outcome.skipped_count == 4
    summary = outcome.summary(verb="Approved", noun="listing")
    assert summary.startswith("Approved 2 listings. Skipped 4: ")
    assert "status active, needs pending review (1)" in summary
    assert ModerationEvent.objects.filter(action="approve").count() == 2
    assert Listing.objects.filter(status="active", scope="marketplace").count() == 3


@pytest.mark.django_db
def test_bulk_reject_checks_the_reason_before_touching_anything(org, editor, moderator):
    listing = make_listing(editor, org, status="pending_review")
    with pytest.raises(ValidationFailedError):
        moderation.listing_moderate_many(
            action="reject", listing_ids=[listing.pk], moderator=moderator, reason=" "
        )
    with pytest.raises(ValidationFailedError):
        moderation.listing_moderate_many(
            action="explode", listing_ids=[listing.pk], moderator=moderator
        )
    listing.refresh_from_db()
    assert listing.status == "pending_review"


@pytest.mark.django_db
def test_bulk_reject_emails_each_publisher(
    org, editor, editor2, moderator, django_capture_on_commit_callbacks
):
    first = make_listing(editor, org, status="pending_review")
    second = make_listing(editor2, org, status="pending_review")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = moderation.listing_moderate_many(
            action="reject", listing_ids=[first.pk, second.pk], moderator=moderator, reason="No"
        )
    assert len(outcome.done) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([editor.email, editor2.email])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "status"), [("resolve_report", "resolved"), ("dismiss_report", "dismissed")]
)
def test_reports_are_resolved_or_dismissed_once_with_a_note(
    action, status, org, editor, moderator, stranger, other_org
):
    listing = make_listing(editor, org)
    report = make_report(listing, other_org, stranger)
    with pytest.raises(ValidationFailedError):
        moderation.REPORT_SERVICES[action](report_id=report.pk, moderator=moderator, note="")

    moderation.REPORT_SERVICES[action](report_id=report.pk, moderator=moderator, note="Checked")
    report.refresh_from_db()
    assert (report.status, report.resolved_by, report.resolution_note) == (
        status,
        moderator,
        "Checked",
    )
    event = ModerationEvent.objects.get()
    assert (event.action, event.report, event.from_status, event.to_status) == (
        action,
        report,
        "active",
        "active",
    )
    verb = action.removesuffix("_report")
    audit = AuditEvent.objects.get(action=f"marketplace.report.{verb}")
    assert (audit.target_type, audit.target_id, audit.actor_user) == (
        "report",
        report.pk,
        moderator,
    )
    assert audit.details["listingId"] == listing.pk

    with pytest.raises(ReportInvalidStatusError) as exc_info:
        moderation.report_resolve(report_id=report.pk, moderator=moderator, note="Again")
    assert exc_info.value.code == "INVALID_STATUS"
    assert isinstance(exc_info.value, InvalidStatusError)
    listing.refresh_from_db()
    assert listing.status == "active"  # settling a report does not touch the listing


@pytest.mark.django_db
def test_settling_reports_needs_the_permission(org, editor, stranger, other_org):
    report = make_report(make_listing(editor, org), other_org, stranger)
    with pytest.raises(ForbiddenError):
        moderation.report_dismiss(report_id=report.pk, moderator=make_staff_viewer(), note="x")
    report.refresh_from_db()
    assert report.status == "open"


@pytest.mark.django_db
def test_bulk_report_settling_skips_closed_ones(org, editor, moderator, stranger, other_org):
    listing = make_listing(editor, org)
    open_report = make_report(listing, other_org, stranger)
    closed = make_report(listing, org, editor, status="resolved")
    outcome = moderation.report_settle_many(
        action="dismiss_report",
        report_ids=[open_report.pk, closed.pk, "a" * 24],
        moderator=moderator,
        note="Not spam",
    )
    assert outcome.done == [open_report.pk]
    assert outcome.skipped == {"already resolved": [closed.pk], "not found": ["a" * 24]}
    assert Report.objects.get(pk=open_report.pk).status == "dismissed"


@pytest.mark.django_db
def test_publisher_sees_the_rejection_in_my_published(org, editor, moderator):
    listing = make_listing(editor, org, status="pending_review")
    moderation.listing_reject(listing_id=listing.pk, moderator=moderator, reason="Off-topic")
    response = bearer_client(editor).get("/api/marketplace/my-published?status=rejected")
    assert response.status_code == 200, response.json()
    (entry,) = response.json()["data"]["items"]
    assert entry["id"] == listing.pk
    assert entry["status"] == "rejected"
    assert entry["moderation"]["reason"] == "Off-topic"
    assert entry["moderation"]["moderatedAt"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_approve_once(org, editor):
    """Two moderators approve the same listing at once: the row lock lets one win."""
    listing = make_listing(editor, org, status="pending_review")
    moderators = [UserFactory(is_staff=True, is_superuser=True) for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list[str] = []

    def approve(user):
        try:
            barrier.wait()
            moderation.listing_approve(listing_id=listing.pk, moderator=user)
            results.append("approved")
        except ListingModerationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(user,)) for user in moderators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["approved", "refused"]
    assert ModerationEvent.objects.filter(listing=listing).count() == 1
