"""The run loop shared by every bulk management command (items, content types).

Each batch is one transaction through a batch service, so an interrupted run leaves whole
batches and a re-run finishes the job; usage errors are found before anything is written.
This module knows no app: who acts, and for which organization, is
``publishing.bulk_command.OrganizationBulkCommand``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections, transaction

from config.batches import BatchResult, ItemFailure

USAGE_ERROR = 2
PROGRESS_INTERVAL_SECONDS = 5.0
# Two batches in flight by default: while one batch's statements run in the database, the other's
# Python builds its rows (publish_items on 2 cores: 1.37x the serial rate; a third thread added
# nothing measurable). Each batch is still one transaction, on a connection of its own.
DEFAULT_JOBS = 2
MAX_JOBS = 16
Batch = tuple[str, list]


def usage_error(message: str) -> CommandError:
    return CommandError(message, returncode=USAGE_ERROR)


def terminal_columns(stream: IO[str]) -> int:
    """The width of the terminal ``stream`` writes to; 0 for a pipe, a file or no known width."""
    try:
        if not stream.isatty():
            return 0
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 0


class Progress:
    """How a run reports progress; this base reports nothing (``--json``).

    ``close`` ends the report before the failures and the summary are printed, so they start on
    their own line; lines written during the run go inside ``suspended()``.
    """

    def update(self, count: int, changed: int, unchanged: int, failed: int) -> None:
        """``count`` more items are done; the other figures are the totals so far."""

    def suspended(self) -> AbstractContextManager[object]:
        return nullcontext()

    def close(self) -> None:
        pass


class BarProgress(Progress):
    """A tqdm bar, closed exactly once: an unclosed bar glues the summary to its last frame and
    draws a second one when it is garbage-collected."""

    def __init__(self, total: int | None, stream: IO[str]) -> None:
        from tqdm import tqdm

        self.stream = stream
        self.bar = tqdm(total=total, unit="item", file=stream)

    def update(self, count: int, changed: int, unchanged: int, failed: int) -> None:
        self.bar.update(count)

    def suspended(self) -> AbstractContextManager[object]:
        """Clear the bar, let the caller write whole lines, then draw the bar again below them."""
        return self.bar.external_write_mode(file=self.stream)

    def close(self) -> None:
        self.bar.close()


class LineProgress(Progress):
    """One line every ``PROGRESS_INTERVAL_SECONDS``: readable in a log and on any terminal."""

    def __init__(self, total: int | None, verb: str, write: Callable[[str], None]) -> None:
        self.total, self.verb, self.write = total, verb, write
        self.done = 0
        self.last = time.monotonic()

    def update(self, count: int, changed: int, unchanged: int, failed: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self.last >= PROGRESS_INTERVAL_SECONDS:
            self.last = now
            of_total = f"/{self.total}" if self.total is not None else ""
            self.write(
                f"progress: {self.done}{of_total} items "
                f"({changed} {self.verb}, {unchanged} unchanged, {failed} failed)"
            )


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
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--dry-run", action="store_true", help="Validate; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print one JSON document.")
        parser.add_argument(
            "--jobs",
            type=int,
            help=f"Batches run at once, each in its own transaction and connection "
            f"(default {DEFAULT_JOBS}; 1 runs them one after the other).",
        )

    def resolve(self, options: dict[str, Any]) -> None:
        """Check every option before anything is written (usage errors exit with status 2)."""
        if not 1 <= options["batch_size"] <= 10_000:
            raise usage_error("--batch-size must be between 1 and 10000.")
        if options["jobs"] is not None and not 1 <= options["jobs"] <= MAX_JOBS:
            raise usage_error(f"--jobs must be between 1 and {MAX_JOBS}.")

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

        def done(batch: Batch, result: BatchResult) -> None:
            nonlocal selected, changed, unchanged
            item_type, ids = batch
            selected += len(ids)
            changed += result.changed
            unchanged += result.unchanged
            failures.extend((item_type, failure) for failure in result.failures)
            if dry_run and options["verbosity"] >= 2:
                with progress.suspended():
                    for item_id in result.changed_ids:
                        self.stderr.write(f"would be {self.verb}: {item_type} {item_id}")
                        for line in result.details.get(item_id, []):
                            self.stderr.write(f"  {line}")
            progress.update(len(ids), changed, unchanged, len(failures))

        try:
            self._run_all(options, done)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            progress.close()  # the bar ends its line before the failures and the summary
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

    def _run_all(self, options: dict[str, Any], done: Callable[[Batch, BatchResult], None]) -> None:
        """Run the batches; ``done`` gets each with its result, in selection order.

        In a caller's transaction (``call_command`` inside ``atomic``) the batches run in it, one
        after the other: other connections would not see its rows, nor roll back with it."""
        batches = self.batches(options["batch_size"])
        jobs = options["jobs"] or DEFAULT_JOBS
        if jobs == 1 or connection.in_atomic_block:
            for batch in batches:
                done(batch, self._run_batch(batch, options["dry_run"]))
        else:
            self._run_parallel(batches, jobs, options["dry_run"], done)

    def _run_batch(self, batch: Batch, dry_run: bool) -> BatchResult:
        with transaction.atomic():
            result = self.run_batch(*batch)
            if dry_run:
                transaction.set_rollback(True)
        return result

    def _run_batch_in_thread(self, batch: Batch, dry_run: bool) -> BatchResult:
        try:
            return self._run_batch(batch, dry_run)
        finally:
            connections.close_all()  # this thread's own connections (Django keeps one per thread)

    def _run_parallel(
        self,
        batches: Iterable[Batch],
        jobs: int,
        dry_run: bool,
        done: Callable[[Batch, BatchResult], None],
    ) -> None:
        """Up to ``jobs`` batches at once and one more queued, so no thread waits for work.

        On an interrupt nothing new starts; the batches already running finish and are reported.
        On an error nothing new starts either; the error propagates once the running ones end.
        """
        window: deque[tuple[Batch, Future[BatchResult]]] = deque()

        def report_oldest() -> None:
            batch, future = window[0]
            result = future.result()
            window.popleft()  # after the wait: an interrupt during it leaves the batch listed
            done(batch, result)

        pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="batch")
        try:
            for batch in batches:
                window.append((batch, pool.submit(self._run_batch_in_thread, batch, dry_run)))
                while len(window) > jobs or (window and window[0][1].done()):
                    report_oldest()
            while window:
                report_oldest()
        except KeyboardInterrupt:
            for batch, future in window:
                if future.cancel():
                    continue  # not started
                try:
                    result = future.result()
                except BaseException:  # noqa: BLE001, S112 - it rolled back; the run stops anyway
                    continue
                done(batch, result)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _progress(self, total: int | None) -> Progress:
        """A tqdm bar on a terminal that has a width, plain periodic lines otherwise (a pipe, a
        file, a pseudo-terminal of zero columns, where a bar would not render), nothing with
        --json."""
        if self.options_json:
            return Progress()
        if terminal_columns(sys.stderr) > 0:
            return BarProgress(total, sys.stderr)
        return LineProgress(total, self.verb, self.stderr.write)

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
