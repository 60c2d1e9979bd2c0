"""Admin for users, organizations (memberships inline), API keys and the audit log."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from publishing import services
from publishing.models import (
    APIKey,
    AuditEvent,
    Membership,
    Organization,
    Prompt,
    PromptVersion,
    Template,
    TemplateCategory,
    TemplateVersion,
    User,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name",)}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")},
        ),
    )
    readonly_fields = ["last_login", "date_joined"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug", "memberships__user__email"]
    list_filter = ["created_at"]
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization"]
    search_fields = ["user__email", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]


@admin.register(APIKey)
class APIKeyAdmin(admin.ModelAdmin):
    """Keys are created through the API (the secret is shown once); staff may only revoke."""

    list_display = [
        "name",
        "prefix",
        "organization",
        "role",
        "created_by",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["role", ("revoked_at", admin.EmptyFieldListFilter), "organization"]
    search_fields = ["name", "prefix", "organization__name", "created_by__email"]
    list_select_related = ["organization", "created_by"]
    fields = [
        "name",
        "prefix",
        "organization",
        "role",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke selected API keys", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[APIKey]) -> None:
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            services.api_key_revoke(actor=None, key_id=key.pk, organization=key.organization)
            count += 1
        self.message_user(request, f"Revoked {count} API key(s).", messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "action",
        "target_type",
        "target_id",
        "actor_user",
        "organization",
    ]
    list_filter = ["action", "target_type", "created_at"]
    search_fields = ["action", "target_id", "actor_user__email", "organization__name", "request_id"]
    list_select_related = ["actor_user", "organization"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class VersionInline(admin.TabularInline):
    """Versions are immutable: shown, never edited, added or deleted here."""

    extra = 0
    can_delete = False
    show_change_link = False
    ordering = ["-number"]
    fields = ["number", "source", "label", "name", "author", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class PromptVersionInline(VersionInline):
    model = PromptVersion


class TemplateVersionInline(VersionInline):
    model = TemplateVersion


class ItemAdmin(admin.ModelAdmin):
    """Read-only view of prompts and templates, with their versions."""

    list_display = ["name", "organization", "owner", "latest_version", "updated_at"]
    list_filter = ["organization", "content_hidden"]
    search_fields = ["id", "name", "owner__email", "organization__name", "organization__slug"]
    list_select_related = ["organization", "owner"]
    autocomplete_fields = ["organization", "owner"]
    readonly_fields = [
        "id",
        "variables",
        "revision",
        "latest_version",
        "content_hash",
        "latest_version_hash",
        "copied_from_listing",
        "copied_from_organization_name",
        "copied_from_name",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "updated_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # items are created through the API, by their organizations

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # staff read customer content here; they do not rewrite it

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # deletion goes through the API's rules (no active listings)


@admin.register(Prompt)
class PromptAdmin(ItemAdmin):
    inlines = [PromptVersionInline]


@admin.register(Template)
class TemplateAdmin(ItemAdmin):
    list_display = [
        "name",
        "type",
        "category",
        "organization",
        "owner",
        "latest_version",
        "updated_at",
    ]
    list_filter = ["type", "organization", "content_hidden"]
    search_fields = [*ItemAdmin.search_fields, "category"]
    inlines = [TemplateVersionInline]


@admin.register(TemplateCategory)
class TemplateCategoryAdmin(admin.ModelAdmin):
    """Staff order the categories (``sort_order``, editable in the list) and hide them
    (``is_active``): templates keep a hidden category, new ones cannot choose it. A category is
    never deleted or renamed, so no template is left naming one that does not exist."""

    list_display = ["display_name", "name", "color", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "display_name"]
    ordering = ["sort_order", "name"]

    def get_readonly_fields(self, request: HttpRequest, obj: TemplateCategory | None = None):
        return ["name"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: TemplateCategory | None = None):
        return False
