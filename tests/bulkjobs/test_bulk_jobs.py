"""``--async`` bulk commands queue a job of batches; each batch is the synchronous batch service,
run once (a retry is a no-op), with the acting member re-checked; ``bulk_status`` shows it.

The batches run here in this process through ``bulk_batch_run`` (what the worker's task calls);
``test_bulk_worker.py`` runs them on real worker processes.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bulkjobs.models import BulkBatch, BulkJob
from bulkjobs.services import bulk_batch_run, bulk_job_start
from marketplace.bulk import publish_items_options
from marketplace.models import Listing
from marketplace.services import ScopeSettings
from publishing.models import Membership, PromptVersion
from publishing.tenancy import actor_for
from tests.bulkjobs.conftest import (
    make_catalogue,
    queued_batch_ids,
    run,
    run_queued_batches,
    start_job,
    status_json,
)

pytestmark = pytest.mark.django_db

ALL_BOTH = ("--all", "--scope", "both")


def listing_state() -> list[tuple]:
    return sorted(
        Listing.objects.values_list(
            "prompt_id", "template_id", "scope", "status", "share_type", "is_content_visible"
        ),
        key=str,
    )


def test_async_queues_one_task_job_per_batch_and_prints_the_job_id(org, catalogue):
    code, out, err = run(
        "publish_items", "--organization", org.slug, *ALL_BOTH, "--batch-size", "2", "--async"
    )
    assert code == 0, err
    job = BulkJob.objects.get()
    assert out.strip() == job.pk
    assert job.pk.startswith("bulk_")
    assert len(job.pk) == 29
    assert "queued 8 items in 5 batches" in err
    # 5 prompts in batches of 2, then 3 templates: 3 + 2 batches.
    assert (job.total_items, job.batch_count, job.kind) == (8, 5, "publish_items")
    batches = list(BulkBatch.objects.filter(job=job).order_by("index"))
    assert [(b.item_type, b.size) for b in batches] == [
        ("prompt", 2),
        ("prompt", 2),
        ("prompt", 1),
        ("template", 2),
        ("template", 1),
    ]
    assert queued_batch_ids() == [b.pk for b in batches]
    assert not Listing.objects.exists()  # nothing runs until a worker takes the batches


def test_async_batches_give_the_same_result_as_the_synchronous_command(
    org, other_org, owner, stranger, catalogue
):
    make_catalogue(other_org, stranger, prompts=5, templates=3)
    code, _, err = run("publish_items", "--organization", other_org.slug, *ALL_BOTH)
    assert code == 0, err
    # What each listing came out as (scope, status, settings), whatever the ids.
    synchronous = {(s, st, sh, v) for _, _, s, st, sh, v in listing_state()}
    Listing.objects.all().delete()

    job_id = start_job("publish_items", "--organization", org.slug, *ALL_BOTH, "--batch-size", "3")
    assert run_queued_batches(job_id) == ["done", "done", "done"]  # 3 + 2 prompts, 3 templates
    assert Listing.objects.filter(organization=org).count() == 16
    assert {(s, st, sh, v) for _, _, s, st, sh, v in listing_state()} == synchronous
    code, data = status_json(job_id)
    assert code == 0
    assert data["state"] == "succeeded"
    assert data["items"] == {"total": 8, "changed": 8, "unchanged": 0, "failed": 0, "pending": 0}
    assert data["batches"] == {"total": 3, "done": 3, "failed": 0, "running": 0, "pending": 0}
    assert data["startedAt"]
    assert data["finishedAt"]


def test_a_retried_batch_is_a_no_op(org, catalogue):
    job_id = start_job("publish_items", "--organization", org.slug, *ALL_BOTH)
    batch = BulkBatch.objects.filter(job_id=job_id).first()
    assert bulk_batch_run(batch_id=batch.pk) == "done"
    versions = PromptVersion.objects.count()
    assert bulk_batch_run(batch_id=batch.pk) == "skipped"
    batch.refresh_from_db()
    assert (batch.attempts, batch.changed, batch.status) == (1, 5, "done")
    assert PromptVersion.objects.count() == versions


def test_a_rerun_of_the_whole_job_reports_everything_unchanged(org, catalogue):
    first = start_job("publish_items", "--organization", org.slug, *ALL_BOTH)
    run_queued_batches(first)
    before = listing_state()
    again = start_job("publish_items", "--organization", org.slug, *ALL_BOTH)
    run_queued_batches(again)
    _, data = status_json(again)
    assert data["items"] == {"total": 8, "changed": 0, "unchanged": 8, "failed": 0, "pending": 0}
    assert listing_state() == before


def test_unpublish_items_async(org, catalogue):
    run_queued_batches(start_job("publish_items", "--organization", org.slug, *ALL_BOTH))
    job_id = start_job("unpublish_items", "--organization", org.slug, "--all", "--scope", "both")
    run_queued_batches(job_id)
    assert set(Listing.objects.values_list("status", flat=True)) == {"unpublished"}
    _, data = status_json(job_id)
    assert (data["action"], data["items"]["changed"]) == ("unpublished", 8)


def test_item_failures_are_counted_and_the_first_ones_listed(org, owner, catalogue, tmp_path):
    prompts, _ = catalogue
    ids = tmp_path / "ids.txt"
    ids.write_text(f"{prompts[0].pk}\nnot-an-id\n{'f' * 24}\n")
    job_id = start_job(
        "publish_items", "--organization", org.slug, "--ids-file", str(ids), "--item-type", "prompt"
    )
    run_queued_batches(job_id)
    code, data = status_json(job_id)
    assert code == 1  # finished with failures
    assert data["state"] == "finished_with_failures"
    assert data["items"]["changed"] == 1
    assert data["items"]["failed"] == 2
    assert {(f["id"], f["code"]) for f in data["failures"]} == {
        ("not-an-id", "VALIDATION_FAILED"),
        ("f" * 24, "NOT_FOUND"),
    }


def test_the_acting_member_is_checked_again_when_the_batch_runs(org, owner, editor, catalogue):
    job_id = start_job("publish_items", "--organization", org.slug, "--all", "--as", editor.email)
    Membership.objects.filter(user=editor).update(role="viewer")
    run_queued_batches(job_id)
    # A viewer may not publish: every item fails with the code the API answers.
    assert not Listing.objects.exists()
    _, data = status_json(job_id)
    assert data["items"]["failed"] == 8
    assert data["items"]["changed"] == 0
    assert {f["code"] for f in data["failures"]} == {"FORBIDDEN"}

    gone = start_job("publish_items", "--organization", org.slug, "--all", "--as", editor.email)
    Membership.objects.filter(user=editor).delete()
    assert set(run_queued_batches(gone)) == {"failed"}
    _, data = status_json(gone)
    assert data["batches"]["failed"] == 2
    assert data["items"]["failed"] == 8
    assert not Listing.objects.exists()


def test_dry_run_cannot_be_queued(org, catalogue):
    code, _, err = run("publish_items", "--organization", org.slug, "--all", "--dry-run", "--async")
    assert code == 2
    assert "--dry-run" in err
    assert not BulkJob.objects.exists()


def test_an_empty_selection_is_a_finished_job(org, owner):
    job_id = start_job("publish_items", "--organization", org.slug, "--all")
    code, data = status_json(job_id)
    assert code == 0
    assert (data["state"], data["batches"]["total"], data["items"]["total"]) == ("succeeded", 0, 0)


def test_starting_a_job_costs_the_same_queries_for_any_number_of_batches(org, owner):
    actor = actor_for(owner, org)
    options = publish_items_options({"organization": ScopeSettings()})

    def start(batches: int) -> int:
        selection = [("prompt", [f"{n:024x}"]) for n in range(batches)]
        with CaptureQueriesContext(connection) as queries:
            bulk_job_start(
                actor=actor, kind="publish_items", options=options, batches=selection, batch_size=1
            )
        return len(queries)

    # The job, the batches and the task jobs: one statement each, plus the savepoint and its
    # release (the test runs in a transaction).
    assert start(1) == start(200) == 5
    assert BulkBatch.objects.count() == 201
    assert len(queued_batch_ids()) == 201


# --- bulk_status ---------------------------------------------------------------------------------
def test_bulk_status_text_shows_batches_items_and_times(org, catalogue):
    job_id = start_job("publish_items", "--organization", org.slug, *ALL_BOTH, "--batch-size", "4")
    code, out, _ = run("bulk_status", job_id)
    assert code == 0
    assert f"{job_id} publish_items ({org.slug}): queued" in out
    assert "batches 3: done 0, failed 0, running 0, pending 3" in out
    assert "items 8: published 0, unchanged 0, failed 0, pending 8" in out
    run_queued_batches(job_id)
    code, out, _ = run("bulk_status", job_id, "--wait")  # finished: returns at once
    assert code == 0
    assert ": succeeded; created " in out
    assert " started " in out
    assert " finished " in out
    assert "batches 3: done 3, failed 0, running 0, pending 0" in out
    assert "items 8: published 8, unchanged 0, failed 0, pending 0" in out


def test_bulk_status_of_an_unknown_job_is_a_usage_error(db):
    for job_id in ("bulk_" + "0" * 24, "nope"):
        code, _, err = run("bulk_status", job_id)
        assert code == 2
        assert "No bulk job" in err


def test_bulk_status_json_is_the_api_document(org, admin, catalogue, client_for):
    job_id = start_job("publish_items", "--organization", org.slug, "--all")
    _, data = status_json(job_id)
    body = client_for(admin).get(f"/api/bulk-jobs/{job_id}").json()
    assert json.loads(json.dumps(body["data"])) == data


def test_a_batch_whose_workers_always_died_is_failed_after_the_last_attempt(
    org, catalogue, settings
):
    settings.BULK_BATCH_MAX_ATTEMPTS = 3
    job_id = start_job("publish_items", "--organization", org.slug, "--all")
    batch = BulkBatch.objects.filter(job_id=job_id).first()
    # Three workers took it and died in it (each claim is committed, the work never was).
    BulkBatch.objects.filter(pk=batch.pk).update(status="running", attempts=3)
    assert bulk_batch_run(batch_id=batch.pk) == "failed"
    batch.refresh_from_db()
    assert (batch.status, batch.attempts, batch.failed) == ("failed", 4, 5)
    assert "Gave up after 3 attempts" in batch.error
    assert not Listing.objects.filter(prompt__isnull=False).exists()
    _, data = status_json(job_id)
    assert data["batches"]["failed"] == 1
    assert {f["code"] for f in data["failures"]} == {"INTERNAL_ERROR"}


def test_an_unexpected_error_is_left_to_the_engine_to_retry_then_fails_the_batch(
    org, catalogue, settings
):
    settings.BULK_BATCH_MAX_ATTEMPTS = 2
    job_id = start_job("publish_items", "--organization", org.slug, "--all")
    BulkJob.objects.filter(pk=job_id).update(options={})  # a job the batch service cannot read
    batch = BulkBatch.objects.filter(job_id=job_id).first()
    with pytest.raises(KeyError):
        bulk_batch_run(batch_id=batch.pk)  # raised: procrastinate's retry strategy runs it again
    batch.refresh_from_db()
    assert (batch.status, batch.attempts) == ("running", 1)
    assert bulk_batch_run(batch_id=batch.pk) == "failed"  # the last attempt records the error
    batch.refresh_from_db()
    assert (batch.status, batch.attempts, batch.failed) == ("failed", 2, 5)
    assert batch.error.startswith("KeyError")
    assert not Listing.objects.exists()


def test_async_json_prints_the_job_id_and_its_size(org, catalogue):
    code, out, _ = run(
        "publish_items",
        "--organization",
        org.slug,
        "--all",
        "--batch-size",
        "4",
        "--async",
        "--json",
    )
    assert code == 0
    job = BulkJob.objects.get()
    assert json.loads(out) == {"jobId": job.pk, "batches": 3, "items": 8}
