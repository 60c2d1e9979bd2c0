"""procrastinate tasks of the webhooks app (autodiscovered by procrastinate.contrib.django).

Jobs are thin: they load ids and call the same functions the API and the admin call.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import close_old_connections
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from webhooks.delivery import delivery_attempt
from webhooks.events import events_purge
from webhooks.queue import DELIVER_TASK, QUEUE

logger = logging.getLogger(__name__)
JOB_RETENTION_HOURS = 72


@app.task(
    name=DELIVER_TASK,
    queue=QUEUE,
    pass_context=True,
    # Failed HTTP attempts are not exceptions: the job records them and defers the next attempt
    # on WEBHOOK_RETRY_SCHEDULE itself. This strategy only covers the unexpected (the database
    # went away mid-job); the attempt claim makes such a retry safe.
    retry=RetryStrategy(max_attempts=5, exponential_wait=5),
)
def deliver(context, *, delivery_id: str, attempts_done: int) -> None:
    close_old_connections()  # worker threads keep their connections: drop broken or old ones
    try:
        delivery_attempt(
            delivery_id=delivery_id, attempts_done=attempts_done, job_id=context.job.id
        )
    finally:
        close_old_connections()


@app.periodic(cron=f"* * * * * */{settings.WORKER_STALLED_CHECK_SECONDS}")
@app.task(name="webhooks.retry_stalled_jobs", queue=QUEUE, pass_context=True)
async def retry_stalled_jobs(context, timestamp: int) -> None:
    """Put back to the queue the jobs of workers that stopped sending heartbeats (a worker killed
    with SIGKILL, a host that died): procrastinate 3 detects them but leaves retrying to us."""
    job_manager = context.app.job_manager
    stalled = await job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.WORKER_STALLED_SECONDS
    )
    for job in stalled:
        logger.warning("Retrying stalled job %s (%s)", job.id, job.task_name)
        await job_manager.retry_job(job)


@app.periodic(cron="17 3 * * *")
@app.task(name="webhooks.purge_events", queue=QUEUE)
def purge_events(timestamp: int) -> int:
    close_old_connections()
    try:
        return events_purge()
    finally:
        close_old_connections()


@app.periodic(cron="37 3 * * *")
@app.task(name="webhooks.purge_finished_jobs", queue=QUEUE, pass_context=True)
async def purge_finished_jobs(context, timestamp: int) -> None:
    """Finished procrastinate jobs go after JOB_RETENTION_HOURS: the delivery log (our own
    tables) is the record of what was sent; job rows only help debug the engine."""
    await context.app.job_manager.delete_old_jobs(
        nb_hours=JOB_RETENTION_HOURS, include_failed=True, include_cancelled=True
    )
