"""The moderation admin through Django's test client: who may enter, look and act; the listings
queue, the intermediate reason page, single and bulk actions, reports, history, the home page."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse

from marketplace import moderation
from marketplace.models import Listing, ModerationEvent, Report
from publishing.models import AuditEvent
from tests.conftest import bearer_client
from tests.factories import OrganizationFactory, UserFactory
from tests.marketplace.moderation_helpers import (
    make_acquisition,
    make_listing,
    make_report,
    make_staff_viewer,
)

pytestmark = pytest.mark.django_db

LISTINGS = reverse("admin:marketplace_listing_changelist")
REPORTS = reverse("admin:marketplace_report_changelist")
EVENTS = reverse("admin:marketplace_moderationevent_changelist")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.25 s per user; these tests create many users and check no passwords
    # (the browser test logs in, with the same hasher on both sides).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def change_url(listing: Listing) -> str:
    return reverse("admin:marketplace_listing_change", args=[listing.pk])


def moderate_url(obj, action: str) -> str:
    model = obj._meta.model_name
    return reverse(f"admin:marketplace_{model}_moderate", args=[obj.pk, action])


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def post_action(client: Client, url: str, action: str, objects, **extra):
    """What the changelist's action bar posts."""
    data = {"action": action, "index": 0, "_selected_action": [o.pk for o in objects], **extra}
    return client.post(url, data)


def post_confirm(client: Client, url: str, action: str, objects, **fields):
    """What the intermediate page posts (no ``index``; ``apply`` set)."""
    data = {"action": action, "apply": "1", "_selected_action": [o.pk for o in objects], **fields}
    return client.post(url, data)


def status_of(listing: Listing) -> str:
    return Listing.objects.values_list("status", flat=True).get(pk=listing.pk)


@pytest.fixture
def staff_viewer():
    return make_staff_viewer()


@pytest.fixture
def staff_without_permissions():
    return UserFactory(email="intern@platform.test", is_staff=True)


@pytest.fixture
def pending(org, editor) -> Listing:
    return make_listing(
        editor, org, status="pending_review", name="Lead scoring", body="Secret sauce {{lead}}"
    )


@pytest.fixture
def active(org, editor) -> Listing:
    return make_listing(editor, org, status="active", name="Meeting notes")


# --- who gets in -------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [LISTINGS, REPORTS, EVENTS])
def test_moderators_and_staff_with_view_permission_see_the_lists(url, moderator, staff_viewer):
    assert moderator.has_perm("marketplace.moderate_listing")
    assert login(moderator).get(url).status_code == 200
    assert login(staff_viewer).get(url).status_code == 200


@pytest.mark.parametrize("url", [LISTINGS, REPORTS, EVENTS])
def test_staff_without_permissions_are_refused(url, staff_without_permissions):
    assert login(staff_without_permissions).get(url).status_code == 403


