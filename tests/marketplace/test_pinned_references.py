"""References that follow the latest version or stay pinned; their diff, the holders' event,
and the publisher's usage counts."""

from __future__ import annotations

import pytest

from marketplace.services import ListingMetadata, ScopeSettings, listing_publish
from publishing.services import item_update
from publishing.tenancy import actor_for
from tests.conftest import bearer_client, error_of
from webhooks.models import Event

pytestmark = pytest.mark.django_db

MARKER = "ZZ-SECRET-MARKER-7f3a"


@pytest.fixture
def source(editor, org, make_item):
    """``source(visible=..., editable=..., share=...)`` → (item, republish(body))."""

    def make(*, visible=True, editable=False, share="reference", body="One {{a}}"):
        item = make_item(editor, body=body)
        settings = {"marketplace": ScopeSettings(share, visible, editable)}

        def republish(new_body: str):
            item_update(
                actor=actor_for(editor, org),
                kind="prompt",
                item_id=item.pk,
                data={"body": new_body},
            )
            (listing,) = listing_publish(
                actor=actor_for(editor, org),
                item_type="prompt",
                item_id=item.pk,
                scopes=settings,
                metadata=ListingMetadata(),
            )
            return listing

        (listing,) = listing_publish(
            actor=actor_for(editor, org), item_type="prompt", item_id=item.pk, scopes=settings
        )
        return listing, republish

    return make


