"""The consumer side: visibility, hidden content, acquire (copy/reference), reports, search."""

from __future__ import annotations

import itertools
import json
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from marketplace.models import Acquisition, Listing, Report
from marketplace.services import ListingMetadata, ScopeSettings, listing_publish
from publishing.models import Prompt, Template
from publishing.tenancy import actor_for
from tests.conftest import bearer_client, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def publish(org, make_item):
    """``publish(user, scope=..., share=..., visible=..., editable=..., **item_fields)``."""

    def run(
        user,
        *,
        scope="marketplace",
        share="copy",
        visible=True,
        editable=False,
        kind="prompt",
        **fields,
    ):
        item = make_item(user, kind=kind, **fields)
        listings = listing_publish(
            actor=actor_for(user, org),
            item_type=kind,
            item_id=item.pk,
            scopes={scope: ScopeSettings(share, visible, editable)},
            metadata=ListingMetadata(),
        )
        return item, listings[0]

    return run


def browse(client, query=""):
    response = client.get(f"/api/marketplace{query}")
    assert response.status_code == 200, response.json()
    return response.json()["data"]


# --- visibility -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("scope", "status", "who", "visible"),
    [
        (scope, status, who, status == "active" and (scope == "marketplace" or who != "stranger"))
        for scope, status, who in itertools.product(
            ["organization", "marketplace"],
            ["active", "pending_review", "rejected", "suspended", "unpublished"],
            ["viewer", "editor2", "stranger"],
        )
    ],
)
def test_visibility_matrix(scope, status, who, visible, request, editor, publish):
    _, listing = publish(editor, scope=scope)
    Listing.objects.filter(pk=listing.pk).update(status=status)
    client = bearer_client(request.getfixturevalue(who))
    listed = [i["id"] for i in browse(client)["items"]]
    assert (listing.pk in listed) == visible
    detail = client.get(f"/api/marketplace/{listing.pk}")
    own_org = who != "stranger"
    assert detail.status_code == (200 if visible or own_org else 404)
    if detail.status_code == 404:
        assert error_of(detail) == {
            "code": "NOT_FOUND",
            "message": "Listing not found.",
            "details": {},
        }


def test_browse_filters_and_item(editor, stranger, publish):
    _, market = publish(editor, scope="marketplace", name="Market one")
    _, org_only = publish(editor, scope="organization", name="Org one")
    _, template = publish(editor, kind="template", name="Template one")
    client = bearer_client(editor)
    assert {i["id"] for i in browse(client)["items"]} == {market.pk, org_only.pk, template.pk}
    assert [i["id"] for i in browse(client, "?filter=organization")["items"]] == [org_only.pk]
    assert {i["id"] for i in browse(client, "?filter=marketplace")["items"]} == {
        market.pk,
        template.pk,
    }
    assert [i["id"] for i in browse(client, "?itemType=template")["items"]] == [template.pk]
    item = browse(client, "?itemType=template")["items"][0]
    assert set(item) == {
        "id",
        "itemType",
        "itemId",
        "name",
        "description",
        "usageInformation",
        "variables",
        "category",
        "publisher",
        "scope",
        "shareType",
        "isContentVisible",
        "allowEditableReferences",
        "status",
        "featured",
        "usageCount",
        "isAcquired",
        "itemVersion",
        "version",
        "latestVersion",
        "publishedAt",
    }
    assert item["publisher"] == {"name": editor.full_name, "organization": "Acme Publishing"}
    assert {i["id"] for i in browse(bearer_client(stranger))["items"]} == {market.pk, template.pk}


@pytest.mark.parametrize(
    "query",
    [
        "?filter=mine",
        "?sort=random",
        "?sort=relevance",
        "?itemType=x",
        "?limit=0",
        "?cursor=!!",
        "?q=" + "x" * 201,
    ],
)
def test_browse_rejects_bad_parameters(editor, query):
    response = bearer_client(editor).get(f"/api/marketplace{query}")
    assert response.status_code == 400
    assert error_of(response)["code"] == "VALIDATION_FAILED"


# --- hidden content ---------------------------------------------------------------------------
MARKER = "ZZ-SECRET-MARKER-7f3a"