@pytest.mark.parametrize("url", [LISTINGS, REPORTS, EVENTS, "/admin/"])
def test_non_staff_and_anonymous_are_sent_to_the_login_page(url, editor):
    for client in (login(editor), Client()):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_nobody_adds_edits_or_deletes_listings_by_hand(pending, moderator):
    root = UserFactory(is_staff=True, is_superuser=True)
    for user in (root, moderator):
        client = login(user)
        page = client.get(change_url(pending))
        assert page.status_code == 200
        assert page.context["has_change_permission"] is False
        edit = client.post(change_url(pending), {"name": "Hijacked", "status": "active"})
        assert edit.status_code == 403
        assert client.get(reverse("admin:marketplace_listing_add")).status_code == 403
        delete = reverse("admin:marketplace_listing_delete", args=[pending.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
    pending.refresh_from_db()
    assert (pending.name, pending.status) == ("Lead scoring", "pending_review")


# --- the listings queue ------------------------------------------------------------------------
def test_queue_lists_pending_first_then_reported_then_the_rest(org, editor, other_org, stranger):
    old_active = make_listing(editor, org, name="Old active")
    reported = make_listing(editor, org, name="Reported")
    make_report(reported, other_org, stranger)
    make_listing(editor, org, status="pending_review", name="First pending")
    make_listing(editor, org, status="pending_review", name="Second pending")
    rejected = make_listing(editor, org, status="rejected", name="Rejected")
    moderator = UserFactory(is_staff=True, is_superuser=True)

    response = login(moderator).get(LISTINGS)
    names = [listing.name for listing in response.context["cl"].result_list]
    assert names[:3] == ["First pending", "Second pending", "Reported"]  # oldest waiting first
    assert set(names[3:]) == {old_active.name, rejected.name}


def test_queue_shows_counts_and_columns(org, editor, active, other_org, stranger, moderator):
    make_report(active, other_org, stranger)
    make_report(active, org, editor, status="dismissed")
    make_acquisition(active, other_org, stranger)
    make_acquisition(active, OrganizationFactory(), UserFactory())
    response = login(moderator).get(LISTINGS)
    (row,) = response.context["cl"].result_list
    assert (row.open_reports_count, row.acquisitions_count) == (1, 2)
    html = response.content.decode()
    for header in ["Name", "Status", "Organization", "Publisher"]:
        assert f">{header}<" in html or f">{header}</a>" in html
    assert ">Prompt · Marketplace<" in html  # item type and scope, under the name
    assert "Open reports" in html
    assert "Acquisitions" in html
    assert "Published at" in html
    assert f"?listing__id__exact={active.pk}&amp;status=open" in html
    assert editor.email in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status__exact=pending_review", {"Lead scoring"}),
        ("has_open_reports=yes", {"Meeting notes"}),
        ("has_open_reports=no", {"Lead scoring", "Team template"}),
        ("scope__exact=organization", {"Team template"}),
        ("item_type__exact=template", {"Team template"}),
        ("featured__exact=1", {"Lead scoring"}),
        ("q=notes", {"Meeting notes"}),
        ("q=Acme+Publishing", {"Lead scoring", "Meeting notes", "Team template"}),
        ("q=editor2%40acme.test", {"Team template"}),
        ("q=quarterly", {"Team template"}),
    ],
)
def test_queue_filters_and_search(
    query, expected, org, editor, editor2, pending, active, other_org, stranger, moderator
):
    make_listing(
        editor2,
        org,
        scope="organization",
        kind="template",
        name="Team template",
        description="For the quarterly review",
    )
    Listing.objects.filter(pk=pending.pk).update(featured=True)
    make_report(active, other_org, stranger)
    response = login(moderator).get(f"{LISTINGS}?{query}")
    assert response.status_code == 200
    assert {listing.name for listing in response.context["cl"].result_list} == expected


def test_search_by_exact_id(pending, active, moderator):
    response = login(moderator).get(f"{LISTINGS}?q={active.pk}")
    assert [listing.pk for listing in response.context["cl"].result_list] == [active.pk]


def _many_listings(org, editor, other_org, stranger, count: int) -> None:
    for index in range(count):
        listing = make_listing(editor, org, status=["active", "pending_review"][index % 2])
        make_report(listing, other_org, stranger)
        make_acquisition(listing, other_org, stranger)


def test_queue_query_count_does_not_grow_with_the_listings(
    org, editor, other_org, stranger, moderator, django_assert_max_num_queries
):
    client = login(moderator)
    client.get(LISTINGS)  # warm the session and content-type caches
    _many_listings(org, editor, other_org, stranger, 2)
    # session, user, 2 x permissions, 2 x COUNT, 1 page of listings with their counts
    with django_assert_max_num_queries(7) as few:
        assert client.get(LISTINGS).status_code == 200
    _many_listings(org, editor, other_org, stranger, 12)
    with django_assert_max_num_queries(7) as many:
        response = client.get(f"{LISTINGS}?has_open_reports=yes")
    assert len(response.context["cl"].result_list) == 14
    assert len(many.captured_queries) == len(few.captured_queries)


