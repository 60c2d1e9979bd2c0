"""Content items: instances of a published content type version, and their immutable versions
(DESIGN §7a; re-exported from ``contenttypes_app.models``)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from contenttypes_app.models import (
    ContentTypeDefinition,
    ContentTypeVersion,
    ImmutableModel,
    Project,
)


class Content(models.Model):
    """One content item of a content type, locked to the type version it was made with.

    ``type_version`` is the published ``ContentTypeVersion`` whose schema ``content`` is validated
    against; republishing the type never touches it (``content_migrate`` moves it forward).
    ``version`` and ``last_published_version`` hold the number of the newest ``ContentVersion``
    (null before the first publish); ``withdrawn`` remembers an unpublish (discard then returns to
    ``unpublished``). ``revision`` grows on every write and makes the ``ETag``.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        MODIFIED = "modified", "Modified"
        PUBLISHED = "published", "Published"
        UNPUBLISHED = "unpublished", "Unpublished"
        DELETED = "deleted", "Deleted"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Led by the (project, …) indexes below, hence no index of its own.
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="content_items", db_index=False
    )
    # Led by ct_content_type_id_idx (the bulk migration walks a type's items in id order).
    type = models.ForeignKey(
        ContentTypeDefinition,
        on_delete=models.PROTECT,
        related_name="content_items",
        db_index=False,
    )
    type_version = models.ForeignKey(
        ContentTypeVersion, on_delete=models.PROTECT, related_name="content_items"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(null=True, blank=True)
    last_published_version = models.PositiveIntegerField(null=True, blank=True)
    withdrawn = models.BooleanField(default=False)
    is_template = models.BooleanField(default=False)
    content = models.JSONField(default=dict, blank=True)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    # author, locale, publishedAt, publishedBy, rolledBackFrom
    metadata = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "content item"
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["draft", "modified", "published", "unpublished", "deleted"]
                ),
                name="ct_content_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(version__isnull=True) | Q(version__gte=1),
                name="ct_content_version_positive",
            ),
            models.CheckConstraint(
                condition=~Q(status="draft") | Q(last_published_version__isnull=True),
                name="ct_content_draft_unpublished",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["published", "unpublished"])
                | Q(last_published_version__isnull=False),
                name="ct_content_published_has_version",
            ),
        ]
        indexes = [
            # list filters; each ends with the default ordering so a page is an index range
            models.Index(
                fields=["project", "type", "-updated_at", "-id"], name="ct_content_type_idx"
            ),
            models.Index(
                fields=["project", "status", "-updated_at", "-id"], name="ct_content_status_idx"
            ),
            models.Index(fields=["project", "-updated_at", "-id"], name="ct_content_updated_idx"),
            models.Index(fields=["project", "name", "id"], name="ct_content_name_idx"),
            models.Index(fields=["type", "id"], name="ct_content_type_id_idx"),
            GinIndex(fields=["tags"], name="ct_content_tags_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"

    @property
    def etag(self) -> str:
        return f'"{self.pk}.{self.revision}"'

    @property
    def has_published_version(self) -> bool:
        return self.last_published_version is not None


class ContentVersion(ImmutableModel):
    """One published version of a content item, frozen (ORM and database trigger refuse changes)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    content_item = models.ForeignKey(
        Content, on_delete=models.PROTECT, related_name="versions", db_index=False
    )
    version = models.PositiveIntegerField()
    type_version = models.ForeignKey(ContentTypeVersion, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, default=Content.Status.PUBLISHED)
    name = models.CharField(max_length=200)
    content = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_item", "version"], name="ct_content_version_unique"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="ct_content_version_gte1"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
