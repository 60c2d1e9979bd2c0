"""The run loop shared by every bulk management command (items, content types).

Each batch is one transaction through a batch service, so an interrupted run leaves whole
batches and a re-run finishes the job; usage errors are found before anything is written.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from config.batches import BatchResult, ItemFailure
from publishing.models import Membership, Organization, Role
from publishing.tenancy import Actor

USAGE_ERROR = 2
PROGRESS_INTERVAL_SECONDS = 5.0


def usage_error(message: str) -> CommandError:
    return CommandError(message, returncode=USAGE_ERROR)


class BulkCommand(BaseCommand):
    """The run loop of every bulk command: one transaction per batch, progress, summary, exit
    codes (0 all done, 1 some items failed, 2 usage error, 130 interrupted). Subclasses define the
    selection (``resolve``, ``batches``, ``selected_total``) and ``run_batch``."""

    verb = "processed"  # for messages: "published", "unpublished"

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        """Argument errors exit with status 2 from ``call_command`` too, as on the command line."""
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        command_line_error = parser.error

        def error(message: str) -> None:
            if parser.called_from_command_line:
                command_line_error(message)  # argparse: prints usage, exits 2
            raise usage_error(f"Error: {message}")

        parser.error = error
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", required=True, help="Organization slug.")
        parser.add_argument("--as", dest="as_email", help="Acting user (default: oldest owner).")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--dry-run", action="store_true", help="Validate; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print one JSON document.")

    def resolve(self, options: dict[str, Any]) -> None:
        """Check every option before anything is written (usage errors exit with status 2)."""
        self.organization = Organization.objects.filter(slug=options["organization"]).first()
        if self.organization is None:
            raise usage_error(f"No organization with slug {options['organization']!r}.")
        if not 1 <= options["batch_size"] <= 10_000:
            raise usage_error("--batch-size must be between 1 and 10000.")
        self.actor = self._actor(options["as_email"])

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

    def batches(self, batch_size: int) -> Iterator[tuple[str, list]]:
        raise NotImplementedError

    def selected_total(self) -> int | None:
        return None

    def run_batch(self, kind: str, ids: list) -> BatchResult:
        raise NotImplementedError

    @staticmethod
    def read_ids(path: str, batch_size: int) -> Iterator[list[str]]:
        """Stream non-empty, non-comment lines of ``path`` ('-' = stdin) in chunks."""
        stream = sys.stdin if path == "-" else open(path)  # noqa: SIM115
        try:
            chunk: list[str] = []
            for line in stream:
                value = line.strip()
                if value and not value.startswith("#"):
                    chunk.append(value)
                if len(chunk) >= batch_size:
                    yield chunk
                    chunk = []
            if chunk:
                yield chunk
        finally:
            if stream is not sys.stdin:
                stream.close()

    @staticmethod
    def check_readable(path: str | None) -> None:
        if path and path != "-":
            try:
                open(path).close()
            except OSError as exc:
                raise usage_error(f"Cannot read --ids-file: {exc}") from exc

    # --- the run ---------------------------------------------------------------------------------
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
                        self.stderr.write(f"would be {self.verb}: {item_type} {item_id}")
                        for line in result.details.get(item_id, []):
                            self.stderr.write(f"  {line}")
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
