"""Every write of the marketplace, one function per use case, by sub-domain (see CONVENTIONS.md):

- ``listing_settings``: what a publish states per scope, new-listing defaults, the settings rules;
- ``publish``: the publish core (``publish_locked_items``) that the API and the batch share;
- ``listings``: the publisher's changes to existing listings (settings, unpublish);
- ``acquisitions``: acquire, edit through a reference, remove, report;
- ``moderation`` (+ ``moderation_bulk``, ``moderation_notices``): staff decisions;
- ``scheduling``: per-scope publishAt / unpublishAt and the job that stores their transitions.

The public names are re-exported here, so ``marketplace.services`` names every operation.
"""

from marketplace.services.acquisitions import (
    acquisition_edit_source,
    acquisition_remove,
    acquisition_render,
    listing_acquire,
    listing_report,
    require_available,
)
from marketplace.services.listing_settings import (
    NEW_LISTING_DEFAULTS,
    ScopeSettings,
    describe_setting_changes,
    listing_settings_errors,
    resolve_scope_settings,
    settings_refusal,
)
from marketplace.services.listings import (
    listing_unpublish,
    listing_unpublish_item,
    listing_update,
    require_can_manage_listing,
    require_can_unpublish,
    unpublish_locked_listings,
)
from marketplace.services.moderation import (
    listing_approve,
    listing_feature,
    listing_reinstate,
    listing_reject,
    listing_suspend,
    listing_unfeature,
    report_dismiss,
    report_resolve,
)
from marketplace.services.moderation_bulk import listing_moderate_many, report_settle_many
from marketplace.services.publish import (
    HELD_STATUSES,
    SCOPE_ORDER,
    ListingMetadata,
    PublishOutcome,
    apply_snapshot,
    item_field,
    listing_publish,
    publish_locked_items,
    require_can_publish,
    status_after_publish,
)
from marketplace.services.references import acquisition_set_follow, notify_reference_holders
from marketplace.services.scheduling import (
    UNSET,
    ScheduleRequest,
    listing_schedule_run,
    listing_schedule_sweep,
)

__all__ = [
    "HELD_STATUSES",
    "NEW_LISTING_DEFAULTS",
    "SCOPE_ORDER",
    "UNSET",
    "ListingMetadata",
    "PublishOutcome",
    "ScheduleRequest",
    "ScopeSettings",
    "acquisition_edit_source",
    "acquisition_remove",
    "acquisition_render",
    "acquisition_set_follow",
    "apply_snapshot",
    "describe_setting_changes",
    "item_field",
    "listing_acquire",
    "listing_approve",
    "listing_feature",
    "listing_moderate_many",
    "listing_publish",
    "listing_reinstate",
    "listing_reject",
    "listing_report",
    "listing_schedule_run",
    "listing_schedule_sweep",
    "listing_settings_errors",
    "listing_suspend",
    "listing_unfeature",
    "listing_unpublish",
    "listing_unpublish_item",
    "listing_update",
    "notify_reference_holders",
    "publish_locked_items",
    "report_dismiss",
    "report_resolve",
    "report_settle_many",
    "require_available",
    "require_can_manage_listing",
    "require_can_publish",
    "require_can_unpublish",
    "resolve_scope_settings",
    "settings_refusal",
    "status_after_publish",
    "unpublish_locked_listings",
]
