"""Editing through an editable reference (issues 14.2, 14.3, 14.4.1): the item update's own rules
apply, hidden content is never editable, and a repeat acquisition can become editable."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from marketplace.models import Acquisition, Listing
from marketplace.services import ListingMetadata, ScopeSettings, listing_publish
from publishing.models import AuditEvent
from publishing.tenancy import actor_for
from tests.conftest import bearer_client, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def editable_reference(org, editor, stranger, make_item):
    """(source item, listing, holder client, acquisition id): an editable reference."""
    item = make_item(editor, body="v1 {{a}}")
    (listing,) = listing_publish(
        actor=actor_for(editor, org),
        item_type="prompt",
        item_id=item.pk,
        scopes={"marketplace": ScopeSettings("reference", True, True)},
        metadata=ListingMetadata(),
    )
    client = bearer_client(stranger)
    acquired = client.post(
        f"/api/marketplace/{listing.pk}/acquire", {"requestEditable": True}, format="json"
    ).json()["data"]["acquired"]
    assert acquired["isEditable"] is True
    return item, listing, client, acquired["id"]


def test_201_variables_through_a_reference_is_400(editable_reference):
    item, _, client, acquisition_id = editable_reference
    body = " ".join(f"{{{{v{i}}}}}" for i in range(201))
    response = client.patch(
        f"/api/marketplace/acquired/{acquisition_id}", {"body": body}, format="json"
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "VALIDATION_FAILED"
    item.refresh_from_db()
    assert item.body == "v1 {{a}}"


def test_stale_if_match_through_a_reference_is_412(editable_reference):
    item, _, client, acquisition_id = editable_reference
    url = f"/api/marketplace/acquired/{acquisition_id}"
    first = client.patch(url, {"body": "v2 {{a}}"}, format="json", HTTP_IF_MATCH=item.etag)
    assert first.status_code == 200, first.json()
    assert first["ETag"] != item.etag
    stale = client.patch(url, {"body": "v3"}, format="json", HTTP_IF_MATCH=item.etag)
    assert stale.status_code == 412
    assert error_of(stale)["code"] == "PRECONDITION_FAILED"
    fresh = client.patch(url, {"body": "v3"}, format="json", HTTP_IF_MATCH=first["ETag"])
    assert fresh.status_code == 200
    item.refresh_from_db()
    assert (item.body, item.revision) == ("v3", 3)


def test_an_edit_through_a_reference_is_audited_as_an_item_update(editable_reference, stranger):
    item, _, client, acquisition_id = editable_reference
    client.patch(f"/api/marketplace/acquired/{acquisition_id}", {"name": "x"}, format="json")
    update = AuditEvent.objects.get(action="publishing.prompt.update", target_id=item.pk)
    assert update.actor_user_id == stranger.pk


def test_hidden_content_cannot_be_edited_through_a_reference(editable_reference):
    item, listing, client, acquisition_id = editable_reference
    # A listing in the state the migration clears (written before publish refused it).
    Listing.objects.filter(pk=listing.pk).update(is_content_visible=False)
    url = f"/api/marketplace/acquired/{acquisition_id}"
    response = client.patch(url, {"body": "overwritten"}, format="json")
    assert response.status_code == 403
    assert error_of(response)["code"] == "CONTENT_HIDDEN"
    item.refresh_from_db()
    assert item.body == "v1 {{a}}"


def test_migration_turns_editable_references_to_hidden_content_off(editable_reference):
    _, listing, client, acquisition_id = editable_reference
    Listing.objects.filter(pk=listing.pk).update(is_content_visible=False)
    visible = Listing.objects.filter(pk=listing.pk).values_list("allow_editable_references")
    assert visible.get() == (True,)
    migration = importlib.import_module(
        "marketplace.migrations.0005_editable_references_off_for_hidden_content"
    )
    migration.editable_references_off_for_hidden_content(django_apps, None)
    assert Listing.objects.get(pk=listing.pk).allow_editable_references is False
    response = client.patch(f"/api/marketplace/acquired/{acquisition_id}", {"name": "n"})
    assert response.status_code == 403  # the holder's reference is read-only now


# --- 14.4.1: acquiring again with requestEditable ------------------------------------------------
def test_acquiring_again_with_request_editable_makes_the_reference_editable(
    org, editor, stranger, make_item
):
    item = make_item(editor)
    (listing,) = listing_publish(
        actor=actor_for(editor, org),
        item_type="prompt",
        item_id=item.pk,
        scopes={"marketplace": ScopeSettings("reference", True, True)},
    )
    client = bearer_client(stranger)
    url = f"/api/marketplace/{listing.pk}/acquire"
    first = client.post(url, {}, format="json").json()["data"]["acquired"]
    assert first["isEditable"] is False
    again = client.post(url, {"requestEditable": True}, format="json")
    assert again.status_code == 200
    assert again.json()["data"]["acquired"]["isEditable"] is True
    assert again.json()["data"]["acquired"]["id"] == first["id"]
    assert Acquisition.objects.get().is_editable is True
    assert AuditEvent.objects.filter(action="marketplace.acquisition.make_editable").count() == 1
    assert Listing.objects.get().usage_count == 1


def test_acquiring_again_with_request_editable_when_not_allowed_is_409(
    org, editor, stranger, make_item
):
    item = make_item(editor)
    (listing,) = listing_publish(
        actor=actor_for(editor, org),
        item_type="prompt",
        item_id=item.pk,
        scopes={"marketplace": ScopeSettings("reference", True, False)},
    )
    client = bearer_client(stranger)
    url = f"/api/marketplace/{listing.pk}/acquire"
    client.post(url, {}, format="json")
    again = client.post(url, {"requestEditable": True}, format="json")
    assert again.status_code == 409
    assert error_of(again)["code"] == "EDITABLE_REFERENCES_NOT_ALLOWED"
    assert Acquisition.objects.get().is_editable is False
