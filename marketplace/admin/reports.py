"""The reports queue (open reports first, oldest first) and a report's page, where moderators
resolve or dismiss it with a note."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from marketplace import moderation
from marketplace.admin.base import ActionSpec, ModerationActionsAdmin, NoteForm, make_action
from marketplace.models import ModerationAction, Report, ReportStatus

REPORT_SPECS = {
    spec.action: spec
    for spec in (
        ActionSpec(ModerationAction.RESOLVE_REPORT, "Resolve", "Resolved", NoteForm),
        ActionSpec(ModerationAction.DISMISS_REPORT, "Dismiss", "Dismissed", NoteForm),
    )
}


class ReportStatusFilter(admin.SimpleListFilter):
    """Open reports by default: the list is a queue."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*ReportStatus.choices, (self.ALL, "All")]

    def choices(self, changelist):
        current = self.value() or ReportStatus.OPEN
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or ReportStatus.OPEN
        return queryset if value == self.ALL else queryset.filter(status=value)


@admin.register(Report)
class ReportAdmin(ModerationActionsAdmin):
    specs = REPORT_SPECS
    noun = "report"
    list_display = [
        "created_at",
        "listing_link",
        "reason",
        "details_short",
        "status",
        "organization",
        "reporter",
        "resolved_by",
        "resolved_at",
    ]
    list_filter = [ReportStatusFilter, "reason", "created_at"]
    search_fields = ["=listing__id", "listing__name", "details", "reporter__email"]
    search_help_text = "Search by listing name or exact id, report details, reporter email."
    list_select_related = ["listing", "organization", "reporter", "resolved_by"]
    ordering = ["created_at", "pk"]  # oldest first: it is a queue
    actions = [make_action(action, spec) for action, spec in REPORT_SPECS.items()]
    fields = [
        "listing_link",
        "listing_status",
        ("reason", "status"),
        "details",
        ("organization", "reporter", "created_at"),
        ("resolved_by", "resolved_at"),
        "resolution_note",
    ]
    readonly_fields = [
        "listing_link",
        "listing_status",
        "reason",
        "status",
        "details",
        "organization",
        "reporter",
        "created_at",
        "resolved_by",
        "resolved_at",
        "resolution_note",
    ]

    @admin.display(description="Listing", ordering="listing__name")
    def listing_link(self, report: Report) -> str:
        url = reverse("admin:marketplace_listing_change", args=[report.listing_id])
        return format_html('<a href="{}">{}</a>', url, report.listing.name)

    @admin.display(description="Listing status")
    def listing_status(self, report: Report) -> str:
        return report.listing.get_status_display()

    @admin.display(description="Details")
    def details_short(self, report: Report) -> str:
        return Truncator(report.details).chars(80)

    def object_label(self, report: Report) -> str:
        return f"{report.get_reason_display()} report on {report.listing.name}"

    def refusal(self, report: Report, action: str) -> str | None:
        """None: whether a report can still be settled is the moderation service's rule (it must
        be open), checked on the locked row. The admin offers both actions and shows the service's
        refusal as an error; a bulk action counts it among the skipped."""
        return None

    def run_one(self, *, moderator, object_id: str, action: str, text: str) -> None:
        moderation.REPORT_SERVICES[action](report_id=object_id, moderator=moderator, note=text)

    def run_many(self, *, moderator, ids: list[str], action: str, text: str):
        return moderation.report_settle_many(
            action=action, report_ids=ids, moderator=moderator, note=text
        )
