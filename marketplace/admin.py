"""Moderation in the Django admin: the listings queue, reports, and the moderation history.

Staff look at everything read-only; those with ``marketplace.moderate_listing`` (the "Moderators"
group) also get the actions. Every action calls a service in ``marketplace.moderation``, which owns
the rules (allowed transitions, locking, audit, emails); this module only gathers the moderator's
input and reports what happened. Nobody edits publisher-owned fields here, superusers included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
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
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from config.errors import DomainError
from marketplace import moderation
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

# The admin home shows the moderation queue (marketplace/templates/admin/marketplace/index.html).
admin.site.index_template = "admin/marketplace/index.html"


# --- forms ---------------------------------------------------------------------------------------
class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=moderation.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80, "autofocus": True}),
        help_text="The publisher sees this reason in the email and with the listing's status.",
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Note",
        max_length=moderation.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80, "autofocus": True}),
        help_text="Kept with the report and in the moderation history (not sent to anyone).",
    )


@dataclass(frozen=True)
class ActionSpec:
    """How the admin offers one moderation action."""

    action: str
    label: str  # "Reject"
    done: str  # "Rejected"
    form_class: type[forms.Form] | None = None  # asks for a reason/note on an intermediate page
    danger: bool = False

    @property
    def text_field(self) -> str | None:
        return next(iter(self.form_class.base_fields)) if self.form_class else None


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
REPORT_SPECS = {
    spec.action: spec
    for spec in (
        ActionSpec(ModerationAction.RESOLVE_REPORT, "Resolve", "Resolved", NoteForm),
        ActionSpec(ModerationAction.DISMISS_REPORT, "Dismiss", "Dismissed", NoteForm),
    )
}


# --- shared machinery ----------------------------------------------------------------------------
class ModerationPermissionMixin:
    """Viewing needs the model's view permission (or the moderation permission); acting needs
    ``marketplace.moderate_listing``. Nothing here is added, changed or deleted by hand."""

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return moderation.can_moderate(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_view_permission(request, obj) or self.has_moderate_permission(request)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ModerationActionsAdmin(ModerationPermissionMixin, admin.ModelAdmin):
    """Bulk actions (changelist) and single-object actions (buttons on the change page) for a set
    of ``ActionSpec``; both call the same services and reuse one intermediate page."""

    specs: dict[str, ActionSpec] = {}
    noun = "object"
    change_form_template = "admin/marketplace/moderation_change_form.html"

    class Media:
        css = {"all": ["marketplace/admin.css"]}

    # Subclasses wire the services.
    def run_one(self, *, moderator, object_id: str, action: str, text: str) -> None:
        raise NotImplementedError

    def run_many(self, *, moderator, ids: list[str], action: str, text: str):
        raise NotImplementedError

    def refusal(self, obj, action: str) -> str | None:
        raise NotImplementedError

    def object_label(self, obj) -> str:
        return str(obj)

    # -- bulk ----------------------------------------------------------------------------------
    def _bulk_action(self, request: HttpRequest, queryset: QuerySet, action: str):
        spec = self.specs[action]
        text = ""
        if spec.form_class is not None:
            form = spec.form_class(request.POST if "apply" in request.POST else None)
            if not form.is_valid():
                return self._render_form(request, spec, list(queryset), form, bulk=True)
            text = form.cleaned_data[spec.text_field]
        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        try:
            outcome = self.run_many(moderator=request.user, ids=ids, action=action, text=text)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        self.message_user(
            request,
            outcome.summary(verb=spec.done, noun=self.noun),
            messages.WARNING if outcome.skipped else messages.SUCCESS,
        )
        return None

    # -- single object -------------------------------------------------------------------------
    def get_urls(self):
        opts = self.opts
        name = f"{opts.app_label}_{opts.model_name}_moderate"
        return [
            path(
                "<path:object_id>/moderate/<str:action>/",
                self.admin_site.admin_view(self.moderate_view),
                name=name,
            ),
            *super().get_urls(),
        ]

    def _url(self, view: str, *args) -> str:
        opts = self.opts
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_{view}",
            args=args,
            current_app=self.admin_site.name,
        )

    def _with_filters(self, request: HttpRequest, url: str) -> str:
        return add_preserved_filters(
            {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url
        )

    def moderate_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        spec = self.specs.get(action)
        if spec is None:
            raise Http404("Unknown moderation action.")
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        form = None
        if spec.form_class is not None:
            form = spec.form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and (form is None or form.is_valid()):
            text = form.cleaned_data[spec.text_field] if form is not None else ""
            try:
                self.run_one(moderator=request.user, object_id=obj.pk, action=action, text=text)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return HttpResponseRedirect(
                    self._with_filters(request, self._url("change", obj.pk))
                )
            self.message_user(request, f"{spec.done} “{self.object_label(obj)}”.", messages.SUCCESS)
            # Back to the queue, with its filters: the moderator moves on to the next one.
            return HttpResponseRedirect(self._with_filters(request, self._url("changelist")))
        return self._render_form(request, spec, [obj], form, bulk=False)

    def _render_form(self, request, spec: ActionSpec, objects: list, form, *, bulk: bool):
        opts = self.opts
        rows = [(obj, self.object_label(obj), self.refusal(obj, spec.action)) for obj in objects]
        count = sum(1 for *_, why in rows if why is None)
        noun = self.noun if count == 1 else f"{self.noun}s"
        context = {
            **self.admin_site.each_context(request),
            "title": f"{spec.label} {self.noun}s" if bulk else f"{spec.label} “{rows[0][1]}”",
            "opts": opts,
            "spec": spec,
            "form": form,
            "rows": rows,
            "count": count,
            "noun": noun,
            "bulk": bulk,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
            "cancel_url": self._with_filters(
                request,
                self._url("changelist") if bulk else self._url("change", objects[0].pk),
            ),
        }
        return TemplateResponse(request, "admin/marketplace/moderation_form.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            extra_context["moderation_buttons"] = self._buttons(request, obj)
            extra_context["can_moderate"] = self.has_moderate_permission(request)
        return super().change_view(request, object_id, form_url, extra_context)

    def _buttons(self, request: HttpRequest, obj) -> list[dict[str, Any]]:
        if not self.has_moderate_permission(request):
            return []
        buttons = []
        for spec in self.specs.values():
            if self.refusal(obj, spec.action) is not None:
                continue
            url = self._with_filters(request, self._url("moderate", obj.pk, spec.action))
            buttons.append(
                {
                    "label": f"{spec.label}…" if spec.form_class else spec.label,
                    "url": url,
                    "asks": spec.form_class is not None,  # a link to the reason page
                    "danger": spec.danger,
                    "action": spec.action,
                }
            )
        return buttons


def _make_action(action: str, spec: ActionSpec) -> Callable:
    def run(modeladmin, request, queryset):
        return modeladmin._bulk_action(request, queryset, action)

    run.__name__ = action
    description = f"{spec.label} selected %(verbose_name_plural)s"
    if spec.form_class is not None:
        description += "…"
    return admin.action(description=description, permissions=["moderate"])(run)


# --- listings ------------------------------------------------------------------------------------
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
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "from_status", "to_status", "moderator", "reason", "report"]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("moderator", "report")


@admin.register(Listing)
class ListingAdmin(ModerationActionsAdmin):
    specs = LISTING_SPECS
    noun = "listing"
    list_display = [
        "name",
        "item_type",
        "scope",
        "status_badge",
        "featured",
        "organization",
        "publisher",
        "open_reports",
        "acquisitions",
        "published_at",
    ]
    list_filter = ["status", "scope", "item_type", "featured", HasOpenReportsFilter]
    search_fields = ["=id", "name", "description", "publisher__email", "organization__name"]
    search_help_text = "Search by name, description, publisher email, organization or exact id."
    list_select_related = ["organization", "publisher"]
    list_per_page = 50
    actions = [_make_action(action, spec) for action, spec in LISTING_SPECS.items()]
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
                    ("usage_count", "acquisitions"),
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
        "snapshot_content",
        "snapshot_variables_list",
        "source_item",
    ]

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
                # Pending review first, then listings with open reports, then the rest.
                queue_rank=Case(
                    When(status=pending, then=Value(0)),
                    When(open_reports_count__gt=0, then=Value(1)),
                    default=Value(2),
                ),
                # Within the queue, whoever has waited longest comes first.
                waiting_since=Case(
                    When(status=pending, then=F("updated_at")),
                    When(open_reports_count__gt=0, then=F("oldest_open_report_at")),
                    default=None,
                ),
            )
        )

    def get_ordering(self, request):
        return [F("queue_rank").asc(), F("waiting_since").asc(nulls_last=True), "-published_at"]

    def get_readonly_fields(self, request, obj=None):
        # Everything is read-only: the fields of the fieldsets plus the computed ones.
        names = [name for _, options in self.fieldsets for name in options["fields"]]
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
            '<span class="mod-status mod-status--{}">{}</span>{}',
            listing.status,
            listing.get_status_display(),
            hold,
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

    @admin.display(description="Content")
    def snapshot_content(self, listing: Listing) -> str:
        warning = ""
        if not listing.is_content_visible:
            warning = format_html(
                '<p class="mod-hidden-note">{}</p>',
                "Hidden from consumers (isContentVisible is off). "
                "Shown here because moderators must see what they judge.",
            )
        return format_html('{}<pre class="mod-snapshot">{}</pre>', warning, listing.snapshot_body)

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


# --- reports -------------------------------------------------------------------------------------
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
    actions = [_make_action(action, spec) for action, spec in REPORT_SPECS.items()]
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
        return None if report.status == ReportStatus.OPEN else f"already {report.status}"

    def run_one(self, *, moderator, object_id: str, action: str, text: str) -> None:
        moderation.REPORT_SERVICES[action](report_id=object_id, moderator=moderator, note=text)

    def run_many(self, *, moderator, ids: list[str], action: str, text: str):
        return moderation.report_settle_many(
            action=action, report_ids=ids, moderator=moderator, note=text
        )


# --- moderation history --------------------------------------------------------------------------
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
        ("from_status", "to_status"),
        "moderator",
        "reason",
        "report",
    ]
    readonly_fields = [
        "created_at",
        "action",
        "listing_link",
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
