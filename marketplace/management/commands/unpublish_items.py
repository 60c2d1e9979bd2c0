"""Bulk-unpublish an organization's listings (soft: status ``unpublished``).

Example: ``manage.py unpublish_items --organization demo --owner ada@example.com --scope both``
"""

from __future__ import annotations

from config.batches import BatchResult
from marketplace.bulk import listing_unpublish_batch
from marketplace.management.bulk_command import BulkItemCommand


class Command(BulkItemCommand):
    help = "Unpublish the listings of selected items in batches; safe to re-run."
    verb = "unpublished"

    def run_batch(self, item_type: str, ids: list[str]) -> BatchResult:
        return listing_unpublish_batch(
            actor=self.actor, item_type=item_type, item_ids=ids, scopes=self.scopes
        )
