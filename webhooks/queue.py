"""Deferring delivery jobs through Django's own database connection.

procrastinate's worker swaps the app's connector for a psycopg pool; jobs deferred through that
pool would commit on their own. Every delivery job is therefore deferred here, through a
``DjangoConnector`` (Django's connection of the calling thread), so it joins the caller's
transaction in the web process and in the worker alike: a rollback removes the jobs with the
rows that asked for them.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from procrastinate import manager, tasks
from procrastinate.contrib.django import django_connector
from procrastinate.contrib.django import settings as procrastinate_settings

DELIVER_TASK = "webhooks.deliver"
QUEUE = "webhooks"


@cache
def _job_manager() -> manager.JobManager:
    alias = procrastinate_settings.settings.DATABASE_ALIAS
    return manager.JobManager(django_connector.DjangoConnector(alias=alias))


def defer_deliveries(
    deliveries: list[tuple[str, int]], *, schedule_at: dt.datetime | None = None
) -> None:
    """One job per ``(delivery_id, attempts_done)``, inserted in a single statement.

    ``attempts_done`` is the delivery's attempt count when the job was deferred: the job only
    attempts if the count is unchanged (``webhooks.delivery.delivery_attempt`` claims the attempt
    under a row lock), so of two jobs queued for the same attempt (a scheduled retry and a
    redelivery) one sends and the other does nothing.
    """
    if not deliveries:
        return
    template = tasks.configure_task(
        name=DELIVER_TASK, job_manager=_job_manager(), queue=QUEUE, schedule_at=schedule_at
    ).job
    _job_manager().batch_defer_jobs(
        [
            template.evolve(
                task_kwargs={"delivery_id": delivery_id, "attempts_done": attempts_done},
            )
            for delivery_id, attempts_done in deliveries
        ]
    )
