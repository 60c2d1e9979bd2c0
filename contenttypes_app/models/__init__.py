"""Projects, components, packages, content type definitions and their immutable versions.

Invariants held by the database (named constraints) rather than by Python alone:

- a project's slug and its name are each unique in its organization; a live component's name is
  unique in its project; a non-deleted content type's name is unique in its project;
- a package's semver ``version`` is unique in its project, and its captured components are unique
  per package;
- ``ContentTypeVersion`` is unique per (definition, version) with ``version >= 1``.

``Package``, ``PackageComponent`` and ``ContentTypeVersion`` rows are write-once: the ORM refuses to
update or delete them (``save``/``delete`` and the queryset's ``update``/``delete``/``bulk_update``
raise ``ImmutableRecordError``), and a PostgreSQL trigger refuses it too (migration 0002).

Foreign keys that lead a composite index or unique constraint get no index of their own.
"""

from __future__ import annotations

import json
import uuid
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from psycopg.types.json import Json

from publishing.models import Organization


class ImmutableRecordError(RuntimeError):
    """A write-once row was about to be changed or deleted. Always a programming error."""


class ImmutableQuerySet(models.QuerySet):
    """A queryset that can read and insert, never change or delete."""

    def update(self, **kwargs: Any) -> int:
        raise ImmutableRecordError(f"{self.model.__name__} rows are immutable: update refused.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableRecordError(f"{self.model.__name__} rows are immutable: delete refused.")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise ImmutableRecordError(f"{self.model.__name__} rows are immutable: update refused.")

    def update_or_create(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableRecordError(f"{self.model.__name__} rows are immutable: update refused.")


class DocumentJSONField(models.JSONField):
    """JSON stored as PostgreSQL ``json`` (the text as written) rather than ``jsonb``.

    For large documents that are written and read whole and never queried inside, such as
    generated content schemas: ``json`` costs no parse into a tree on the way in or out (about a
    third of publishing a 1,000-component content type with ``jsonb``) and keeps key order. It has
    no equality operator, so it is never filtered on.
    """

    def db_type(self, connection: Any) -> str:
        return "json"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not isinstance(value, str):  # psycopg decodes ``json`` itself (Django only ``jsonb``)
            return value
        return super().from_db_value(value, expression, connection)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        # Sent as ``json`` (Django sends ``jsonb``, which PostgreSQL would parse and re-print).
        return Json(value, dumps=partial(json.dumps, separators=(",", ":"), cls=self.encoder))


class ImmutableModel(models.Model):
    """Base for write-once rows: ``save()`` only ever inserts; ``delete()`` always refuses."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableRecordError(f"{type(self).__name__} rows are immutable: save refused.")
        kwargs["force_insert"] = True
        kwargs.pop("force_update", None)
        kwargs.pop("update_fields", None)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableRecordError(f"{type(self).__name__} rows are immutable: delete refused.")


# --- projects and components -------------------------------------------------------------------
class Project(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed by the (organization, slug) unique constraint, hence no index of its own.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="content_projects", db_index=False
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "slug"], name="ct_project_org_slug_unique"
            ),
            # Two projects of one organization never share a name, as two live components of a
            # project never do (same comparison: exact). Its index also serves lists by name.
            models.UniqueConstraint(
                fields=["organization", "name"], name="ct_project_org_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Component(models.Model):
    """A building block of content: a ``layout`` (the page frame) or a ``view`` placed in it.

    ``schema`` is the JSON Schema (draft-07) of the component's properties. ``version`` is null
    until a package first captures the component, then grows by one each time a package captures
    it after a change (``modified``).
    """

    class Type(models.TextChoices):
        VIEW = "view", "View"
        LAYOUT = "layout", "Layout"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        MODIFIED = "modified", "Modified"
        PUBLISHED = "published", "Published"
        DELETED = "deleted", "Deleted"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="components", db_index=False
    )
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    type = models.CharField(max_length=10, choices=Type.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    schema = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"],
                condition=~Q(status="deleted"),
                name="ct_component_project_name_unique_live",
            ),
            models.CheckConstraint(
                condition=Q(type__in=["view", "layout"]), name="ct_component_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "modified", "published", "deleted"]),
                name="ct_component_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status", "name"], name="ct_component_status_idx"),
            models.Index(fields=["project", "type", "name"], name="ct_component_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.type})"


# --- packages ----------------------------------------------------------------------------------
class Package(ImmutableModel):
    """An immutable semver snapshot of a project's components (see ``PackageComponent``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="packages", db_index=False
    )
    version = models.CharField(max_length=64)
    metadata = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "version"], name="ct_package_project_version_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "-created_at"], name="ct_package_project_created_idx")
        ]

    def __str__(self) -> str:
        return f"{self.project} @ {self.version}"


