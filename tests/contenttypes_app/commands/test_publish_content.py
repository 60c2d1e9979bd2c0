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
