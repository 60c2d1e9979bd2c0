"""Review of only the change, in the listings admin: the pending version beside the live one with
their diff (hidden content included: moderators must see what they judge), and the queue filter
"changes awaiting review"."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils.html import format_html, format_html_join

from marketplace.diffs import listing_version_diff
from marketplace.errors import DiffTooLargeError
from marketplace.models import Listing, ListingStatus, ListingVersion

# An active listing whose change waits (the queue ranks these with pending_review listings).
AWAITING_CHANGE = Q(status=ListingStatus.ACTIVE, pending_version__isnull=False)
FIELDSET = (
    "Change awaiting review (approve makes it live; reject keeps the live version)",
    {"fields": ["pending_change"]},
)


class AwaitingReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("change", "Changes awaiting review"),
            ("any", "Anything awaiting review"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "change":
            return queryset.filter(AWAITING_CHANGE)
        if self.value() == "any":
            return queryset.filter(AWAITING_CHANGE | Q(status=ListingStatus.PENDING_REVIEW))
        return queryset


def hidden_content_note(listing: Listing) -> str:
    """Said above content a listing hides from consumers, wherever the admin shows it."""
    if listing.is_content_visible:
        return ""
    return format_html(
        '<p class="mod-hidden-note">{}</p>',
        "Hidden from consumers (isContentVisible is off). "
        "Shown here because moderators must see what they judge.",
    )


def change_note(listing: Listing) -> str:
    """ " · change v3 awaiting review" beside the status, or ""."""
    if listing.status != ListingStatus.ACTIVE or listing.pending_version_id is None:
        return ""
    return format_html(
        ' <span class="mod-change">{}</span>',
        "· change awaiting review",
    )


def _side(title: str, version: ListingVersion) -> str:
    variables = ", ".join(version.snapshot_variables or []) or "—"
    return format_html(
        '<div class="mod-change-side"><h4>{} — v{}</h4><p><strong>{}</strong></p><p>{}</p>'
        '<pre class="mod-snapshot">{}</pre><p>Variables: {}</p></div>',
        title,
        version.number,
        version.name,
        version.description,
        version.snapshot_body,
        variables,
    )


def pending_change_html(listing: Listing) -> str:
    """Live and pending versions side by side, then the per-field unified diff."""
    if listing.pending_version_id is None:
        return "No change is waiting."
    versions = {
        v.number: v
        for v in ListingVersion.objects.filter(
            Q(pk=listing.pending_version_id) | Q(number=listing.version), listing=listing
        )
    }
    pending = next(v for v in versions.values() if v.pk == listing.pending_version_id)
    live = versions.get(listing.version)
    if live is None:  # pragma: no cover - every listing has its live version
        return _side("Pending", pending)
    warning = hidden_content_note(listing)
    try:
        diff = listing_version_diff(live, pending, content_visible=True)
    except DiffTooLargeError as exc:
        diff_html = format_html('<p class="mod-diff-too-large">{}</p>', str(exc))
    else:
        fields = diff["fields"]
        variables = fields["variables"]
        rows = [
            (name, text)
            for name, text in fields.items()
            if name != "variables" and isinstance(text, str) and text
        ]
        diff_html = format_html(
            '<div class="mod-diff" data-from="{}" data-to="{}">{}<p>Variables added: {}; '
            "removed: {}</p></div>",
            live.number,
            pending.number,
            format_html_join(
                "", '<h4>{}</h4><pre class="mod-snapshot mod-diff-field">{}</pre>', rows
            )
            or "No text changed.",
            ", ".join(variables["added"]) or "none",
            ", ".join(variables["removed"]) or "none",
        )
    return format_html(
        '{}<div class="mod-change-pair">{}{}</div>{}',
        warning,
        _side("Live", live),
        _side("Pending", pending),
        diff_html,
    )
