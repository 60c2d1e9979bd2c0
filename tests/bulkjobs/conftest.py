"""Fixtures for bulk jobs: an organization's catalogue, the commands, the queued task jobs."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from bulkjobs.models import BulkBatch
from bulkjobs.services import RUN_TASK, bulk_batch_run
from publishing import services
from publishing.tenancy import actor_for


def run(command: str, *args: str) -> tuple[int, str, str]:
    """Run a management command in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command(command, *args, stdout=out, stderr=err)
    except CommandError as exc:
        code = exc.returncode
        err.write(str(exc))
    return code, out.getvalue(), err.getvalue()


def start_job(command: str, *args: str) -> str:
    """``command … --async``: the job id it printed."""
    code, out, err = run(command, *args, "--async")
    assert code == 0, err
    return out.strip()


def status_json(job_id: str, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, _err = run("bulk_status", job_id, "--json", *args)
    return code, json.loads(out)


def queued_batch_ids() -> list[int]:
    """The batch ids of the queued ``bulkjobs.run_batch`` task jobs, in queue order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (args->>'batch_id')::bigint FROM procrastinate_jobs "
            "WHERE task_name = %s AND status = 'todo' ORDER BY id",
            [RUN_TASK],
        )
        return [row[0] for row in cursor.fetchall()]


def run_queued_batches(job_id: str) -> list[str]:
    """What a worker does, in this process: ``bulk_batch_run`` for each batch of the job."""
    ids = BulkBatch.objects.filter(job_id=job_id).order_by("index").values_list("pk", flat=True)
    return [bulk_batch_run(batch_id=pk) for pk in ids]


def make_catalogue(organization, user, prompts: int, templates: int) -> tuple[list, list]:
    actor = actor_for(user, organization)
    made_prompts = [
        services.item_create(
            actor=actor, kind="prompt", data={"name": f"Prompt {n}", "body": "Hi {{name}}"}
        )
        for n in range(prompts)
    ]
    made_templates = [
        services.item_create(
            actor=actor,
            kind="template",
            data={"name": f"Template {n}", "body": "Hello {{name}}", "type": "sms"},
        )
        for n in range(templates)
    ]
    return made_prompts, made_templates


@pytest.fixture
def catalogue(org, owner):
    return make_catalogue(org, owner, prompts=5, templates=3)
