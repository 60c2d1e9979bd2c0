"""The moderation admin in a real browser: Playwright driving the system's headless Chromium
against a live server.

Skipped, with the reason, when the ``playwright`` package or a ``chromium`` binary is missing;
``REQUIRE_BROWSER_TESTS=1`` turns that skip into a failure (tests/e2e/conftest.py). The docs
screenshots come from the demo data, in ``test_admin_demo_browser.py``.
"""

from __future__ import annotations

import re

import pytest

from marketplace.models import Listing
from tests.e2e.browser import PASSWORD, expect, login
from tests.factories import OrganizationFactory, UserFactory
from tests.marketplace.moderation_helpers import (
    make_acquisition,
    make_listing,
    make_moderator,
    make_report,
    make_staff_viewer,
    moderators_group,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue():
    """A small marketplace with something in every state, as a moderator finds it."""
    moderators_group()  # a transactional test's flush dropped the migration's group
    publisher_org = OrganizationFactory(name="Northwind Sales", slug="northwind")
    consumer_org = OrganizationFactory(name="Contoso Retail", slug="contoso")
    from publishing.models import Membership

    publisher = UserFactory(email="dana@northwind.example", full_name="Dana Publisher")
    Membership.objects.create(user=publisher, organization=publisher_org, role="editor")
    consumer = UserFactory(email="sam@contoso.example")
    Membership.objects.create(user=consumer, organization=consumer_org, role="owner")

    def listing(name, status, **kwargs):
        return make_listing(publisher, publisher_org, status=status, name=name, **kwargs)

    listings = {
        "pending": listing(
            "Lead qualification assistant",
            "pending_review",
            visible=False,
            description="Scores inbound leads against your ideal customer profile.",
            body="You qualify leads for {{company}}. Ideal customer: {{icp}}.\n"
            "Score this lead from 1 to 5 and explain why:\n{{lead}}",
        ),
        "pending2": listing(
            "Weekend flash sale email",
            "pending_review",
            kind="template",
            description="Announces a 48-hour sale to subscribers.",
        ),
        "reported": listing(
            "Appointment reminder SMS",
            "active",
            kind="template",
            description="A friendly reminder the day before an appointment.",
        ),
        "featured": listing(
            "Meeting summary", "active", featured=True, description="Decisions, owners, dates."
        ),
        "suspended": listing("Overdue payment final notice", "suspended", hold=True),
        "rejected": listing("Guaranteed returns pitch", "rejected", hold=True),
    }
    make_report(
        listings["reported"],
        consumer_org,
        consumer,
        reason="spam",
        details="Sends reminders at 3 a.m.",
    )
    make_acquisition(listings["featured"], consumer_org, consumer)
    return listings


def test_moderator_filters_the_queue_opens_a_listing_and_rejects_it(page, live_server, queue):
    make_moderator(email="max@platform.example", password=PASSWORD)
    target = queue["pending"]
    login(page, live_server, "max@platform.example")

    # The admin home counts what waits.
    expect(page.locator('[data-count="pending"]')).to_have_text("2")
    expect(page.locator('[data-count="reports"]')).to_have_text("1")

    page.get_by_role("link", name="Listings", exact=True).first.click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(6)
    expect(rows.first).to_contain_text("Pending review")  # the queue comes first

    page.locator("#changelist-filter").get_by_role("link", name="Pending review").click()
    expect(rows).to_have_count(2)
    expect(page.locator("#result_list")).not_to_contain_text("Meeting summary")

    page.get_by_role("link", name=target.name).click()
    expect(page.locator("h2", has_text=target.name)).to_be_visible()
    expect(page.locator(".mod-hidden-note")).to_be_visible()  # hidden content, shown to staff
    expect(page.locator(".mod-snapshot")).to_contain_text("Score this lead from 1 to 5")

    page.get_by_role("link", name="Reject…").click()
    expect(page.locator("h1")).to_contain_text("Reject")
    page.fill("#id_reason", "Scoring people by protected characteristics is not allowed.")
    page.get_by_role("button", name=re.compile(r"Reject 1 listing", re.IGNORECASE)).click()

    # Back on the listing, with its new status; it has left the pending queue.
    expect(page.locator(".messagelist")).to_contain_text(f"Rejected “{target.name}”.")
    expect(page.locator("h2", has_text=target.name)).to_be_visible()
    expect(page.locator(".field-status_badge .mod-status")).to_have_text("Rejected")
    page.locator(".breadcrumbs").get_by_role("link", name="Listings").click()
    page.locator("#changelist-filter").get_by_role("link", name="Pending review").click()
    expect(rows).to_have_count(1)
    page.locator("#changelist-filter").get_by_role("link", name="All").first.click()
    row = page.locator("#result_list tbody tr", has_text=target.name)
    expect(row.locator(".mod-status")).to_have_text("Rejected")

    target.refresh_from_db()
    assert target.status == "rejected"
    assert target.moderation_reason.startswith("Scoring people")


def test_staff_without_the_permission_sees_no_moderation_actions(page, live_server, queue):
    make_staff_viewer(email="sue@platform.example", password=PASSWORD)
    target = queue["pending"]
    login(page, live_server, "sue@platform.example")
    expect(page.locator("#moderation-queue")).to_be_visible()

    page.goto(f"{live_server.url}/admin/marketplace/listing/")
    expect(page.locator("#result_list tbody tr")).to_have_count(6)
    expect(page.locator("select[name=action]")).to_have_count(0)
    expect(page.locator("input.action-select")).to_have_count(0)

    page.get_by_role("link", name=target.name).click()
    expect(page.locator(".mod-readonly-note")).to_be_visible()
    expect(page.locator(".object-tools")).not_to_contain_text("Approve", ignore_case=True)
    expect(page.locator(".object-tools")).not_to_contain_text("Reject", ignore_case=True)

    response = page.goto(f"{page.url}moderate/reject/")
    assert response is not None
    assert response.status == 403
    assert Listing.objects.get(pk=target.pk).status == "pending_review"
