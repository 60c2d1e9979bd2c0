"""Bulk-publish a project's content items with the API's rules (the same publish core).

Example: ``python manage.py publish_content --organization demo --project demo-site --all-pending``

"Pending" means ``draft`` and ``modified``; ``--type`` narrows the selection to one content type.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from django.core.management.base import CommandParser
from django.db.models import QuerySet

from bulkjobs.command import AsyncBulkCommand
from config.batches import BatchResult
from config.bulk_command import usage_error
from contenttypes_app.bulk import (
    CONTENT_PENDING_STATUSES,
    content_publish_id_batch,
    project_options,
)
from contenttypes_app.models import Content, Project


class Command(AsyncBulkCommand):
    help = (
        "Publish content items in batches with the API's rules; safe to re-run. --all-pending "
        "selects draft and modified items (of one type with --type)."
    )
    verb = "published"
    job_kind = "publish_content"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--project", required=True, help="Project slug.")
        parser.add_argument("--type", help="With --all-pending: only items of this type id.")
        selection = parser.add_mutually_exclusive_group(required=True)
        selection.add_argument(
            "--all-pending", action="store_true", help="Every draft and modified item."
        )
        selection.add_argument("--ids-file", help="One content id per line; '-' is stdin.")

    def resolve(self, options: dict[str, Any]) -> None:
        super().resolve(options)
        self.project = Project.objects.filter(
            organization=self.organization, slug=options["project"]
        ).first()
        if self.project is None:
            raise usage_error(f"No project {options['project']!r} in {self.organization.slug}.")
        self.ids_file = options["ids_file"]
        self.check_readable(self.ids_file)
        self.type_id = None
        if options["type"]:
            if not options["all_pending"]:
                raise usage_error("--type goes with --all-pending.")
            try:
                self.type_id = uuid.UUID(options["type"])
            except ValueError as exc:
                raise usage_error("--type must be a content type id (a UUID).") from exc

    def _pending(self) -> QuerySet[Content]:
        queryset = Content.objects.filter(project=self.project, status__in=CONTENT_PENDING_STATUSES)
        return queryset.filter(type_id=self.type_id) if self.type_id else queryset

    def selected_total(self) -> int | None:
        return None if self.ids_file else self._pending().count()

    def batches(self, batch_size: int) -> Iterator[tuple[str, list]]:
        if self.ids_file:
            for chunk in self.read_ids(self.ids_file, batch_size):
                yield "content", chunk
            return
        last = None
        while True:
            queryset = self._pending().order_by("pk")
            if last is not None:
                queryset = queryset.filter(pk__gt=last)
            ids = list(queryset.values_list("pk", flat=True)[:batch_size])
            if not ids:
                return
            last = ids[-1]
            yield "content", ids

    def run_batch(self, kind: str, ids: list) -> BatchResult:
        return content_publish_id_batch(actor=self.actor, project=self.project, ids=ids)

    def job_options(self) -> dict[str, Any]:
        return project_options(self.project)
