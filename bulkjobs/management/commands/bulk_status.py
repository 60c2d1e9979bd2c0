"""Show what a bulk job has done (``manage.py bulk_status ID``); ``--wait`` follows it.

Example: ``JOB=$(manage.py publish_items --organization demo --all --async)`` then
``manage.py bulk_status "$JOB" --wait``. Exit status: 0 when the job succeeded (or, without
``--wait``, is still going), 1 when it finished with failed items or batches, 2 for an unknown id.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bulkjobs.api.serializers import bulk_job_status_data
from bulkjobs.selectors import BulkJobStatus, bulk_job_status
from config.bulk_command import BarProgress, LineProgress, Progress, terminal_columns, usage_error
from config.errors import NotFoundError


class Command(BaseCommand):
    help = "Show a bulk job's batches and items (done, failed, pending); --wait follows it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job_id", help="The job id the --async command printed (bulk_…).")
        parser.add_argument("--wait", action="store_true", help="Follow the job until it ends.")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls with --wait."
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON document.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            status = bulk_job_status(job_id=options["job_id"])
        except NotFoundError as exc:
            raise usage_error(f"No bulk job {options['job_id']!r}.") from exc
        if options["wait"] and not status.finished:
            status = self._follow(status, options["interval"], quiet=options["json"])
        if options["json"]:
            self.stdout.write(json.dumps(bulk_job_status_data(status), indent=2, default=str))
        else:
            self._report(status)
        if status.finished and status.state != "succeeded":
            raise CommandError("The job finished with failures.", returncode=1)

    def _follow(self, status: BulkJobStatus, interval: float, *, quiet: bool) -> BulkJobStatus:
        """Poll until no batch is pending or running, feeding the bulk commands' progress bar
        (or their periodic lines off a terminal) with the items done since the last poll."""
        total = status.job.total_items
        verb = status.verb
        if quiet:
            progress: Progress = Progress()
        elif terminal_columns(sys.stderr) > 0:
            progress = BarProgress(total, sys.stderr)
        else:
            progress = LineProgress(total, verb, self.stderr.write)
        done = 0
        try:
            while True:
                now_done = status.items_done
                items = status.items
                progress.update(
                    now_done - done, items["changed"], items["unchanged"], items["failed"]
                )
                done = now_done
                if status.finished:
                    return status
                time.sleep(interval)
                status = bulk_job_status(job_id=status.job.pk)
        finally:
            progress.close()

    def _report(self, status: BulkJobStatus) -> None:
        job, batches, items = status.job, status.batches, status.items
        for failure in status.failures:
            self.stderr.write(
                f"failed {failure['itemType']} {failure['id']}: "
                f"{failure['code']} {failure['message']}"
            )
        when = [f"created {job.created_at.isoformat()}"]
        if status.started_at:
            when.append(f"started {status.started_at.isoformat()}")
        if status.finished_at:
            when.append(f"finished {status.finished_at.isoformat()}")
        self.stdout.write(
            f"{job.pk} {job.kind} ({job.organization.slug}): {status.state}; " + ", ".join(when)
        )
        self.stdout.write(
            f"batches {job.batch_count}: done {batches['done']}, failed {batches['failed']}, "
            f"running {batches['running']}, pending {batches['pending']}"
        )
        self.stdout.write(
            f"items {items['total']}: {status.verb} {items['changed']}, unchanged "
            f"{items['unchanged']}, failed {items['failed']}, pending {items['pending']}"
        )
