"""Bulk jobs in the admin: read-only (jobs are started by the commands, run by workers)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from bulkjobs.models import BulkBatch, BulkJob


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class BulkBatchInline(ReadOnly, admin.TabularInline):
    model = BulkBatch
    fields = (
        "index",
        "item_type",
        "size",
        "status",
        "attempts",
        "changed",
        "unchanged",
        "failed",
        "error",
        "started_at",
        "finished_at",
    )
    readonly_fields = fields
    extra = 0
    show_change_link = False


@admin.register(BulkJob)
class BulkJobAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("id", "kind", "organization", "created_by", "total_items", "created_at")
    list_filter = ("kind",)
    search_fields = ("id", "organization__slug")
    list_select_related = ("organization", "created_by")
    readonly_fields = (
        "id",
        "organization",
        "created_by",
        "kind",
        "options",
        "batch_size",
        "total_items",
        "batch_count",
        "created_at",
    )
    inlines = [BulkBatchInline]
