"""Review of only the change in the admin: the queue lists changes awaiting review with pending
listings, the listing page shows the pending version beside the live one with the diff (hidden
content included), and approve / reject there judge the change."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from marketplace.models import Listing
from marketplace.services import ScopeSettings, listing_publish
from publishing.services import item_update
from publishing.tenancy import actor_for
from tests.marketplace.moderation_helpers import make_listing, make_moderator

pytestmark = pytest.mark.django_db

LISTINGS = reverse("admin:marketplace_listing_changelist")
MARKER = "ZZ-SECRET-MARKER-7f3a"


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MARKETPLACE_REQUIRE_REVIEW = True


@pytest.fixture
def changed(editor, org) -> Listing:
    """An active, hidden-content listing whose change (with ``MARKER``) waits for review."""
    listing = make_listing(editor, org, status="active", visible=False, body="Live {{a}}")
    actor = actor_for(editor, org)
    item_update(
        actor=actor,
        kind="prompt",
        item_id=listing.prompt_id,
        data={"body": f"New {MARKER} {{{{a}}}}"},
    )
    listing_publish(
        actor=actor,
        item_type="prompt",
        item_id=listing.prompt_id,
        scopes={"marketplace": ScopeSettings("reference", False, False)},
    )
    listing.refresh_from_db()
    assert listing.pending_version_id is not None
    return listing


def _client() -> Client:
    client = Client()
    client.force_login(make_moderator())
    return client


def test_the_queue_lists_changes_awaiting_review_first(changed, editor, org):
    make_listing(editor, org, status="active", name="Quiet listing")
    client = _client()
    page = client.get(LISTINGS).content.decode()
    assert page.index(changed.name) < page.index("Quiet listing")
    assert "change awaiting review" in page
    filtered = client.get(f"{LISTINGS}?review=change").content.decode()
    assert changed.name in filtered
    assert "Quiet listing" not in filtered
    home = client.get(reverse("admin:index")).content.decode()
    assert 'data-count="changes">1<' in home


def test_the_listing_page_shows_both_versions_and_the_diff_with_hidden_content(changed):
    page = _client().get(reverse("admin:marketplace_listing_change", args=[changed.pk]))
    html = page.content.decode()
    assert "Change awaiting review" in html
    assert "Live — v1" in html
    assert "Pending — v2" in html
    assert 'data-from="1" data-to="2"' in html
    assert f"+New {MARKER} {{{{a}}}}" in html  # the body diff, hidden from consumers
    assert 'data-action="approve"' in html
    assert 'data-action="reject"' in html


def test_approve_and_reject_from_the_listing_page_judge_the_change(changed, editor, org):
    client = _client()
    url = reverse("admin:marketplace_listing_moderate", args=[changed.pk, "approve"])
    assert client.post(url).status_code == 302
    changed.refresh_from_db()
    assert (changed.status, changed.version, changed.pending_version_id) == ("active", 2, None)

    actor = actor_for(editor, org)
    item_update(actor=actor, kind="prompt", item_id=changed.prompt_id, data={"body": "Third {{a}}"})
    listing_publish(
        actor=actor,
        item_type="prompt",
        item_id=changed.prompt_id,
        scopes={"marketplace": ScopeSettings("reference", False, False)},
    )
    url = reverse("admin:marketplace_listing_moderate", args=[changed.pk, "reject"])
    assert client.post(url, {"reason": "Not this one.", "post": "yes"}).status_code == 302
    changed.refresh_from_db()
    assert (changed.status, changed.version, changed.pending_version_id) == ("active", 2, None)
    assert changed.moderation_reason == "Not this one."
