"""Listing versions: created only when a publish changes the listing, immutable, gap-free under
concurrency; the versions list, one version and the diff, with hidden content kept hidden."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.db.utils import IntegrityError
from django.test.utils import CaptureQueriesContext

from marketplace.diffs import DIFF_MAX_BYTES
from marketplace.models import Listing, ListingVersion
from marketplace.services import ListingMetadata, ScopeSettings, listing_publish
from publishing.models import ImmutableRowError
from publishing.services import item_update
from publishing.tenancy import actor_for
from tests.conftest import bearer_client, error_of

pytestmark = pytest.mark.django_db

MARKER = "ZZ-SECRET-MARKER-7f3a"
# Authentication (one query) and the listing with its publisher and organization (one).
DETAIL_QUERIES = 2


def _publish(user, org, item, *, visible=True, share="reference", metadata=None):
    (listing,) = listing_publish(
        actor=actor_for(user, org),
        item_type="prompt",
        item_id=item.pk,
        scopes={"marketplace": ScopeSettings(share, visible, False)},
        metadata=metadata or ListingMetadata(),
    )
    return listing


def _edit(user, org, item, **data):
    return item_update(actor=actor_for(user, org), kind="prompt", item_id=item.pk, data=data)


@pytest.fixture
def versioned(editor, org, make_item):
    """A visible marketplace listing with two versions (the body changed in between)."""
    item = make_item(editor, body="Hello {{name}}\nline two\n")
    _publish(editor, org, item)
    _edit(editor, org, item, body="Hello {{name}} and {{team}}\nline two\n")
    return _publish(editor, org, item), item


def test_first_publish_creates_version_one(editor, org, make_item):
    listing = _publish(editor, org, make_item(editor))
    version = ListingVersion.objects.get(listing=listing)
    assert (version.number, listing.version) == (1, 1)
    assert version.snapshot_body == listing.snapshot_body
    assert version.item_version == listing.item_version


def test_republish_without_change_creates_no_version(editor, org, make_item):
    item = make_item(editor)
    _publish(editor, org, item)
    listing = _publish(editor, org, item)
    assert listing.version == 1
    assert ListingVersion.objects.filter(listing=listing).count() == 1


def test_republish_with_a_changed_body_or_metadata_creates_the_next_version(editor, org, make_item):
    item = make_item(editor)
    _publish(editor, org, item)
    _edit(editor, org, item, body="Changed {{x}}")
    _publish(editor, org, item)
    listing = _publish(editor, org, item, metadata=ListingMetadata(name="New display name"))
    versions = list(ListingVersion.objects.filter(listing=listing).order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[1].snapshot_body == "Changed {{x}}"
    assert versions[1].item_version == 2
    assert versions[2].name == "New display name"
    assert Listing.objects.get(pk=listing.pk).version == 3


def test_listing_output_shows_version_and_latest_version(versioned, editor, stranger):
    listing, _ = versioned
    for user in (editor, stranger):
        data = bearer_client(user).get(f"/api/marketplace/{listing.pk}").json()["data"]
        assert (data["version"], data["latestVersion"]) == (2, 2)
    own = bearer_client(editor).get("/api/marketplace/my-published").json()["data"]["items"]
    assert (own[0]["version"], own[0]["latestVersion"]) == (2, 2)


def test_versions_refuse_changes_in_the_orm_and_the_database(versioned):
    listing, _ = versioned
    version = ListingVersion.objects.filter(listing=listing).first()
    with pytest.raises(ImmutableRowError):
        version.save()
    with pytest.raises(ImmutableRowError):
        version.delete()
    with pytest.raises(ImmutableRowError):
        ListingVersion.objects.filter(pk=version.pk).update(snapshot_body="x")
    with pytest.raises(ImmutableRowError):
        ListingVersion.objects.filter(pk=version.pk).delete()
    with (
        pytest.raises(IntegrityError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE marketplace_listingversion SET snapshot_body = 'x' WHERE id = %s",
            [version.pk],
        )


# --- API --------------------------------------------------------------------------------------
def test_versions_list_newest_first_within_four_queries(versioned, stranger):
    listing, _ = versioned
    client = bearer_client(stranger)
    client.get(f"/api/marketplace/{listing.pk}/versions")  # warm the strict-params cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/marketplace/{listing.pk}/versions")
    assert response.status_code == 200
    data = response.json()["data"]
    assert [v["number"] for v in data["items"]] == [2, 1]
    assert data["pagination"]["total"] == 2
    assert data["items"][0]["content"].startswith("Hello {{name}} and")
    assert len(queries) <= 4, [q["sql"] for q in queries]


def test_one_version_and_unknown_versions(versioned, stranger):
    listing, _ = versioned
    client = bearer_client(stranger)
    one = client.get(f"/api/marketplace/{listing.pk}/versions/1").json()["data"]
    assert one["number"] == 1
    assert one["content"] == "Hello {{name}}\nline two\n"
    missing = client.get(f"/api/marketplace/{listing.pk}/versions/9")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "LISTING_VERSION_NOT_FOUND"
    bad = client.get(f"/api/marketplace/{listing.pk}/versions/x")
    assert bad.status_code == 400
    assert error_of(bad)["code"] == "VALIDATION_FAILED"


def test_another_organizations_unlisted_listing_has_no_versions(editor, stranger, org, make_item):
    (listing,) = listing_publish(
        actor=actor_for(editor, org),
        item_type="prompt",
        item_id=make_item(editor).pk,
        scopes={"organization": ScopeSettings("copy", True, False)},
    )
    client = bearer_client(stranger)
    for path in ("versions", "versions/1", "diff?from=1&to=1"):
        response = client.get(f"/api/marketplace/{listing.pk}/{path}")
        assert response.status_code == 404, path
        assert error_of(response)["code"] == "NOT_FOUND"


def test_diff_shows_unified_diffs_within_four_queries(versioned, stranger):
    listing, _ = versioned
    client = bearer_client(stranger)
    url = f"/api/marketplace/{listing.pk}/diff?from=1&to=2"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert (data["from"], data["to"]) == (1, 2)
    fields = data["fields"]
    assert fields["name"] == ""
    assert fields["variables"] == {"added": ["team"], "removed": []}
    assert fields["body"] == (
        "--- v1/body\n+++ v2/body\n@@ -1,2 +1,2 @@\n"
        "-Hello {{name}}\n+Hello {{name}} and {{team}}\n line two\n"
    )
    assert len(queries) <= 4, [q["sql"] for q in queries]


@pytest.mark.parametrize(
    "query", ["", "?from=1", "?to=2", "?from=0&to=1", "?from=a&to=1", "?from=1&to=2&x=1"]
)
def test_diff_rejects_bad_parameters(versioned, stranger, query):
    listing, _ = versioned
    response = bearer_client(stranger).get(f"/api/marketplace/{listing.pk}/diff{query}")
    assert response.status_code == 400
    assert error_of(response)["code"] == "VALIDATION_FAILED"


def test_diff_of_an_unknown_version_is_404(versioned, stranger):
    listing, _ = versioned
    response = bearer_client(stranger).get(f"/api/marketplace/{listing.pk}/diff?from=1&to=7")
    assert response.status_code == 404
    assert error_of(response)["code"] == "LISTING_VERSION_NOT_FOUND"
    assert error_of(response)["details"]["version"] == 7


def test_diff_of_too_much_text_is_refused(editor, org, stranger, make_item):
    item = make_item(editor, body="a\n" * (DIFF_MAX_BYTES // 4 + 1))
    _publish(editor, org, item)
    _edit(editor, org, item, body="b\n" * (DIFF_MAX_BYTES // 4 + 1))
    listing = _publish(editor, org, item)
    response = bearer_client(stranger).get(f"/api/marketplace/{listing.pk}/diff?from=1&to=2")
    assert response.status_code == 413
    assert error_of(response)["code"] == "DIFF_TOO_LARGE"


def test_hidden_content_is_in_no_version_nor_diff(editor, org, stranger, make_item):
    item = make_item(editor, body=f"Secret {MARKER} {{{{who}}}}")
    _publish(editor, org, item, visible=False)
    _edit(editor, org, item, body=f"Secret {MARKER} changed {{{{who}}}} {{{{when}}}}")
    listing = _publish(editor, org, item, visible=False)
    client = bearer_client(stranger)
    responses = [
        client.get(f"/api/marketplace/{listing.pk}/versions"),
        client.get(f"/api/marketplace/{listing.pk}/versions/1"),
        client.get(f"/api/marketplace/{listing.pk}/versions/2"),
        client.get(f"/api/marketplace/{listing.pk}/diff?from=1&to=2"),
    ]
    for response in responses:
        assert response.status_code == 200
        assert MARKER not in response.content.decode()
    assert responses[1].json()["data"]["content"] is None
    fields = responses[3].json()["data"]["fields"]
    assert fields["body"] == {"changed": True}
    assert fields["variables"] == {"added": ["when"], "removed": []}
    own = bearer_client(editor).get(f"/api/marketplace/{listing.pk}/diff?from=1&to=2")
    assert MARKER in own.json()["data"]["fields"]["body"]


def test_hidden_content_of_a_change_waiting_for_review_reaches_no_other_organization(
    editor, org, stranger, other_org, moderator, make_item, settings
):
    """Review of only the change: the pending version (``pendingVersion``) is the publisher's;
    another organization sees neither it nor its hidden body, in any response or event."""
    from marketplace import moderation
    from webhooks.models import Event

    settings.MARKETPLACE_REQUIRE_REVIEW = True
    item = make_item(editor, body="Public part {{who}}")
    listing = _publish(editor, org, item, visible=False)
    moderation.listing_approve(listing_id=listing.pk, moderator=moderator)
    client = bearer_client(stranger)
    acquired = client.post(f"/api/marketplace/{listing.pk}/acquire", {}, format="json")
    acquisition_id = acquired.json()["data"]["acquired"]["id"]
    _edit(editor, org, item, body=f"Secret {MARKER} {{{{who}}}}", name=f"Name {MARKER}")
    listing = _publish(editor, org, item, visible=False)
    assert listing.pending_version_id is not None
    responses = [
        client.get(f"/api/marketplace/{listing.pk}"),
        client.get("/api/marketplace"),
        client.get(f"/api/marketplace?q={MARKER}"),
        client.get(f"/api/marketplace/{listing.pk}/versions"),
        client.get(f"/api/marketplace/{listing.pk}/versions/1"),
        client.get(f"/api/marketplace/{listing.pk}/versions/2"),
        client.get(f"/api/marketplace/{listing.pk}/diff?from=1&to=2"),
        client.get(f"/api/marketplace/acquired/{acquisition_id}"),
        client.get(f"/api/marketplace/acquired/{acquisition_id}/diff"),
        client.get("/api/marketplace/acquired"),
        client.get("/api/marketplace/my-published"),
    ]
    for response in responses:
        assert response.status_code in (200, 404), response.content
        assert MARKER not in response.content.decode()
        assert "pendingVersion" not in response.content.decode()
    assert all(
        MARKER not in str(event.data) for event in Event.objects.filter(organization=other_org)
    )
    own = bearer_client(editor).get("/api/marketplace/my-published").json()["data"]["items"]
    (mine,) = [entry for entry in own if entry["id"] == listing.pk]
    assert MARKER in mine["pendingVersion"]["content"]
    # Approved, the change is live: its name shows, its hidden body still does not.
    moderation.listing_approve(listing_id=listing.pk, moderator=moderator)
    detail = client.get(f"/api/marketplace/{listing.pk}").json()["data"]
    assert (detail["version"], detail["content"]) == (2, None)
    assert all(
        MARKER not in str(event.data) for event in Event.objects.filter(organization=other_org)
    )


# --- concurrency --------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_versions_are_gap_free_under_twenty_concurrent_republishes(editor, org, make_item):
    item = make_item(editor)
    listing = _publish(editor, org, item)
    errors: list[BaseException] = []
    start = threading.Barrier(20)

    def republish(n: int) -> None:
        try:
            start.wait()
            with transaction.atomic():
                _edit(editor, org, item, body=f"Body {n} {{{{x}}}}")
                _publish(editor, org, item)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=republish, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = list(
        ListingVersion.objects.filter(listing=listing)
        .order_by("number")
        .values_list("number", flat=True)
    )
    assert numbers == list(range(1, 22))
    assert Listing.objects.get(pk=listing.pk).version == 21


def test_listing_detail_costs_what_it_cost_before_versions(versioned, stranger):
    """Auth (user, membership), the listing with its joins: ``version`` is a column."""
    listing, _ = versioned
    client = bearer_client(stranger)
    client.get(f"/api/marketplace/{listing.pk}")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/api/marketplace/{listing.pk}").status_code == 200
    assert len(queries) == DETAIL_QUERIES, [q["sql"] for q in queries]