def test_listing_page_shows_hidden_snapshot_item_reports_and_history(
    org, editor, moderator, other_org, stranger
):
    listing = make_listing(
        editor, org, status="active", visible=False, name="Hidden gem", body="Only {{insiders}}"
    )
    make_report(listing, other_org, stranger, details="Copied from our catalogue")
    make_report(listing, org, editor, details="Old report", status="dismissed")
    listing.prompt.body = "Changed after publishing"
    listing.prompt.save()
    moderation.listing_feature(listing_id=listing.pk, moderator=moderator, reason="Staff pick")
    response = login(moderator).get(change_url(listing))
    html = response.content.decode()
    assert "Only {{insiders}}" in html  # hidden from consumers, not from moderators
    assert "Hidden from consumers" in html
    assert reverse("admin:publishing_prompt_change", args=[listing.prompt_id]) in html
    assert "published from version 1" in html
    assert "Copied from our catalogue" in html  # the open report
    assert "Old report" not in html  # settled reports are not in the open list
    assert "Staff pick" in html  # the history
    actions = {button["action"] for button in response.context["moderation_buttons"]}
    assert actions == {"suspend", "unfeature"}


def test_a_listing_page_says_none_for_inlines_without_rows(pending, moderator):
    html = login(moderator).get(change_url(pending)).content.decode()
    inlines = [("reports", "Open reports"), ("moderation_events", "Moderation history")]
    for prefix, heading in inlines:
        start = html.index(f'id="{prefix}-group"')
        group = html[start : html.index("</fieldset>", start)]
        assert f">{heading}</h2>" in group
        assert "None." in group
        assert "<table" not in group  # no header row over nothing


def test_a_listing_page_lists_inline_rows_when_there_are_some(
    active, moderator, other_org, stranger
):
    make_report(active, other_org, stranger, details="Copied from our catalogue")
    html = login(moderator).get(change_url(active)).content.decode()
    start = html.index('id="reports-group"')
    group = html[start : html.index("</fieldset>", start)]
    assert "<table" in group
    assert "Copied from our catalogue" in group
    assert "None." not in group


def test_staff_viewers_see_the_page_but_no_actions(pending, staff_viewer):
    client = login(staff_viewer)
    page = client.get(change_url(pending))
    assert page.status_code == 200
    assert page.context["moderation_buttons"] == []
    assert "Secret sauce" in page.content.decode()
    assert "needs the “Can moderate marketplace listings” permission" in page.content.decode()
    changelist = client.get(LISTINGS)
    assert changelist.context["action_form"] is None
    assert 'name="_selected_action"' not in changelist.content.decode()


def test_moderator_sees_only_the_actions_that_apply(pending, moderator):
    page = login(moderator).get(change_url(pending))
    buttons = {b["action"]: b for b in page.context["moderation_buttons"]}
    assert set(buttons) == {"approve", "reject"}
    assert buttons["reject"]["asks"] is True
    html = page.content.decode()
    assert moderate_url(pending, "reject") in html
    changelist = login(moderator).get(LISTINGS)
    choices = [name for name, _ in changelist.context["action_form"].fields["action"].choices]
    assert choices == ["", "approve", "reject", "suspend", "reinstate", "feature", "unfeature"]


# --- acting: who may ----------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["staff_viewer", "staff_without_permissions", "editor", "anon"])
def test_actions_cannot_be_posted_without_the_permission(who, request, pending):
    client = Client() if who == "anon" else login(request.getfixturevalue(who))
    post_action(client, LISTINGS, "approve", [pending])
    post_confirm(client, LISTINGS, "reject", [pending], reason="Nope")
    single = client.post(moderate_url(pending, "approve"))
    client.post(moderate_url(pending, "reject"), {"reason": "Nope"})
    if who in ("editor", "anon"):
        assert single.status_code == 302
        assert single["Location"].startswith("/admin/login/")
    else:
        assert single.status_code == 403
    assert status_of(pending) == "pending_review"
    assert not ModerationEvent.objects.exists()


def test_the_action_bar_ignores_actions_a_viewer_does_not_have(pending, staff_viewer):
    response = post_action(login(staff_viewer), LISTINGS, "approve", [pending])
    assert response.status_code == 200  # just the list again: the viewer has no actions
    assert response.context["action_form"] is None
    assert status_of(pending) == "pending_review"


