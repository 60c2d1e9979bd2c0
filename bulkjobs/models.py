"""A bulk job (``publish_items --async`` and the other bulk commands) and its batches.

The job states what to do (kind, options, acting member); each batch row names its items and,
once run, what happened to them. A batch's counts are written in the transaction that did its
work, so a batch is either untouched (``pending``/``running``) or wholly ``done``: a worker killed
mid-batch leaves nothing half-counted, and the retry runs the batch from the start.

Batch statuses (``bulkjobs.services.bulk_batch_run``):

    pending → running   a worker took the batch (committed on its own, before the work)
    running → done      the batch service ran; counts and first failures recorded with its writes
    running → failed    the batch could not run at all (the actor is no longer a member, the
                        project is gone, or BULK_BATCH_MAX_ATTEMPTS attempts all raised or all
                        died with their worker): every item failed, the reason in ``error``
    running → running   the worker died: the stalled-job sweep retries it (``attempts`` + 1)

``done`` and ``failed`` are final: a retried job finds them and does nothing.
"""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.db import models
from django.utils import timezone

JOB_ID_PREFIX = "bulk_"


def new_bulk_job_id() -> str:
    """``bulk_`` and 24 hex characters (a timestamp then random bytes: time-ordered)."""
    return JOB_ID_PREFIX + int(time.time()).to_bytes(4, "big").hex() + os.urandom(8).hex()


class BulkJob(models.Model):
    class Kind(models.TextChoices):
        PUBLISH_ITEMS = "publish_items"
        UNPUBLISH_ITEMS = "unpublish_items"
        PUBLISH_CONTENT_TYPES = "publish_content_types"
        PUBLISH_CONTENT = "publish_content"

    id = models.CharField(primary_key=True, max_length=29, default=new_bulk_job_id, editable=False)
    organization = models.ForeignKey(
        "publishing.Organization", on_delete=models.CASCADE, related_name="bulk_jobs"
    )
    # The member the job acts as; re-checked by every batch (gone: the batch fails).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    options = models.JSONField(default=dict, blank=True)
    batch_size = models.PositiveIntegerField()
    total_items = models.PositiveIntegerField()
    batch_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="bulkjob_org_created_idx")
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.kind}"


class BulkBatch(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="batches")
    index = models.PositiveIntegerField()
    item_type = models.CharField(max_length=32)
    item_ids = models.JSONField(default=list)
    size = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # The first BULK_FAILURES_KEPT failures of the batch: {"id", "itemType", "code", "message"}.
    failures = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "index"]
        indexes = [models.Index(fields=["job", "status"], name="bulkbatch_job_status_idx")]
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="bulkbatch_one_per_index"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} #{self.index} {self.status}"