class PackageComponent(ImmutableModel):
    """One component as a package captured it: its id, name, type, version and schema."""

    package = models.ForeignKey(
        Package, on_delete=models.PROTECT, related_name="components", db_index=False
    )
    component = models.ForeignKey(
        Component, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=10, choices=Component.Type.choices)
    version = models.PositiveIntegerField()
    schema = models.JSONField(default=dict)
    # The component as an entry of generated content schemas' ``definitions``, computed once at
    # capture (schema_generation.component_definition): publishing copies it inside PostgreSQL.
    definition = DocumentJSONField(default=dict)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["package", "component"], name="ct_package_component_unique"
            ),
        ]
        # "Is this component in any package?" (component delete) needs the reverse lookup.
        indexes = [models.Index(fields=["component"], name="ct_package_component_comp_idx")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


# --- content types -----------------------------------------------------------------------------
def default_permissions() -> dict[str, Any]:
    return {"roles": [], "users": [], "publish": {"roles": [], "users": []}}


class ContentTypeDefinition(models.Model):
    """The live, editable definition of a content type (named so as not to clash with Django's
    ``ContentType``). Every publish freezes it into a ``ContentTypeVersion``.

    ``version`` and ``last_published_version`` both hold the number of the newest version row
    (null before the first publish); the next publish allocates ``last_published_version + 1``
    under a row lock on this definition. ``withdrawn`` remembers that the type was unpublished, so
    that discarding edits returns it to ``unpublished`` rather than ``published``. ``revision``
    grows on every write and makes the ``ETag``. ``component_ids`` is the flattened set of the
    layout and allow-listed ids, kept for the "is this component in use?" lookup.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        MODIFIED = "modified", "Modified"
        UNPUBLISHED = "unpublished", "Unpublished"
        DELETED = "deleted", "Deleted"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="content_types", db_index=False
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(null=True, blank=True)
    last_published_version = models.PositiveIntegerField(null=True, blank=True)
    withdrawn = models.BooleanField(default=False)
    layout_component_id = models.UUIDField()
    component_ids_allow_list = models.JSONField(default=list, blank=True)
    component_ids = ArrayField(models.UUIDField(), default=list, blank=True)
    package_version = models.CharField(max_length=64)
    schema = DocumentJSONField(null=True, blank=True)
    template_content_ids = models.JSONField(default=list, blank=True)
    permissions = models.JSONField(default=default_permissions, blank=True)
    # Set by ``PUT …/package-version`` with ``migrateContent``: the next publish starts a bulk
    # migration of the type's content to the version it writes (``services.content_migration``).
    migrate_content_on_publish = models.BooleanField(default=False)
    author = models.CharField(max_length=254, blank=True, default="")
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
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
        verbose_name = "content type"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"],
                condition=~Q(status="deleted"),
                name="ct_definition_project_name_unique_live",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["draft", "published", "modified", "unpublished", "deleted"]
                ),
                name="ct_definition_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(version__isnull=True) | Q(version__gte=1),
                name="ct_definition_version_positive",
            ),
            # Only a never-published type may be a draft, and a published one has a version.
            models.CheckConstraint(
                condition=~Q(status="draft") | Q(last_published_version__isnull=True),
                name="ct_definition_draft_unpublished",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["published", "modified", "unpublished"])
                | Q(last_published_version__isnull=False),
                name="ct_definition_published_has_version",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status"], name="ct_definition_status_idx"),
            models.Index(fields=["project", "name"], name="ct_definition_name_idx"),
            models.Index(fields=["project", "created_at"], name="ct_definition_created_idx"),
            models.Index(fields=["project", "updated_at"], name="ct_definition_updated_idx"),
            GinIndex(fields=["tags"], name="ct_definition_tags_gin"),
            GinIndex(fields=["component_ids"], name="ct_definition_components_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"

    @property
    def etag(self) -> str:
        return f'"{self.pk}.{self.revision}"'

    @property
    def has_published_version(self) -> bool:
        return self.last_published_version is not None


class ContentTypeVersion(ImmutableModel):
    """One published version of a content type: the full definition as published, frozen."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    definition = models.ForeignKey(
        ContentTypeDefinition, on_delete=models.PROTECT, related_name="versions", db_index=False
    )
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    layout_component_id = models.UUIDField()
    component_ids_allow_list = models.JSONField(default=list)
    package_version = models.CharField(max_length=64)
    schema = DocumentJSONField()
    template_content_ids = models.JSONField(default=list)
    permissions = models.JSONField(default=default_permissions)
    author = models.CharField(max_length=254, blank=True, default="")
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    rolled_back_from = models.PositiveIntegerField(
        null=True, blank=True, help_text="The version this one restored, for a rollback."
    )
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "version"], name="ct_version_definition_version_unique"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="ct_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


# --- content (instances of a content type) -----------------------------------------------------


# Content items live in their own module (this one holds the definitions they are made from);
# imported last so that they can use the bases above, and re-exported from here.
from contenttypes_app.models.content import Content as Content  # noqa: E402
from contenttypes_app.models.content import ContentVersion as ContentVersion  # noqa: E402
from contenttypes_app.models.content_migration import (  # noqa: E402
    ContentMigration as ContentMigration,
)
from contenttypes_app.models.schedule import PublishSchedule as PublishSchedule  # noqa: E402
