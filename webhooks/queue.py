"""Deferring delivery jobs in the caller's transaction (``config.jobs``): a rollback removes the
jobs with the rows that asked for them, in the web process and in the worker alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection

from config.ids import new_object_id
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


# The delivery rows and their jobs in one statement. The jobs go through procrastinate's own SQL
# entry point, ``procrastinate_defer_jobs_v1`` (what ``JobManager.batch_defer_jobs`` calls), with
# the values the Python API would send for this task (default priority, no lock, no queueing
# lock, due now), in delivery order; ``tests/webhooks/test_emit.py`` compares the rows with the
# Python API's. Built from the input, not from the INSERT's RETURNING, whose order is not
# guaranteed. Both inserts commit or roll back with the caller's transaction.
_QUEUE_SQL = f"""
WITH input AS (
    SELECT *
    FROM unnest(%(ids)s::varchar[], %(events)s::varchar[], %(endpoints)s::varchar[])
        WITH ORDINALITY AS i(id, event_id, endpoint_id, n)
), deliveries AS (
    INSERT INTO webhooks_webhookdelivery
        (id, event_id, endpoint_id, status, attempts, last_error, next_attempt_at, created_at)
    SELECT id, event_id, endpoint_id, 'pending', 0, '', %(now)s, %(now)s FROM input
)
SELECT procrastinate_defer_jobs_v1(ARRAY(
    SELECT ROW(
        '{QUEUE}', '{DELIVER_TASK}', 0, NULL, NULL,
        jsonb_build_object('delivery_id', id, 'attempts_done', 0), NULL
    )::procrastinate_job_to_defer_v1
    FROM input
    ORDER BY n
))
"""  # noqa: S608 - constants of this module, no input


def deliveries_queue(pairs: Sequence[tuple[str, str]], *, now: dt.datetime) -> list[str]:
    """A ``pending`` delivery per ``(event_id, endpoint_id)`` and its first job, in one statement
    in the caller's transaction; returns the delivery ids. Nothing for an empty list."""
    if not pairs:
        return []
    ids = [new_object_id() for _ in pairs]
    params = {
        "ids": ids,
        "events": [event_id for event_id, _ in pairs],
        "endpoints": [endpoint_id for _, endpoint_id in pairs],
        "now": now,
    }
    with connection.cursor() as cursor:
        cursor.execute(_QUEUE_SQL, params)
    return ids
