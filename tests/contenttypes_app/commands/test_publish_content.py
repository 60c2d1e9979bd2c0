"""publish_content: the content publish core, in batches, re-runnable."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from contenttypes_app import services
from contenttypes_app.models import Content, ContentVersion
from publishing.models import AuditEvent
from tests.bulkjobs.conftest import run_queued_batches, start_job, status_json
from tests.contenttypes_app.conftest import article

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, dict]:
    out = io.StringIO()
    try:
        call_command("publish_content", *args, "--json", stdout=out, stderr=io.StringIO())
        code = 0
    except CommandError as exc:
        code = exc.returncode
    return code, json.loads(out.getvalue()) if out.getvalue() else {}


def items(world, published, count: int) -> list[Content]:
    return [
        services.content_create(
            actor=world.actor,
            project_id=world.project.pk,
            type_id=published.pk,
            name=f"Item {n}",
            content=article(),
        )
        for n in range(count)
    ]


def test_all_pending_publishes_drafts_and_is_re_runnable(world, org, published):
    made = items(world, published, 3)
    services.content_publish(actor=world.actor, content_id=made[0].pk)
    services.content_unpublish(actor=world.actor, content_id=made[0].pk)  # taken down: stays
    code, data = run("--organization", org.slug, "--project", "website", "--all-pending")
    assert (code, data["summary"]["published"]) == (0, 2)
    assert Content.objects.filter(status="published").count() == 2
    assert (
        AuditEvent.objects.filter(action="contenttypes.content.publish", details__bulk=True).count()
        == 2
    )
    again_code, again = run("--organization", org.slug, "--project", "website", "--all-pending")
    assert (again_code, again["summary"]["selected"]) == (0, 0)


def test_ids_file_reports_failures_and_keeps_going(world, org, published, tmp_path):
    good, deleted = items(world, published, 2)
    services.content_delete(actor=world.actor, content_id=deleted.pk)
    ids = tmp_path / "ids"
    ids.write_text(f"{deleted.pk}\n{good.pk}\nnope\n{world.project.pk}\n")
    code, data = run("--organization", org.slug, "--project", "website", "--ids-file", str(ids))
    assert code == 1
    assert data["summary"]["published"] == 1
    assert {f["id"]: f["code"] for f in data["failures"]} == {
        str(deleted.pk): "INVALID_STATUS",
        "nope": "VALIDATION_FAILED",
        str(world.project.pk): "NOT_FOUND",
    }


def test_dry_run_writes_nothing(world, org, published):
    items(world, published, 2)
    code, data = run(
        "--organization", org.slug, "--project", "website", "--all-pending", "--dry-run"
    )
    assert (code, data["summary"]["published"], data["summary"]["dryRun"]) == (0, 2, True)
    assert not ContentVersion.objects.exists()


def test_async_queues_a_bulk_job_whose_batches_publish_like_the_command(
    world, org, published, tmp_path
):
    made = items(world, published, 5)
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join([*(str(m.pk) for m in made[:2]), "not-a-uuid"]) + "\n")
    where = ("--organization", org.slug, "--project", "website")
    job_id = start_job("publish_content", *where, "--ids-file", str(ids))
    assert run_queued_batches(job_id) == ["done"]
    assert Content.objects.filter(status="published").count() == 2
    pending = start_job("publish_content", *where, "--all-pending", "--batch-size", "2")
    assert run_queued_batches(pending) == ["done", "done"]
    assert Content.objects.filter(status="published").count() == 5
    _, first = status_json(job_id)
    assert first["items"] == {"total": 3, "changed": 2, "unchanged": 0, "failed": 1, "pending": 0}
    assert first["failures"][0]["code"] == "VALIDATION_FAILED"
    _, second = status_json(pending)
    assert second["items"]["changed"] == 3
