"""Publishable items: prompts and templates, and their immutable, numbered versions."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from config.ids import ObjectIdField, new_object_id
from publishing.models.accounts import Organization, User


class ItemSource(models.TextChoices):
    MANUAL = "manual", "Manual checkpoint"
    PUBLISH = "publish", "Published"
    RESTORE = "restore", "Restored"


class TemplateType(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"
    CAMPAIGN = "campaign", "Campaign"
    SCRIPT = "script", "Script"
    AUTOMATION = "automation", "Automation"


# The fields that make up an item's content: what versions snapshot and listings publish.
CONTENT_FIELDS = ("name", "description", "body", "variables", "temperature")
TEMPLATE_CONTENT_FIELDS = (*CONTENT_FIELDS, "type", "category")


class PublishableItem(models.Model):
    """What prompts and templates share: identity, ownership, content, provenance, versioning.

    ``revision`` increases on every content change (the ETag); ``content_hash`` fingerprints the
    content and ``latest_version_hash`` the content of the newest version, so "changed since the
    last version" needs no query.
    """

    content_fields: tuple[str, ...] = CONTENT_FIELDS

    id = ObjectIdField(primary_key=True, default=new_object_id)
    # No index of its own: every index of the items starts with the organization.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="%(class)ss", db_index=False
    )
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="%(class)ss")
    name = models.CharField(max_length=200)
    description = models.TextField(max_length=2000, blank=True, default="")
    body = models.TextField(max_length=100_000)
    variables = models.JSONField(default=list, blank=True)
    temperature = models.FloatField(null=True, blank=True)
    content_hidden = models.BooleanField(
        default=False,
        help_text="Copied from a listing whose content is hidden: usable, not readable.",
    )
    copied_from_listing = models.CharField(max_length=24, blank=True, default="")
    copied_from_organization_name = models.CharField(max_length=200, blank=True, default="")
    copied_from_name = models.CharField(max_length=200, blank=True, default="")
    revision = models.PositiveIntegerField(default=1)
    content_hash = models.CharField(max_length=64, blank=True, default="")
    latest_version = models.PositiveIntegerField(default=0)
    latest_version_hash = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def content(self) -> dict:
        return {field: getattr(self, field) for field in self.content_fields}

    def refresh_derived(self) -> None:
        """Recompute ``variables`` from the body and the content fingerprint."""
        from publishing.variables import content_fingerprint, extract_variables

        self.variables = extract_variables(self.body)
        self.content_hash = content_fingerprint(self.content())

    @property
    def changed_since_last_version(self) -> bool:
        return self.content_hash != self.latest_version_hash

    @property
    def etag(self) -> str:
        return f'"{self.id}.{self.revision}"'


class Prompt(PublishableItem):
    item_type = "prompt"

    class Meta:
        indexes = [
            models.Index(fields=["organization", "-updated_at"], name="prompt_org_updated_idx"),
            models.Index(fields=["organization", "owner"], name="prompt_org_owner_idx"),
            models.Index(fields=["organization", "name"], name="prompt_org_name_idx"),
            # Bulk commands walk an organization's items in id order, a batch at a time.
            models.Index(fields=["organization", "id"], name="prompt_org_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(temperature__isnull=True)
                | models.Q(temperature__gte=0, temperature__lte=1),
                name="prompt_temperature_0_1",
            ),
        ]


class Template(PublishableItem):
    item_type = "template"
    content_fields = TEMPLATE_CONTENT_FIELDS

    type = models.CharField(max_length=20, choices=TemplateType.choices)
    category = models.SlugField(max_length=50, default="other")

    class Meta:
        indexes = [
            models.Index(fields=["organization", "-updated_at"], name="template_org_updated_idx"),
            models.Index(fields=["organization", "owner"], name="template_org_owner_idx"),
            models.Index(fields=["organization", "name"], name="template_org_name_idx"),
            models.Index(fields=["organization", "type", "category"], name="template_org_type_idx"),
            models.Index(fields=["organization", "id"], name="template_org_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(temperature__isnull=True)
                | models.Q(temperature__gte=0, temperature__lte=1),
                name="template_temperature_0_1",
            ),
        ]


class ImmutableRowError(Exception):
    """Raised when code tries to change or delete an immutable version row."""


class VersionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRowError("Item versions are immutable.")

    def delete(self):
        raise ImmutableRowError("Item versions are immutable; delete the item instead.")


class ItemVersion(models.Model):
    """An immutable snapshot of an item's content. Numbers run 1, 2, 3 … per item, gap-free.

    Rows are only ever inserted: ``save`` on an existing row, ``delete``, and queryset
    ``update``/``delete`` raise, and a database trigger refuses UPDATE. They go away only with
    their item (cascade).
    """

    number = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    body = models.TextField()
    variables = models.JSONField(default=list)
    temperature = models.FloatField(null=True, blank=True)
    content_hash = models.CharField(max_length=64)
    author = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=10, choices=ItemSource.choices)
    label = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    objects = VersionQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number} of {self.item_id}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ImmutableRowError("Item versions are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError("Item versions are immutable; delete the item instead.")


class PromptVersion(ItemVersion):
    # Indexed by the unique (item, number), as for every version table.
    item = models.ForeignKey(
        Prompt, on_delete=models.CASCADE, related_name="versions", db_index=False
    )

    class Meta(ItemVersion.Meta):
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="prompt_version_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="prompt_version_gte_1"),
        ]


class TemplateVersion(ItemVersion):
    item = models.ForeignKey(
        Template, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    type = models.CharField(max_length=20, choices=TemplateType.choices)
    category = models.SlugField(max_length=50, default="other", db_index=False)  # not queried

    class Meta(ItemVersion.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["item", "number"], name="template_version_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="template_version_gte_1"
            ),
        ]


ITEM_MODELS: dict[str, type[PublishableItem]] = {"prompt": Prompt, "template": Template}
VERSION_MODELS: dict[str, type[ItemVersion]] = {
    "prompt": PromptVersion,
    "template": TemplateVersion,
}
