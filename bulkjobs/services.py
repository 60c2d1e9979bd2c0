"""Starting a bulk job and running one of its batches (the job is ``bulkjobs.tasks.run_batch``).

``bulk_job_start`` writes the job, every batch row and one task-engine job per batch in one
transaction (three statements, whatever the number of batches): either the whole job is queued
or nothing is. ``bulk_batch_run`` is what a worker does with a batch; see ``bulkjobs.models``
for the batch statuses and why a worker killed mid-batch cannot leave half a batch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, F, Func
from django.db.models.functions import Coalesce

from bulkjobs.kinds import KINDS, run_kind
from bulkjobs.models import BulkBatch, BulkJob
from config.batches import BatchResult, ItemFailure
from config.errors import DomainError, ForbiddenError, ValidationFailedError
from config.jobs import defer_jobs
from publishing.tenancy import Actor, actor_for

logger = logging.getLogger(__name__)

RUN_TASK = "bulkjobs.run_batch"
QUEUE = "bulk"
Status = BulkBatch.Status


class ClockTimestamp(Func):
    """The database's clock now (``NOW()`` is the transaction's start: a batch's ``finished_at``
    is written at the end of its transaction)."""

    function = "clock_timestamp"
    template = "clock_timestamp()"
    output_field = DateTimeField()


@transaction.atomic
def bulk_job_start(
    *,
    actor: Actor,
    kind: str,
    options: dict[str, Any],
    batches: Iterable[tuple[str, list]],
    batch_size: int,
) -> BulkJob:
    """Queue ``batches`` (item type, ids) as a bulk job of ``kind`` acting as ``actor``.

    The selection is the caller's (a command's ``batches()``); ids are stored as given (strings),
    so a malformed id fails in its batch exactly as in the synchronous run.
    """
    if kind not in KINDS:
        raise ValidationFailedError.for_fields({"kind": f"Unknown bulk job kind {kind!r}."})
    chosen = [(item_type, [str(i) for i in ids]) for item_type, ids in batches if ids]
    job = BulkJob.objects.create(
        organization=actor.organization,
        created_by=actor.user,
        kind=kind,
        options=options,
        batch_size=batch_size,
        total_items=sum(len(ids) for _, ids in chosen),
        batch_count=len(chosen),
    )
    rows = BulkBatch.objects.bulk_create(
        BulkBatch(job=job, index=n, item_type=item_type, item_ids=ids, size=len(ids))
        for n, (item_type, ids) in enumerate(chosen)
    )
    defer_jobs(RUN_TASK, queue=QUEUE, kwargs_list=[{"batch_id": row.pk} for row in rows])
    return job


def _claim(batch_id: int) -> bool:
    """Mark the batch ``running`` (attempt + 1) in a transaction of its own, so the status shows
    it while the work runs; False when the batch is already final (a retried job). Waits for a
    worker that still holds the batch (a duplicate run) and then finds it done."""
    return bool(
        BulkBatch.objects.filter(pk=batch_id, status__in=[Status.PENDING, Status.RUNNING]).update(
            status=Status.RUNNING,
            attempts=F("attempts") + 1,
            started_at=Coalesce(F("started_at"), ClockTimestamp()),
        )
    )


def _failure_rows(item_type: str, failures: list[ItemFailure]) -> list[dict[str, str]]:
    kept = failures[: settings.BULK_FAILURES_KEPT]
    return [
        {"id": f.item_id, "itemType": item_type, "code": f.code, "message": f.message} for f in kept
    ]


def _finish(batch: BulkBatch, status: str, result: BatchResult, error: str = "") -> None:
    BulkBatch.objects.filter(pk=batch.pk).update(
        status=status,
        changed=result.changed,
        unchanged=result.unchanged,
        failed=len(result.failures),
        failures=_failure_rows(batch.item_type, result.failures),
        error=error,
        finished_at=ClockTimestamp(),
    )


def _all_failed(batch: BulkBatch, code: str, message: str) -> BatchResult:
    return BatchResult(failures=[ItemFailure(str(i), code, message) for i in batch.item_ids])


def _give_up(batch: BulkBatch, message: str) -> str:
    """The batch is ``failed``, every item failed ``INTERNAL_ERROR``: the job can end."""
    _finish(batch, Status.FAILED, _all_failed(batch, "INTERNAL_ERROR", message), message)
    return Status.FAILED


def bulk_batch_run(*, batch_id: int) -> str:
    """Run one batch: lock its row, skip it if final, re-check the acting member, run the batch
    service and record its counts, all in one transaction (a SIGKILL leaves nothing or all).

    A domain error that stops the whole batch (the member left the organization or lost the
    role, the project is gone) makes it ``failed``, every item failed with that code. Anything
    else propagates so the task engine retries; after ``BULK_BATCH_MAX_ATTEMPTS`` attempts the
    batch is ``failed`` with the error, so the job ends. Returns the batch's final status (or
    "skipped").
    """
    if not _claim(batch_id):
        return "skipped"
    try:
        with transaction.atomic():
            batch = (
                BulkBatch.objects.select_for_update(of=("self",))
                .select_related("job", "job__organization", "job__created_by")
                .get(pk=batch_id)
            )
            if batch.status not in (Status.PENDING, Status.RUNNING):
                return "skipped"
            job = batch.job
            if batch.attempts > settings.BULK_BATCH_MAX_ATTEMPTS:
                # Taken that many times and never finished: each worker died in it (killed, out
                # of memory). Give up so the job ends; a re-run of the command retries its items.
                message = f"Gave up after {batch.attempts - 1} attempts that never finished."
                return _give_up(batch, message)
            try:
                if job.created_by is None:
                    raise ForbiddenError("The member who started the job no longer exists.")
                actor = actor_for(
                    job.created_by, job.organization, request_id=f"bulk:{job.pk}:{batch.index}"
                )
                with transaction.atomic():  # a failed batch keeps none of its writes
                    result = run_kind(
                        job.kind,
                        actor=actor,
                        options=job.options,
                        item_type=batch.item_type,
                        item_ids=list(batch.item_ids),
                    )
            except DomainError as exc:
                _finish(
                    batch, Status.FAILED, _all_failed(batch, exc.code, exc.message), exc.message
                )
                return Status.FAILED
            _finish(batch, Status.DONE, result)
            return Status.DONE
    except Exception as exc:
        attempts = BulkBatch.objects.filter(pk=batch_id).values_list("attempts", flat=True).first()
        if attempts is None or attempts < settings.BULK_BATCH_MAX_ATTEMPTS:
            raise  # the task engine retries the job
        logger.exception("Bulk batch %s failed for good after %s attempts", batch_id, attempts)
        with transaction.atomic():
            batch = BulkBatch.objects.select_for_update().get(pk=batch_id)
            return _give_up(batch, f"{type(exc).__name__}: {exc}"[:1000])
