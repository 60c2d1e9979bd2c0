"""Scheduled publishing on a real procrastinate worker: the job deferred for ``publishAt`` waits
for its time, then publishes once, with one event."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from contenttypes_app.models import ContentTypeDefinition, PublishSchedule
from contenttypes_app.services import scheduling
from tests.webhooks import conftest as webhook_fixtures
from tests.webhooks.conftest import wait_for
from webhooks.models import Event

workers = webhook_fixtures.workers  # the webhooks tests' real worker subprocesses

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_publishes_at_the_scheduled_time(world, workers):
    publish_at = timezone.now() + dt.timedelta(seconds=1.5)
    schedule = scheduling.schedule_set(
        actor=world.actor,
        kind="content_type",
        object_id=world.content_type.pk,
        publish_at=publish_at,
    )
    workers.start(concurrency=2)
    published = wait_for(
        lambda: ContentTypeDefinition.objects.filter(
            pk=world.content_type.pk, status="published"
        ).first(),
        what="the scheduled publish",
    )
    assert published.version == 1
    assert published.published_at >= publish_at  # not before its time
    done = PublishSchedule.objects.get(pk=schedule.pk)
    assert done.publish_status == "done"
    assert Event.objects.filter(type="content_type.published").count() == 1
