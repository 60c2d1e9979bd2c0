"""Admin for the content API's models: an inspection window, not a second way to write.

Every change to a content type goes through the services (the status machine, the row lock, the
version allocation, the audit log), so the admin shows rows read-only and offers actions that call
those same services as the staff member, acting for the type's organization with their own role.
Versions, packages and their captured components are immutable and can never be changed here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from config.errors import DomainError
from contenttypes_app import services
from contenttypes_app.models import (
    Component,
    Content,
    ContentMigration,
    ContentTypeDefinition,
    ContentTypeVersion,
    ContentVersion,
    Package,
    PackageComponent,
    Project,
    PublishSchedule,
)
from publishing.tenancy import actor_for


class DeferDocuments:
    """Lists and inlines leave the large JSON documents (a schema can weigh hundreds of kB) in
    the database; a change page loads the one it shows when it shows it."""

    deferred: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).defer(*self.deferred)  # type: ignore[misc]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "organization", "created_at"]
    list_filter = ["organization"]
    search_fields = ["name", "slug", "organization__name"]
    list_select_related = ["organization"]
    readonly_fields = ["id", "organization", "name", "slug", "description", "created_at"]


@admin.register(Component)
class ComponentAdmin(ReadOnlyAdmin):
    list_display = ["name", "type", "status", "version", "project", "updated_at"]
    list_filter = ["type", "status"]
    search_fields = ["name", "project__name"]
    list_select_related = ["project"]
    readonly_fields = [
        "id",
        "project",
        "name",
        "description",
        "type",
        "status",
        "version",
        "schema",
        "created_at",
        "updated_at",
    ]


class PackageComponentInline(DeferDocuments, ReadOnlyInline):
    model = PackageComponent
    deferred = ("schema", "definition")
    fields = ["name", "type", "version", "component"]
    readonly_fields = fields


@admin.register(Package)
class PackageAdmin(ReadOnlyAdmin):
    list_display = ["version", "project", "created_by", "created_at"]
    search_fields = ["version", "project__name"]
    list_select_related = ["project", "created_by"]
    readonly_fields = ["id", "project", "version", "metadata", "created_by", "created_at"]
    inlines = [PackageComponentInline]


SCHEDULE_FIELDS = [
    "publish_at",
    "publish_status",
    "published_at",
    "unpublish_at",
    "unpublish_status",
    "unpublished_at",
    "scheduled_by",
    "last_error",
    "updated_at",
]


class PublishScheduleInline(ReadOnlyInline):
    """The object's schedule, read-only: it is set and cancelled through the API (the services
    that defer its jobs); the admin only shows what will happen and what went wrong."""

    model = PublishSchedule
    fields = SCHEDULE_FIELDS
    readonly_fields = fields
    show_change_link = False


class ContentTypeVersionInline(DeferDocuments, ReadOnlyInline):
    model = ContentTypeVersion
    deferred = ("schema",)
    fields = ["version", "name", "package_version", "rolled_back_from", "published_at"]
    readonly_fields = fields
    ordering = ["-version"]


@admin.register(ContentTypeDefinition)
class ContentTypeDefinitionAdmin(DeferDocuments, ReadOnlyAdmin):
    deferred = ("schema",)
    list_display = ["name", "status", "version", "package_version", "project", "updated_at"]
    list_filter = ["status"]
    search_fields = ["name", "description", "project__name"]
    list_select_related = ["project"]
    readonly_fields = [
        "id",
        "project",
        "name",
        "description",
        "status",
        "version",
        "last_published_version",
        "layout_component_id",
        "component_ids_allow_list",
        "package_version",
        "schema",
        "template_content_ids",
        "permissions",
        "migrate_content_on_publish",
        "author",
        "tags",
        "published_at",
        "published_by",
        "created_by",
        "created_at",
        "updated_at",
    ]
    exclude = ["component_ids", "withdrawn", "revision"]
    inlines = [PublishScheduleInline, ContentTypeVersionInline]
    actions = ["publish", "unpublish"]

    def _run(
        self,
        request: HttpRequest,
        queryset: QuerySet[ContentTypeDefinition],
        verb: str,
        service: Callable[..., ContentTypeDefinition],
    ) -> None:
        done = 0
        for definition in queryset.select_related("project__organization").order_by("pk"):
            try:
                actor = actor_for(request.user, definition.project.organization)
                service(content_type_id=definition.pk, actor=actor)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{definition.name}: {exc.message}", messages.ERROR)
        self.message_user(request, f"{verb} {done} content type(s).", messages.SUCCESS)

    @admin.action(description="Publish selected content types (as yourself)", permissions=["view"])
    def publish(self, request: HttpRequest, queryset: QuerySet[ContentTypeDefinition]) -> None:
        self._run(request, queryset, "Published", services.content_type_publish)

    @admin.action(
        description="Unpublish selected content types (as yourself)", permissions=["view"]
    )
    def unpublish(self, request: HttpRequest, queryset: QuerySet[ContentTypeDefinition]) -> None:
        self._run(request, queryset, "Unpublished", services.content_type_unpublish)


@admin.register(ContentTypeVersion)
class ContentTypeVersionAdmin(DeferDocuments, ReadOnlyAdmin):
    deferred = ("schema",)
    list_display = ["definition", "version", "package_version", "published_by", "published_at"]
    search_fields = ["name", "definition__name"]
    list_select_related = ["definition", "published_by"]
    readonly_fields = [
        "id",
        "definition",
        "version",
        "name",
        "description",
        "layout_component_id",
        "component_ids_allow_list",
        "package_version",
        "schema",
        "template_content_ids",
        "permissions",
        "author",
        "tags",
        "rolled_back_from",
        "published_at",
        "published_by",
    ]


class ContentVersionInline(ReadOnlyInline):
    model = ContentVersion
    fields = ["version", "name", "type_version_number", "status", "created_by", "created_at"]
    readonly_fields = fields
    ordering = ["-version"]
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ContentVersion]:
        return (
            super()
            .get_queryset(request)
            .select_related("type_version", "created_by")
            .defer("type_version__schema", "content")
        )

    @admin.display(description="type version")
    def type_version_number(self, obj: ContentVersion) -> int:
        return obj.type_version.version


@admin.register(Content)
class ContentAdmin(ReadOnlyAdmin):
    """Content items per project and type, filtered by status; versions read-only inline."""

    list_display = ["name", "status", "version", "type", "type_version", "project", "updated_at"]
    list_filter = ["status", "is_template", "project", "type"]
    search_fields = ["name", "description"]
    list_select_related = ["project", "type", "type_version"]
    readonly_fields = [
        "id",
        "project",
        "type",
        "type_version",
        "name",
        "description",
        "status",
        "version",
        "last_published_version",
        "is_template",
        "content",
        "tags",
        "metadata",
        "created_by",
        "created_at",
        "updated_at",
    ]
    exclude = ["withdrawn", "revision"]
    inlines = [PublishScheduleInline, ContentVersionInline]
    actions = ["publish", "unpublish"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Content]:
        # The list's type_version column shows the version row: never load its schema.
        return (
            super()
            .get_queryset(request)
            .defer("type_version__schema", "type__schema", "type__component_ids")
        )

    def _run(self, request: HttpRequest, queryset: QuerySet[Content], verb: str, service) -> None:
        done = 0
        for item in queryset.select_related("project__organization").order_by("pk"):
            try:
                actor = actor_for(request.user, item.project.organization)
                service(content_id=item.pk, actor=actor)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{item.name}: {exc.message}", messages.ERROR)
        self.message_user(request, f"{verb} {done} content item(s).", messages.SUCCESS)

    @admin.action(description="Publish selected content (as yourself)", permissions=["view"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Content]) -> None:
        self._run(request, queryset, "Published", services.content_publish)

    @admin.action(description="Unpublish selected content (as yourself)", permissions=["view"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Content]) -> None:
        self._run(request, queryset, "Unpublished", services.content_unpublish)


@admin.register(ContentMigration)
class ContentMigrationAdmin(ReadOnlyAdmin):
    """Bulk content migrations and dry runs, with their reports (started from the API)."""

    list_display = [
        "id",
        "type",
        "target",
        "dry_run",
        "status",
        "migrated",
        "unchanged",
        "failed_count",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "dry_run"]
    search_fields = ["type__name"]
    list_select_related = ["type", "target"]
    readonly_fields = [
        "id",
        "project",
        "type",
        "target",
        "dry_run",
        "status",
        "migrated",
        "unchanged",
        "failed_count",
        "failures",
        "error",
        "cursor",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ContentMigration]:
        # The type and target columns show the rows' names: never load their schemas.
        return (
            super()
            .get_queryset(request)
            .defer("type__schema", "type__component_ids", "target__schema")
        )


@admin.register(PublishSchedule)
class PublishScheduleAdmin(ReadOnlyAdmin):
    """Every schedule of content types and content, to see what is due and what failed."""

    list_display = [
        "id",
        "content_type",
        "content",
        "publish_at",
        "publish_status",
        "unpublish_at",
        "unpublish_status",
        "scheduled_by",
    ]
    list_filter = ["publish_status", "unpublish_status"]
    search_fields = ["content_type__name", "content__name"]
    list_select_related = ["content_type", "content", "scheduled_by"]
    readonly_fields = ["id", "project", "content_type", "content", *SCHEDULE_FIELDS, "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PublishSchedule]:
        # The columns show names: never load the types' schemas or the items' documents.
        return (
            super()
            .get_queryset(request)
            .defer("content_type__schema", "content_type__component_ids", "content__content")
        )
