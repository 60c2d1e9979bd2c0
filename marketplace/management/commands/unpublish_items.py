"""Bulk-unpublish an organization's listings (soft: status ``unpublished``).

Example: ``manage.py unpublish_items --organization demo --owner ada@example.com --scope both``
"""

from __future__ import annotations

from typing import Any

from config.batches import BatchResult
from marketplace.bulk import listing_unpublish_batch, unpublish_items_options
from marketplace.management.bulk_command import BulkItemCommand


class Command(BulkItemCommand):
    help = "Unpublish the listings of selected items in batches; safe to re-run."
    verb = "unpublished"
    job_kind = "unpublish_items"

    def run_batch(self, item_type: str, ids: list[str]) -> BatchResult:
        return listing_unpublish_batch(
            actor=self.actor, item_type=item_type, item_ids=ids, scopes=self.scopes
        )

    def job_options(self) -> dict[str, Any]:
        return unpublish_items_options(self.scopes)
