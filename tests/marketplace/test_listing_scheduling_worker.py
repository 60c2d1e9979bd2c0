"""Scheduled listings on a real procrastinate worker: the job deferred for ``publishAt`` waits
for its time, then stores the go-live once, with one event (and the same for ``unpublishAt``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.models import Listing
from marketplace.services import ScheduleRequest, ScopeSettings, listing_publish
from publishing.tenancy import actor_for
from tests.webhooks import conftest as webhook_fixtures
from tests.webhooks.conftest import wait_for
from webhooks.models import Event

workers = webhook_fixtures.workers  # the webhooks tests' real worker subprocesses

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_stores_the_go_live_and_the_end_at_their_times(org, editor, make_item, workers):
    # The worker is up before the times are set: a worker that starts after both times (a slow
    # start on a loaded machine) stores both transitions at once, and the go-live event then
    # already shows the listing as ended (events show the listing as the API does at that moment).
    workers.start(concurrency=2)
    wait_for(_a_worker_is_registered, timeout=60, what="the worker to start")
    item = make_item(editor)
    publish_at = timezone.now() + dt.timedelta(seconds=1.5)
    unpublish_at = publish_at + dt.timedelta(seconds=3)
    (listing,) = listing_publish(
        actor=actor_for(editor, org),
        item_type="prompt",
        item_id=item.pk,
        scopes={
            "marketplace": ScopeSettings(
                "copy",
                schedule=ScheduleRequest(publish_at=publish_at, unpublish_at=unpublish_at),
            )
        },
    )
    assert listing.status == "scheduled"
    wait_for(
        lambda: Event.objects.filter(type="listing.published", data__status="active").first(),
        what="the stored go-live",
    )
    ended = wait_for(
        lambda: Listing.objects.filter(pk=listing.pk, status="unpublished").first(),
        what="the stored end",
    )
    assert ended.updated_at >= unpublish_at  # not before its time
    published = Event.objects.filter(type="listing.published", data__id=listing.pk)
    assert sorted(e.data["status"] for e in published) == ["active", "scheduled"]
    assert Event.objects.filter(type="listing.unpublished", data__id=listing.pk).count() == 1


def _a_worker_is_registered() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM procrastinate_workers)")
        return cursor.fetchone()[0]
