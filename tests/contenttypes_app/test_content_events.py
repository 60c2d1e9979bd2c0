"""content.* events: one per change, in the change's transaction, with the item as the content
API lists it (no document)."""

from __future__ import annotations

import pytest
from django.db import transaction

from contenttypes_app import services
from contenttypes_app.api.serializers.content import ContentOutputSerializer
from contenttypes_app.content_selectors import content_get
from tests.contenttypes_app.conftest import article
from webhooks.models import Event

pytestmark = pytest.mark.django_db


def _types() -> list[str]:
    return list(Event.objects.order_by("occurred_at", "id").values_list("type", flat=True))


def _listed(world, item) -> dict:
    fresh = content_get(actor=world.actor, project_id=world.project.pk, content_id=item.pk)
    listed = dict(ContentOutputSerializer(fresh, omit_content=True).data)
    # The schedule is state of its own (GET …/schedule, *.schedule_failed events), not the item's.
    del listed["schedule"]
    return listed


def _create(world, published):
    return services.content_create(
        actor=world.actor,
        project_id=world.project.pk,
        type_id=published.pk,
        name="Welcome",
        content=article(),
    )


def test_publish_unpublish_migrate_delete_each_emit_one_event_with_the_listed_shape(
    world, published
):
    item = _create(world, published)
    actor = {"actor": world.actor, "content_id": item.pk}
    services.content_publish(**actor)
    (event,) = Event.objects.filter(type="content.published")
    assert event.organization_id == world.organization.pk
    assert event.data == _listed(world, item)
    services.content_publish(**actor)  # unchanged: a no-op, no second event
    services.content_unpublish(**actor)
    services.content_type_update(
        actor=world.actor, content_type_id=published.pk, changes={"description": "Second"}
    )
    services.content_type_publish(actor=world.actor, content_type_id=published.pk)
    services.content_migrate(**actor, target_type_version=2)
    migrated = Event.objects.get(type="content.migrated")
    assert migrated.data == _listed(world, item)
    assert migrated.data["typeVersion"] == 2
    services.content_delete(**actor)
    assert [t for t in _types() if t.startswith("content.")] == [
        "content.published",
        "content.unpublished",
        "content.migrated",
        "content.deleted",
    ]
    assert "content" not in Event.objects.get(type="content.deleted").data  # no document


def test_a_rolled_back_publish_leaves_no_event(world, published):
    item = _create(world, published)

    def publish_then_fail() -> None:
        with transaction.atomic():
            services.content_publish(actor=world.actor, content_id=item.pk)
            raise RuntimeError("after the event was written")

    with pytest.raises(RuntimeError):
        publish_then_fail()
    assert not Event.objects.filter(type__startswith="content.").exists()
