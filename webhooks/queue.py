"""Deferring delivery jobs in the caller's transaction (``config.jobs``): a rollback removes the
jobs with the rows that asked for them, in the web process and in the worker alike."""

from __future__ import annotations

import datetime as dt

from config.jobs import defer_jobs

DELIVER_TASK = "webhooks.deliver"
QUEUE = "webhooks"


def defer_deliveries(
    deliveries: list[tuple[str, int]], *, schedule_at: dt.datetime | None = None
) -> None:
    """One job per ``(delivery_id, attempts_done)``, inserted in a single statement.

    ``attempts_done`` is the delivery's attempt count when the job was deferred: the job only
    attempts if the count is unchanged (``webhooks.delivery.delivery_attempt`` claims the attempt
    under a row lock), so of two jobs queued for the same attempt (a scheduled retry and a
    redelivery) one sends and the other does nothing.
    """
    defer_jobs(
        DELIVER_TASK,
        queue=QUEUE,
        kwargs_list=[
            {"delivery_id": delivery_id, "attempts_done": attempts_done}
            for delivery_id, attempts_done in deliveries
        ],
        schedule_at=schedule_at,
    )
