"""What the moderation queue shows of a listing's schedule (issue 19): its times, and a mark on
listings that go live within 24 hours and still await review (approve them in time, or they stay
invisible past their publishAt)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.html import format_html

from marketplace.models import Listing, ListingStatus

SOON = dt.timedelta(hours=24)


def goes_live_soon_unreviewed(listing: Listing, now: dt.datetime | None = None) -> bool:
    """Pending review with a publishAt within 24 hours (or already passed: it is late)."""
    now = now or timezone.now()
    return (
        listing.status == ListingStatus.PENDING_REVIEW
        and listing.publish_at is not None
        and listing.publish_at <= now + SOON
    )


def schedule_note(listing: Listing, now: dt.datetime | None = None) -> str:
    """The queue's line under the status: the times, and the 24-hour mark."""
    now = now or timezone.now()
    parts = []
    if listing.publish_at is not None and listing.publish_at > now:
        parts.append(f"goes live {timezone.localtime(listing.publish_at):%Y-%m-%d %H:%M %Z}")
    if listing.unpublish_at is not None and listing.unpublish_at > now:
        parts.append(f"ends {timezone.localtime(listing.unpublish_at):%Y-%m-%d %H:%M %Z}")
    if not parts and not goes_live_soon_unreviewed(listing, now):
        return ""
    mark = ""
    if goes_live_soon_unreviewed(listing, now):
        late = listing.publish_at <= now
        text = "publishAt passed, awaits review" if late else "goes live within 24 h, awaits review"
        mark = format_html(' <span class="mod-soon">⚠ {}</span>', text)
    return format_html('<span class="mod-schedule">{}</span>{}', "; ".join(parts), mark)
