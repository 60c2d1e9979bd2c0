"""publish_content_types: the API's rules, in batches, re-runnable."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contenttypes_app import services
from contenttypes_app.bulk import content_type_publish_batch
from contenttypes_app.models import ContentTypeDefinition, ContentTypeVersion
from publishing.models import AuditEvent
from publishing.tenancy import actor_for
from tests.bulkjobs.conftest import run_queued_batches, start_job, status_json
from tests.conftest import bearer_client, error_of
from tests.contenttypes_app.conftest import drive
from tests.contenttypes_app.factories import make_content_type

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, dict]:
    out = io.StringIO()
    try:
        call_command("publish_content_types", *args, "--json", stdout=out, stderr=io.StringIO())
        code = 0
    except CommandError as exc:
        code = exc.returncode
    return code, json.loads(out.getvalue()) if out.getvalue() else {}


def more_types(world, count: int) -> list[ContentTypeDefinition]:
    return [
        make_content_type(world.actor, world.project, world.layout, world.views, name=f"Type {i}")
        for i in range(count)
    ]


def _three_more_in_each_pending_state(world):
    extra = more_types(world, 3)
    services.content_type_publish(content_type_id=extra[0].pk, actor=world.actor)
    services.content_type_update(
        content_type_id=extra[0].pk, actor=world.actor, changes={"description": "x"}
    )  # modified
    services.content_type_publish(content_type_id=extra[1].pk, actor=world.actor)
    services.content_type_unpublish(content_type_id=extra[1].pk, actor=world.actor)  # unpublished
    return extra


def test_all_pending_publishes_draft_and_modified_but_not_unpublished(world, org):
    # Issue 14 (4.8): "pending" is draft and modified; an unpublished type was taken down on
    # purpose and stays down.
    _three_more_in_each_pending_state(world)
    code, data = run("--organization", org.slug, "--project", "website", "--all-pending")
    assert code == 0
    assert data["summary"]["published"] == 3
    versions = dict(ContentTypeDefinition.objects.values_list("name", "version"))
    assert versions == {"Article": 1, "Type 0": 2, "Type 1": 1, "Type 2": 1}
    statuses = dict(ContentTypeDefinition.objects.values_list("name", "status"))
    assert statuses["Type 1"] == "unpublished"
    assert {s for n, s in statuses.items() if n != "Type 1"} == {"published"}
    article = ContentTypeDefinition.objects.get(name="Article")
    assert article.schema["type"] == "object"
    assert AuditEvent.objects.filter(action="contenttypes.content_type.publish").count() == 5
    again_code, again = run("--organization", org.slug, "--project", "website", "--all-pending")
    assert (again_code, again["summary"]["selected"]) == (0, 0)
    assert ContentTypeVersion.objects.count() == 5


def test_include_unpublished_also_republishes_unpublished_types(world, org):
    _three_more_in_each_pending_state(world)
    code, data = run(
        "--organization", org.slug, "--project", "website", "--all-pending",
        "--include-unpublished",
    )  # fmt: skip
    assert code == 0
    assert data["summary"]["published"] == 4
    versions = dict(ContentTypeDefinition.objects.values_list("name", "version"))
    assert versions == {"Article": 1, "Type 0": 2, "Type 1": 2, "Type 2": 1}
    assert set(ContentTypeDefinition.objects.values_list("status", flat=True)) == {"published"}
    assert AuditEvent.objects.filter(action="contenttypes.content_type.publish").count() == 6
    assert ContentTypeVersion.objects.count() == 6


def test_include_unpublished_needs_all_pending(world, org, tmp_path):
    ids = tmp_path / "ids"
    ids.write_text(f"{world.content_type.pk}\n")
    code, _ = run(
        "--organization", org.slug, "--project", "website", "--ids-file", str(ids),
        "--include-unpublished",
    )  # fmt: skip
    assert code == 2
    assert not ContentTypeVersion.objects.exists()


def test_ids_file_reports_failures_and_keeps_going(world, org, tmp_path):
    deleted = drive(world, "deleted")
    good = more_types(world, 1)[0]
    broken = make_content_type(
        world.actor,
        world.project,
        world.layout,
        world.views,
        name="Draft pkg",
        package_version="draft",
    )
    ids = tmp_path / "ids"
    ids.write_text(f"{deleted.pk}\n{good.pk}\n{broken.pk}\nnope\n{world.project.pk}\n")
    code, data = run("--organization", org.slug, "--project", "website", "--ids-file", str(ids))
    assert code == 1
    assert data["summary"]["published"] == 1
    codes = {f["id"]: f["code"] for f in data["failures"]}
    assert codes == {
        str(deleted.pk): "INVALID_STATUS",
        str(broken.pk): "VALIDATION_FAILED",
        "nope": "VALIDATION_FAILED",
        str(world.project.pk): "NOT_FOUND",
    }
    assert ContentTypeDefinition.objects.get(pk=good.pk).version == 1


def test_dry_run_writes_nothing(world, org):
    code, data = run(
        "--organization", org.slug, "--project", "website", "--all-pending", "--dry-run"
    )
    assert (code, data["summary"]["published"], data["summary"]["dryRun"]) == (0, 1, True)
    assert not ContentTypeVersion.objects.exists()
    assert ContentTypeDefinition.objects.get().status == "draft"


def test_publish_permission_is_checked(world, org, editor):
    code, data = run(
        "--organization", org.slug, "--project", "website", "--all-pending", "--as", editor.email
    )
    assert code == 1
    assert data["failures"][0]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    "args",
    [["--project", "website"], ["--project", "nope", "--all-pending"]],
)
def test_usage_errors(world, org, args):
    code, _ = run("--organization", org.slug, *args)
    assert code == 2


def test_constant_queries_per_batch(world, org):
    counts = []
    for size in (2, 25):
        definitions = (
            more_types(world, size)
            if size == 2
            else [
                make_content_type(
                    world.actor, world.project, world.layout, world.views, name=f"B{i}"
                )
                for i in range(size)
            ]
        )
        with CaptureQueriesContext(connection) as captured:
            result = content_type_publish_batch(
                actor=world.actor,
                project=world.project,
                content_type_ids=[d.pk for d in definitions],
            )
        assert result.changed == size
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- one publish core: the batch answers what the API answers, in the same guard order --------
def test_the_batch_answers_forbidden_for_a_published_type_the_actor_may_not_publish(
    world, org, editor, published, tmp_path
):
    # Permission comes before status: an operator without permission no longer sees "unchanged".
    ids = tmp_path / "ids"
    ids.write_text(f"{published.pk}\n")
    code, data = run(
        "--organization", org.slug, "--project", "website", "--ids-file", str(ids),
        "--as", editor.email,
    )  # fmt: skip
    assert code == 1
    assert data["summary"]["unchanged"] == 0
    assert [(f["id"], f["code"]) for f in data["failures"]] == [(str(published.pk), "FORBIDDEN")]


def test_the_batch_and_the_api_answer_the_same_error_for_each_rule(world, org, editor, owner):
    editor_actor = actor_for(editor, org)
    published = drive(world, "published")
    deleted = make_content_type(
        world.actor, world.project, world.layout, world.views, name="Deleted"
    )
    services.content_type_change_status(
        content_type_id=deleted.pk, actor=world.actor, status="deleted"
    )
    draft_package = make_content_type(
        world.actor, world.project, world.layout, world.views, name="Draft pkg",
        package_version="draft",
    )  # fmt: skip
    cases = [
        (editor, editor_actor, published, "FORBIDDEN"),
        (owner, world.actor, deleted, "INVALID_STATUS"),
        (owner, world.actor, draft_package, "VALIDATION_FAILED"),
    ]
    for user, actor, definition, code in cases:
        url = (
            f"/v1/organizations/{org.pk}/projects/{world.project.pk}"
            f"/content-types/{definition.pk}/publish"
        )
        api = error_of(bearer_client(user).post(url))
        batch = content_type_publish_batch(
            actor=actor, project=world.project, content_type_ids=[definition.pk]
        )
        assert [(f.code, f.message) for f in batch.failures] == [(code, api["message"])]
        assert api["code"] == code


def test_async_publishes_the_pending_types_in_batches_of_a_bulk_job(world, org):
    _three_more_in_each_pending_state(world)
    args = ("--organization", org.slug, "--project", "website", "--all-pending")
    job_id = start_job("publish_content_types", *args, "--batch-size", "2")
    assert run_queued_batches(job_id) == ["done", "done"]
    _, data = status_json(job_id)
    assert data["items"] == {"total": 3, "changed": 3, "unchanged": 0, "failed": 0, "pending": 0}
    assert data["options"] == {"projectId": str(world.project.pk)}
    # The world's draft Article and two of the extra types; the unpublished one stays down.
    assert ContentTypeDefinition.objects.filter(status="published").count() == 3
    assert ContentTypeDefinition.objects.filter(status="unpublished").count() == 1
