"""Thirty threads editing and publishing one content item: versions stay gap-free."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken

from contenttypes_app import services
from contenttypes_app.models import Content, ContentVersion
from publishing.models import AuditEvent
from tests.conftest import bearer_client
from tests.contenttypes_app.conftest import World, article, drive

THREADS = 30


@pytest.mark.django_db(transaction=True)
def test_thirty_threads_publishing_one_item_leave_consecutive_versions(world: World, owner):
    drive(world, "published")
    item = services.content_create(
        actor=world.actor,
        project_id=world.project.pk,
        type_id=world.content_type.pk,
        name="Busy",
        content=article(),
    )
    detail = f"{world.base}/content/{item.pk}"
    token = str(RefreshToken.for_user(owner).access_token)
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        try:
            client = bearer_client(token=token)
            barrier.wait(timeout=30)
            codes = []
            if index % 3 == 0:  # a third edit first, so that later publishes have work to do
                body = {"content": article(f"edit {index}")}
                codes.append(client.put(detail, body, format="json").status_code)
            codes.append(client.post(f"{detail}/publish").status_code)
            with lock:
                statuses.extend(codes)
        except BaseException as exc:  # collected and re-raised by the main thread
            with lock:
                failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not failures, failures
    assert len(statuses) == THREADS + THREADS // 3
    assert set(statuses) == {200}, statuses
    item = Content.objects.get(pk=item.pk)
    numbers = list(
        ContentVersion.objects.filter(content_item=item)
        .order_by("version")
        .values_list("version", flat=True)
    )
    assert numbers == list(range(1, len(numbers) + 1))  # no gap, no duplicate
    assert item.last_published_version == item.version == numbers[-1]
    published = AuditEvent.objects.filter(action="contenttypes.content.publish").count()
    assert published == len(numbers)
    assert item.status in ("published", "modified")
