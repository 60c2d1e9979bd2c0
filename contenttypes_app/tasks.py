"""procrastinate tasks of the content API (autodiscovered by procrastinate.contrib.django).

Jobs are thin: they call the service the API queued them for."""

from __future__ import annotations

from django.db import close_old_connections
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from contenttypes_app.services.content_migration import (
    MIGRATE_TASK,
    QUEUE,
    content_migration_run,
)
from contenttypes_app.services.scheduling import QUEUE as SCHEDULE_QUEUE
from contenttypes_app.services.scheduling import (
    RUN_TASK,
    SWEEP_TASK,
    schedule_run,
    schedule_sweep,
)


@app.task(
    name=MIGRATE_TASK,
    queue=QUEUE,
    # The run resumes after its last committed batch, so a retry (the database went away, the
    # worker was killed and the stalled-job sweep put it back) neither repeats nor skips an item.
    retry=RetryStrategy(max_attempts=5, exponential_wait=5),
)
def migrate_content(*, migration_id: str) -> None:
    close_old_connections()  # worker threads keep their connections: drop broken or old ones
    try:
        content_migration_run(migration_id)
    finally:
        close_old_connections()


@app.task(
    name=RUN_TASK,
    queue=SCHEDULE_QUEUE,
    # ``schedule_run`` is idempotent under its row lock (a transition runs once), so a retry
    # after a lost connection is safe.
    retry=RetryStrategy(max_attempts=5, exponential_wait=5),
)
def run_schedule(*, schedule_id: str, token: str, transition: str) -> str:
    close_old_connections()
    try:
        return schedule_run(schedule_id=schedule_id, token=token, transition=transition)
    finally:
        close_old_connections()


@app.periodic(cron="* * * * *")
@app.task(name=SWEEP_TASK, queue=SCHEDULE_QUEUE)
def sweep_schedules(timestamp: int) -> int:
    """Backstop: runs the due transitions whose job was lost (deleted, or failed for good)."""
    close_old_connections()
    try:
        return schedule_sweep()
    finally:
        close_old_connections()
