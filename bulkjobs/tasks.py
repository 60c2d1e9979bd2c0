"""procrastinate tasks of bulk jobs (autodiscovered by procrastinate.contrib.django).

The job is thin: ``bulk_batch_run`` does the work and is idempotent (a final batch is skipped).
"""

from __future__ import annotations

from django.conf import settings
from django.db import close_old_connections
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from bulkjobs.services import QUEUE, RUN_TASK, bulk_batch_run


@app.task(
    name=RUN_TASK,
    queue=QUEUE,
    # An unexpected error (the database went away) is retried; a worker killed mid-batch is
    # retried by the stalled-job sweep (webhooks.retry_stalled_jobs). The batch's row lock and
    # its final status make every retry safe; after BULK_BATCH_MAX_ATTEMPTS the batch is failed.
    retry=RetryStrategy(max_attempts=settings.BULK_BATCH_MAX_ATTEMPTS, exponential_wait=2),
)
def run_batch(*, batch_id: int) -> str:
    close_old_connections()  # worker threads keep their connections: drop broken or old ones
    try:
        return bulk_batch_run(batch_id=batch_id)
    finally:
        close_old_connections()
