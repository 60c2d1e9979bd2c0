"""Bulk-publish an organization's prompts and templates with the API's rules.

Example: ``python manage.py publish_items --organization demo --all --scope both``
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from config.batches import BatchResult
from config.bulk_command import usage_error
from marketplace.bulk import listing_publish_batch
from marketplace.management.bulk_command import BulkItemCommand
from marketplace.services import ScopeSettings


class Command(BulkItemCommand):
    help = "Publish prompts/templates in batches (one transaction per batch); safe to re-run."
    verb = "published"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--share-type", choices=["copy", "reference"], default="copy")
        parser.add_argument("--hide-content", action="store_true")
        parser.add_argument("--allow-editable-references", action="store_true")

    def resolve(self, options: dict[str, Any]) -> None:
        if options["allow_editable_references"] and options["share_type"] != "reference":
            raise usage_error("--allow-editable-references needs --share-type reference.")
        super().resolve(options)
        settings = ScopeSettings(
            share_type=options["share_type"],
            is_content_visible=not options["hide_content"],
            allow_editable_references=options["allow_editable_references"],
        )
        self.scope_settings = dict.fromkeys(self.scopes, settings)

    def run_batch(self, item_type: str, ids: list[str]) -> BatchResult:
        return listing_publish_batch(
            actor=self.actor, item_type=item_type, item_ids=ids, scopes=self.scope_settings
        )
