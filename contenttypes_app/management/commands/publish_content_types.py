"""Bulk-publish a project's content types with the API's rules.

Example: ``python manage.py publish_content_types --organization demo --project site --all-pending``

"Pending" means ``draft`` and ``modified``: changes nobody has published yet. ``unpublished`` types
were taken down on purpose and come back only with ``--include-unpublished``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.management.base import CommandParser
from django.db.models import QuerySet

from bulkjobs.command import AsyncBulkCommand
from config.batches import BatchResult
from config.bulk_command import usage_error
from contenttypes_app.bulk import PENDING_STATUSES, content_type_publish_id_batch, project_options
from contenttypes_app.models import ContentTypeDefinition, Project


class Command(AsyncBulkCommand):
    help = (
        "Publish content types in batches with the API's rules; safe to re-run. --all-pending "
        "selects draft and modified types (unpublished ones only with --include-unpublished)."
    )
    verb = "published"
    job_kind = "publish_content_types"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--project", required=True, help="Project slug.")
        selection = parser.add_mutually_exclusive_group(required=True)
        selection.add_argument(
            "--all-pending",
            action="store_true",
            help="Every pending type: draft and modified (unpublished: --include-unpublished).",
        )
        selection.add_argument("--ids-file", help="One content type id per line; '-' is stdin.")
        parser.add_argument(
            "--include-unpublished",
            action="store_true",
            help="With --all-pending, also republish unpublished types (taken down on purpose).",
        )

    def resolve(self, options: dict[str, Any]) -> None:
        super().resolve(options)
        self.project = Project.objects.filter(
            organization=self.organization, slug=options["project"]
        ).first()
        if self.project is None:
            raise usage_error(f"No project {options['project']!r} in {self.organization.slug}.")
        self.ids_file = options["ids_file"]
        self.check_readable(self.ids_file)
        if options["include_unpublished"] and not options["all_pending"]:
            raise usage_error("--include-unpublished goes with --all-pending.")
        self.statuses = [*PENDING_STATUSES]
        if options["include_unpublished"]:
            self.statuses.append(ContentTypeDefinition.Status.UNPUBLISHED)

    def _pending(self) -> QuerySet[ContentTypeDefinition]:
        return ContentTypeDefinition.objects.filter(project=self.project, status__in=self.statuses)

    def selected_total(self) -> int | None:
        return None if self.ids_file else self._pending().count()

    def batches(self, batch_size: int) -> Iterator[tuple[str, list]]:
        if self.ids_file:
            for chunk in self.read_ids(self.ids_file, batch_size):
                yield "content_type", chunk
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
            yield "content_type", ids

    def run_batch(self, kind: str, ids: list) -> BatchResult:
        return content_type_publish_id_batch(actor=self.actor, project=self.project, ids=ids)

    def job_options(self) -> dict[str, Any]:
        return project_options(self.project)
