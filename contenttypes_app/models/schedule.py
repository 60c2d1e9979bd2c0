"""Scheduled publishing of content types and content (``services.scheduling``; re-exported from
``contenttypes_app.models``)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from contenttypes_app.models import ContentTypeDefinition, Project
from contenttypes_app.models.content import Content


class PublishSchedule(models.Model):
    """When one content type or one content item gets published and/or unpublished by itself.

    At most one per object (the two one-to-one keys, exactly one of them set). Each transition
    has its own status: ``pending`` (a job is deferred for its time), ``done`` (ran, once) or
    ``failed`` (ran and was refused: ``last_error``); null when that time is not set.
    ``token`` changes whenever the schedule is (re)set: a job carries the token it was deferred
    for and does nothing when it is no longer the current one (a replaced or cancelled schedule).
    """

    class TransitionStatus(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    content_type = models.OneToOneField(
        ContentTypeDefinition,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="publish_schedule",
    )
    content = models.OneToOneField(
        Content, null=True, blank=True, on_delete=models.CASCADE, related_name="publish_schedule"
    )
    publish_at = models.DateTimeField(null=True, blank=True)
    unpublish_at = models.DateTimeField(null=True, blank=True)
    publish_status = models.CharField(
        max_length=10, choices=TransitionStatus.choices, null=True, blank=True
    )
    unpublish_status = models.CharField(
        max_length=10, choices=TransitionStatus.choices, null=True, blank=True
    )
    token = models.UUIDField(default=uuid.uuid4)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_error = models.JSONField(null=True, blank=True)  # {transition, code, message, details, at}
    published_at = models.DateTimeField(null=True, blank=True)  # when the publish ran
    unpublished_at = models.DateTimeField(null=True, blank=True)  # when the unpublish ran
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(content_type__isnull=False, content__isnull=True)
                    | Q(content_type__isnull=True, content__isnull=False)
                ),
                name="ct_schedule_one_target",
            ),
            models.CheckConstraint(
                condition=Q(publish_at__isnull=False) | Q(unpublish_at__isnull=False),
                name="ct_schedule_some_time",
            ),
            models.CheckConstraint(
                condition=Q(publish_at__isnull=True)
                | Q(unpublish_at__isnull=True)
                | Q(unpublish_at__gt=models.F("publish_at")),
                name="ct_schedule_unpublish_after_publish",
            ),
        ]
        indexes = [
            models.Index(
                fields=["publish_at"],
                condition=Q(publish_status="pending"),
                name="ct_schedule_publish_due_idx",
            ),
            models.Index(
                fields=["unpublish_at"],
                condition=Q(unpublish_status="pending"),
                name="ct_schedule_unpublish_due_idx",
            ),
        ]

    def __str__(self) -> str:
        target = self.content_type_id or self.content_id
        return f"Schedule of {target} (publish {self.publish_at}, unpublish {self.unpublish_at})"
