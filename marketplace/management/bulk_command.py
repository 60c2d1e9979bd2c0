"""What ``publish_items`` and ``unpublish_items`` share: selecting items, batching, progress,
the summary and exit codes. Each batch is one transaction through the batch services in
``marketplace.bulk``, so an interrupted run leaves whole batches and a re-run finishes the job.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from datetime import time as dtime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from marketplace.bulk import BatchResult, ItemFailure
from publishing.models import ITEM_MODELS, Membership, Organization, Role, User
from publishing.tenancy import Actor

USAGE_ERROR = 2
PROGRESS_INTERVAL_SECONDS = 5.0


def usage_error(message: str) -> CommandError:
    return CommandError(message, returncode=USAGE_ERROR)


class BulkItemCommand(BaseCommand):
    """Subclasses add their own options and implement ``run_batch``."""

    verb = "process"  # for messages: "published", "unpublished"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", required=True, help="Organization slug.")
        parser.add_argument("--item-type", choices=["prompt", "template"], help="Default: both.")
        selection = parser.add_mutually_exclusive_group(required=True)
        selection.add_argument("--all", action="store_true", help="Every item.")
        selection.add_argument("--ids-file", help="One item id per line; '-' reads stdin.")
        selection.add_argument("--owner", help="Items owned by this email.")
        selection.add_argument("--updated-since", help="Items updated since (ISO date/time).")
        parser.add_argument(
            "--scope", choices=["organization", "marketplace", "both"], default="organization"
        )
        parser.add_argument("--as", dest="as_email", help="Acting user (default: oldest owner).")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--dry-run", action="store_true", help="Validate; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print one JSON document.")

    # --- setup -----------------------------------------------------------------------------------
    def resolve(self, options: dict[str, Any]) -> None:
        """Check every option before anything is written (usage errors exit with status 2)."""
        self.organization = Organization.objects.filter(slug=options["organization"]).first()
        if self.organization is None:
            raise usage_error(f"No organization with slug {options['organization']!r}.")
        if not 1 <= options["batch_size"] <= 10_000:
            raise usage_error("--batch-size must be between 1 and 10000.")
        self.actor = self._actor(options["as_email"])
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
        if self.ids_file and self.ids_file != "-":
            try:
                open(self.ids_file).close()
            except OSError as exc:
                raise usage_error(f"Cannot read --ids-file: {exc}") from exc

    def _actor(self, email: str | None) -> Actor:
        memberships = Membership.objects.select_related("user").filter(
            organization=self.organization
        )
        if email:
            membership = memberships.filter(user__email__iexact=email).first()
            if membership is None:
                raise usage_error(f"{email} is not a member of {self.organization.slug}.")
        else:
            membership = memberships.filter(role=Role.OWNER).order_by("created_at", "pk").first()
            if membership is None:
                raise usage_error(f"{self.organization.slug} has no owner; pass --as.")
        return Actor(membership.user, self.organization, membership.role, request_id="cli")

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
        stream = sys.stdin if self.ids_file == "-" else open(self.ids_file)  # noqa: SIM115
        try:
            chunk: list[str] = []
            for line in stream:
                item_id = line.strip()
                if item_id and not item_id.startswith("#"):
                    chunk.append(item_id)
                if len(chunk) >= batch_size:
                    yield from self._route(chunk)
                    chunk = []
            if chunk:
                yield from self._route(chunk)
        finally:
            if stream is not sys.stdin:
                stream.close()

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

    # --- the run ---------------------------------------------------------------------------------
    def run_batch(self, item_type: str, ids: list[str]) -> BatchResult:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        self.resolve(options)
        self.options_json = options["json"]
        dry_run = options["dry_run"]
        total = self.selected_total()
        started = time.monotonic()
        changed, unchanged, selected = 0, 0, 0
        failures: list[tuple[str, ItemFailure]] = []
        progress = self._progress(total)
        interrupted = False
        try:
            for item_type, ids in self.batches(options["batch_size"]):
                with transaction.atomic():
                    result = self.run_batch(item_type, ids)
                    if dry_run:
                        transaction.set_rollback(True)
                selected += len(ids)
                changed += result.changed
                unchanged += result.unchanged
                failures += [(item_type, failure) for failure in result.failures]
                if dry_run and options["verbosity"] >= 2:
                    for item_id in result.changed_ids:
                        self.stderr.write(f"would {self.verb.rstrip('ed')}e {item_type} {item_id}")
                progress(len(ids), changed, unchanged, len(failures))
        except KeyboardInterrupt:
            interrupted = True
        seconds = time.monotonic() - started
        summary = {
            "selected": selected,
            self.verb: changed,
            "unchanged": unchanged,
            "failed": len(failures),
            "seconds": round(seconds, 3),
            "itemsPerSecond": round(selected / seconds, 1) if seconds > 0 else None,
            "dryRun": dry_run,
            "interrupted": interrupted,
        }
        self._report(summary, failures)
        if interrupted:
            raise CommandError(
                "Interrupted: finished batches are applied; run again.", returncode=130
            )
        if failures:
            raise CommandError(f"{len(failures)} item(s) failed.", returncode=1)

    def _progress(self, total: int | None):
        """A tqdm bar on a terminal, plain periodic lines otherwise, nothing with --json."""
        if self.options_json:
            return lambda *args: None
        if sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(total=total, unit="item", file=sys.stderr)

            def update(count: int, *_: int) -> None:
                bar.update(count)

            return update
        state = {"done": 0, "last": time.monotonic()}

        def line(count: int, changed: int, unchanged: int, failed: int) -> None:
            state["done"] += count
            now = time.monotonic()
            if now - state["last"] >= PROGRESS_INTERVAL_SECONDS:
                state["last"] = now
                of_total = f"/{total}" if total is not None else ""
                self.stderr.write(
                    f"progress: {state['done']}{of_total} items "
                    f"({changed} {self.verb}, {unchanged} unchanged, {failed} failed)"
                )

        return line

    def _report(self, summary: dict[str, Any], failures: list[tuple[str, ItemFailure]]) -> None:
        rows = [
            {"id": f.item_id, "itemType": t, "code": f.code, "message": f.message}
            for t, f in failures
        ]
        if self.options_json:
            self.stdout.write(json.dumps({"summary": summary, "failures": rows}, indent=2))
            return
        for row in rows:
            self.stderr.write(
                f"failed {row['itemType']} {row['id']}: {row['code']} {row['message']}"
            )
        prefix = "DRY RUN (nothing written): " if summary["dryRun"] else ""
        self.stdout.write(
            f"{prefix}selected {summary['selected']}, {self.verb} {summary[self.verb]}, "
            f"unchanged {summary['unchanged']}, failed {summary['failed']} "
            f"in {summary['seconds']:.1f}s ({summary['itemsPerSecond'] or 0:.0f} items/s)"
        )
