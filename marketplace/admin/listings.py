"""The listings queue and a listing's page: counts and queue order in one query, the snapshot as
consumers get it, the listing's open reports and moderation history inline."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html

from marketplace import moderation
from marketplace.admin import changes
from marketplace.admin.base import (
    ActionSpec,
    ModerationActionsAdmin,
    ModerationPermissionMixin,
    ReasonForm,
    make_action,
)
from marketplace.admin.schedule import schedule_note
from marketplace.models import (
    Acquisition,
    ItemType,
    Listing,
    ListingStatus,
    ModerationAction,
    ModerationEvent,
    Report,
    ReportStatus,
)
from marketplace.selectors import listing_usage

LISTING_SPECS = {
    spec.action: spec
    for spec in (
        ActionSpec(ModerationAction.APPROVE, "Approve", "Approved"),
        ActionSpec(ModerationAction.REJECT, "Reject", "Rejected", ReasonForm, danger=True),
        ActionSpec(ModerationAction.SUSPEND, "Suspend", "Suspended", ReasonForm, danger=True),
        ActionSpec(ModerationAction.REINSTATE, "Reinstate", "Reinstated"),
        ActionSpec(ModerationAction.FEATURE, "Feature", "Featured"),
        ActionSpec(ModerationAction.UNFEATURE, "Unfeature", "Unfeatured"),
    )
}


# A tabular inline that shows "None." instead of a bare header row when it has no rows.
EMPTY_SAYS_NONE = "admin/marketplace/edit_inline/tabular_or_none.html"


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated ``COUNT(*)`` subquery (one per row, no join fan-out, no N+1)."""
    counted = queryset.order_by().values("listing").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class HasOpenReportsFilter(admin.SimpleListFilter):
    title = "open reports"
    parameter_name = "has_open_reports"

    def lookups(self, request, model_admin):
        return [("yes", "Has open reports"), ("no", "No open reports")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(open_reports_count__gt=0)
        if self.value() == "no":
            return queryset.filter(open_reports_count=0)
        return queryset


class ReportInline(ModerationPermissionMixin, admin.TabularInline):
    """The listing's open reports, read-only (settle them from the report's page)."""

    model = Report
    fk_name = "listing"
    verbose_name = "open report"
    verbose_name_plural = "Open reports"
    template = EMPTY_SAYS_NONE
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["created_at", "reason", "details", "organization", "reporter"]
    readonly_fields = fields
    ordering = ["created_at"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(status=ReportStatus.OPEN)
            .select_related("organization", "reporter")
        )


class ModerationHistoryInline(ModerationPermissionMixin, admin.TabularInline):
    model = ModerationEvent
    fk_name = "listing"
    verbose_name = "moderation event"
    verbose_name_plural = "Moderation history"
    template = EMPTY_SAYS_NONE
    extra = 0
    can_delete = False
    fields = [
        "created_at",
        "action",
        "version",
        "from_status",
        "to_status",
        "moderator",
        "reason",
        "report",
    ]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("moderator", "report")


@admin.register(Listing)
class ListingAdmin(ModerationActionsAdmin):
    specs = LISTING_SPECS
    noun = "listing"
    # Seven columns, so that the queue fits 1366 px with the nav sidebar open: item type and scope
    # sit under the name, "featured" beside the status (each still has its filter).
    list_display = [
        "listing_name",
        "queue_status",
        "organization",
        "publisher_email",
        "open_reports",
        "acquisitions",
        "published_at",
    ]
    list_display_links = ["listing_name"]
    list_filter = [
        changes.AwaitingReviewFilter,
        "status",
        "scope",
        "item_type",
        "featured",
        HasOpenReportsFilter,
    ]
    search_fields = ["=id", "name", "description", "publisher__email", "organization__name"]
    search_help_text = "Search by name, description, publisher email, organization or exact id."
    list_select_related = ["organization", "publisher"]
    list_per_page = 50
    actions = [make_action(action, spec) for action, spec in LISTING_SPECS.items()]
    inlines = [ReportInline, ModerationHistoryInline]
    fieldsets = [
        (
            "Listing",
            {
                "fields": [
                    "status_badge",
                    "name",
                    "description",
                    "usage_information",
                    ("item_type", "scope", "share_type"),
                    ("is_content_visible", "allow_editable_references", "featured"),
                    ("organization", "publisher"),
                    ("published_at", "updated_at"),
                    ("publish_at", "unpublish_at"),
                    ("usage_count", "acquisitions"),
                    "usage_by_kind",
                ]
            },
        ),
        (
            "Snapshot as published (what consumers get)",
            {
                "fields": [
                    "item_version",
                    "snapshot_name",
                    "snapshot_description",
                    "snapshot_content",
                    "snapshot_variables_list",
                    ("snapshot_type", "snapshot_category", "snapshot_temperature"),
                ]
            },
        ),
        ("Source item", {"fields": ["source_item"]}),
        (
            "Moderation",
            {"fields": ["moderation_hold", "moderation_reason", ("moderated_by", "moderated_at")]},
        ),
    ]
    readonly_fields = [
        "status_badge",
        "acquisitions",
        "usage_by_kind",
        "snapshot_content",
        "snapshot_variables_list",
        "source_item",
        "pending_change",
    ]

    def get_fieldsets(self, request, obj=None):
        # The change under review comes first, where the moderator looks.
        if obj is not None and obj.pending_version_id is not None:
            return [self.fieldsets[0], changes.FIELDSET, *self.fieldsets[1:]]
        return self.fieldsets

    # -- queryset: counts and the queue order, in the one query of the page ----------------------
    def get_queryset(self, request):
        open_reports = Report.objects.filter(listing=OuterRef("pk"), status=ReportStatus.OPEN)
        pending = ListingStatus.PENDING_REVIEW
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_reports_count=_count(open_reports),
                acquisitions_count=_count(Acquisition.objects.filter(listing=OuterRef("pk"))),
                oldest_open_report_at=Subquery(
                    open_reports.order_by("created_at").values("created_at")[:1]
                ),
            )
            .annotate(
                # Pending review (a listing or a change of one) first, then listings with open
                # reports, then the rest.
                queue_rank=Case(
                    When(status=pending, then=Value(0)),
                    When(changes.AWAITING_CHANGE, then=Value(0)),
                    When(open_reports_count__gt=0, then=Value(1)),
                    default=Value(2),
                ),
                # Within the queue, whoever has waited longest comes first.
                waiting_since=Case(
                    When(status=pending, then=F("updated_at")),
                    When(changes.AWAITING_CHANGE, then=F("updated_at")),
                    When(open_reports_count__gt=0, then=F("oldest_open_report_at")),
                    default=None,
                ),
            )
        )

    def get_ordering(self, request):
        return [F("queue_rank").asc(), F("waiting_since").asc(nulls_last=True), "-published_at"]

    def get_readonly_fields(self, request, obj=None):
        # Everything is read-only: the fields of the fieldsets plus the computed ones.
        fieldsets = [*self.fieldsets, changes.FIELDSET]
        names = [name for _, options in fieldsets for name in options["fields"]]
        flat = [n for name in names for n in (name if isinstance(name, tuple) else (name,))]
        return list(dict.fromkeys([*self.readonly_fields, *flat]))

    # -- columns and fields -------------------------------------------------------------------
    @admin.display(description="Status", ordering="status")
    def status_badge(self, listing: Listing) -> str:
        # Rejected and suspended listings are always held; an unpublished one may be too (it will
        # only come back through review), which is worth seeing.
        held = listing.moderation_hold and listing.status == ListingStatus.UNPUBLISHED
        hold = " (on moderation hold)" if held else ""
        return format_html(
            '<span class="mod-status mod-status--{}">{}</span>{}{}',
            listing.status,
            listing.get_status_display(),
            hold,
            changes.change_note(listing),
        )

    @admin.display(description="Name", ordering="name")
    def listing_name(self, listing: Listing) -> str:
        return format_html(
            '{}<span class="mod-kind">{} · {}</span>',
            listing.name,
            listing.get_item_type_display(),
            listing.get_scope_display(),
        )

    @admin.display(description="Status", ordering="status")
    def queue_status(self, listing: Listing) -> str:
        featured = format_html(' <span class="mod-featured">{}</span>', "★ Featured")
        note = schedule_note(listing)  # scheduled times; pending and going live within 24 h
        return format_html(
            "{}{}{}",
            self.status_badge(listing),
            featured if listing.featured else "",
            format_html("<br>{}", note) if note else "",
        )

    @admin.display(description="Publisher", ordering="publisher__email")
    def publisher_email(self, listing: Listing) -> str:
        # A break opportunity after the "@": a long address wraps instead of widening the table.
        local, _, domain = listing.publisher.email.partition("@")
        return format_html(
            '<span class="mod-publisher" title="{}">{}@<wbr>{}</span>',
            listing.publisher.email,
            local,
            domain,
        )

    @admin.display(description="Open reports", ordering="open_reports_count")
    def open_reports(self, listing: Listing) -> str:
        count = listing.open_reports_count
        if not count:
            return "0"
        url = reverse("admin:marketplace_report_changelist", current_app=self.admin_site.name)
        return format_html(
            '<a class="mod-reports" href="{}?listing__id__exact={}&amp;status=open">{}</a>',
            url,
            listing.pk,
            count,
        )

    @admin.display(description="Acquisitions", ordering="acquisitions_count")
    def acquisitions(self, listing: Listing) -> int:
        return listing.acquisitions_count

    @admin.display(description="Usage by kind")
    def usage_by_kind(self, listing: Listing) -> str:
        """The counts of ``GET /api/marketplace/{id}/usage`` (the same selector): no acquirers."""
        usage = listing_usage(listing=listing)
        pinned = ", ".join(f"v{p['version']}: {p['count']}" for p in usage["referencesPinned"])
        return (
            f"{usage['copies']} copies, {usage['referencesFollowing']} references following "
            f"latest, pinned: {pinned or 'none'}"
        )

    @admin.display(description="Content")
    def snapshot_content(self, listing: Listing) -> str:
        return format_html(
            '{}<pre class="mod-snapshot">{}</pre>',
            changes.hidden_content_note(listing),
            listing.snapshot_body,
        )

    @admin.display(description="Live and pending versions")
    def pending_change(self, listing: Listing) -> str:
        return changes.pending_change_html(listing)

    @admin.display(description="Variables")
    def snapshot_variables_list(self, listing: Listing) -> str:
        return ", ".join(listing.snapshot_variables or []) or "—"

    @admin.display(description="Item")
    def source_item(self, listing: Listing) -> str:
        item = listing.item
        if item is None:
            return "—"
        model = "prompt" if listing.item_type == ItemType.PROMPT else "template"
        url = reverse(f"admin:publishing_{model}_change", args=[item.pk])
        if item.latest_version > listing.item_version:
            drift = f"the item is now at version {item.latest_version} (changes not published)"
        else:
            drift = "the item has not been published in a newer version since"
        return format_html(
            '<a href="{}">{}</a> — {} {}, owned by {} in {}; published from version {}, {}.',
            url,
            item.name,
            listing.get_item_type_display().lower(),
            item.pk,
            item.owner,
            item.organization,
            listing.item_version,
            drift,
        )

    def object_label(self, listing: Listing) -> str:
        return listing.name

    # -- services -------------------------------------------------------------------------------
    def refusal(self, listing: Listing, action: str) -> str | None:
        return moderation.listing_moderation_refusal(listing, action)

    def run_one(self, *, moderator, object_id: str, action: str, text: str) -> None:
        moderation.LISTING_SERVICES[action](listing_id=object_id, moderator=moderator, reason=text)

    def run_many(self, *, moderator, ids: list[str], action: str, text: str):
        return moderation.listing_moderate_many(
            action=action, listing_ids=ids, moderator=moderator, reason=text
        )
