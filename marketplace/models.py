"""Listings: an item published to an organization or to the marketplace, as a snapshot."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from config.ids import ObjectIdField, new_object_id
from publishing.models import Organization, Prompt, Template, TemplateType, User


class ItemType(models.TextChoices):
    PROMPT = "prompt", "Prompt"
    TEMPLATE = "template", "Template"


class Scope(models.TextChoices):
    ORGANIZATION = "organization", "Organization"
    MARKETPLACE = "marketplace", "Marketplace"


class ShareType(models.TextChoices):
    COPY = "copy", "Copy"
    REFERENCE = "reference", "Reference"


class ListingStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PENDING_REVIEW = "pending_review", "Pending review"
    REJECTED = "rejected", "Rejected"
    SUSPENDED = "suspended", "Suspended"
    UNPUBLISHED = "unpublished", "Unpublished"


class Listing(models.Model):
    """One listing per (item, scope). Republishing updates it in place (same id).

    The ``snapshot_*`` fields hold the item as it was published (its version ``item_version``);
    later edits of the item stay private until it is published again. ``moderation_hold`` is set
    when staff reject or suspend the listing and only staff clear it, so neither republishing nor
    unpublish-then-republish can make such a listing active again.
    """

    id = ObjectIdField(primary_key=True, default=new_object_id)
    item_type = models.CharField(max_length=10, choices=ItemType.choices)
    prompt = models.ForeignKey(
        Prompt, null=True, blank=True, on_delete=models.CASCADE, related_name="listings"
    )
    template = models.ForeignKey(
        Template, null=True, blank=True, on_delete=models.CASCADE, related_name="listings"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="listings"
    )
    publisher = models.ForeignKey(User, on_delete=models.PROTECT, related_name="listings")
    scope = models.CharField(max_length=20, choices=Scope.choices)
    share_type = models.CharField(max_length=10, choices=ShareType.choices)
    is_content_visible = models.BooleanField(default=True)
    allow_editable_references = models.BooleanField(default=False)

    name = models.CharField(max_length=200)
    description = models.TextField(max_length=2000, blank=True, default="")
    usage_information = models.TextField(max_length=5000, blank=True, default="")

    item_version = models.PositiveIntegerField()
    snapshot_name = models.CharField(max_length=200)
    snapshot_description = models.TextField(blank=True, default="")
    snapshot_body = models.TextField()
    snapshot_variables = models.JSONField(default=list)
    snapshot_temperature = models.FloatField(null=True, blank=True)
    snapshot_type = models.CharField(max_length=20, choices=TemplateType.choices, blank=True)
    snapshot_category = models.CharField(max_length=50, blank=True, default="")

    status = models.CharField(max_length=20, choices=ListingStatus.choices)
    moderation_hold = models.BooleanField(default=False)
    moderation_reason = models.TextField(blank=True, default="")
    moderated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    usage_count = models.PositiveIntegerField(default=0)

    published_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(item_type="prompt", prompt__isnull=False, template__isnull=True)
                    | Q(item_type="template", template__isnull=False, prompt__isnull=True)
                ),
                name="listing_exactly_one_item",
            ),
            models.UniqueConstraint(fields=["prompt", "scope"], name="listing_prompt_scope_unique"),
            models.UniqueConstraint(
                fields=["template", "scope"], name="listing_template_scope_unique"
            ),
            models.CheckConstraint(
                condition=Q(allow_editable_references=False) | Q(share_type="reference"),
                name="listing_editable_only_reference",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "status", "-published_at"], name="listing_org_status_idx"
            ),
            models.Index(
                fields=["scope", "status", "-published_at"], name="listing_scope_status_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.scope}, {self.status})"

    @property
    def item(self):
        return self.prompt if self.item_type == ItemType.PROMPT else self.template

    @property
    def item_id(self) -> str:
        return self.prompt_id if self.item_type == ItemType.PROMPT else self.template_id


class IdempotencyRecord(models.Model):
    """The first response to a request sent with an ``Idempotency-Key``, kept for 24 hours.

    Unique per (caller, key): a retry finds the row and replays the response; a concurrent retry
    finds it still ``in_progress``.
    """

    caller = models.CharField(max_length=64, help_text="user:<id> or key:<uuid>")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    in_progress = models.BooleanField(default=True)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="idempotency_caller_key_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.caller} {self.key}"
