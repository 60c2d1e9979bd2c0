"""POST /api/marketplace/publish and the publisher's side of the listing lifecycle."""

from __future__ import annotations

import copy
import re

import pytest
from django.test import override_settings

from marketplace.models import Listing, ListingStatus
from publishing.models import AuditEvent, PromptVersion
from tests.conftest import bearer_client, error_of
from tests.marketplace.conftest import both_scopes, reference_request

pytestmark = pytest.mark.django_db
PUBLISH = "/api/marketplace/publish"


def publish(client, body, **headers):
    return client.post(PUBLISH, body, format="json", **headers)


def test_reference_example_answers_the_reference_shape(editor, make_item):
    item = make_item(editor)
    response = publish(bearer_client(editor), reference_request(item.pk))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["success"] is True
    (entry,) = body["data"]["published"]  # the disabled marketplace scope is not listed
    assert re.fullmatch(r"[0-9a-f]{24}", entry["id"])
    assert entry["scope"] == "organization"
    assert entry["shareType"] == "copy"
    assert entry["isContentVisible"] is True
    assert entry["status"] == "active"
    assert entry["allowEditableReferences"] is False
    assert entry["itemVersion"] == 1
    listing = Listing.objects.get()
    assert listing.name == "Acme Inbound Triage Prompt"
    assert listing.usage_information == "Set the {{org_name}} variable before applying."
    assert listing.snapshot_body == "Hi {{org_name}}"
    assert listing.snapshot_variables == ["org_name"]


def test_both_scopes_answer_one_entry_each_in_order(editor, make_item):
    item = make_item(editor, kind="template")
    response = publish(bearer_client(editor), both_scopes(item.pk, "template"))
    assert response.status_code == 200
    entries = response.json()["data"]["published"]
    assert [(e["scope"], e["shareType"], e["isContentVisible"]) for e in entries] == [
        ("organization", "copy", True),
        ("marketplace", "reference", False),
    ]
    assert Listing.objects.filter(template=item).count() == 2
    actions = list(AuditEvent.objects.filter(action="marketplace.listing.publish"))
    assert len(actions) == 2


def test_republish_keeps_ids_and_changes_only_updated_at(editor, make_item):
    item = make_item(editor)
    client = bearer_client(editor)
    first = publish(client, both_scopes(item.pk)).json()["data"]["published"]
    before = {listing.pk: listing for listing in Listing.objects.all()}
    second = publish(client, both_scopes(item.pk)).json()["data"]["published"]
    assert [e["id"] for e in first] == [e["id"] for e in second]
    assert first == second
    for listing in Listing.objects.all():
        old = before[listing.pk]
        assert listing.updated_at > old.updated_at
        assert (listing.status, listing.item_version, listing.published_at) == (
            old.status,
            old.item_version,
            old.published_at,
        )
    assert PromptVersion.objects.filter(item=item).count() == 1


def test_edits_stay_private_until_republished(editor, make_item):
    item = make_item(editor)
    client = bearer_client(editor)
    publish(client, reference_request(item.pk))
    client.patch(f"/api/prompts/{item.pk}", {"body": "Secret draft {{x}}"})
    listing = Listing.objects.get()
    assert listing.snapshot_body == "Hi {{org_name}}"
    entries = publish(client, reference_request(item.pk)).json()["data"]["published"]
    assert entries[0]["itemVersion"] == 2
    listing.refresh_from_db()
    assert listing.snapshot_body == "Secret draft {{x}}"
    assert listing.snapshot_variables == ["x"]
    assert list(PromptVersion.objects.values_list("source", flat=True).order_by("number")) == [
        "publish",
        "publish",
    ]


def test_disabled_scope_is_left_untouched(editor, make_item):
    item = make_item(editor)
    client = bearer_client(editor)
    publish(client, both_scopes(item.pk))
    marketplace = Listing.objects.get(scope="marketplace")
    body = reference_request(item.pk)
    body["scopes"]["organization"]["isContentVisible"] = False
    del body["scopes"]["marketplace"]
    publish(client, body)
    after = Listing.objects.get(scope="marketplace")
    assert after.updated_at == marketplace.updated_at
    assert Listing.objects.get(scope="organization").is_content_visible is False


def test_metadata_defaults_to_item_values(editor, make_item):
    item = make_item(editor, name="Item name", description="Item description")
    body = reference_request(item.pk)
    del body["metadata"]
    publish(bearer_client(editor), body)
    listing = Listing.objects.get()
    assert (listing.name, listing.description, listing.usage_information) == (
        "Item name",
        "Item description",
        "",
    )


