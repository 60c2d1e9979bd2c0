"""What a bulk job has done so far (``bulk_status`` and ``GET /api/bulk-jobs/{id}``).

Three queries whatever the job's size: the job, one aggregate over its batches, and the first
batches that recorded failures. Nothing is counted on the job row itself: batches finish in
parallel and never contend for a shared row.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Coalesce

from bulkjobs.kinds import KINDS
from bulkjobs.models import JOB_ID_PREFIX, BulkBatch, BulkJob
from config.errors import NotFoundError
from publishing.models import Organization

JOB_ID_RE = re.compile(rf"^{JOB_ID_PREFIX}[0-9a-f]{{24}}$")
Status = BulkBatch.Status
OPEN = (Status.PENDING, Status.RUNNING)


@dataclass
class BulkJobStatus:
    job: BulkJob
    verb: str
    batches: dict[str, int] = field(default_factory=dict)  # pending, running, done, failed
    items: dict[str, int] = field(
        default_factory=dict
    )  # total, changed, unchanged, failed, pending
    failures: list[dict[str, Any]] = field(default_factory=list)
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None

    @property
    def state(self) -> str:
        """``queued`` (no batch started), ``running``, then ``succeeded`` (no item failed) or
        ``finished_with_failures``."""
        if self.batches["pending"] + self.batches["running"]:
            return "running" if self.started_at else "queued"
        failed = self.items["failed"] or self.batches["failed"]
        return "finished_with_failures" if failed else "succeeded"

    @property
    def finished(self) -> bool:
        return not (self.batches["pending"] + self.batches["running"])

    @property
    def items_done(self) -> int:
        return self.items["changed"] + self.items["unchanged"] + self.items["failed"]


def bulk_job_status(*, job_id: str, organization: Organization | None = None) -> BulkJobStatus:
    """The status of job ``job_id`` (of ``organization`` when given: another's answers 404)."""
    if not JOB_ID_RE.match(job_id or ""):
        raise NotFoundError("Bulk job not found.")
    jobs = BulkJob.objects.select_related("organization", "created_by")
    if organization is not None:
        jobs = jobs.filter(organization=organization)
    job = jobs.filter(pk=job_id).first()
    if job is None:
        raise NotFoundError("Bulk job not found.")

    def batches_in(*statuses: str) -> Count:
        return Count("pk", filter=Q(status__in=statuses))

    def total(name: str, **where: Any) -> Coalesce:
        return Coalesce(Sum(name, filter=Q(**where) if where else None), 0)

    figures = BulkBatch.objects.filter(job=job).aggregate(
        batches_pending=batches_in(Status.PENDING),
        batches_running=batches_in(Status.RUNNING),
        batches_done=batches_in(Status.DONE),
        batches_failed=batches_in(Status.FAILED),
        items_changed=total("changed"),
        items_unchanged=total("unchanged"),
        items_failed=total("failed"),
        pending_items=total("size", status__in=OPEN),
        started_at=Min("started_at"),
        finished_at=Max("finished_at"),
    )
    failures: list[dict[str, Any]] = []
    kept = settings.BULK_FAILURES_KEPT
    for rows in (
        BulkBatch.objects.filter(job=job, failed__gt=0)
        .order_by("index")
        .values_list("failures", flat=True)[:kept]
    ):
        failures += rows[: kept - len(failures)]
        if len(failures) >= kept:
            break
    status = BulkJobStatus(
        job=job,
        verb=KINDS[job.kind].verb,
        batches={s: figures[f"batches_{s}"] for s in ("pending", "running", "done", "failed")},
        items={
            "total": job.total_items,
            "changed": figures["items_changed"],
            "unchanged": figures["items_unchanged"],
            "failed": figures["items_failed"],
            "pending": figures["pending_items"],
        },
        failures=failures,
        started_at=figures["started_at"],
    )
    status.finished_at = figures["finished_at"] if status.finished else None
    return status
