"""Bulk-publish an organization's prompts and templates with the API's rules.

Example: ``python manage.py publish_items --organization demo --all --scope both``

Sharing settings are optional overrides. Without them an existing listing keeps its own settings
(the publish core's rule, shared with the API); a new listing gets shareType ``copy``, visible
content and no editable references.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from config.batches import BatchResult
from config.bulk_command import usage_error
from marketplace.bulk import listing_publish_batch, publish_items_options
from marketplace.management.bulk_command import BulkItemCommand
from marketplace.services import NEW_LISTING_DEFAULTS, ScopeSettings, listing_settings_errors


class Command(BulkItemCommand):
    help = (
        "Publish prompts/templates in batches (one transaction per batch); safe to re-run. "
        "Existing listings keep every sharing setting not given here; new listings default to "
        f"--share-type {NEW_LISTING_DEFAULTS.share_type}, visible content (--show-content) and "
        "no editable references (--no-editable-references)."
    )
    verb = "published"
    job_kind = "publish_items"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--share-type",
            choices=["copy", "reference"],
            default=None,
            help="Set the share type (new listings: copy; existing ones keep theirs).",
        )
        visibility = parser.add_mutually_exclusive_group()
        visibility.add_argument(
            "--hide-content",
            dest="content_visible",
            action="store_false",
            default=None,
            help="Hide the content from other organizations.",
        )
        visibility.add_argument(
            "--show-content",
            dest="content_visible",
            action="store_true",
            default=None,
            help="Make the content visible (the only way hidden content becomes visible).",
        )
        editable = parser.add_mutually_exclusive_group()
        editable.add_argument(
            "--allow-editable-references",
            dest="editable_references",
            action="store_true",
            default=None,
            help="Let holders edit through their references (needs --share-type reference).",
        )
        editable.add_argument(
            "--no-editable-references",
            dest="editable_references",
            action="store_false",
            default=None,
            help="Make references read-only.",
        )

    def resolve(self, options: dict[str, Any]) -> None:
        if options["editable_references"]:
            # The publish core's rule, applied to the flags alone so a contradiction is a usage
            # error before anything is written (omitted flags: what a new listing would get).
            refused = listing_settings_errors(
                share_type=options["share_type"] or NEW_LISTING_DEFAULTS.share_type,
                is_content_visible=options["content_visible"] is not False,
                allow_editable_references=True,
            )
            if refused:
                reasons = " ".join(dict.fromkeys(m for ms in refused.values() for m in ms))
                raise usage_error(
                    f"--allow-editable-references needs --share-type reference and visible "
                    f"content: {reasons}"
                )
        super().resolve(options)
        settings = ScopeSettings(
            share_type=options["share_type"],
            is_content_visible=options["content_visible"],
            allow_editable_references=options["editable_references"],
        )
        self.scope_settings = dict.fromkeys(self.scopes, settings)

    def run_batch(self, item_type: str, ids: list[str]) -> BatchResult:
        return listing_publish_batch(
            actor=self.actor, item_type=item_type, item_ids=ids, scopes=self.scope_settings
        )

    def job_options(self) -> dict[str, Any]:
        return publish_items_options(self.scope_settings)