def _acquire(client, listing, **body):
    response = client.post(f"/api/marketplace/{listing.pk}/acquire", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["data"]["acquired"]


def _resolved(client, acquisition_id):
    response = client.get(f"/api/marketplace/acquired/{acquisition_id}")
    assert response.status_code == 200, response.json()
    return response.json()["data"]


def test_a_pinned_reference_keeps_its_snapshot_across_republishes(source, stranger):
    listing, republish = source()
    client = bearer_client(stranger)
    pinned = _acquire(client, listing, follow="pinned")
    assert (pinned["follow"], pinned["pinnedVersion"], pinned["updateAvailable"]) == (
        "pinned",
        1,
        False,
    )
    republish("Two {{a}} {{b}}")
    republish("Three {{a}}")
    data = _resolved(client, pinned["id"])
    assert data["item"]["body"] == "One {{a}}"
    assert data["item"]["variables"] == ["a"]
    assert (data["pinnedVersion"], data["latestVersion"], data["updateAvailable"]) == (1, 3, True)


def test_a_following_reference_resolves_to_the_latest(source, stranger):
    listing, republish = source()
    client = bearer_client(stranger)
    following = _acquire(client, listing)
    assert (following["follow"], following["pinnedVersion"]) == ("latest", None)
    republish("Two {{a}}")
    data = _resolved(client, following["id"])
    assert data["item"]["body"] == "Two {{a}}"
    assert (data["latestVersion"], data["updateAvailable"]) == (2, False)


def test_patch_moves_the_pin_and_switches_to_following(source, stranger):
    listing, republish = source()
    republish("Two {{a}}")
    republish("Three {{a}}")
    client = bearer_client(stranger)
    acquisition = _acquire(client, listing, follow="pinned", version=1)
    url = f"/api/marketplace/acquired/{acquisition['id']}"
    moved = client.patch(url, {"follow": "pinned", "pinnedVersion": 2}, format="json")
    assert moved.status_code == 200, moved.json()
    assert moved.json()["data"]["acquisition"]["pinnedVersion"] == 2
    assert _resolved(client, acquisition["id"])["item"]["body"] == "Two {{a}}"
    live = client.patch(url, {"follow": "pinned"}, format="json").json()["data"]["acquisition"]
    assert (live["pinnedVersion"], live["updateAvailable"]) == (3, False)
    follows = client.patch(url, {"follow": "latest"}, format="json").json()["data"]
    assert (follows["acquisition"]["follow"], follows["acquisition"]["pinnedVersion"]) == (
        "latest",
        None,
    )
    missing = client.patch(url, {"follow": "pinned", "pinnedVersion": 9}, format="json")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "LISTING_VERSION_NOT_FOUND"
    bad = client.patch(url, {"follow": "sideways"}, format="json")
    assert bad.status_code == 400
    assert error_of(bad)["code"] == "VALIDATION_FAILED"


def test_copies_cannot_be_pinned(source, stranger):
    listing, _ = source(share="copy")
    client = bearer_client(stranger)
    response = client.post(
        f"/api/marketplace/{listing.pk}/acquire", {"follow": "pinned"}, format="json"
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "VALIDATION_FAILED"
    copy = _acquire(client, listing)
    response = client.patch(
        f"/api/marketplace/acquired/{copy['id']}", {"follow": "pinned"}, format="json"
    )
    assert response.status_code == 400


def test_unpublishing_answers_410_for_pinned_and_following_references(
    source, editor, org, stranger
):
    listing, _ = source()
    from marketplace.services import listing_unpublish

    pinned = _acquire(bearer_client(stranger), listing, follow="pinned")
    listing_unpublish(actor=actor_for(editor, org), listing_id=listing.pk)
    client = bearer_client(stranger)
    for path in ("", "/diff"):
        response = client.get(f"/api/marketplace/acquired/{pinned['id']}{path}")
        assert response.status_code == 410, path
        assert error_of(response)["code"] == "LISTING_UNAVAILABLE"


def test_the_acquired_diff_runs_from_the_pin_to_the_latest(source, stranger):
    listing, republish = source()
    client = bearer_client(stranger)
    acquisition = _acquire(client, listing, follow="pinned")
    republish("One {{a}}\nmore")
    data = client.get(f"/api/marketplace/acquired/{acquisition['id']}/diff").json()["data"]
    assert (data["from"], data["to"]) == (1, 2)
    assert "+more\n" in data["fields"]["body"]


def test_hidden_content_is_in_no_reference_diff_nor_event(source, stranger, other_org):
    listing, republish = source(visible=False, body=f"One {MARKER} {{{{a}}}}")
    client = bearer_client(stranger)
    pinned = _acquire(client, listing, follow="pinned")
    republish(f"Two {MARKER} {{{{a}}}} {{{{b}}}}")
    responses = [
        client.get(f"/api/marketplace/acquired/{pinned['id']}"),
        client.get(f"/api/marketplace/acquired/{pinned['id']}/diff"),
        client.get(f"/api/marketplace/{listing.pk}/versions"),
        client.get(f"/api/marketplace/{listing.pk}/diff?from=1&to=2"),
        client.patch(
            f"/api/marketplace/acquired/{pinned['id']}", {"follow": "pinned"}, format="json"
        ),
    ]
    for response in responses:
        assert response.status_code == 200
        assert MARKER not in response.content.decode()
    diff = responses[1].json()["data"]["fields"]
    assert diff["body"] == {"changed": True}
    assert diff["variables"] == {"added": ["b"], "removed": []}
    events = Event.objects.filter(organization=other_org)
    assert events.filter(type="reference.source_updated").count() == 1
    assert all(MARKER not in str(event.data) for event in events)


def test_holders_of_references_get_source_updated(source, stranger, other_org, org, editor2):
    listing, republish = source()
    _acquire(bearer_client(stranger), listing, follow="pinned")
    republish("Two {{a}}")
    republish("Two {{a}}")  # no change, no version, no event
    (event,) = Event.objects.filter(type="reference.source_updated")
    assert event.organization_id == other_org.pk
    assert event.data == {
        "listingId": listing.pk,
        "fromVersion": 1,
        "toVersion": 2,
        "follow": "pinned",
    }


def test_a_pinned_editable_reference_cannot_edit_the_source(source, stranger):
    listing, _ = source(editable=True)
    client = bearer_client(stranger)
    acquisition = _acquire(client, listing, follow="pinned", requestEditable=True)
    url = f"/api/marketplace/acquired/{acquisition['id']}"
    response = client.patch(url, {"description": "Edited"}, format="json")
    assert response.status_code == 409
    assert error_of(response)["code"] == "REFERENCE_PINNED"
    client.patch(url, {"follow": "latest"}, format="json")
    assert client.patch(url, {"description": "Edited"}, format="json").status_code == 200


def test_usage_counts_by_kind_for_the_publisher_only(source, editor, stranger, other_org):
    from publishing.models import Membership, Organization, User

    listing, republish = source()
    _acquire(bearer_client(stranger), listing, follow="pinned")
    republish("Two {{a}}")
    third = Organization.objects.create(name="Third", slug="third")
    user = User.objects.create_user(email="third@example.com", password="x")
    Membership.objects.create(user=user, organization=third, role="editor")
    _acquire(bearer_client(user), listing)
    response = bearer_client(editor).get(f"/api/marketplace/{listing.pk}/usage")
    assert response.status_code == 200, response.json()
    assert response.json()["data"] == {
        "copies": 0,
        "referencesFollowing": 1,
        "referencesPinned": [{"version": 1, "count": 1}],
        "usageCount": 2,
    }
    assert "third" not in response.content.decode().lower()
    other = bearer_client(stranger).get(f"/api/marketplace/{listing.pk}/usage")
    assert other.status_code == 404


def test_the_admin_listing_page_shows_the_usage_counts(source, stranger, moderator):
    from django.test import Client
    from django.urls import reverse

    listing, _ = source()
    _acquire(bearer_client(stranger), listing, follow="pinned")
    client = Client()
    client.force_login(moderator)
    page = client.get(reverse("admin:marketplace_listing_change", args=[listing.pk]))
    assert page.status_code == 200
    assert "0 copies, 0 references following latest, pinned: v1: 1" in page.content.decode()


def _holder(n: int):
    from publishing.models import Membership, Organization, User

    organization = Organization.objects.create(name=f"Holder {n}", slug=f"holder-{n}")
    user = User.objects.create_user(email=f"holder{n}@example.com", password="x")
    Membership.objects.create(user=user, organization=organization, role="editor")
    return bearer_client(user)


def test_source_updated_is_emitted_set_based(source):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for holders in (1, 6):
        listing, republish = source()
        for n in range(holders):
            _acquire(_holder(len(counts) * 10 + n), listing, follow="pinned" if n % 2 else "latest")
        with CaptureQueriesContext(connection) as queries:
            republish(f"Changed for {holders} {{{{a}}}}")
        counts.append(len(queries))
        sent = Event.objects.filter(type="reference.source_updated", data__listingId=listing.pk)
        assert sent.count() == holders
    assert counts[0] == counts[1]


def test_the_acquired_diff_costs_at_most_four_queries(source, stranger):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    listing, republish = source()
    client = bearer_client(stranger)
    acquisition = _acquire(client, listing, follow="pinned")
    republish("Two {{a}}")
    url = f"/api/marketplace/acquired/{acquisition['id']}/diff"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) <= 4, [q["sql"] for q in queries]


def _render(client, acquisition_id, **body):
    return client.post(f"/api/marketplace/acquired/{acquisition_id}/render", body, format="json")


def test_a_reference_renders_its_pinned_version_or_the_latest(source, stranger):
    listing, republish = source(body="One {{a}}")
    client = bearer_client(stranger)
    pinned = _acquire(client, listing, follow="pinned")
    republish("Two {{a}} and {{b}}")
    response = _render(client, pinned["id"], variables={"a": "x"})
    assert response.status_code == 200, response.json()
    assert response.json()["data"] == {"text": "One x", "missing": []}
    client.patch(f"/api/marketplace/acquired/{pinned['id']}", {"follow": "latest"}, format="json")
    response = _render(client, pinned["id"], variables={"a": "x"})
    assert response.json()["data"] == {"text": "Two x and {{b}}", "missing": ["b"]}
    strict = _render(client, pinned["id"], variables={"a": "x"}, strict=True)
    assert strict.status_code == 400
    assert error_of(strict)["details"]["missing"] == ["b"]


def test_a_copy_renders_its_own_body(source, stranger):
    listing, republish = source(share="copy", body="Copy {{a}}")
    client = bearer_client(stranger)
    copy = _acquire(client, listing)
    republish("Changed {{a}}")
    response = _render(client, copy["id"], variables={"a": "x"})
    assert response.json()["data"] == {"text": "Copy x", "missing": []}


def test_hidden_content_renders_to_null_and_a_gone_listing_to_410(source, editor, org, stranger):
    from marketplace.services import listing_unpublish

    listing, _ = source(visible=False, body=f"{MARKER} {{{{a}}}} {{{{b}}}}")
    client = bearer_client(stranger)
    pinned = _acquire(client, listing, follow="pinned")
    response = _render(client, pinned["id"], variables={"a": "x"})
    assert response.status_code == 200
    assert response.json()["data"] == {"text": None, "missing": ["b"]}
    assert MARKER not in response.content.decode()
    listing_unpublish(actor=actor_for(editor, org), listing_id=listing.pk)
    gone = _render(client, pinned["id"], variables={})
    assert gone.status_code == 410
    assert error_of(gone)["code"] == "LISTING_UNAVAILABLE"


def test_render_refuses_bad_input_and_other_organizations(source, stranger, owner):
    listing, _ = source()
    pinned = _acquire(bearer_client(stranger), listing, follow="pinned")
    bad = _render(bearer_client(stranger), pinned["id"], variables="a", extra=1)
    assert bad.status_code == 400
    assert error_of(bad)["code"] == "VALIDATION_FAILED"
    assert _render(bearer_client(owner), pinned["id"], variables={}).status_code == 404
