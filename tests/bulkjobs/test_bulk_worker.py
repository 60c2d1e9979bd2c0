"""Bulk jobs on real procrastinate workers (subprocesses): several workers share the batches, a
worker killed mid-batch (SIGKILL) leaves the batch untouched and the stalled-job sweep retries it,
so the job ends exactly as an uninterrupted run; ``bulk_status --wait`` follows a running job.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from bulkjobs.models import BulkBatch
from bulkjobs.selectors import bulk_job_status
from marketplace.models import Listing
from publishing.models import Prompt, PromptVersion, TemplateVersion
from tests.bulkjobs.conftest import make_catalogue, run, start_job, status_json
from tests.marketplace.commands.test_progress_on_a_terminal import run_on_pty, screen
from tests.webhooks import conftest as webhook_fixtures
from tests.webhooks.conftest import wait_for

workers = webhook_fixtures.workers  # real worker subprocesses on the test database

pytestmark = pytest.mark.django_db(transaction=True)

BOTH = ("--all", "--scope", "both")


def finished(job_id: str) -> bool:
    return bulk_job_status(job_id=job_id).finished


def assert_whole_and_unique(items: int) -> None:
    """Every item has its two listings (one per scope) and one published version; none twice."""
    assert Listing.objects.count() == 2 * items
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT prompt_id, template_id, scope FROM "  # noqa: S608
            f"{Listing._meta.db_table} GROUP BY 1, 2, 3 HAVING count(*) > 1) d"
        )
        assert cursor.fetchone()[0] == 0
    published = (
        PromptVersion.objects.filter(source="publish").count()
        + TemplateVersion.objects.filter(source="publish").count()
    )
    assert published == items


def test_two_workers_run_the_batches_and_a_rerun_reports_everything_unchanged(org, owner, workers):
    make_catalogue(org, owner, prompts=30, templates=20)
    job_id = start_job("publish_items", "--organization", org.slug, *BOTH, "--batch-size", "7")
    workers.start(concurrency=2)
    workers.start(concurrency=2)
    wait_for(lambda: finished(job_id), timeout=60, what="the bulk job")
    code, data = status_json(job_id)
    assert code == 0, data
    assert data["state"] == "succeeded"
    assert data["items"] == {"total": 50, "changed": 50, "unchanged": 0, "failed": 0, "pending": 0}
    assert data["batches"] == {"total": 8, "done": 8, "failed": 0, "running": 0, "pending": 0}
    assert set(BulkBatch.objects.values_list("attempts", flat=True)) == {1}
    assert_whole_and_unique(50)

    again = start_job("publish_items", "--organization", org.slug, *BOTH, "--batch-size", "7")
    wait_for(lambda: finished(again), timeout=60, what="the re-run")
    _, data = status_json(again)
    assert data["items"] == {"total": 50, "changed": 0, "unchanged": 50, "failed": 0, "pending": 0}
    assert_whole_and_unique(50)


def test_bulk_status_wait_follows_the_job_to_its_end(org, owner, workers):
    make_catalogue(org, owner, prompts=12, templates=0)
    job_id = start_job("publish_items", "--organization", org.slug, *BOTH, "--batch-size", "2")
    assert not finished(job_id)
    workers.start(concurrency=1)
    started = time.monotonic()
    code, out, err = run("bulk_status", job_id, "--wait", "--interval", "0.2")
    assert time.monotonic() - started < 60
    assert code == 0, err
    assert ": succeeded; created " in out
    assert "batches 6: done 6, failed 0, running 0, pending 0" in out
    assert "items 12: published 12, unchanged 0, failed 0, pending 0" in out


def test_a_worker_killed_mid_batch_is_retried_and_the_result_is_whole(org, owner, workers):
    make_catalogue(org, owner, prompts=9, templates=0)
    job_id = start_job("publish_items", "--organization", org.slug, *BOTH, "--batch-size", "3")
    first, second, third = BulkBatch.objects.filter(job_id=job_id).order_by("index")
    # Hold a row lock on an item of the second batch: its worker takes the batch, then waits for
    # the lock inside the batch's transaction, where it is killed.
    with transaction.atomic():
        Prompt.objects.select_for_update().get(pk=second.item_ids[1])
        worker = workers.start(concurrency=1)
        wait_for(
            lambda: BulkBatch.objects.get(pk=second.pk).status == "running",
            what="the second batch to start",
        )
        assert BulkBatch.objects.get(pk=first.pk).status == "done"
        time.sleep(0.5)  # the batch is now blocked on the lock, its first item already locked
        workers.kill(worker)  # SIGKILL: no cleanup, the task job stays "doing"
    time.sleep(0.5)  # the lock is released; the dead worker's backend rolls back

    killed = BulkBatch.objects.get(pk=second.pk)
    assert (killed.status, killed.attempts, killed.changed) == ("running", 1, 0)
    assert not Listing.objects.filter(prompt_id__in=second.item_ids).exists()
    assert BulkBatch.objects.get(pk=third.pk).status == "pending"

    workers.start(concurrency=1)  # its stalled-job sweep puts the killed batch back (3 s)
    wait_for(lambda: finished(job_id), timeout=60, what="the job after the retry")
    retried = BulkBatch.objects.get(pk=second.pk)
    assert (retried.status, retried.attempts, retried.changed) == ("done", 2, 3)
    # The same as an uninterrupted run: every item published once, all counted once.
    _, data = status_json(job_id)
    assert data["items"] == {"total": 9, "changed": 9, "unchanged": 0, "failed": 0, "pending": 0}
    assert data["batches"]["done"] == 3
    assert_whole_and_unique(9)


def test_bulk_status_wait_on_a_terminal_draws_the_bulk_commands_progress_bar(org, owner, workers):
    make_catalogue(org, owner, prompts=12, templates=0)
    job_id = start_job("publish_items", "--organization", org.slug, *BOTH, "--batch-size", "2")
    printed: list[str] = []
    follower = threading.Thread(
        target=lambda: printed.append(
            run_on_pty("bulk_status", job_id, "--wait", "--interval", "0.2", cols=100)
        )
    )
    follower.start()  # following the queued job before any worker runs it
    time.sleep(3)
    workers.start(concurrency=1)
    follower.join(120)
    output = printed[0]
    lines = screen(output)
    bars = [line for line in lines if "100%|" in line]
    assert len(bars) == 1, output  # the same tqdm bar, completed once
    assert "12/12" in bars[0]
    # The report starts on its own line after the bar.
    assert any(line.startswith(f"{job_id} publish_items") for line in lines), output
    assert "items 12: published 12, unchanged 0, failed 0, pending 0" in lines, output
