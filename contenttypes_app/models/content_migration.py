"""Bulk content migrations: moving every content item of a type to one of its versions, as a job
(``services.content_migration``; re-exported from ``contenttypes_app.models``)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from contenttypes_app.models import ContentTypeDefinition, ContentTypeVersion, Project


class ContentMigration(models.Model):
    """One bulk migration (or dry run) and its report.

    The job walks the type's items in id order, a batch per transaction; ``cursor`` (the last id
    done) and the counters commit with each batch, so a job killed mid-way resumes where its last
    batch committed and never migrates or counts an item twice. ``failures`` keeps the first
    ``CONTENT_MIGRATION_FAILURES_KEPT`` items that did not fit (``failed_count`` counts them all).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    type = models.ForeignKey(
        ContentTypeDefinition,
        on_delete=models.CASCADE,
        related_name="content_migrations",
        db_index=False,
    )
    target = models.ForeignKey(ContentTypeVersion, on_delete=models.PROTECT, related_name="+")
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    migrated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    failures = models.JSONField(default=list, blank=True)  # [{id, errors: [{path, message}]}]
    cursor = models.UUIDField(null=True, blank=True)
    error = models.TextField(blank=True, default="")  # why the whole migration stopped
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "failed"]),
                name="ct_migration_status_valid",
            ),
            # Two real migrations of one type at once would race each other's batches.
            models.UniqueConstraint(
                fields=["type"],
                condition=Q(status__in=["queued", "running"], dry_run=False),
                name="ct_migration_one_active_per_type",
            ),
        ]
        indexes = [
            models.Index(fields=["type", "-created_at", "-id"], name="ct_migration_type_idx"),
        ]

    def __str__(self) -> str:
        kind = "Dry run" if self.dry_run else "Migration"
        return f"{kind} {self.pk} ({self.status})"
