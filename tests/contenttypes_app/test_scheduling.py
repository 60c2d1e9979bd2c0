"""Scheduled publishing of content types and content: the API (validation, set, show, cancel),
and ``schedule_run`` / ``schedule_sweep`` with an injected clock (no waiting)."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from contenttypes_app import services
from contenttypes_app.models import ContentTypeVersion, PublishSchedule
from contenttypes_app.services import scheduling
from publishing.models import Membership
from tests.conftest import bearer_client, error_of
from tests.contenttypes_app.conftest import article, drive
from tests.contenttypes_app.factories import ComponentFactory
from webhooks.models import Event

pytestmark = pytest.mark.django_db


def iso(value: dt.datetime) -> str:
    return value.isoformat()


def later(**delta: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(**delta)


def schedule_jobs() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT args, scheduled_at FROM procrastinate_jobs WHERE task_name = %s ORDER BY id",
            [scheduling.RUN_TASK],
        )
        return [(json.loads(a) if isinstance(a, str) else a, at) for a, at in cursor.fetchall()]


def events(kind: str) -> int:
    return Event.objects.filter(type=kind).count()


def schedule_type(world, **times: dt.datetime | None) -> PublishSchedule:
    return scheduling.schedule_set(
        actor=world.actor, kind="content_type", object_id=world.content_type.pk, **times
    )


# --- the API -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "publishAt", "Give publishAt, unpublishAt or both."),
        ({"publishAt": "2030-01-01T09:00:00"}, "publishAt", "UTC offset"),
        ({"publishAt": "tomorrow"}, "publishAt", "UTC offset"),
        ({"publishAt": 12}, "publishAt", "UTC offset"),
        ({"publishAt": "2020-01-01T09:00:00Z"}, "publishAt", "Must be in the future."),
        ({"unpublishAt": "PLUS2Y"}, "unpublishAt", "Must be at most one year ahead."),
        ({"publishAt": "PLUS2H", "unpublishAt": "PLUS1H"}, "unpublishAt", "after publishAt"),
        ({"publishAt": "PLUS1H", "when": "now"}, "when", "Unknown field."),
    ],
)
def test_invalid_schedules_answer_400_with_the_field(world, owner, body, field, message):
    times = {
        "PLUS1H": iso(later(hours=1)),
        "PLUS2H": iso(later(hours=2)),
        "PLUS2Y": iso(later(days=800)),
    }
    body = {key: times.get(value, value) for key, value in body.items()}
    response = bearer_client(owner).post(world.ct_url(suffix="/schedule"), body, format="json")
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == "VALIDATION_FAILED"
    assert any(message in text for text in error["details"]["fields"][field])
    assert not PublishSchedule.objects.exists()
    assert schedule_jobs() == []


def test_schedule_show_and_cancel_a_content_type(world, owner):
    client = bearer_client(owner)
    url = world.ct_url(suffix="/schedule")
    publish_at = later(hours=1).astimezone(dt.timezone(dt.timedelta(hours=2)))
    response = client.post(url, {"publishAt": iso(publish_at)}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["contentTypeId"] == str(world.content_type.pk)
    assert body["publishStatus"] == "pending"
    assert body["unpublishAt"] is None
    assert body["unpublishStatus"] is None
    assert body["scheduledBy"] == str(owner.pk)
    assert body["lastError"] is None
    assert dt.datetime.fromisoformat(body["publishAt"]) == publish_at
    ((args, scheduled_at),) = schedule_jobs()
    assert args["transition"] == "publish"
    assert scheduled_at == publish_at
    assert client.get(url).json()["id"] == body["id"]

    assert client.delete(url).status_code == 204
    assert not PublishSchedule.objects.exists()
    missing = client.delete(url)
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "SCHEDULE_NOT_FOUND"
    assert error_of(client.get(url))["code"] == "SCHEDULE_NOT_FOUND"


def test_rescheduling_replaces_the_schedule_and_obsoletes_its_jobs(world):
    first = schedule_type(world, publish_at=later(hours=1))
    old_token = first.token
    second = schedule_type(world, publish_at=later(hours=3), unpublish_at=later(hours=4))
    assert second.pk == first.pk
    assert second.token != old_token
    assert len(schedule_jobs()) == 3
    outcome = scheduling.schedule_run(
        schedule_id=first.pk, transition="publish", token=old_token, now=later(hours=5)
    )
    assert outcome == "obsolete"
    assert world.refresh().status == "draft"


def test_who_may_not_publish_may_not_schedule(world, editor):
    response = bearer_client(editor).post(
        world.ct_url(suffix="/schedule"), {"publishAt": iso(later(hours=1))}, format="json"
    )
    assert response.status_code == 403
    assert not PublishSchedule.objects.exists()


def test_schedule_a_content_item_through_the_api(world, published, owner):
    item = services.content_create(
        actor=world.actor,
        project_id=world.project.pk,
        type_id=published.pk,
        name="Post",
        content=article(),
    )
    url = f"{world.base}/content/{item.pk}/schedule"
    response = bearer_client(owner).post(url, {"unpublishAt": iso(later(minutes=5))}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["contentId"] == str(item.pk)
    assert response.json()["unpublishStatus"] == "pending"
    client = bearer_client(owner)
    shown = client.get(f"{world.base}/content/{item.pk}").json()["schedule"]
    assert shown["id"] == response.json()["id"]
    (listed,) = client.get(f"{world.base}/content").json()["data"]
    assert listed["schedule"]["unpublishStatus"] == "pending"
    assert client.delete(url).status_code == 204
    assert client.get(f"{world.base}/content/{item.pk}").json()["schedule"] is None


# --- running it --------------------------------------------------------------------------------
def test_a_due_job_publishes_once_with_one_event(world):
    schedule = schedule_type(world, publish_at=later(minutes=10))
    run = {"schedule_id": schedule.pk, "transition": "publish", "token": schedule.token}
    assert scheduling.schedule_run(**run, now=later(minutes=5)) == "not_due"
    assert world.refresh().status == "draft"
    assert scheduling.schedule_run(**run, now=later(minutes=11)) == "done"
    assert scheduling.schedule_run(**run, now=later(minutes=12)) == "finished"
    assert scheduling.schedule_sweep(now=later(minutes=13)) == 0
    definition = world.refresh()
    assert (definition.status, definition.version) == ("published", 1)
    assert ContentTypeVersion.objects.filter(definition=definition).count() == 1
    assert events("content_type.published") == 1
    schedule.refresh_from_db()
    assert schedule.publish_status == "done"
    assert schedule.published_at is not None


def test_unpublish_at_its_time(world):
    drive(world, "published")
    schedule = schedule_type(world, unpublish_at=later(minutes=10))
    assert scheduling.schedule_sweep(now=later(minutes=11)) == 1
    assert world.refresh().status == "unpublished"
    assert events("content_type.unpublished") == 1
    schedule.refresh_from_db()
    assert schedule.unpublish_status == "done"


def test_a_failing_publish_is_reported_and_changes_nothing(world, owner):
    late = ComponentFactory(project=world.project, name="Late")  # not in package 1.0.0
    services.content_type_update(
        content_type_id=world.content_type.pk,
        actor=world.actor,
        changes={"component_ids_allow_list": [str(world.views[0].pk), str(late.pk)]},
    )
    before = world.refresh()
    schedule = schedule_type(world, publish_at=later(minutes=1))
    outcome = scheduling.schedule_run(
        schedule_id=schedule.pk, transition="publish", token=schedule.token, now=later(minutes=2)
    )
    assert outcome == "failed"
    after = world.refresh()
    assert (after.status, after.version, after.revision) == (
        before.status,
        before.version,
        before.revision,
    )
    assert events("content_type.published") == 0
    (event,) = Event.objects.filter(type="content_type.schedule_failed")
    assert event.data["error"]["code"] == "VALIDATION_FAILED"
    assert event.data["error"]["details"]["invalidComponentIds"] == [str(late.pk)]
    shown = bearer_client(owner).get(world.ct_url(suffix="/schedule")).json()
    assert shown["publishStatus"] == "failed"
    assert shown["lastError"]["code"] == "VALIDATION_FAILED"
    assert shown["lastError"]["transition"] == "publish"


def test_a_publisher_who_lost_the_permission_is_refused(world, admin):
    from publishing.tenancy import actor_for

    actor = actor_for(admin, world.organization)
    schedule = scheduling.schedule_set(
        actor=actor,
        kind="content_type",
        object_id=world.content_type.pk,
        publish_at=later(minutes=1),
    )
    Membership.objects.filter(user=admin, organization=world.organization).update(role="editor")
    assert scheduling.schedule_sweep(now=later(minutes=2)) == 1
    assert world.refresh().status == "draft"
    schedule.refresh_from_db()
    assert schedule.publish_status == "failed"
    assert schedule.last_error["code"] == "FORBIDDEN"
    assert events("content_type.schedule_failed") == 1


def test_a_member_who_left_is_refused(world, admin):
    from publishing.tenancy import actor_for

    actor = actor_for(admin, world.organization)
    schedule = scheduling.schedule_set(
        actor=actor,
        kind="content_type",
        object_id=world.content_type.pk,
        publish_at=later(minutes=1),
    )
    Membership.objects.filter(user=admin, organization=world.organization).delete()
    assert scheduling.schedule_sweep(now=later(minutes=2)) == 1
    schedule.refresh_from_db()
    assert (schedule.publish_status, schedule.last_error["code"]) == ("failed", "FORBIDDEN")
    assert world.refresh().status == "draft"


@pytest.mark.django_db(transaction=True)
def test_the_job_and_the_sweep_racing_publish_once(world):
    schedule = schedule_type(world, publish_at=later(minutes=1))
    now = later(minutes=2)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def job() -> None:
        try:
            barrier.wait()
            outcomes.append(
                scheduling.schedule_run(
                    schedule_id=schedule.pk, transition="publish", token=schedule.token, now=now
                )
            )
        finally:
            connection.close()

    def sweep() -> None:
        try:
            barrier.wait()
            outcomes.append(f"swept {scheduling.schedule_sweep(now=now)}")
        finally:
            connection.close()

    threads = [threading.Thread(target=job), threading.Thread(target=sweep)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) in (["done", "swept 0"], ["finished", "swept 1"])
    assert ContentTypeVersion.objects.filter(definition=world.content_type).count() == 1
    assert events("content_type.published") == 1


# --- admin and OpenAPI -------------------------------------------------------------------------
def test_the_admin_shows_schedules_read_only(client, owner, world):
    owner.is_staff = owner.is_superuser = True
    owner.save()
    client.force_login(owner)
    schedule = schedule_type(world, publish_at=later(hours=1))
    changelist = client.get(reverse("admin:contenttypes_app_publishschedule_changelist"))
    assert changelist.status_code == 200
    assert str(schedule.pk).encode() in changelist.content
    change = client.get(
        reverse("admin:contenttypes_app_publishschedule_change", args=[schedule.pk])
    )
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    inline = client.get(
        reverse("admin:contenttypes_app_contenttypedefinition_change", args=[world.content_type.pk])
    )
    assert b"Publish schedule" in inline.content
    assert b"pending" in inline.content.lower()


def test_openapi_documents_the_schedule_endpoints(anon):
    schema = anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    base = "/v1/organizations/{organization_id}/projects/{project_id}"
    for path in (f"{base}/content-types/{{id}}/schedule", f"{base}/content/{{id}}/schedule"):
        assert set(schema["paths"][path]) - {"parameters"} == {"get", "post", "delete"}
        assert {"400", "403", "404"} <= set(schema["paths"][path]["post"]["responses"])
    ids = {
        op["operationId"]
        for path, item in schema["paths"].items()
        if path.endswith("/schedule")
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert ids == {
        "content_types_schedule_get",
        "content_types_schedule_set",
        "content_types_schedule_cancel",
        "content_schedule_get",
        "content_schedule_set",
        "content_schedule_cancel",
    }


# --- the engine's side -------------------------------------------------------------------------
def test_the_sweep_is_a_periodic_task_of_every_minute():
    from procrastinate.contrib.django import app

    periodic = app.periodic_registry.periodic_tasks
    assert periodic[(scheduling.SWEEP_TASK, "")].cron == "* * * * *"


@pytest.mark.django_db(transaction=True)  # the tasks close Django's connection, as in a worker
def test_the_tasks_run_a_due_schedule_whose_job_was_lost(world):
    from contenttypes_app.tasks import run_schedule, sweep_schedules

    schedule = schedule_type(world, publish_at=later(hours=1))
    # as if its time had come and its job had been deleted
    PublishSchedule.objects.filter(pk=schedule.pk).update(publish_at=later(seconds=-5))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs WHERE task_name = %s", [scheduling.RUN_TASK])
    assert sweep_schedules(timestamp=0) == 1
    assert world.refresh().status == "published"
    args = {"schedule_id": str(schedule.pk), "token": str(schedule.token)}
    assert run_schedule(**args, transition="publish") == "finished"  # a late job: a no-op
    assert events("content_type.published") == 1


def test_an_unpublish_job_that_comes_first_publishes_first_when_both_are_due(world):
    schedule = schedule_type(world, publish_at=later(minutes=1), unpublish_at=later(minutes=2))
    outcome = scheduling.schedule_run(
        schedule_id=schedule.pk, transition="unpublish", token=schedule.token, now=later(minutes=3)
    )
    assert outcome == "done"
    assert world.refresh().status == "unpublished"
    assert (events("content_type.published"), events("content_type.unpublished")) == (1, 1)
    assert scheduling.schedule_sweep(now=later(minutes=4)) == 0
