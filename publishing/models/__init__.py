"""Tenancy and identity: users, organizations, memberships, API keys, and the audit log."""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from config.ids import ObjectIdField, new_object_id


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in with their email address (stored lower-case, unique)."""

    email = models.EmailField(max_length=254, unique=True, help_text="Stored lower-case.")
    full_name = models.CharField(max_length=200, blank=True)
    is_staff = models.BooleanField(
        default=False, help_text="Designates whether the user can log into the admin site."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = ["full_name"]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.lower()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name or self.email


class Role(models.TextChoices):
    """Organization roles, strongest first: owner > admin > editor > viewer."""

    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"

    @classmethod
    def rank(cls, role: str) -> int:
        return {cls.VIEWER: 0, cls.EDITOR: 1, cls.ADMIN: 2, cls.OWNER: 3}[role]

    @classmethod
    def at_least(cls, role: str, minimum: str) -> bool:
        return cls.rank(role) >= cls.rank(minimum)


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="publishing_membership_user_org_unique"
            ),
        ]
        indexes = [models.Index(fields=["organization", "role"], name="membership_org_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"


class APIKey(models.Model):
    """An organization API key: ``pk_<prefix>_<secret>``, stored as its SHA-256 hash only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    prefix = models.CharField(max_length=16, unique=True, help_text="Visible part of the key.")
    hashed_key = models.CharField(max_length=64)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_keys")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        indexes = [
            models.Index(fields=["organization", "created_at"], name="apikey_org_created_idx")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditEvent(models.Model):
    """Append-only record of every write that matters: who did what to which object, and when."""

    actor_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_api_key = models.ForeignKey(
        APIKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=100)
    target_type = models.CharField(max_length=50)
    target_id = models.CharField(max_length=64)
    request_id = models.CharField(max_length=128, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="audit_org_created_idx"),
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["action", "-created_at"], name="audit_action_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"


# --- publishable items: prompts and templates --------------------------------------------------
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
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="%(class)ss"
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
    item = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="versions")

    class Meta(ItemVersion.Meta):
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="prompt_version_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="prompt_version_gte_1"),
        ]


class TemplateVersion(ItemVersion):
    item = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="versions")
    type = models.CharField(max_length=20, choices=TemplateType.choices)
    category = models.SlugField(max_length=50, default="other")

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
