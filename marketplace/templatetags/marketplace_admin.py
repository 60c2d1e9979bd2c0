"""Template tags for the admin: the moderation queue counts on the admin home."""

from __future__ import annotations

from django import template
from django.urls import reverse

from marketplace.admin.changes import AWAITING_CHANGE
from marketplace.models import Listing, ListingStatus, Report, ReportStatus, Scope
from marketplace.moderation import can_moderate

register = template.Library()


@register.simple_tag
def moderation_queue(user) -> dict | None:
    """Listings and changes waiting for review and open reports, for staff who may see
    listings."""
    if not (can_moderate(user) or user.has_perm("marketplace.view_listing")):
        return None
    listings = reverse("admin:marketplace_listing_changelist")
    reports = reverse("admin:marketplace_report_changelist")
    return {
        "pending": Listing.objects.filter(
            scope=Scope.MARKETPLACE, status=ListingStatus.PENDING_REVIEW
        ).count(),
        "changes": Listing.objects.filter(AWAITING_CHANGE, scope=Scope.MARKETPLACE).count(),
        "changes_url": f"{listings}?review=change",
        "open_reports": Report.objects.filter(status=ReportStatus.OPEN).count(),
        "pending_url": f"{listings}?status__exact={ListingStatus.PENDING_REVIEW}",
        "reports_url": f"{reports}?status={ReportStatus.OPEN}",
    }
