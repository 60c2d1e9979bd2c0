"""The moderation admin on the demo data (``seed_demo``), at 1366 px with the sidebar open, as a new
user first sees it after ``make run``: the listings queue fits, a listing page says what it has
(and what it has not), and Reject on a listing page comes back to that listing.

``UPDATE_SCREENSHOTS=1`` refreshes ``docs/screenshots/`` from these pages, so the README's
screenshots show the demo a new user gets.
"""

from __future__ import annotations

import re

import pytest

from marketplace.models import Listing
from publishing.demo import DEMO_PASSWORD
from tests.e2e.browser import VIEWPORT, expect, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MODERATOR = "moderator@demo.example"
# The columns that explain the queue's order and what a moderator weighs.
QUEUE_COLUMNS = ["Publisher", "Open reports", "Acquisitions", "Published at"]


def assert_shown_whole(page, locator) -> None:
    """``locator`` lies inside the viewport and inside the results' scroll box (not clipped)."""
    box = locator.bounding_box()
    results = page.locator("#changelist-form .results").bounding_box()
    assert box is not None
    assert results is not None
    right = box["x"] + box["width"]
    assert box["x"] >= results["x"] - 0.5
    assert right <= results["x"] + results["width"] + 0.5, locator
    assert right <= page.viewport_size["width"], locator


def test_the_queue_fits_1366_px_with_the_sidebar_open(page, live_server, demo):
    login(page, live_server, MODERATOR, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/admin/marketplace/listing/")
    assert page.viewport_size == VIEWPORT
    expect(page.locator("#nav-sidebar")).to_be_visible()
    expect(page.locator("#changelist-filter")).to_be_visible()
    rows = page.locator("#result_list tbody tr")
    expect(rows.first).to_contain_text("Pending review")  # the queue comes first

    header = page.locator("#result_list thead")
    for column in QUEUE_COLUMNS:
        assert_shown_whole(page, header.get_by_text(column, exact=True))
    last_cells = page.locator("#result_list tbody tr td:last-child")
    for index in range(rows.count()):
        assert_shown_whole(page, last_cells.nth(index))
    overflow = page.locator("#changelist-form .results").evaluate(
        "el => el.scrollWidth - el.clientWidth"
    )
    assert overflow <= 0, "the results scroll sideways"
    screenshot(page, "moderation-queue.png", height=980)


def test_a_listing_page_says_none_for_empty_inlines_and_reject_returns_to_it(
    page, live_server, demo
):
    target = Listing.objects.get(name="Lead qualification assistant", scope="marketplace")
    login(page, live_server, MODERATOR, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/admin/marketplace/listing/?status__exact=pending_review")
    page.get_by_role("link", name=target.name).click()
    change_url = page.url
    expect(page.locator("h2", has_text=target.name)).to_be_visible()
    expect(page.locator(".mod-hidden-note")).to_be_visible()  # hidden content, shown to staff

    # A listing nobody reported and nobody moderated yet: both inlines say so, no bare headers.
    for heading in ["Open reports", "Moderation history"]:
        group = page.locator(".inline-group", has=page.locator("h2", has_text=heading))
        expect(group).to_contain_text("None")
        expect(group.locator("table")).to_have_count(0)
    screenshot(page, "listing-page.png", height=1860)

    page.get_by_role("link", name="Reject…").click()
    expect(page.locator("h1")).to_contain_text("Reject")
    page.fill("#id_reason", "Scoring people by protected characteristics is not allowed.")
    screenshot(page, "reject-reason.png", height=520)
    page.get_by_role("button", name=re.compile(r"Reject 1 listing", re.IGNORECASE)).click()

    # Back on the listing (its filters kept), which now shows its new state and history.
    expect(page.locator(".messagelist")).to_contain_text(f"Rejected “{target.name}”.")
    assert page.url.split("?")[0] == change_url.split("?")[0]
    assert "_changelist_filters=status__exact" in page.url
    expect(page.locator(".field-status_badge .mod-status")).to_have_text("Rejected")
    history = page.locator(".inline-group", has=page.locator("h2", has_text="Moderation history"))
    expect(history.locator("tbody tr.has_original")).to_have_count(1)
    expect(history).to_contain_text("Scoring people by protected characteristics")
    target.refresh_from_db()
    assert target.status == "rejected"
