"""Review of only the change: with review required, a changed active listing keeps serving its
approved version (browse, detail, acquire, references, pins) while the new one waits as
``pendingVersion``; approve makes it live, reject keeps the live one, both recorded per version."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection, transaction
from django.db.utils import IntegrityError
from django.test.utils import CaptureQueriesContext

from marketplace import moderation
from marketplace.models import Listing, ListingVersion, ModerationEvent, ReviewState
from marketplace.services import ScopeSettings, listing_publish
from publishing.models import ImmutableRowError
from publishing.services import item_update
from publishing.tenancy import actor_for
from tests.conftest import bearer_client, error_of
from webhooks.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _review_required(settings):
    settings.MARKETPLACE_REQUIRE_REVIEW = True


@pytest.fixture
def live(editor, org, make_item, moderator):
    """An approved marketplace reference listing (v1 live) and ``republish(**item_fields)``."""
    item = make_item(editor, body="Hello {{name}}\n")
    actor = actor_for(editor, org)

    def republish(**data) -> Listing:
        if data:
            item_update(actor=actor, kind="prompt", item_id=item.pk, data=data)
        (listing,) = listing_publish(
            actor=actor,
            item_type="prompt",
            item_id=item.pk,
            scopes={"marketplace": ScopeSettings("reference", True, False)},
        )
        return Listing.objects.get(pk=listing.pk)

    listing = republish()
    assert listing.status == "pending_review"
    moderation.listing_approve(listing_id=listing.pk, moderator=moderator)
    return Listing.objects.get(pk=listing.pk), republish


def _acquire(user, listing, **body):
    response = bearer_client(user).post(
        f"/api/marketplace/{listing.pk}/acquire", body, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["data"]["acquired"]


def _mine(user) -> dict:
    response = bearer_client(user).get("/api/marketplace/my-published")
    assert response.status_code == 200
    (listing,) = response.json()["data"]["items"]
    return listing


def test_a_changed_republish_keeps_the_live_version_for_consumers(live, editor, stranger):
    listing, republish = live
    following = _acquire(stranger, listing)
    listing = republish(body="Goodbye {{name}}\n", name="Renamed")

    assert (listing.status, listing.version, listing.last_version) == ("active", 1, 2)
    assert listing.snapshot_body == "Hello {{name}}\n"
    assert listing.pending_version.number == 2
    assert listing.pending_version.review == ReviewState.PENDING
    client = bearer_client(stranger)
    detail = client.get(f"/api/marketplace/{listing.pk}").json()["data"]
    assert (detail["content"], detail["version"], detail["latestVersion"]) == (
        "Hello {{name}}\n",
        1,
        1,
    )
    assert "pendingVersion" not in detail
    browse = client.get("/api/marketplace").json()["data"]["items"]
    assert [entry["version"] for entry in browse if entry["id"] == listing.pk] == [1]
    resolved = client.get(f"/api/marketplace/acquired/{following['id']}").json()["data"]
    assert resolved["item"]["body"] == "Hello {{name}}\n"
    assert resolved["item"]["name"] == "Inbound triage"
    versions = client.get(f"/api/marketplace/{listing.pk}/versions").json()["data"]["items"]
    assert [(v["number"], v["review"]) for v in versions] == [(1, "published")]
    assert client.get(f"/api/marketplace/{listing.pk}/versions/2").status_code == 404
    assert client.get(f"/api/marketplace/{listing.pk}/diff?from=1&to=2").status_code == 404
    patch = client.patch(
        f"/api/marketplace/acquired/{following['id']}",
        {"follow": "pinned", "pinnedVersion": 2},
        format="json",
    )
    assert patch.status_code == 404
    assert error_of(patch)["code"] == "LISTING_VERSION_NOT_FOUND"

    mine = _mine(editor)
    assert (mine["status"], mine["version"]) == ("active", 1)
    pending = mine["pendingVersion"]
    assert (pending["number"], pending["review"], pending["content"]) == (
        2,
        "pending",
        "Goodbye {{name}}\n",
    )
    own = bearer_client(editor)
    own_versions = own.get(f"/api/marketplace/{listing.pk}/versions").json()["data"]["items"]
    assert [(v["number"], v["review"]) for v in own_versions] == [(2, "pending"), (1, "published")]
    diff = own.get(f"/api/marketplace/{listing.pk}/diff?from=1&to=2").json()["data"]
    assert "+Goodbye {{name}}" in diff["fields"]["body"]


def test_approving_a_change_makes_it_live_and_tells_publisher_and_holders(
    live, stranger, other_org, org, moderator
):
    listing, republish = live
    following = _acquire(stranger, listing)
    republish(body="Goodbye {{name}}\n")
    Event.objects.all().delete()

    moderation.listing_approve(listing_id=listing.pk, moderator=moderator)

    listing.refresh_from_db()
    assert (listing.status, listing.version, listing.pending_version_id) == ("active", 2, None)
    assert listing.snapshot_body == "Goodbye {{name}}\n"
    assert ListingVersion.objects.get(listing=listing, number=2).review == ReviewState.PUBLISHED
    event = ModerationEvent.objects.filter(listing=listing).latest("pk")
    assert (event.action, event.version, event.from_status, event.to_status) == (
        "approve",
        2,
        "active",
        "active",
    )
    (approved,) = Event.objects.filter(type="listing.approved")
    assert approved.organization_id == org.pk
    assert (approved.data["version"], approved.data["pendingVersion"]) == (2, None)
    (updated,) = Event.objects.filter(type="reference.source_updated")
    assert updated.organization_id == other_org.pk
    assert updated.data == {
        "listingId": listing.pk,
        "fromVersion": 1,
        "toVersion": 2,
        "follow": "latest",
    }
    resolved = bearer_client(stranger).get(f"/api/marketplace/acquired/{following['id']}")
    assert resolved.json()["data"]["item"]["body"] == "Goodbye {{name}}\n"


def test_approval_leaves_pinned_references_on_their_version(live, stranger, moderator):
    listing, republish = live
    pinned = _acquire(stranger, listing, follow="pinned")
    republish(body="Goodbye {{name}}\n")
    moderation.listing_approve(listing_id=listing.pk, moderator=moderator)
    data = bearer_client(stranger).get(f"/api/marketplace/acquired/{pinned['id']}").json()["data"]
    assert data["item"]["body"] == "Hello {{name}}\n"
    assert (data["pinnedVersion"], data["latestVersion"], data["updateAvailable"]) == (1, 2, True)


def test_rejecting_a_change_keeps_the_live_version_and_mails_the_reason(
    live, editor, moderator, django_capture_on_commit_callbacks
):
    listing, republish = live
    republish(body="Buy now {{name}}\n")
    with django_capture_on_commit_callbacks(execute=True):
        moderation.listing_reject(
            listing_id=listing.pk, moderator=moderator, reason="Misleading claim."
        )

    listing.refresh_from_db()
    assert (listing.status, listing.version, listing.pending_version_id) == ("active", 1, None)
    assert listing.snapshot_body == "Hello {{name}}\n"
    assert listing.moderation_reason == "Misleading claim."
    assert not listing.moderation_hold
    assert ListingVersion.objects.get(listing=listing, number=2).review == ReviewState.REJECTED
    event = ModerationEvent.objects.filter(listing=listing).latest("pk")
    assert (event.action, event.version, event.to_status, event.reason) == (
        "reject",
        2,
        "active",
        "Misleading claim.",
    )
    (message,) = mail.outbox
    assert message.to == [editor.email]
    assert "change" in message.subject
    assert "version 2" in message.body
    assert "stays live with version 1" in message.body
    assert "Misleading claim." in message.body
    mine = _mine(editor)
    assert (mine["status"], mine["pendingVersion"], mine["moderation"]["reason"]) == (
        "active",
        None,
        "Misleading claim.",
    )
    # The next change gets the next number: rejected numbers are never reused.
    assert republish(body="Hello again {{name}}\n").pending_version.number == 3


def test_republishing_while_a_change_waits_replaces_it(live):
    listing, republish = live
    republish(body="Two {{name}}\n")
    listing = republish(body="Three {{name}}\n")
    assert listing.pending_version.number == 3
    reviews = dict(ListingVersion.objects.filter(listing=listing).values_list("number", "review"))
    assert reviews == {1: "published", 2: "replaced", 3: "pending"}
    again = republish()  # the same change again: nothing new to review
    assert (again.pending_version.number, again.last_version) == (3, 3)
    assert again.version == 1


def test_suspension_takes_the_listing_down_with_its_waiting_change(live, moderator):
    listing, republish = live
    republish(body="Two {{name}}\n")
    moderation.listing_suspend(listing_id=listing.pk, moderator=moderator, reason="Spam.")
    listing.refresh_from_db()
    assert (listing.status, listing.pending_version_id) == ("suspended", None)
    assert ListingVersion.objects.get(listing=listing, number=2).review == ReviewState.REJECTED
    assert ModerationEvent.objects.filter(listing=listing).latest("pk").version == 1
    moderation.listing_reinstate(listing_id=listing.pk, moderator=moderator)
    listing.refresh_from_db()
    assert (listing.status, listing.version, listing.snapshot_body) == (
        "active",
        1,
        "Hello {{name}}\n",
    )


def test_a_listing_on_moderation_hold_goes_to_review_as_before(live, moderator):
    listing, republish = live
    moderation.listing_suspend(listing_id=listing.pk, moderator=moderator, reason="Spam.")
    listing = republish(body="Cleaned up {{name}}\n")
    assert (listing.status, listing.version, listing.pending_version_id) == (
        "pending_review",
        2,
        None,
    )
    assert listing.snapshot_body == "Cleaned up {{name}}\n"


def test_without_review_a_republish_goes_live_and_withdraws_a_waiting_change(live, settings):
    listing, republish = live
    republish(body="Two {{name}}\n")
    settings.MARKETPLACE_REQUIRE_REVIEW = False
    listing = republish(body="Three {{name}}\n")
    assert (listing.status, listing.version, listing.pending_version_id) == ("active", 3, None)
    assert ListingVersion.objects.get(listing=listing, number=2).review == ReviewState.REPLACED


def test_approve_and_reject_without_a_waiting_change_are_refused_on_an_active_listing(
    live, moderator
):
    listing, _ = live
    for action in ("approve", "reject"):
        with pytest.raises(moderation.ListingModerationError):
            moderation.LISTING_SERVICES[action](
                listing_id=listing.pk, moderator=moderator, reason="Why."
            )


def test_bulk_approve_takes_new_listings_and_changes_alike(live, editor, org, make_item, moderator):
    listing, republish = live
    republish(body="Two {{name}}\n")
    item = make_item(editor, name="Second")
    (new,) = listing_publish(
        actor=actor_for(editor, org),
        item_type="prompt",
        item_id=item.pk,
        scopes={"marketplace": ScopeSettings("copy", True, False)},
    )
    outcome = moderation.listing_moderate_many(
        action="approve", listing_ids=[listing.pk, new.pk], moderator=moderator
    )
    assert sorted(outcome.done) == sorted([listing.pk, new.pk])
    assert Listing.objects.get(pk=listing.pk).version == 2
    assert Listing.objects.get(pk=new.pk).status == "active"


def test_only_the_review_state_of_a_pending_version_may_change(live):
    _listing, republish = live
    pending = republish(body="Two {{name}}\n").pending_version
    with pytest.raises(ImmutableRowError):
        ListingVersion.objects.filter(pk=pending.pk).update(snapshot_body="x")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE marketplace_listingversion SET snapshot_body = 'x', review = 'published' "
            "WHERE id = %s",
            [pending.pk],
        )
    ListingVersion.objects.filter(pk=pending.pk).settle_review(ReviewState.REJECTED)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE marketplace_listingversion SET review = 'published' WHERE id = %s",
            [pending.pk],
        )


def test_my_published_costs_the_same_with_waiting_changes(editor, org, make_item, moderator):
    actor = actor_for(editor, org)
    client = bearer_client(editor)
    counts = []
    for n in range(2):
        for m in range(3):
            item = make_item(editor, name=f"Item {n}-{m}", body=f"One {n} {m} {{{{x}}}}")
            scopes = {"marketplace": ScopeSettings("copy", True, False)}
            (listing,) = listing_publish(
                actor=actor, item_type="prompt", item_id=item.pk, scopes=scopes
            )
            moderation.listing_approve(listing_id=listing.pk, moderator=moderator)
            item_update(actor=actor, kind="prompt", item_id=item.pk, data={"body": "Two {{x}}"})
            listing_publish(actor=actor, item_type="prompt", item_id=item.pk, scopes=scopes)
        client.get("/api/marketplace/my-published")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/marketplace/my-published")
        assert all(entry["pendingVersion"] for entry in response.json()["data"]["items"])
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_detail_of_a_listing_with_a_waiting_change_costs_what_it_cost(live, stranger):
    listing, republish = live
    republish(body="Two {{name}}\n")
    client = bearer_client(stranger)
    client.get(f"/api/marketplace/{listing.pk}")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/api/marketplace/{listing.pk}").status_code == 200
    assert len(queries) == 2, [q["sql"] for q in queries]  # as DETAIL_QUERIES in versions tests


def test_unpublishing_withdraws_a_waiting_change(live, editor, org):
    from marketplace.services import listing_unpublish

    listing, republish = live
    pending = republish(body="Two {{name}}\n").pending_version
    listing_unpublish(actor=actor_for(editor, org), listing_id=listing.pk)
    listing.refresh_from_db()
    assert (listing.status, listing.pending_version_id) == ("unpublished", None)
    assert ListingVersion.objects.get(pk=pending.pk).review == ReviewState.REPLACED


def test_an_edit_through_a_reference_goes_live_and_supersedes_a_waiting_change(
    editor, org, stranger, make_item, moderator
):
    item = make_item(editor, body="One {{a}}")
    actor = actor_for(editor, org)
    scopes = {"marketplace": ScopeSettings("reference", True, True)}
    (listing,) = listing_publish(actor=actor, item_type="prompt", item_id=item.pk, scopes=scopes)
    moderation.listing_approve(listing_id=listing.pk, moderator=moderator)
    acquired = _acquire(stranger, listing, requestEditable=True)
    item_update(actor=actor, kind="prompt", item_id=item.pk, data={"body": "Two {{a}}"})
    listing_publish(actor=actor, item_type="prompt", item_id=item.pk, scopes=scopes)
    response = bearer_client(stranger).patch(
        f"/api/marketplace/acquired/{acquired['id']}", {"name": "Edited"}, format="json"
    )
    assert response.status_code == 200, response.json()
    listing.refresh_from_db()
    assert (listing.version, listing.pending_version_id) == (3, None)
    reviews = dict(ListingVersion.objects.filter(listing=listing).values_list("number", "review"))
    assert reviews == {1: "published", 2: "replaced", 3: "published"}


@pytest.mark.django_db(transaction=True)
def test_concurrent_republishes_leave_one_pending_change_and_gap_free_numbers(
    editor, org, make_item
):
    import threading

    from tests.marketplace.moderation_helpers import make_moderator

    actor = actor_for(editor, org)
    item = make_item(editor, body="Start {{x}}")
    scopes = {"marketplace": ScopeSettings("copy", True, False)}
    (listing,) = listing_publish(actor=actor, item_type="prompt", item_id=item.pk, scopes=scopes)
    moderation.listing_approve(listing_id=listing.pk, moderator=make_moderator())
    errors: list[BaseException] = []
    start = threading.Barrier(10)

    def republish(n: int) -> None:
        try:
            start.wait()
            with transaction.atomic():
                item_update(
                    actor=actor, kind="prompt", item_id=item.pk, data={"body": f"B{n} {{x}}"}
                )
                listing_publish(actor=actor, item_type="prompt", item_id=item.pk, scopes=scopes)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=republish, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    listing.refresh_from_db()
    rows = list(ListingVersion.objects.filter(listing=listing).order_by("number"))
    assert [v.number for v in rows] == list(range(1, 12))
    assert [v.review for v in rows].count("pending") == 1
    assert rows[-1].review == "pending"
    assert (listing.status, listing.version, listing.pending_version_id) == (
        "active",
        1,
        rows[-1].pk,
    )