def test_hidden_content_never_leaves_the_server(editor, stranger, other_org, publish):
    _, copy_listing = publish(
        editor, share="copy", visible=False, body=f"Use {MARKER} {{{{who}}}}", name="Hidden copy"
    )
    _, ref_listing = publish(
        editor,
        share="reference",
        visible=False,
        body=f"Ref {MARKER} {{{{who}}}}",
        name="Hidden ref",
    )
    client = bearer_client(stranger)
    responses = [
        client.get("/api/marketplace"),
        client.get(f"/api/marketplace?q={MARKER}"),
        client.get("/api/marketplace?q=hidden"),
        client.get(f"/api/marketplace/{copy_listing.pk}"),
        client.get(f"/api/marketplace/{ref_listing.pk}"),
        *[
            client.get(f"/api/marketplace/{listing.pk}/{path}")
            for listing in (copy_listing, ref_listing)
            for path in ("versions", "versions/1", "diff?from=1&to=1")
        ],
    ]
    copy = client.post(f"/api/marketplace/{copy_listing.pk}/acquire", {}, format="json")
    ref = client.post(f"/api/marketplace/{ref_listing.pk}/acquire", {}, format="json")
    responses += [copy, ref]
    copied_id = copy.json()["data"]["acquired"]["copiedItemId"]
    responses += [
        client.get("/api/marketplace/acquired"),
        client.get(f"/api/marketplace/acquired/{copy.json()['data']['acquired']['id']}"),
        client.get(f"/api/marketplace/acquired/{ref.json()['data']['acquired']['id']}"),
        client.get("/api/prompts"),
        client.get(f"/api/prompts/{copied_id}"),
        client.post(f"/api/prompts/{copied_id}/versions", {}, format="json"),
        client.get(f"/api/prompts/{copied_id}/versions"),
        client.get(f"/api/prompts/{copied_id}/versions/1"),
        client.post(f"/api/prompts/{copied_id}/render", {"variables": {"who": "x"}}, format="json"),
        client.post(f"/api/prompts/{copied_id}/render", {"strict": True}, format="json"),
        client.patch(f"/api/prompts/{copied_id}", {"body": "replace"}, format="json"),
        client.post(
            "/api/marketplace/publish",
            {
                "itemType": "prompt",
                "itemId": copied_id,
                "scopes": {"marketplace": {"enabled": True, "shareType": "copy"}},
            },
            format="json",
        ),
    ]
    for response in responses:
        assert response.status_code < 500
        assert MARKER not in response.content.decode(), response.request["PATH_INFO"]
    assert Prompt.objects.get(pk=copied_id).body.startswith("Use " + MARKER)  # kept server-side
    render = client.post(f"/api/prompts/{copied_id}/render", {"variables": {}}, format="json")
    assert render.json()["data"] == {"text": None, "missing": ["who"]}
    # The publishing organization still reads its own content.
    own = bearer_client(editor).get(f"/api/marketplace/{copy_listing.pk}").json()["data"]
    assert MARKER in own["content"]


def test_visible_content_is_shown(editor, stranger, publish):
    _, listing = publish(editor, body="Plain {{x}}")
    data = bearer_client(stranger).get(f"/api/marketplace/{listing.pk}").json()["data"]
    assert data["content"] == "Plain {{x}}"


# --- acquire ------------------------------------------------------------------------------------
def test_copy_is_independent_in_both_directions(editor, stranger, org, publish):
    source, listing = publish(
        editor, body="Original {{a}}", kind="template", type="email", category="promo"
    )
    client = bearer_client(stranger)
    response = client.post(f"/api/marketplace/{listing.pk}/acquire", {}, format="json")
    assert response.status_code == 201
    acquired = response.json()["data"]["acquired"]
    assert acquired["type"] == "copy"
    assert acquired["itemType"] == "template"
    assert acquired["originalItemId"] == source.pk
    assert acquired["publishedItemId"] == listing.pk
    copy = Template.objects.get(pk=acquired["copiedItemId"])
    assert (copy.organization_id, copy.owner_id) == (
        stranger.memberships.get().organization_id,
        stranger.pk,
    )
    assert (copy.body, copy.type, copy.category, copy.variables) == (
        "Original {{a}}",
        "email",
        "promo",
        ["a"],
    )
    assert (copy.copied_from_listing, copy.copied_from_organization_name) == (listing.pk, org.name)
    client.patch(f"/api/templates/{copy.pk}", {"body": "Changed by buyer"}, format="json")
    source.refresh_from_db()
    assert source.body == "Original {{a}}"
    bearer_client(editor).patch(
        f"/api/templates/{source.pk}", {"body": "Changed by seller"}, format="json"
    )
    copy.refresh_from_db()
    assert copy.body == "Changed by buyer"
    assert (
        client.get(f"/api/templates/{copy.pk}").json()["data"]["copiedFrom"]["listingId"]
        == listing.pk
    )


