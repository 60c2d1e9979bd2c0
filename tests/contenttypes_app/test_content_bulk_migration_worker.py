"""Bulk content migration on a real procrastinate worker: queued with the change, rolled back
with it, run to the end, its ``content.migrated`` events delivered."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from contenttypes_app import services
from contenttypes_app.models import Content, ContentMigration
from tests.contenttypes_app.test_content_bulk_migration import make_items, start
from tests.webhooks import conftest as webhook_fixtures
from tests.webhooks.conftest import wait_for

# The webhooks tests' real worker, receiver and endpoint fixtures, used here too.
workers = webhook_fixtures.workers
receiver = webhook_fixtures.receiver
make_endpoint = webhook_fixtures.make_endpoint

pytestmark = pytest.mark.django_db(transaction=True)


def migrate_jobs() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM procrastinate_jobs "
            "WHERE task_name = 'contenttypes.migrate_content'"
        )
        return cursor.fetchone()[0]


def republish(world) -> None:
    kw = {"actor": world.actor, "content_type_id": world.content_type.pk}
    services.content_type_update(**kw, changes={"description": "v2"})
    services.content_type_publish(**kw)


def test_a_worker_runs_the_migration_and_delivers_its_events(
    world,
    published,
    workers,
    receiver,
    make_endpoint,
):
    items = make_items(world, published, 5)
    republish(world)
    make_endpoint(
        organization=world.organization, url=receiver.url, event_types=["content.migrated"]
    )
    workers.start(CONTENT_MIGRATION_BATCH_SIZE="2")
    migration = start(world, to_version=2)
    done = wait_for(
        lambda: ContentMigration.objects.filter(pk=migration.pk, status="succeeded").first(),
        what="the migration",
    )
    assert (done.migrated, done.failed_count, done.unchanged) == (5, 0, 0)
    assert set(
        Content.objects.filter(pk__in=[i.pk for i in items]).values_list(
            "type_version__version", flat=True
        )
    ) == {2}
    wait_for(lambda: len(receiver.requests) >= 5, what="the content.migrated deliveries")
    delivered = {
        r.json()["data"]["id"] for r in receiver.requests if r.json()["type"] == "content.migrated"
    }
    assert delivered == {str(i.pk) for i in items}


@transaction.atomic
def start_then_fail(world) -> None:
    start(world, to_version=2)
    raise RuntimeError("the request failed after the start")


def test_a_start_that_rolls_back_queues_nothing(world, published):
    make_items(world, published, 1)
    republish(world)
    with pytest.raises(RuntimeError):
        start_then_fail(world)
    assert not ContentMigration.objects.exists()
    assert migrate_jobs() == 0
