"""procrastinate tasks of the marketplace (autodiscovered by procrastinate.contrib.django).

Jobs are thin: they call ``marketplace.services.scheduling``, idempotent under its row lock."""

from __future__ import annotations

from django.db import close_old_connections
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from marketplace.services.scheduling import (
    QUEUE,
    RUN_TASK,
    SWEEP_TASK,
    listing_schedule_run,
    listing_schedule_sweep,
)


@app.task(
    name=RUN_TASK,
    queue=QUEUE,
    # A transition is stored once (row lock + status check), so a retry after a lost
    # connection is safe.
    retry=RetryStrategy(max_attempts=5, exponential_wait=5),
)
def run_listing_schedule(*, listing_id: str, transition: str) -> str:
    close_old_connections()  # worker threads keep their connections: drop broken or old ones
    try:
        return listing_schedule_run(listing_id=listing_id, transition=transition)
    finally:
        close_old_connections()


@app.periodic(cron="* * * * *")
@app.task(name=SWEEP_TASK, queue=QUEUE)
def sweep_listing_schedules(timestamp: int) -> int:
    """Backstop: stores the due transitions whose job was lost (deleted, or failed for good)."""
    close_old_connections()
    try:
        return listing_schedule_sweep()
    finally:
        close_old_connections()
