"""``--async`` for the bulk commands: queue the selection as a bulk job instead of running it.

The command resolves its options and selects its batches exactly as the synchronous run does,
then ``bulk_job_start`` stores the job, its batches and one task-engine job per batch in one
transaction. The job id goes to stdout (``JOB=$(manage.py publish_items … --async)``), the rest
to stderr; ``manage.py bulk_status JOB --wait`` follows it.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from bulkjobs.services import bulk_job_start
from config.bulk_command import usage_error
from publishing.bulk_command import OrganizationBulkCommand


class AsyncBulkCommand(OrganizationBulkCommand):
    """A bulk command that can also run as a bulk job (``--async``). Subclasses name the job's
    ``job_kind`` (a key of ``bulkjobs.kinds.KINDS``) and state the batch service's settings as
    JSON in ``job_options()``."""

    job_kind = ""

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--async",
            dest="run_async",
            action="store_true",
            help="Queue the batches on the task engine (workers run them); print the job id.",
        )

    def job_options(self) -> dict[str, Any]:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["run_async"]:
            return super().handle(*args, **options)
        if options["dry_run"]:
            raise usage_error("--dry-run runs in this process: leave out --async.")
        if options["jobs"] is not None:
            raise usage_error(
                "--jobs is for a run in this process; a bulk job's batches run on the workers "
                "(as many at once as they have): leave out --async or --jobs."
            )
        self.resolve(options)
        batch_size = options["batch_size"]
        job = bulk_job_start(
            actor=self.actor,
            kind=self.job_kind,
            options=self.job_options(),
            batches=self.batches(batch_size),
            batch_size=batch_size,
        )
        if options["json"]:
            self.stdout.write(
                json.dumps({"jobId": job.pk, "batches": job.batch_count, "items": job.total_items})
            )
            return None
        self.stdout.write(job.pk)
        self.stderr.write(
            f"queued {job.total_items} items in {job.batch_count} batches; follow with: "
            f"manage.py bulk_status {job.pk} --wait"
        )
        return None
