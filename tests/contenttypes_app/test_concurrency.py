"""Concurrent publishes and updates of one content type, on real connections and transactions."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken

from contenttypes_app import services
from contenttypes_app.models import ContentTypeVersion, Package
from publishing.models import AuditEvent
from tests.conftest import bearer_client
from tests.contenttypes_app.conftest import World

THREADS = 30


@pytest.mark.django_db(transaction=True)
def test_thirty_threads_leave_consecutive_versions_and_no_5xx(world: World, owner):
    token = str(RefreshToken.for_user(owner).access_token)  # created here, used by every thread
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
                response = client.put(world.ct_url(), {"description": f"edit {index}"})
                codes.append(response.status_code)
            codes.append(client.post(world.ct_url(suffix="/publish")).status_code)
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
    assert all(code < 500 for code in statuses), statuses
    assert set(statuses) == {200}

    ct = world.refresh()
    numbers = list(
        ContentTypeVersion.objects.filter(definition=ct)
        .order_by("version")
        .values_list("version", flat=True)
    )
    assert numbers, "at least the first publish made a version"
    assert numbers == list(range(1, len(numbers) + 1))  # no gap, no duplicate
    assert ct.last_published_version == ct.version == numbers[-1]
    assert AuditEvent.objects.filter(action="contenttypes.content_type.publish").count() == len(
        numbers
    )
    # Every edit was either published or is still pending (modified), never lost silently.
    assert ct.status in ("published", "modified")


@pytest.mark.django_db(transaction=True)
def test_concurrent_package_creation_keeps_versions_unique_and_increasing(world: World):
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            try:
                services.package_create(
                    actor=world.actor, project_id=world.project.pk, version="2.0.0"
                )
                result = "created"
            except Exception as exc:
                result = getattr(exc, "code", repr(exc))
            with lock:
                outcomes.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["VERSION_EXISTS"] * 7 + ["created"]
    assert Package.objects.filter(project=world.project, version="2.0.0").count() == 1