def test_defaults_for_optional_scope_settings(editor, make_item):
    item = make_item(editor)
    body = {
        "itemType": "prompt",
        "itemId": item.pk,
        "scopes": {"marketplace": {"enabled": True, "shareType": "copy"}},
    }
    entry = publish(bearer_client(editor), body).json()["data"]["published"][0]
    assert entry["isContentVisible"] is True
    assert entry["allowEditableReferences"] is False


def _invalid_bodies(item_id):
    base = both_scopes(item_id)

    def variant(mutate):
        body = copy.deepcopy(base)
        mutate(body)
        return body

    return [
        ("itemType", variant(lambda b: b.pop("itemType"))),
        ("itemType", variant(lambda b: b.update(itemType="workflow"))),
        ("itemId", variant(lambda b: b.pop("itemId"))),
        ("itemId", variant(lambda b: b.update(itemId="abc"))),
        ("itemId", variant(lambda b: b.update(itemId="a" * 25))),
        ("itemId", variant(lambda b: b.update(itemId=12345))),
        ("scopes", variant(lambda b: b.pop("scopes"))),
        ("scopes", variant(lambda b: b.update(scopes=[]))),
        ("scopes", variant(lambda b: b.update(scopes={}))),
        ("scopes.public", variant(lambda b: b["scopes"].update(public={"enabled": True}))),
        (
            "scopes.organization.enabled",
            variant(lambda b: b["scopes"]["organization"].pop("enabled")),
        ),
        (
            "scopes.organization.enabled",
            variant(lambda b: b["scopes"]["organization"].update(enabled="true")),
        ),
        (
            "scopes.organization.enabled",
            variant(lambda b: b["scopes"]["organization"].update(enabled=1)),
        ),
        (
            "scopes.organization.shareType",
            variant(lambda b: b["scopes"]["organization"].pop("shareType")),
        ),
        (
            "scopes.organization.shareType",
            variant(lambda b: b["scopes"]["organization"].update(shareType="fork")),
        ),
        (
            "scopes.marketplace.isContentVisible",
            variant(lambda b: b["scopes"]["marketplace"].update(isContentVisible="no")),
        ),
        (
            "scopes.organization.allowEditableReferences",
            variant(lambda b: b["scopes"]["organization"].update(allowEditableReferences=True)),
        ),
        (
            "scopes",
            variant(
                lambda b: (
                    b["scopes"]["organization"].update(enabled=False),
                    b["scopes"]["marketplace"].update(enabled=False),
                )
            ),
        ),
        ("metadata.name", variant(lambda b: b["metadata"].update(name=""))),
        ("metadata.name", variant(lambda b: b["metadata"].update(name="x" * 201))),
        ("metadata.description", variant(lambda b: b["metadata"].update(description="x" * 2001))),
        (
            "metadata.usageInformation",
            variant(lambda b: b["metadata"].update(usageInformation="x" * 5001)),
        ),
        ("metadata", variant(lambda b: b.update(metadata="just a string"))),
        ("status", variant(lambda b: b.update(status="active"))),
    ]


def test_every_validation_rule_names_the_field_and_writes_nothing(editor, make_item):
    item = make_item(editor)
    client = bearer_client(editor)
    for field, body in _invalid_bodies(item.pk):
        response = publish(client, body)
        assert response.status_code == 400, (field, response.json())
        error = error_of(response)
        assert error["code"] == "VALIDATION_FAILED"
        assert field in error["details"]["fields"], (field, error)
    assert not Listing.objects.exists()
    assert not PromptVersion.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="marketplace").exists()


def test_metadata_null_means_defaults(editor, make_item):
    item = make_item(editor)
    body = reference_request(item.pk)
    body["metadata"] = None
    assert publish(bearer_client(editor), body).status_code == 200


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 200),
        ("admin", 200),
        ("editor", 200),
        ("editor2", 403),
        ("viewer", 403),
        ("stranger", 404),
    ],
)
def test_who_may_publish(who, status, request, editor, make_item):
    item = make_item(editor)
    user = request.getfixturevalue(who)
    response = publish(bearer_client(user), reference_request(item.pk))
    assert response.status_code == status
    assert Listing.objects.exists() == (status == 200)


def test_unknown_item_is_404(editor):
    response = publish(bearer_client(editor), reference_request("a" * 24))
    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"


def test_item_type_must_match_the_item(editor, make_item):
    item = make_item(editor, kind="template")
    assert publish(bearer_client(editor), reference_request(item.pk, "prompt")).status_code == 404


