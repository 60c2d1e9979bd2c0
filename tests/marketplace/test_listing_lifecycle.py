"""my-published, PATCH, DELETE and /unpublish; item deletion guarded by listings; concurrency."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from marketplace.models import Listing
from publishing.models import AuditEvent
from tests.conftest import bearer_client, error_of
from tests.marketplace.conftest import both_scopes

PUBLISH = "/api/marketplace/publish"


def published(client, item, body=None):
    response = client.post(PUBLISH, body or both_scopes(item.pk), format="json")
    assert response.status_code == 200, response.json()
    return response.json()["data"]["published"]


@pytest.mark.django_db
def test_my_published_lists_every_status_with_filters(editor, make_item, stranger):
    client = bearer_client(editor)
    prompt, template = make_item(editor), make_item(editor, kind="template")
    published(client, prompt)
    published(client, template, both_scopes(template.pk, "template"))
    Listing.objects.filter(template=template, scope="marketplace").update(
        status="suspended", moderation_reason="Spam"
    )

    def ids(query=""):
        response = client.get(f"/api/marketplace/my-published{query}")
        assert response.status_code == 200, response.json()
        return response.json()["data"]

    assert ids()["pagination"]["total"] == 4
    assert {i["itemType"] for i in ids("?itemType=template")["items"]} == {"template"}
    suspended = ids("?status=suspended")["items"]
    assert len(suspended) == 1
    assert suspended[0]["moderation"]["reason"] == "Spam"
    assert suspended[0]["content"] == "Hi {{org_name}}"
    assert len(ids("?scope=organization&limit=1")["items"]) == 1
    assert client.get("/api/marketplace/my-published?status=gone").status_code == 400
    other = bearer_client(stranger).get("/api/marketplace/my-published").json()["data"]
    assert other["items"] == []


@pytest.mark.django_db
def test_patch_changes_settings_and_metadata(editor, make_item):
    client = bearer_client(editor)
    item = make_item(editor)
    listing_id = published(client, item)[1]["id"]
    response = client.patch(
        f"/api/marketplace/{listing_id}",
        {"isContentVisible": True, "allowEditableReferences": True, "metadata": {"name": "New"}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert (data["isContentVisible"], data["allowEditableReferences"], data["name"]) == (
        True,
        True,
        "New",
    )
    bad = client.patch(f"/api/marketplace/{listing_id}", {"shareType": "copy"}, format="json")
    assert bad.status_code == 400
    assert "allowEditableReferences" in error_of(bad)["details"]["fields"]
    assert Listing.objects.get(pk=listing_id).share_type == "reference"
    assert AuditEvent.objects.filter(action="marketplace.listing.update").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("editor", 200),
        ("admin", 200),
        ("owner", 200),
        ("editor2", 403),
        ("viewer", 403),
        ("stranger", 404),
    ],
)
def test_only_publisher_or_admin_manage_listings(who, status, request, editor, make_item):
    item = make_item(editor)
    listing_id = published(bearer_client(editor), item)[0]["id"]
    client = bearer_client(request.getfixturevalue(who))
    patch = client.patch(
        f"/api/marketplace/{listing_id}", {"isContentVisible": False}, format="json"
    )
    assert patch.status_code == status
    delete = client.delete(f"/api/marketplace/{listing_id}")
    assert delete.status_code == status


@pytest.mark.django_db
def test_delete_unpublishes_softly_and_idempotently(editor, make_item):
    client = bearer_client(editor)
    item = make_item(editor)
    listing_id = published(client, item)[0]["id"]
    response = client.delete(f"/api/marketplace/{listing_id}")
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "unpublished"
    assert client.delete(f"/api/marketplace/{listing_id}").status_code == 200
    assert Listing.objects.filter(pk=listing_id, status="unpublished").exists()
    assert AuditEvent.objects.filter(action="marketplace.listing.unpublish").count() == 1
    # Republishing brings the same listing back.
    assert published(client, item)[0]["id"] == listing_id


@pytest.mark.django_db
def test_unpublish_by_item_and_scopes(editor, make_item):
    client = bearer_client(editor)
    item = make_item(editor)
    entries = published(client, item)
    response = client.post(
        "/api/marketplace/unpublish",
        {"itemType": "prompt", "itemId": item.pk, "scopes": ["marketplace"]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["data"]["unpublished"] == [
        {"id": entries[1]["id"], "scope": "marketplace", "status": "unpublished"}
    ]
    assert Listing.objects.get(pk=entries[0]["id"]).status == "active"
    bad = client.post(
        "/api/marketplace/unpublish",
        {"itemType": "prompt", "itemId": item.pk, "scopes": ["everywhere"]},
        format="json",
    )
    assert bad.status_code == 400


@pytest.mark.django_db
def test_bad_listing_ids(editor):
    client = bearer_client(editor)
    assert client.delete("/api/marketplace/xyz").status_code == 400
    assert client.delete(f"/api/marketplace/{'b' * 24}").status_code == 404


@pytest.mark.django_db
def test_item_with_live_listing_cannot_be_deleted(editor, make_item):
    client = bearer_client(editor)
    item = make_item(editor)
    entries = published(client, item)
    response = client.delete(f"/api/prompts/{item.pk}")
    assert response.status_code == 409
    assert error_of(response)["code"] == "CONFLICT"
    assert error_of(response)["details"]["listingIds"] == sorted(e["id"] for e in entries)
    client.post(
        "/api/marketplace/unpublish",
        {"itemType": "prompt", "itemId": item.pk, "scopes": ["organization", "marketplace"]},
        format="json",
    )
    assert client.delete(f"/api/prompts/{item.pk}").status_code == 204
    assert not Listing.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_identical_publishes_leave_one_listing_per_scope(org):
    from publishing import services
    from publishing.tenancy import actor_for
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory()
    MembershipFactory(user=user, organization=org, role="editor")
    item = services.item_create(
        actor=actor_for(user, org), kind="prompt", data={"name": "n", "body": "b {{x}}"}
    )
    from rest_framework_simplejwt.tokens import RefreshToken

    token = str(RefreshToken.for_user(user).access_token)
    statuses: list[int] = []
    ids: list[tuple[str, ...]] = []
    barrier = threading.Barrier(20)

    def worker() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            barrier.wait()
            response = client.post(PUBLISH, both_scopes(item.pk), format="json")
            statuses.append(response.status_code)
            if response.status_code == 200:
                ids.append(tuple(e["id"] for e in response.json()["data"]["published"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 20
    assert len(set(ids)) == 1
    assert Listing.objects.filter(prompt=item).count() == 2
    assert set(Listing.objects.values_list("scope", flat=True)) == {"organization", "marketplace"}
