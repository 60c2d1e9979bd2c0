"""Domain events of the marketplace and of items: each written once per change by the audit
helper, in the change's transaction, with the resource as the API shows it to the receiving
organization (the payload builders agree with the API's output serializers)."""

from __future__ import annotations

import pytest
from django.db import transaction

from config.errors import ValidationFailedError
from marketplace import services
from marketplace.api.serializers import AcquisitionDetailSerializer, OwnListingOutputSerializer
from marketplace.models import Acquisition, Listing
from marketplace.services import ListingMetadata, ScopeSettings
from publishing import services as item_services
from publishing.api.item_serializers import VersionOutputSerializer
from publishing.models import AuditEvent
from publishing.tenancy import actor_for
from webhooks.models import Event

pytestmark = pytest.mark.django_db
SECRET = "the hidden recipe {{x}}"


def events(type_: str) -> list[Event]:
    return list(Event.objects.filter(type=type_).order_by("occurred_at", "id"))


def own(listing_id: str) -> dict:
    return dict(OwnListingOutputSerializer(Listing.objects.get(pk=listing_id)).data)


def publish(actor, item, *, visible=True, share="reference"):
    return services.listing_publish(
        actor=actor,
        item_type=item.item_type,
        item_id=item.pk,
        scopes={"marketplace": ScopeSettings(share, is_content_visible=visible)},
    )


@pytest.fixture
def actor(org, owner):
    return actor_for(owner, org)


def test_publish_emits_listing_published_per_listing_with_the_publishers_view(
    actor, owner, make_item
):
    item = make_item(owner)
    listings = services.listing_publish(
        actor=actor,
        item_type="prompt",
        item_id=item.pk,
        scopes={"organization": ScopeSettings("copy"), "marketplace": ScopeSettings("copy")},
    )
    published = events("listing.published")
    assert (
        len(published)
        == 2
        == AuditEvent.objects.filter(action="marketplace.listing.publish").count()
    )
    assert [e.data for e in published] == [own(listing.pk) for listing in listings]
    assert {e.organization_id for e in published} == {actor.organization.pk}
    # Republishing (same ids) is a published event again, for each listing written.
    publish(actor, item, share="copy")
    assert len(events("listing.published")) == 3


def test_update_and_unpublish_emit_once_each(actor, owner, make_item):
    (listing,) = publish(actor, make_item(owner))
    services.listing_update(
        actor=actor,
        listing_id=listing.pk,
        changes={"is_content_visible": False},
        metadata=ListingMetadata(name="Renamed"),
    )
    (updated,) = events("listing.updated")
    assert updated.data == own(listing.pk)
    assert updated.data["name"] == "Renamed"
    services.listing_unpublish(actor=actor, listing_id=listing.pk)
    services.listing_unpublish(actor=actor, listing_id=listing.pk)  # idempotent: no event
    (unpublished,) = events("listing.unpublished")
    assert unpublished.data == own(listing.pk)
    assert unpublished.data["status"] == "unpublished"


def test_moderation_emits_to_the_publishing_organization(
    actor, owner, make_item, moderator, settings
):
    settings.MARKETPLACE_REQUIRE_REVIEW = True
    (listing,) = publish(actor, make_item(owner))
    services.listing_approve(listing_id=listing.pk, moderator=moderator)
    services.listing_suspend(listing_id=listing.pk, moderator=moderator, reason="spam")
    services.listing_reinstate(listing_id=listing.pk, moderator=moderator)
    (other,) = publish(actor, make_item(owner, name="Other"))
    services.listing_reject(listing_id=other.pk, moderator=moderator, reason="off-topic")
    services.listing_feature(listing_id=listing.pk, moderator=moderator)  # audited, no event
    for type_, listing_id in [
        ("listing.approved", listing.pk),
        ("listing.suspended", listing.pk),
        ("listing.reinstated", listing.pk),
        ("listing.rejected", other.pk),
    ]:
        (event,) = events(type_)
        assert event.organization_id == actor.organization.pk
        assert event.data["id"] == listing_id
    assert events("listing.rejected")[0].data == own(other.pk)
    assert events("listing.rejected")[0].data["moderation"]["reason"] == "off-topic"


def test_acquisition_events_go_to_the_acquirer_without_hidden_content(
    actor, owner, make_item, other_org, stranger
):
    (listing,) = publish(actor, make_item(owner, body=SECRET), visible=False)
    consumer = actor_for(stranger, other_org)
    acquisition, _ = services.listing_acquire(actor=consumer, listing_id=listing.pk)
    services.listing_acquire(actor=consumer, listing_id=listing.pk)  # again: no new event
    (created,) = events("acquisition.created")
    assert created.organization_id == other_org.pk
    shown = AcquisitionDetailSerializer(
        Acquisition.objects.get(pk=acquisition.pk), context={"actor": consumer}
    ).data
    assert created.data == shown
    assert created.data["item"]["body"] is None
    assert created.data["item"]["contentHidden"] is True
    services.acquisition_remove(actor=consumer, acquisition_id=acquisition.pk)
    (released,) = events("acquisition.released")
    assert released.organization_id == other_org.pk
    assert released.data == shown
    # Nothing the consumer's organization received carries the hidden body.
    for event in Event.objects.filter(organization=other_org):
        assert "hidden recipe" not in str(event.data)


def test_a_copy_acquisition_event_shows_the_copy(actor, owner, make_item, other_org, stranger):
    (listing,) = publish(actor, make_item(owner), share="copy")
    consumer = actor_for(stranger, other_org)
    acquisition, _ = services.listing_acquire(actor=consumer, listing_id=listing.pk)
    (created,) = events("acquisition.created")
    assert (
        created.data
        == AcquisitionDetailSerializer(
            Acquisition.objects.get(pk=acquisition.pk), context={"actor": consumer}
        ).data
    )
    assert created.data["copiedItemId"] == acquisition.copied_item.pk


def test_checkpoint_and_restore_emit_item_version_created(actor, owner, make_item):
    item = make_item(owner, kind="template")
    item_services.item_checkpoint(actor=actor, kind="template", item_id=item.pk)
    item_services.item_update(
        actor=actor, kind="template", item_id=item.pk, data={"body": "Changed {{b}}"}
    )
    item_services.item_restore(actor=actor, kind="template", item_id=item.pk, number=1)
    created = events("item.version_created")
    assert [e.data["number"] for e in created] == [1, 2]
    fresh = item.versions.get(number=1)
    assert created[0].data == {
        "itemType": "template",
        "itemId": item.pk,
        **VersionOutputSerializer(fresh).data,
        "type": fresh.type,
        "category": fresh.category,
    }
    assert created[1].data["source"] == "restore"


def test_a_service_call_that_rolls_back_leaves_no_event(actor, owner, make_item):
    item = make_item(owner)
    seen = []

    def publish_then_fail() -> None:
        with transaction.atomic():
            publish(actor, item)
            seen.extend(events("listing.published"))  # written in the same transaction
            raise RuntimeError("forced")

    with pytest.raises(RuntimeError):
        publish_then_fail()
    assert len(seen) == 1
    assert not Event.objects.exists()
    assert not Listing.objects.exists()


def test_a_refused_publish_writes_no_event(actor, owner, make_item):
    item = make_item(owner)
    with pytest.raises(ValidationFailedError):
        services.listing_publish(
            actor=actor,
            item_type="prompt",
            item_id=item.pk,
            scopes={
                "marketplace": ScopeSettings(
                    "copy", is_content_visible=False, allow_editable_references=True
                )
            },
        )
    assert not Event.objects.exists()