# --- acting: each action, bulk and single --------------------------------------------------------
@pytest.mark.parametrize(
    ("action", "start", "end", "featured"),
    [
        ("approve", "pending_review", "active", False),
        ("reinstate", "suspended", "active", False),
        ("feature", "active", "active", True),
        ("unfeature", "active", "active", False),
    ],
)
def test_one_click_actions_from_the_changelist(action, start, end, featured, org, editor):
    listing = make_listing(editor, org, status=start, featured=action == "unfeature")
    moderator = UserFactory(is_staff=True, is_superuser=True)
    response = post_action(login(moderator), LISTINGS, action, [listing])
    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.status, listing.featured) == (end, featured)
    event = ModerationEvent.objects.get()
    assert (event.action, event.moderator) == (action, moderator)
    assert AuditEvent.objects.filter(action=f"marketplace.listing.{action}").count() == 1


def test_bulk_approve_counts_done_and_skipped(org, editor, moderator, pending, active):
    other_pending = make_listing(editor, org, status="pending_review")
    team = make_listing(editor, org, scope="organization")
    client = login(moderator)
    response = post_action(client, LISTINGS, "approve", [pending, other_pending, active, team])
    assert response.status_code == 302
    (message,) = texts(client.get(LISTINGS))
    assert message == (
        "Approved 2 listings. Skipped 2: not a marketplace listing (1); "
        "status active, needs pending review (1)."
    )
    assert status_of(pending) == status_of(other_pending) == "active"
    assert status_of(team) == "active"
    assert ModerationEvent.objects.filter(action="approve").count() == 2


@pytest.mark.parametrize(("action", "start"), [("reject", "pending_review"), ("suspend", "active")])
def test_reject_and_suspend_ask_for_a_reason_first(
    action, start, org, editor, moderator, active, django_capture_on_commit_callbacks
):
    target = make_listing(editor, org, status=start, name="Target listing")
    invalid = active if start == "pending_review" else make_listing(editor, org, status="rejected")
    client = login(moderator)

    # 1. The action bar leads to the intermediate page; nothing changes yet.
    page = post_action(client, LISTINGS, action, [target, invalid])
    assert page.status_code == 200
    assert page.templates[0].name == "admin/marketplace/moderation_form.html"
    html = page.content.decode()
    assert "Target listing" in html
    assert "will be skipped" in html
    assert 'name="reason"' in html
    assert 'name="apply"' in html
    assert status_of(target) == start

    # 2. A blank reason is refused on the same page.
    again = post_confirm(client, LISTINGS, action, [target, invalid], reason="   ")
    assert again.status_code == 200
    assert again.context["form"].errors["reason"]
    assert status_of(target) == start

    # 3. With a reason: done, counted, audited, and the publisher is told after commit.
    with django_capture_on_commit_callbacks(execute=True):
        done = post_confirm(client, LISTINGS, action, [target, invalid], reason="Phishing link")
    assert done.status_code == 302
    target.refresh_from_db()
    assert target.status == {"reject": "rejected", "suspend": "suspended"}[action]
    assert target.moderation_reason == "Phishing link"
    assert status_of(invalid) == invalid.status
    (message,) = texts(client.get(LISTINGS))
    verb = {"reject": "Rejected", "suspend": "Suspended"}[action]
    assert message.startswith(f"{verb} 1 listing. Skipped 1: status ")
    assert ModerationEvent.objects.get(action=action).reason == "Phishing link"
    assert AuditEvent.objects.filter(action=f"marketplace.listing.{action}").count() == 1
    (email,) = mail.outbox
    assert email.to == [editor.email]
    assert "Phishing link" in email.body


