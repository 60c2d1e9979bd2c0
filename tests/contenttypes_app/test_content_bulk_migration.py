"""Bulk content migration: the report, dry runs, resuming, the API, migrateContent."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.errors import DomainError
from contenttypes_app import services
from contenttypes_app.models import Content, ContentMigration
from publishing.models import AuditEvent, Membership, Role
from tests.conftest import bearer_client
from tests.contenttypes_app.conftest import article
from webhooks.models import Event

pytestmark = pytest.mark.django_db


def make_items(world, published, count: int, **extra) -> list[Content]:
    return [
        services.content_create(
            actor=world.actor,
            project_id=world.project.pk,
            type_id=published.pk,
            name=f"Item {n}",
            content=article(f"T{n}", **extra),
        )
        for n in range(count)
    ]


def publish_v2_without_hero(world) -> None:
    """Version 2 allows only RichText and Image: items with a Hero block no longer fit."""
    kw = {"actor": world.actor, "content_type_id": world.content_type.pk}
    services.content_type_update(
        **kw, changes={"component_ids_allow_list": [str(v.pk) for v in world.views[1:]]}
    )
    services.content_type_publish(**kw)


def fitting(title: str) -> dict:
    return {"title": title, "body": [{"type": "Image", "src": "a.png"}]}


@pytest.fixture
def mixed(world, published):
    """Two items that fit v2 (one published), one that does not, one deleted."""
    fit = make_items(world, published, 2)
    for item in fit:
        services.content_update(
            actor=world.actor, content_id=item.pk, changes={"content": fitting(item.name)}
        )
    services.content_publish(actor=world.actor, content_id=fit[0].pk)
    (misfit,) = make_items(world, published, 1)
    (gone,) = make_items(world, published, 1)
    services.content_delete(actor=world.actor, content_id=gone.pk)
    publish_v2_without_hero(world)
    return fit, misfit, gone


def start(world, **kw) -> ContentMigration:
    return services.content_migration_start(
        actor=world.actor, content_type_id=world.content_type.pk, **kw
    )


def versions(*items) -> list[int]:
    return [
        Content.objects.select_related("type_version").get(pk=i.pk).type_version.version
        for i in items
    ]


def test_a_migration_moves_what_fits_and_reports_the_rest(world, mixed, settings):
    settings.CONTENT_MIGRATION_BATCH_SIZE = 2
    fit, misfit, gone = mixed
    migration = services.content_migration_run(start(world, to_version=2).pk)
    assert migration.status == "succeeded"
    assert (migration.migrated, migration.unchanged, migration.failed_count) == (2, 0, 1)
    assert [f["id"] for f in migration.failures] == [str(misfit.pk)]
    assert migration.failures[0]["errors"][0]["path"].startswith("/body/0")
    assert versions(*fit, misfit, gone) == [2, 2, 1, 1]
    statuses = dict(Content.objects.filter(pk__in=[i.pk for i in fit]).values_list("pk", "status"))
    assert statuses == {fit[0].pk: "modified", fit[1].pk: "draft"}
    audits = AuditEvent.objects.filter(action="contenttypes.content.migrate")
    assert audits.count() == 2
    assert {a.details["migrationId"] for a in audits} == {str(migration.pk)}
    events = Event.objects.filter(type="content.migrated")
    assert sorted(e.data["id"] for e in events) == sorted(str(i.pk) for i in fit)
    assert {e.data["typeVersion"] for e in events} == {2}
    again = services.content_migration_run(migration.pk)  # a retried job: nothing more
    assert (again.migrated, again.unchanged) == (2, 0)


def test_a_dry_run_changes_nothing(world, mixed):
    fit, misfit, _ = mixed
    migration = services.content_migration_run(start(world, to_version=2, dry_run=True).pk)
    assert (migration.migrated, migration.failed_count, migration.status) == (2, 1, "succeeded")
    assert versions(*fit, misfit) == [1, 1, 1]
    assert not AuditEvent.objects.filter(action="contenttypes.content.migrate").exists()
    assert not Event.objects.filter(type="content.migrated").exists()


def test_items_at_the_target_are_unchanged_and_newer_ones_fail(world, mixed):
    fit, _, _ = mixed
    services.content_migrate(actor=world.actor, content_id=fit[0].pk, target_type_version=2)
    migration = services.content_migration_run(start(world, to_version=1).pk)
    assert (migration.migrated, migration.unchanged, migration.failed_count) == (0, 2, 1)
    assert "only migrates forward" in migration.failures[0]["errors"][0]["message"]


def test_a_killed_job_resumes_after_its_last_committed_batch(world, mixed, settings):
    """Simulate a worker killed after one batch: the cursor and counters committed with it."""
    settings.CONTENT_MIGRATION_BATCH_SIZE = 1
    from contenttypes_app.services.content_migration import _run_batch

    migration = start(world, to_version=2)
    first, done = _run_batch(migration.pk)
    assert not done
    assert first.status == "running"
    done_after_one = first.migrated + first.failed_count + first.unchanged
    final = services.content_migration_run(migration.pk)  # the retried job
    assert final.migrated + final.failed_count + final.unchanged == 3
    assert done_after_one == 1
    assert AuditEvent.objects.filter(action="contenttypes.content.migrate").count() == 2


def test_queries_per_batch_are_constant(world, published, settings):
    make_items(world, published, 12)
    services.content_type_update(
        actor=world.actor, content_type_id=published.pk, changes={"description": "v2"}
    )
    services.content_type_publish(actor=world.actor, content_type_id=published.pk)
    from contenttypes_app.content_schema import schema_errors
    from contenttypes_app.services.content_migration import _run_batch

    schema_errors(published.versions.get(version=2).pk, {})  # the compiled validator, cached
    counts = {}
    for size in (3, 6):
        settings.CONTENT_MIGRATION_BATCH_SIZE = size
        ContentMigration.objects.all().delete()
        Content.objects.update(type_version=published.versions.get(version=1))
        migration = start(world, to_version=2)
        with CaptureQueriesContext(connection) as ctx:
            _run_batch(migration.pk)
        counts[size] = len(ctx.captured_queries)
    # savepoint, migration, membership, items, update, audit rows, events, endpoints, report
    assert counts[3] == counts[6] == 10, counts


def test_start_refusals(world, mixed, org, viewer):
    with pytest.raises(DomainError) as exc:
        start(world, to_version=9)
    assert (exc.value.code, exc.value.details) == (
        "TYPE_VERSION_NOT_FOUND",
        {"targetVersion": 9, "latestVersion": 2},
    )
    first = start(world, to_version=2)
    with pytest.raises(DomainError) as exc:
        start(world, to_version=2)
    assert (exc.value.status_code, exc.value.code) == (409, "MIGRATION_IN_PROGRESS")
    assert exc.value.details == {"migrationId": str(first.pk)}
    assert start(world, to_version=2, dry_run=True).dry_run  # dry runs never conflict
    from publishing.tenancy import actor_for

    with pytest.raises(DomainError) as exc:
        services.content_migration_start(
            actor=actor_for(viewer, org), content_type_id=world.content_type.pk, to_version=2
        )
    assert exc.value.status_code == 403


def test_a_member_who_lost_the_role_stops_the_migration(world, mixed, owner, org):
    migration = start(world, to_version=2)
    Membership.objects.filter(user=owner, organization=org).update(role=Role.VIEWER)
    result = services.content_migration_run(migration.pk)
    assert result.status == "failed"
    assert "editor" in result.error
    assert versions(*mixed[0]) == [1, 1]


def test_package_version_with_migrate_content_migrates_on_the_next_publish(world, mixed):
    fit, _, _ = mixed
    kw = {"actor": world.actor, "content_type_id": world.content_type.pk}
    services.content_type_set_package_version(**kw, package_version="1.0.0", migrate_content=True)
    assert world.refresh().migrate_content_on_publish
    services.content_type_update(**kw, changes={"description": "v3"})
    services.content_type_publish(**kw)
    assert not world.refresh().migrate_content_on_publish
    (migration,) = ContentMigration.objects.all()
    assert migration.target.version == 3
    done = services.content_migration_run(migration.pk)
    assert (done.migrated, done.failed_count) == (2, 1)
    assert versions(*fit) == [3, 3]


# --- the API -----------------------------------------------------------------------------------
def test_the_api_queues_a_job_and_reports(world, mixed, owner):
    client = bearer_client(owner)
    base = world.ct_url(suffix="")
    response = client.post(f"{base}/migrate-content", {"toVersion": 2}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["status"], body["toVersion"], body["dryRun"]) == ("queued", 2, False)
    assert response["Location"].endswith(f"{base}/content-migrations/{body['id']}")
    services.content_migration_run(body["id"])  # what the worker runs (test below: a real one)
    report = client.get(response["Location"]).json()
    assert report["status"] == "succeeded"
    assert (report["report"]["migrated"], report["report"]["failedCount"]) == (2, 1)
    assert report["report"]["failed"][0]["id"] == str(mixed[1].pk)
    assert report["error"] is None
    listed = client.get(f"{base}/content-migrations").json()
    assert [m["id"] for m in listed["data"]] == [body["id"]]
    assert "pagination" in listed


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({}, 400, "VALIDATION_FAILED"),
        ({"toVersion": "2"}, 400, "VALIDATION_FAILED"),
        ({"toVersion": 2, "dryRun": "yes"}, 400, "VALIDATION_FAILED"),
        ({"toVersion": 2, "extra": 1}, 400, "VALIDATION_FAILED"),
        ({"toVersion": 7}, 404, "TYPE_VERSION_NOT_FOUND"),
    ],
)
def test_the_api_refuses_bad_input(world, mixed, owner, payload, status, code):
    client = bearer_client(owner)
    response = client.post(world.ct_url(suffix="/migrate-content"), payload, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert not ContentMigration.objects.exists()


def test_another_organization_sees_nothing(world, mixed, stranger, other_org):
    client = bearer_client(stranger)
    migration = start(world, to_version=2)
    for base in (
        world.ct_url(),
        world.ct_url().replace(str(world.organization.pk), str(other_org.pk)),
    ):
        posted = client.post(f"{base}/migrate-content", {"toVersion": 2}, format="json")
        assert posted.status_code == 404
        assert client.get(f"{base}/content-migrations").status_code == 404
        assert client.get(f"{base}/content-migrations/{migration.pk}").status_code == 404
    assert ContentMigration.objects.count() == 1


def test_package_version_accepts_migrate_content(world, published, owner):
    client = bearer_client(owner)
    url = world.ct_url(suffix="/package-version")
    response = client.put(url, {"packageVersion": "1.0.0", "migrateContent": True}, format="json")
    assert response.status_code == 200, response.content
    assert world.refresh().migrate_content_on_publish
    bad = client.put(url, {"packageVersion": "1.0.0", "migrateContent": 1}, format="json")
    assert bad.status_code == 400


def test_the_admin_lists_and_shows_migrations_read_only(client, owner, world, mixed):
    from django.urls import reverse

    owner.is_staff = owner.is_superuser = True
    owner.save()
    client.force_login(owner)
    migration = services.content_migration_run(start(world, to_version=2).pk)
    changelist = client.get(reverse("admin:contenttypes_app_contentmigration_changelist"))
    assert changelist.status_code == 200
    assert b"Article v2" in changelist.content
    change = client.get(
        reverse("admin:contenttypes_app_contentmigration_change", args=[migration.pk])
    )
    assert change.status_code == 200
    assert str(mixed[1].pk).encode() in change.content  # the failure list
    assert b'name="_save"' not in change.content
    assert client.get(reverse("admin:contenttypes_app_contentmigration_add")).status_code == 403
