"""POST /api/marketplace/unpublish (issues 14.4.2, 14.4.11) and the one moderation-hold rule
(issue 15.3) that the API and the batch share."""

from __future__ import annotations

import pytest

from marketplace.bulk import listing_unpublish_batch
from marketplace.models import Listing, ListingStatus
from marketplace.services import ScopeSettings, listing_publish, listing_unpublish_item
from publishing.tenancy import actor_for
from tests.conftest import bearer_client, error_of

pytestmark = pytest.mark.django_db
UNPUBLISH = "/api/marketplace/unpublish"


def _published(org, editor, make_item, scope="marketplace"):
    item = make_item(editor)
    listing_publish(
        actor=actor_for(editor, org),
        item_type="prompt",
        item_id=item.pk,
        scopes={scope: ScopeSettings("copy")},
    )
    return item


@pytest.mark.parametrize("scope_with_listing", [True, False])
def test_a_viewer_gets_403_whether_or_not_there_is_a_listing(
    scope_with_listing, org, editor, viewer, make_item
):
    item = _published(org, editor, make_item)
    scopes = ["marketplace"] if scope_with_listing else ["organization"]
    response = bearer_client(viewer).post(
        UNPUBLISH, {"itemType": "prompt", "itemId": item.pk, "scopes": scopes}, format="json"
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "FORBIDDEN"
    assert Listing.objects.get().status == ListingStatus.ACTIVE


def test_publish_shaped_scopes_answer_which_shape_is_expected(editor, make_item):
    item = make_item(editor)
    body = {"itemType": "prompt", "itemId": item.pk, "scopes": {"marketplace": {"enabled": True}}}
    response = bearer_client(editor).post(UNPUBLISH, body, format="json")
    assert response.status_code == 400
    (message,) = error_of(response)["details"]["fields"]["scopes"]
    assert 'list of scope names, e.g. ["marketplace"]' in message
    assert "unlike publish" in message


@pytest.mark.parametrize("held", [ListingStatus.REJECTED, ListingStatus.SUSPENDED])
def test_api_and_batch_keep_the_moderation_hold_alike(held, org, editor, make_item):
    actor = actor_for(editor, org)
    by_api, by_batch = (_published(org, editor, make_item) for _ in range(2))
    Listing.objects.update(status=held, moderation_hold=False)
    listing_unpublish_item(
        actor=actor, item_type="prompt", item_id=by_api.pk, scopes=["marketplace"]
    )
    listing_unpublish_batch(
        actor=actor, item_type="prompt", item_ids=[by_batch.pk], scopes=["marketplace"]
    )
    assert list(Listing.objects.values_list("status", "moderation_hold")) == [
        (ListingStatus.UNPUBLISHED, True),
        (ListingStatus.UNPUBLISHED, True),
    ]


def test_batch_unpublish_as_a_viewer_fails_every_item(org, editor, viewer, make_item):
    with_listing = _published(org, editor, make_item)
    without = make_item(editor, name="never published")
    result = listing_unpublish_batch(
        actor=actor_for(viewer, org),
        item_type="prompt",
        item_ids=[with_listing.pk, without.pk],
        scopes=["marketplace"],
    )
    assert sorted(f.code for f in result.failures) == ["FORBIDDEN", "FORBIDDEN"]
