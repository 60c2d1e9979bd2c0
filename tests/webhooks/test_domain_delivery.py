"""Domain events through a real worker to a real receiver on 127.0.0.1: the consumer's endpoint
never receives the hidden body of a listing it acquired; the publisher's own endpoint does."""

from __future__ import annotations

import pytest

from marketplace import services
from marketplace.services import ScopeSettings
from publishing import services as item_services
from publishing.tenancy import actor_for
from tests.webhooks.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "hidden recipe {{x}}"


def test_a_consumer_endpoint_never_receives_the_hidden_body(
    workers, receiver, make_endpoint, org, owner, other_org, stranger
):
    consumer_endpoint = make_endpoint(organization=other_org, url=receiver.url + "/consumer")
    publisher_endpoint = make_endpoint(
        organization=org, url=receiver.url + "/publisher", event_types=["listing.published"]
    )
    publisher = actor_for(owner, org)
    item = item_services.item_create(
        actor=publisher, kind="prompt", data={"name": "Triage", "description": "", "body": SECRET}
    )
    (listing,) = services.listing_publish(
        actor=publisher,
        item_type="prompt",
        item_id=item.pk,
        scopes={"marketplace": ScopeSettings("reference", is_content_visible=False)},
    )
    consumer = actor_for(stranger, other_org)
    acquisition, _ = services.listing_acquire(actor=consumer, listing_id=listing.pk)
    services.acquisition_remove(actor=consumer, acquisition_id=acquisition.pk)
    workers.start()
    wait_for(lambda: len(receiver.requests) >= 3, what="three deliveries")

    by_path = {}
    for request in receiver.requests:
        by_path.setdefault(request.path, []).append(request.json())
    consumer_events = by_path["/hooks/consumer"]
    assert sorted(e["type"] for e in consumer_events) == [
        "acquisition.created",
        "acquisition.released",
    ]
    for payload in consumer_events:
        assert payload["data"]["item"]["body"] is None
        assert payload["data"]["item"]["contentHidden"] is True
    assert not any(
        b"hidden recipe" in r.body for r in receiver.requests if r.path == "/hooks/consumer"
    )
    # The publisher sees its own content.
    (published,) = by_path["/hooks/publisher"]
    assert published["type"] == "listing.published"
    assert published["data"]["content"] == SECRET
    assert consumer_endpoint.pk != publisher_endpoint.pk