@override_settings(MARKETPLACE_REQUIRE_REVIEW=True)
def test_review_required_puts_marketplace_listings_in_pending_review(editor, make_item):
    item = make_item(editor)
    entries = publish(bearer_client(editor), both_scopes(item.pk)).json()["data"]["published"]
    assert [e["status"] for e in entries] == ["active", "pending_review"]


@pytest.mark.parametrize("held", [ListingStatus.REJECTED, ListingStatus.SUSPENDED])
def test_rejected_or_suspended_listing_only_returns_to_pending_review(held, editor, make_item):
    item = make_item(editor)
    client = bearer_client(editor)
    publish(client, both_scopes(item.pk))
    Listing.objects.filter(scope="marketplace").update(status=held, moderation_hold=True)
    entries = publish(client, both_scopes(item.pk)).json()["data"]["published"]
    assert entries[1]["status"] == "pending_review"
    # Unpublishing and republishing does not launder the hold either.
    listing_id = entries[1]["id"]
    Listing.objects.filter(pk=listing_id).update(status=held)
    assert client.delete(f"/api/marketplace/{listing_id}").status_code == 200
    entries = publish(client, both_scopes(item.pk)).json()["data"]["published"]
    assert entries[1]["status"] == "pending_review"


def test_hidden_content_copies_cannot_be_republished(editor, make_item):
    item = make_item(editor)
    type(item).objects.filter(pk=item.pk).update(content_hidden=True)
    response = publish(bearer_client(editor), reference_request(item.pk))
    assert response.status_code == 403
    assert error_of(response)["code"] == "CONTENT_HIDDEN"


def test_query_budget_does_not_grow_with_item_size(
    editor, make_item, django_assert_max_num_queries
):
    small = make_item(editor, body="{{a}}")
    large = make_item(editor, body=" ".join(f"{{{{v{i}}}}} " + "x" * 400 for i in range(200)))
    client = bearer_client(editor)
    counts = []
    for item in (small, large):
        with django_assert_max_num_queries(14) as captured:  # +2: event insert, endpoint select
            assert publish(client, both_scopes(item.pk)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(14) as captured:  # +2: event insert, endpoint select
        response = publish(client, both_scopes(large.pk), HTTP_IDEMPOTENCY_KEY="budget-1")
    assert response.status_code == 200


def test_idempotency_key_replays_the_first_response(editor, make_item):
    item = make_item(editor)
    client = bearer_client(editor)
    first = publish(client, both_scopes(item.pk), HTTP_IDEMPOTENCY_KEY="k-1")
    updated = Listing.objects.get(scope="organization").updated_at
    again = publish(client, both_scopes(item.pk), HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Listing.objects.get(scope="organization").updated_at == updated
    assert AuditEvent.objects.filter(action="marketplace.listing.publish").count() == 2


def test_idempotency_key_with_another_body_is_422(editor, make_item):
    item = make_item(editor)
    client = bearer_client(editor)
    publish(client, both_scopes(item.pk), HTTP_IDEMPOTENCY_KEY="k-2")
    response = publish(client, reference_request(item.pk), HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert error_of(response)["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_idempotency_key_in_flight_is_409(editor, make_item):
    from django.utils import timezone

    from marketplace.idempotency import _request_hash  # noqa: F401 - the hash is what we fake
    from marketplace.models import IdempotencyRecord

    item = make_item(editor)
    client = bearer_client(editor)
    publish(client, both_scopes(item.pk), HTTP_IDEMPOTENCY_KEY="k-3")
    IdempotencyRecord.objects.filter(key="k-3").update(in_progress=True, created_at=timezone.now())
    response = publish(client, both_scopes(item.pk), HTTP_IDEMPOTENCY_KEY="k-3")
    assert response.status_code == 409
    assert error_of(response)["code"] == "CONFLICT"


def test_idempotency_keys_are_per_caller(editor, admin, make_item):
    item = make_item(editor)
    publish(bearer_client(editor), both_scopes(item.pk), HTTP_IDEMPOTENCY_KEY="shared")
    response = publish(bearer_client(admin), both_scopes(item.pk), HTTP_IDEMPOTENCY_KEY="shared")
    assert "Idempotent-Replayed" not in response


def test_idempotency_key_too_long_is_400(editor, make_item):
    item = make_item(editor)
    response = publish(bearer_client(editor), both_scopes(item.pk), HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert response.status_code == 400


def test_failed_request_is_not_stored_for_replay(editor, viewer, make_item):
    item = make_item(editor)
    assert (
        publish(bearer_client(viewer), both_scopes(item.pk), HTTP_IDEMPOTENCY_KEY="v").status_code
        == 403
    )
    from marketplace.models import IdempotencyRecord

    assert not IdempotencyRecord.objects.exists()
