"""content_type.* events: written once per change by the audit helper, in the change's
transaction, with the content type as the API lists it (no schema)."""

from __future__ import annotations

import pytest
from django.db import transaction

from contenttypes_app import services
from contenttypes_app.api.serializers import ContentTypeOutputSerializer
from contenttypes_app.models import ContentTypeDefinition
from contenttypes_app.services.publish import content_type_publish_many
from tests.contenttypes_app.conftest import drive
from webhooks.models import Event

pytestmark = pytest.mark.django_db


def _events(type_: str) -> list[Event]:
    return list(Event.objects.filter(type=type_))


def _api(definition: ContentTypeDefinition) -> dict:
    fresh = ContentTypeDefinition.objects.get(pk=definition.pk)
    return {
        **ContentTypeOutputSerializer(fresh, omit_schema=True).data,
        "projectId": str(fresh.project_id),
    }


def test_publish_emits_one_content_type_published_with_the_listed_shape(world):
    drive(world, "published")
    (event,) = _events("content_type.published")
    assert event.organization_id == world.organization.pk
    assert event.data == _api(world.content_type)
    assert event.data["status"] == "published"
    assert event.data["version"] == 1
    # Publishing an unchanged type is a no-op: no second event.
    services.content_type_publish(content_type_id=world.content_type.pk, actor=world.actor)
    assert len(_events("content_type.published")) == 1


def test_rollback_publishes_a_new_version_and_says_so(world):
    drive(world, "modified")
    services.content_type_publish(content_type_id=world.content_type.pk, actor=world.actor)
    services.content_type_rollback(
        content_type_id=world.content_type.pk, actor=world.actor, version=1
    )
    versions = sorted(e.data["version"] for e in _events("content_type.published"))
    assert versions == [1, 2, 3]


def test_unpublish_and_delete_emit_their_events_once(world):
    drive(world, "unpublished")
    (unpublished,) = _events("content_type.unpublished")
    assert unpublished.data["status"] == "unpublished"
    services.content_type_change_status(
        content_type_id=world.content_type.pk, actor=world.actor, status="deleted"
    )
    services.content_type_change_status(  # deleting a deleted type is a no-op
        content_type_id=world.content_type.pk, actor=world.actor, status="deleted"
    )
    (deleted,) = _events("content_type.deleted")
    assert deleted.data == _api(world.content_type)
    assert deleted.data["status"] == "deleted"
    # Restoring is audited, with no event of its own.
    services.content_type_change_status(
        content_type_id=world.content_type.pk, actor=world.actor, status="modified"
    )
    assert Event.objects.count() == 3


def test_a_publish_that_rolls_back_leaves_no_event(world):
    seen = []

    def publish_then_fail() -> None:
        with transaction.atomic():
            services.content_type_publish(content_type_id=world.content_type.pk, actor=world.actor)
            seen.extend(_events("content_type.published"))  # written in the transaction
            raise RuntimeError("forced")

    with pytest.raises(RuntimeError):
        publish_then_fail()
    assert len(seen) == 1
    assert not Event.objects.exists()


def test_the_batch_publish_emits_one_event_per_type_it_published(world):
    second = services.content_type_create(
        actor=world.actor,
        project_id=world.project.pk,
        name="Second",
        layout_component_id=world.layout.pk,
        component_ids_allow_list=[str(v.pk) for v in world.views],
        package_version="1.0.0",
    )
    outcome = content_type_publish_many(
        actor=world.actor, content_type_ids=[world.content_type.pk, second.pk]
    )
    assert len(outcome.published) == 2
    events = _events("content_type.published")
    assert sorted(e.data["id"] for e in events) == sorted(
        [str(world.content_type.pk), str(second.pk)]
    )
