"""The moderation history: every moderation event, read-only and filterable."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from marketplace.admin.base import ModerationPermissionMixin
from marketplace.models import ModerationEvent


@admin.register(ModerationEvent)
class ModerationEventAdmin(ModerationPermissionMixin, admin.ModelAdmin):
    """Append-only: read here, written only by the moderation services."""

    list_display = [
        "created_at",
        "action",
        "listing_link",
        "from_status",
        "to_status",
        "moderator",
        "reason_short",
        "report",
    ]
    list_filter = [
        ("moderator", admin.RelatedOnlyFieldListFilter),
        "action",
        ("created_at", admin.DateFieldListFilter),
    ]
    date_hierarchy = "created_at"
    search_fields = ["=listing__id", "listing__name", "moderator__email", "reason"]
    list_select_related = ["listing", "moderator", "report"]
    ordering = ["-created_at", "-pk"]
    fields = [
        "created_at",
        "action",
        "listing_link",
        "version",
        ("from_status", "to_status"),
        "moderator",
        "reason",
        "report",
    ]
    readonly_fields = [
        "created_at",
        "action",
        "listing_link",
        "version",
        "from_status",
        "to_status",
        "moderator",
        "reason",
        "report",
    ]

    @admin.display(description="Listing", ordering="listing__name")
    def listing_link(self, event: ModerationEvent) -> str:
        url = reverse("admin:marketplace_listing_change", args=[event.listing_id])
        return format_html('<a href="{}">{}</a>', url, event.listing.name)

    @admin.display(description="Reason")
    def reason_short(self, event: ModerationEvent) -> str:
        return Truncator(event.reason).chars(80)
