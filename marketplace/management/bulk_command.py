"""Selecting prompts and templates for ``publish_items`` and ``unpublish_items``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from datetime import time as dtime
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from bulkjobs.command import AsyncBulkCommand
from config.bulk_command import usage_error
from publishing.models import ITEM_MODELS, User


class BulkItemCommand(AsyncBulkCommand):
    """Selection of prompts and templates for ``publish_items`` and ``unpublish_items``."""

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--item-type", choices=["prompt", "template"], help="Default: both.")
        selection = parser.add_mutually_exclusive_group(required=True)
        selection.add_argument("--all", action="store_true", help="Every item.")
        selection.add_argument("--ids-file", help="One item id per line; '-' reads stdin.")
        selection.add_argument("--owner", help="Items owned by this email.")
        selection.add_argument("--updated-since", help="Items updated since (ISO date/time).")
        parser.add_argument(
            "--scope", choices=["organization", "marketplace", "both"], default="organization"
        )

    def resolve(self, options: dict[str, Any]) -> None:
        super().resolve(options)
        self.item_types = [options["item_type"]] if options["item_type"] else ["prompt", "template"]
        self.scopes = (
            ["organization", "marketplace"] if options["scope"] == "both" else [options["scope"]]
        )
        self.filters: dict[str, Any] = {}
        if options["owner"]:
            owner = User.objects.filter(email__iexact=options["owner"]).first()
            if owner is None:
                raise usage_error(f"No user with email {options['owner']!r}.")
            self.filters["owner"] = owner
        if options["updated_since"]:
            self.filters["updated_at__gte"] = self._parse_since(options["updated_since"])
        self.ids_file = options["ids_file"]
        self.check_readable(self.ids_file)

    @staticmethod
    def _parse_since(raw: str) -> datetime:
        value = parse_datetime(raw)
        if value is None:
            day = parse_date(raw)
            if day is None:
                raise usage_error(f"--updated-since: not an ISO date or date-time: {raw!r}.")
            value = datetime.combine(day, dtime.min)
        if timezone.is_naive(value):
            value = timezone.make_aware(value, timezone.get_default_timezone())
        return value

    # --- selection (streamed) --------------------------------------------------------------------
    def batches(self, batch_size: int) -> Iterator[tuple[str, list[str]]]:
        """Yield (item type, ids) batches without holding the selection in memory."""
        if self.ids_file:
            yield from self._file_batches(batch_size)
            return
        for item_type in self.item_types:
            queryset = ITEM_MODELS[item_type].objects.filter(
                organization=self.organization, **self.filters
            )
            last = ""
            while True:
                ids = list(
                    queryset.filter(pk__gt=last)
                    .order_by("pk")
                    .values_list("pk", flat=True)[:batch_size]
                )
                if not ids:
                    break
                last = ids[-1]
                yield item_type, ids

    def _file_batches(self, batch_size: int) -> Iterator[tuple[str, list[str]]]:
        for chunk in self.read_ids(self.ids_file, batch_size):
            yield from self._route(chunk)

    def _route(self, ids: list[str]) -> Iterator[tuple[str, list[str]]]:
        """Send each id to the item type it belongs to; unknown ids fail as the first type."""
        remaining = list(dict.fromkeys(ids))
        for position, item_type in enumerate(self.item_types):
            last = position == len(self.item_types) - 1
            if last:
                mine = remaining
            else:
                found = set(
                    ITEM_MODELS[item_type]
                    .objects.filter(organization=self.organization, pk__in=remaining)
                    .values_list("pk", flat=True)
                )
                mine = [i for i in remaining if i in found]
                remaining = [i for i in remaining if i not in found]
            if mine:
                yield item_type, mine

    def selected_total(self) -> int | None:
        if self.ids_file:
            return None
        return sum(
            ITEM_MODELS[t].objects.filter(organization=self.organization, **self.filters).count()
            for t in self.item_types
        )
