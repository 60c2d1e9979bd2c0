"""Moderation in the Django admin: the listings queue, reports, and the moderation history.

Staff look at everything read-only; those with ``marketplace.moderate_listing`` (the "Moderators"
group) also get the actions. Every action calls a service in ``marketplace.moderation``, which owns
the rules (allowed transitions, locking, audit, emails); this package only gathers the moderator's
input and reports what happened. Nobody edits publisher-owned fields here, superusers included.

One module per model (``listings``, ``reports``, ``history``) on top of the shared machinery in
``base``; importing the package registers them all, as Django's admin autodiscovery expects.
"""

from __future__ import annotations

from django.contrib import admin

from marketplace.admin.history import ModerationEventAdmin
from marketplace.admin.listings import ListingAdmin
from marketplace.admin.reports import ReportAdmin

# The admin home shows the moderation queue (marketplace/templates/admin/marketplace/index.html).
admin.site.index_template = "admin/marketplace/index.html"

__all__ = ["ListingAdmin", "ModerationEventAdmin", "ReportAdmin"]