def test_acquire_is_idempotent_and_counts_usage(editor, stranger, publish):
    _, listing = publish(editor)
    client = bearer_client(stranger)
    first = client.post(f"/api/marketplace/{listing.pk}/acquire", {}, format="json")
    second = client.post(f"/api/marketplace/{listing.pk}/acquire", {}, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["data"] == second.json()["data"]
    assert Prompt.objects.filter(copied_from_listing=listing.pk).count() == 1
    item = browse(client)["items"][0]
    assert (item["usageCount"], item["isAcquired"]) == (1, True)


def test_viewer_cannot_acquire(editor, viewer, publish):
    _, listing = publish(editor)
    response = bearer_client(viewer).post(
        f"/api/marketplace/{listing.pk}/acquire", {}, format="json"
    )
    assert response.status_code == 403
    assert not Acquisition.objects.exists()


def test_acquiring_own_organization_listing_is_allowed(editor, editor2, publish):
    _, listing = publish(editor, scope="organization")
    response = bearer_client(editor2).post(
        f"/api/marketplace/{listing.pk}/acquire", {}, format="json"
    )
    assert response.status_code == 201


def test_invisible_listing_cannot_be_acquired_or_reported(editor, stranger, publish):
    _, listing = publish(editor, scope="organization")
    client = bearer_client(stranger)
    assert (
        client.post(f"/api/marketplace/{listing.pk}/acquire", {}, format="json").status_code == 404
    )
    report = client.post(f"/api/marketplace/{listing.pk}/report", {"reason": "spam"}, format="json")
    assert report.status_code == 404


def test_reference_tracks_republished_snapshot_and_410_after_unpublish(
    editor, stranger, org, publish
):
    source, listing = publish(editor, share="reference", body="v1 {{x}}")
    client = bearer_client(stranger)
    acquired = client.post(f"/api/marketplace/{listing.pk}/acquire", {}, format="json").json()[
        "data"
    ]["acquired"]
    assert (acquired["type"], acquired["copiedItemId"], acquired["isEditable"]) == (
        "reference",
        None,
        False,
    )
    url = f"/api/marketplace/acquired/{acquired['id']}"
    assert client.get(url).json()["data"]["item"]["body"] == "v1 {{x}}"
    publisher = bearer_client(editor)
    publisher.patch(f"/api/prompts/{source.pk}", {"body": "v2 {{y}}"}, format="json")
    assert client.get(url).json()["data"]["item"]["body"] == "v1 {{x}}"  # private until republished
    listing_publish(
        actor=actor_for(editor, org),
        item_type="prompt",
        item_id=source.pk,
        scopes={"marketplace": ScopeSettings("reference", True, False)},
    )
    resolved = client.get(url).json()["data"]["item"]
    assert (resolved["body"], resolved["variables"], resolved["version"]) == ("v2 {{y}}", ["y"], 2)
    publisher.delete(f"/api/marketplace/{listing.pk}")
    gone = client.get(url)
    assert gone.status_code == 410
    assert error_of(gone)["code"] == "LISTING_UNAVAILABLE"
    library = client.get("/api/marketplace/acquired").json()["data"]["items"]
    assert (library[0]["available"], library[0]["item"]) == (False, None)


def test_copies_survive_unpublish(editor, stranger, publish):
    _, listing = publish(editor)
    client = bearer_client(stranger)
    acquired = client.post(f"/api/marketplace/{listing.pk}/acquire", {}, format="json").json()[
        "data"
    ]["acquired"]
    bearer_client(editor).delete(f"/api/marketplace/{listing.pk}")
    response = client.get(f"/api/marketplace/acquired/{acquired['id']}")
    assert response.status_code == 200
    assert client.get(f"/api/prompts/{acquired['copiedItemId']}").status_code == 200


def test_editable_reference_edits_the_source_as_a_version(editor, stranger, publish):
    source, listing = publish(editor, share="reference", editable=True, body="v1")
    client = bearer_client(stranger)
    plain = client.post(f"/api/marketplace/{listing.pk}/acquire", {}, format="json").json()["data"][
        "acquired"
    ]
    assert plain["isEditable"] is False
    denied = client.patch(f"/api/marketplace/acquired/{plain['id']}", {"body": "x"}, format="json")
    assert denied.status_code == 403
    client.delete(f"/api/marketplace/acquired/{plain['id']}")
    acquired = client.post(
        f"/api/marketplace/{listing.pk}/acquire", {"requestEditable": True}, format="json"
    ).json()["data"]["acquired"]
    assert acquired["isEditable"] is True
    response = client.patch(
        f"/api/marketplace/acquired/{acquired['id']}",
        {"body": "edited by holder {{z}}"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["acquisition"]["item"]["body"] == "edited by holder {{z}}"
    source.refresh_from_db()
    assert source.body == "edited by holder {{z}}"
    version = source.versions.get(number=response.json()["data"]["version"])
    assert version.author_id == stranger.pk
    bad = client.patch(f"/api/marketplace/acquired/{acquired['id']}", {"owner": 1}, format="json")
    assert bad.status_code == 400


def test_request_editable_is_ignored_when_not_allowed(editor, stranger, publish):
    _, listing = publish(editor, share="reference", editable=False)
    acquired = (
        bearer_client(stranger)
        .post(f"/api/marketplace/{listing.pk}/acquire", {"requestEditable": True}, format="json")
        .json()["data"]["acquired"]
    )
    assert acquired["isEditable"] is False


def test_remove_acquisition_keeps_or_deletes_the_copy(editor, stranger, publish):
    _, listing = publish(editor)
    client = bearer_client(stranger)
    acquired = client.post(f"/api/marketplace/{listing.pk}/acquire", {}, format="json").json()[
        "data"
    ]["acquired"]
    assert client.delete(f"/api/marketplace/acquired/{acquired['id']}").status_code == 204
    assert Prompt.objects.filter(pk=acquired["copiedItemId"]).exists()
    assert Listing.objects.get(pk=listing.pk).usage_count == 0
    again = client.post(f"/api/marketplace/{listing.pk}/acquire", {}, format="json").json()["data"][
        "acquired"
    ]
    response = client.delete(f"/api/marketplace/acquired/{again['id']}?deleteCopy=true")
    assert response.status_code == 204
    assert not Prompt.objects.filter(pk=again["copiedItemId"]).exists()
    assert (
        client.delete(f"/api/marketplace/acquired/{again['id']}?deleteCopy=maybe").status_code
        == 400
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_acquisitions_make_one(org, other_org):
    from publishing import services
    from tests.factories import MembershipFactory, UserFactory

    seller, buyer = UserFactory(), UserFactory()
    MembershipFactory(user=seller, organization=org, role="editor")
    MembershipFactory(user=buyer, organization=other_org, role="editor")
    item = services.item_create(
        actor=actor_for(seller, org), kind="prompt", data={"name": "n", "body": "b"}
    )
    listing = listing_publish(
        actor=actor_for(seller, org),
        item_type="prompt",
        item_id=item.pk,
        scopes={"marketplace": ScopeSettings("copy")},
    )[0]
    token = str(RefreshToken.for_user(buyer).access_token)
    statuses: list[int] = []
    barrier = threading.Barrier(10)

    def worker() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            barrier.wait()
            statuses.append(
                client.post(f"/api/marketplace/{listing.pk}/acquire", {}, format="json").status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 9 + [201]
    assert Acquisition.objects.count() == 1
    assert Listing.objects.get(pk=listing.pk).usage_count == 1
    assert Prompt.objects.filter(organization=other_org).count() == 1


# --- reports ------------------------------------------------------------------------------------
def test_report_is_deduplicated_per_organization(editor, stranger, viewer, publish):
    _, listing = publish(editor)
    client = bearer_client(stranger)
    first = client.post(
        f"/api/marketplace/{listing.pk}/report", {"reason": "spam", "details": "ads"}, format="json"
    )
    again = client.post(
        f"/api/marketplace/{listing.pk}/report", {"reason": "offensive"}, format="json"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["data"]["id"] == again.json()["data"]["id"]
    assert again.json()["data"]["reason"] == "spam"
    other = bearer_client(viewer).post(
        f"/api/marketplace/{listing.pk}/report", {"reason": "other"}, format="json"
    )
    assert other.status_code == 201
    assert Report.objects.count() == 2
    bad = client.post(f"/api/marketplace/{listing.pk}/report", {"reason": "boring"}, format="json")
    assert bad.status_code == 400


# --- search and paging -------------------------------------------------------------------------
def test_search_ranks_name_over_description_over_content(editor, stranger, publish):
    _, in_body = publish(editor, name="Alpha", description="", body="about kangaroo habits")
    _, in_desc = publish(editor, name="Beta", description="a kangaroo guide", body="x")
    _, in_name = publish(editor, name="Kangaroo expert", description="", body="x")
    _, hidden = publish(editor, name="Gamma", description="", body="kangaroo secret", visible=False)
    publish(editor, name="Delta", description="nothing", body="x")  # no match
    client = bearer_client(stranger)
    ids = [i["id"] for i in browse(client, "?q=kangaroo")["items"]]
    assert ids == [in_name.pk, in_desc.pk, in_body.pk]
    assert hidden.pk not in ids
    assert [i["id"] for i in browse(client, "?q=kangaroos&sort=name")["items"]] == [
        in_body.pk,
        in_desc.pk,
        in_name.pk,
    ]
    assert browse(client, "?q=zebra")["items"] == []


def test_sorts(editor, stranger, publish):
    _, a = publish(editor, name="b-name")
    _, b = publish(editor, name="a-name")
    Listing.objects.filter(pk=a.pk).update(usage_count=5)
    client = bearer_client(stranger)
    assert [i["id"] for i in browse(client, "?sort=name")["items"]] == [b.pk, a.pk]
    assert [i["id"] for i in browse(client, "?sort=popular")["items"]] == [a.pk, b.pk]
    assert [i["id"] for i in browse(client, "?sort=newest")["items"]] == [b.pk, a.pk]
    Listing.objects.filter(pk=a.pk).update(featured=True)
    assert [i["id"] for i in browse(client)["items"]] == [a.pk, b.pk]


@pytest.mark.parametrize("sort", ["newest", "popular", "name"])
def test_keyset_paging_walks_everything_once(sort, editor, stranger, publish):
    listings = [publish(editor, name=f"item {i:02d}")[1] for i in range(7)]
    Listing.objects.filter(pk=listings[3].pk).update(usage_count=4, featured=True)
    client = bearer_client(stranger)
    seen, cursor = [], None
    while True:
        query = f"?sort={sort}&limit=3" + (f"&cursor={cursor}" if cursor else "")
        data = browse(client, query)
        seen += [i["id"] for i in data["items"]]
        cursor = data["nextCursor"]
        if cursor is None:
            break
        assert len(data["items"]) == 3
    paged = [i["id"] for i in browse(client, f"?sort={sort}&limit=100")["items"]]
    assert seen == paged
    assert sorted(seen) == sorted(listing.pk for listing in listings)


def test_page_mode_reports_totals(editor, stranger, publish):
    for i in range(5):
        publish(editor, name=f"n{i}")
    data = browse(bearer_client(stranger), "?limit=2&page=3")
    assert data["pagination"] == {"page": 3, "limit": 2, "total": 5, "pages": 3}
    assert len(data["items"]) == 1
    assert data["nextCursor"] is None


def test_cursor_for_another_sort_is_rejected(editor, stranger, publish):
    for i in range(3):
        publish(editor, name=f"n{i}")
    cursor = browse(bearer_client(stranger), "?limit=1")["nextCursor"]
    response = bearer_client(stranger).get(f"/api/marketplace?sort=name&cursor={cursor}")
    assert response.status_code == 400


def test_query_budget_browse_and_detail(editor, stranger, publish, django_assert_max_num_queries):
    listings = [publish(editor, name=f"n{i}")[1] for i in range(12)]
    client = bearer_client(stranger)
    client.post(f"/api/marketplace/{listings[0].pk}/acquire", {}, format="json")
    for limit in (2, 100):
        with django_assert_max_num_queries(4):
            assert len(browse(client, f"?limit={limit}")["items"]) == min(limit, 12)
    # + the matches' ids (selectors.few_match_ids): a savepoint, the setting off, the ids, the
    # setting back (this test's transaction goes on), the savepoint's release
    with django_assert_max_num_queries(9):
        assert len(browse(client, "?limit=5&q=n1")["items"]) >= 1
    with django_assert_max_num_queries(4):
        assert client.get(f"/api/marketplace/{listings[1].pk}").status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get("/api/marketplace/acquired").status_code == 200


def test_acquired_list_shape(editor, stranger, publish):
    _, listing = publish(editor)
    client = bearer_client(stranger)
    client.post(f"/api/marketplace/{listing.pk}/acquire", {}, format="json")
    data = client.get("/api/marketplace/acquired").json()["data"]
    assert data["pagination"]["total"] == 1
    entry = data["items"][0]
    assert entry["available"] is True
    assert entry["item"]["body"] == "Hi {{org_name}}"
    assert json.dumps(entry)
