"""Review of only the change in a real browser: a moderator finds a change awaiting review from
the admin home, reads the live and pending versions and their diff on the listing page, and
approves the change; consumers then get the new version. Skipped like the other browser tests
when Playwright or Chromium is missing (tests/e2e/conftest.py)."""

from __future__ import annotations

import pytest

from marketplace.models import Listing, ModerationEvent
from marketplace.services import ScopeSettings, listing_publish
from publishing.models import Membership
from publishing.services import item_update
from publishing.tenancy import actor_for
from tests.e2e.browser import PASSWORD, expect, login
from tests.factories import OrganizationFactory, UserFactory
from tests.marketplace.moderation_helpers import make_listing, make_moderator, moderators_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def changed(settings) -> Listing:
    """An active listing (v1 live, hidden content) whose change v2 waits for review."""
    settings.MARKETPLACE_REQUIRE_REVIEW = True
    moderators_group()  # a transactional test's flush dropped the migration's group
    org = OrganizationFactory(name="Northwind Sales", slug="northwind")
    publisher = UserFactory(email="dana@northwind.example", full_name="Dana Publisher")
    Membership.objects.create(user=publisher, organization=org, role="editor")
    listing = make_listing(
        publisher,
        org,
        status="active",
        visible=False,
        name="Lead qualification assistant",
        body="Score this lead from 1 to 5:\n{{lead}}",
    )
    actor = actor_for(publisher, org)
    item_update(
        actor=actor,
        kind="prompt",
        item_id=listing.prompt_id,
        data={"body": "Score this lead from 1 to 10 and explain why:\n{{lead}}"},
    )
    listing_publish(
        actor=actor,
        item_type="prompt",
        item_id=listing.prompt_id,
        scopes={"marketplace": ScopeSettings("reference", False, False)},
    )
    listing.refresh_from_db()
    assert (listing.status, listing.version, listing.pending_version.number) == ("active", 1, 2)
    return listing


def test_moderator_approves_a_change_from_the_diff_page(page, live_server, changed):
    make_moderator(email="max@platform.example", password=PASSWORD)
    login(page, live_server, "max@platform.example")

    expect(page.locator('[data-count="changes"]')).to_have_text("1")
    page.get_by_role("link", name="Changes awaiting review").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("change awaiting review")

    page.get_by_role("link", name=changed.name).click()
    expect(page.locator(".mod-change-side").first).to_contain_text("Live — v1")
    expect(page.locator(".mod-change-side").nth(1)).to_contain_text("Pending — v2")
    diff = page.locator(".mod-diff")
    expect(diff).to_have_attribute("data-from", "1")
    expect(diff).to_have_attribute("data-to", "2")
    # Hidden from consumers, shown to the moderator who judges it.
    expect(diff).to_contain_text("+Score this lead from 1 to 10 and explain why:")
    expect(diff).to_contain_text("-Score this lead from 1 to 5:")

    page.locator("button.mod-action[data-action=approve]").click()
    expect(page.locator(".messagelist")).to_contain_text("Approved")
    expect(page.locator(".field-status_badge .mod-status")).to_have_text("Active")
    expect(page.locator(".mod-diff")).to_have_count(0)  # nothing waits any more
    expect(page.locator(".mod-snapshot").first).to_contain_text("from 1 to 10")

    changed.refresh_from_db()
    assert (changed.status, changed.version, changed.pending_version_id) == ("active", 2, None)
    event = ModerationEvent.objects.filter(listing=changed).latest("pk")
    assert (event.action, event.version) == ("approve", 2)
