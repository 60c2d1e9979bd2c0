"""Output of ``GET /api/bulk-jobs/{id}`` (and ``bulk_status --json``, the same document)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from bulkjobs.selectors import BulkJobStatus


class BulkJobBatchesSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    failed = serializers.IntegerField(help_text="Batches that could not run (every item failed).")
    running = serializers.IntegerField()
    pending = serializers.IntegerField()


class BulkJobItemsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    changed = serializers.IntegerField(help_text="Published (unpublished for unpublish_items).")
    unchanged = serializers.IntegerField()
    failed = serializers.IntegerField()
    pending = serializers.IntegerField(help_text="Items of pending and running batches.")


class BulkJobFailureSerializer(serializers.Serializer):
    id = serializers.CharField()
    itemType = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class BulkJobOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=["publish_items", "unpublish_items", "publish_content_types", "publish_content"]
    )
    action = serializers.CharField(help_text="What `items.changed` counts: published, unpublished.")
    state = serializers.ChoiceField(
        choices=["queued", "running", "succeeded", "finished_with_failures"]
    )
    createdBy = serializers.EmailField(allow_null=True)
    options = serializers.DictField()
    batchSize = serializers.IntegerField()
    batches = BulkJobBatchesSerializer()
    items = BulkJobItemsSerializer()
    failures = BulkJobFailureSerializer(
        many=True, help_text="The first failures (BULK_FAILURES_KEPT), in batch order."
    )
    createdAt = serializers.DateTimeField()
    startedAt = serializers.DateTimeField(allow_null=True)
    finishedAt = serializers.DateTimeField(allow_null=True)


def bulk_job_status_data(status: BulkJobStatus) -> dict[str, Any]:
    """The status as the API answers it."""
    job = status.job
    return BulkJobOutputSerializer(
        {
            "id": job.pk,
            "kind": job.kind,
            "action": status.verb,
            "state": status.state,
            "createdBy": job.created_by.email if job.created_by else None,
            "options": job.options,
            "batchSize": job.batch_size,
            "batches": {"total": job.batch_count, **status.batches},
            "items": status.items,
            "failures": status.failures,
            "createdAt": job.created_at,
            "startedAt": status.started_at,
            "finishedAt": status.finished_at,
        }
    ).data
