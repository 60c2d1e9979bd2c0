"""Moderation of marketplace listings by staff, as one import for its callers (the admin, the
demo data, the template tags).

The state machine, its transition table and "why these and no others" live in
``marketplace.services.moderation``; bulk actions in ``marketplace.services.moderation_bulk``;
the errors in ``marketplace.errors``. This module only re-exports them, so nothing here can
drift from the services.
"""

from __future__ import annotations

from marketplace.errors import ListingModerationError, ReportInvalidStatusError
from marketplace.services.moderation import (
    LISTING_ACTIONS,
    LISTING_SERVICES,
    MODERATE_PERMISSION,
    REASON_MAX_LENGTH,
    REASON_REQUIRED,
    REPORT_ACTIONS,
    REPORT_SERVICES,
    STATUS_TRANSITIONS,
    TAKEDOWN_ACTIONS,
    can_moderate,
    listing_approve,
    listing_feature,
    listing_moderation_refusal,
    listing_reinstate,
    listing_reject,
    listing_suspend,
    listing_unfeature,
    report_dismiss,
    report_resolve,
    require_moderator,
)
from marketplace.services.moderation_bulk import (
    BulkOutcome,
    listing_moderate_many,
    report_settle_many,
)

__all__ = [
    "LISTING_ACTIONS",
    "LISTING_SERVICES",
    "MODERATE_PERMISSION",
    "REASON_MAX_LENGTH",
    "REASON_REQUIRED",
    "REPORT_ACTIONS",
    "REPORT_SERVICES",
    "STATUS_TRANSITIONS",
    "TAKEDOWN_ACTIONS",
    "BulkOutcome",
    "ListingModerationError",
    "ReportInvalidStatusError",
    "can_moderate",
    "listing_approve",
    "listing_feature",
    "listing_moderate_many",
    "listing_moderation_refusal",
    "listing_reinstate",
    "listing_reject",
    "listing_suspend",
    "listing_unfeature",
    "report_dismiss",
    "report_resolve",
    "report_settle_many",
    "require_moderator",
]