def test_single_reject_from_the_listing_page(pending, moderator, editor):
    client = login(moderator)
    filters = "_changelist_filters=status__exact%3Dpending_review"
    url = f"{moderate_url(pending, 'reject')}?{filters}"
    form = client.get(url)
    assert form.status_code == 200
    assert form.context["bulk"] is False
    assert 'name="reason"' in form.content.decode()

    blank = client.post(url, {"reason": ""})
    assert blank.status_code == 200
    assert blank.context["form"].errors["reason"] == ["This field is required."]

    done = client.post(url, {"reason": "Duplicate of another listing"})
    assert done.status_code == 302
    # Back to the listing, with the queue's filters for the way back.
    assert done["Location"] == f"{change_url(pending)}?{filters}"
    assert texts(client.get(done["Location"])) == ["Rejected “Lead scoring”."]
    pending.refresh_from_db()
    assert pending.status == "rejected"
    assert pending.moderation_reason == "Duplicate of another listing"
    # The publisher sees it through the API.
    mine = bearer_client(editor).get("/api/marketplace/my-published?status=rejected").json()
    assert mine["data"]["items"][0]["moderation"]["reason"] == "Duplicate of another listing"


def test_single_suspend_resolves_the_listing_reports(active, moderator, other_org, stranger):
    report = make_report(active, other_org, stranger)
    client = login(moderator)
    response = client.post(moderate_url(active, "suspend"), {"reason": "Confirmed spam"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.resolved_by) == ("resolved", moderator)
    assert status_of(active) == "suspended"


def test_single_one_click_action_and_a_refused_one(pending, active, moderator):
    client = login(moderator)
    assert client.get(moderate_url(pending, "approve")).status_code == 200  # a confirmation page
    assert status_of(pending) == "pending_review"
    done = client.post(moderate_url(pending, "approve"))
    assert done["Location"] == change_url(pending)
    assert status_of(pending) == "active"
    assert texts(client.get(LISTINGS)) == ["Approved “Lead scoring”."]

    refused = client.post(moderate_url(active, "reinstate"))
    assert refused.status_code == 302
    assert refused["Location"] == change_url(active)
    assert texts(client.get(LISTINGS)) == [
        f"Cannot reinstate listing {active.pk}: status active, needs suspended."
    ]
    assert client.post(moderate_url(active, "explode")).status_code == 404


# --- reports ------------------------------------------------------------------------------------
@pytest.fixture
def reports(org, editor, active, other_org, stranger):
    open_report = make_report(active, other_org, stranger, details="Spammy", reason="spam")
    closed = make_report(active, org, editor, details="Handled", status="dismissed")
    return open_report, closed


def test_reports_list_shows_open_ones_by_default(reports, moderator):
    open_report, closed = reports
    client = login(moderator)
    assert list(client.get(REPORTS).context["cl"].result_list) == [open_report]
    assert list(client.get(f"{REPORTS}?status=dismissed").context["cl"].result_list) == [closed]
    assert len(client.get(f"{REPORTS}?status=all").context["cl"].result_list) == 2
    by_listing = client.get(f"{REPORTS}?listing__id__exact={open_report.listing_id}&status=open")
    assert list(by_listing.context["cl"].result_list) == [open_report]
    assert list(client.get(f"{REPORTS}?reason__exact=spam").context["cl"].result_list) == [
        open_report
    ]


@pytest.mark.parametrize(
    ("action", "status", "verb"),
    [("resolve_report", "resolved", "Resolved"), ("dismiss_report", "dismissed", "Dismissed")],
)
def test_reports_are_settled_with_a_note(action, status, verb, reports, moderator):
    open_report, closed = reports
    client = login(moderator)
    everything = f"{REPORTS}?status=all"  # the default view holds only open reports
    page = post_action(client, everything, action, [open_report, closed])
    assert page.status_code == 200
    assert 'name="note"' in page.content.decode()
    assert Report.objects.get(pk=open_report.pk).status == "open"
    blank = post_confirm(client, everything, action, [open_report, closed], note="")
    assert blank.context["form"].errors["note"]

    done = post_confirm(client, everything, action, [open_report, closed], note="Checked it")
    assert done.status_code == 302
    open_report.refresh_from_db()
    assert (open_report.status, open_report.resolution_note) == (status, "Checked it")
    (message,) = texts(client.get(REPORTS))
    assert message == f"{verb} 1 report. Skipped 1: already dismissed (1)."
    assert ModerationEvent.objects.get(action=action).report == open_report


def test_report_page_offers_resolve_and_dismiss(reports, moderator, staff_viewer):
    open_report, closed = reports
    url = reverse("admin:marketplace_report_change", args=[open_report.pk])
    page = login(moderator).get(url)
    assert {b["action"] for b in page.context["moderation_buttons"]} == {
        "resolve_report",
        "dismiss_report",
    }
    assert change_url(open_report.listing) in page.content.decode()
    assert login(staff_viewer).get(url).context["moderation_buttons"] == []

    done = login(moderator).post(moderate_url(open_report, "dismiss_report"), {"note": "Fine"})
    assert done.status_code == 302
    assert Report.objects.get(pk=open_report.pk).status == "dismissed"
    assert login(staff_viewer).post(moderate_url(closed, "resolve_report")).status_code == 403


def test_a_settled_report_is_refused_by_the_service_not_by_the_admin(reports, moderator):
    """ "A report must be open" lives in the moderation service alone: the admin offers the
    actions and shows the service's refusal as an error, with the report left as it was."""
    _, closed = reports
    client = login(moderator)
    page = client.get(reverse("admin:marketplace_report_change", args=[closed.pk]))
    assert {b["action"] for b in page.context["moderation_buttons"]} == {
        "resolve_report",
        "dismiss_report",
    }
    refused = client.post(moderate_url(closed, "resolve_report"), {"note": "Again"})
    assert refused.status_code == 302
    assert refused["Location"] == reverse("admin:marketplace_report_change", args=[closed.pk])
    (message,) = list(get_messages(refused.wsgi_request))
    assert message.level == messages.ERROR
    assert str(message) == f"Cannot resolve report {closed.pk}: it is already dismissed."
    closed.refresh_from_db()
    assert (closed.status, closed.resolution_note) == ("dismissed", "")


# --- moderation history -----------------------------------------------------------------------
def test_moderation_events_are_read_only_and_filterable(org, editor, pending, active, moderator):
    other_moderator = UserFactory(is_staff=True, is_superuser=True)
    moderation.listing_approve(listing_id=pending.pk, moderator=moderator)
    moderation.listing_suspend(listing_id=active.pk, moderator=other_moderator, reason="Bad")
    client = login(moderator)

    def actions(query=""):
        response = client.get(f"{EVENTS}?{query}")
        assert response.status_code == 200
        return sorted(event.action for event in response.context["cl"].result_list)

    assert actions() == ["approve", "suspend"]
    assert actions(f"moderator__id__exact={other_moderator.pk}") == ["suspend"]
    assert actions("action__exact=approve") == ["approve"]
    event = ModerationEvent.objects.get(action="suspend")
    day = event.created_at.date()
    assert actions(f"created_at__year={day.year}&created_at__month={day.month}") == [
        "approve",
        "suspend",
    ]
    assert actions("created_at__year=2000") == []

    root = login(UserFactory(is_staff=True, is_superuser=True))
    page = reverse("admin:marketplace_moderationevent_change", args=[event.pk])
    assert root.get(page).status_code == 200
    assert root.post(page, {"reason": "rewritten"}).status_code == 403
    assert root.get(reverse("admin:marketplace_moderationevent_add")).status_code == 403
    delete = reverse("admin:marketplace_moderationevent_delete", args=[event.pk])
    assert root.post(delete, {"post": "yes"}).status_code == 403
    assert ModerationEvent.objects.get(pk=event.pk).reason == "Bad"


# --- the admin home ---------------------------------------------------------------------------
def test_admin_home_shows_the_queue(
    org, editor, pending, active, other_org, stranger, moderator, staff_without_permissions
):
    make_listing(editor, org, status="pending_review")
    make_listing(editor, org, status="pending_review", scope="organization")  # not moderated
    make_report(active, other_org, stranger)
    make_report(active, org, editor, status="resolved")
    html = login(moderator).get("/admin/").content.decode()
    assert 'id="moderation-queue"' in html
    assert 'data-count="pending">2<' in html
    assert 'data-count="reports">1<' in html
    assert f"{LISTINGS}?status__exact=pending_review" in html
    nothing = login(staff_without_permissions).get("/admin/").content.decode()
    assert "moderation-queue" not in nothing
