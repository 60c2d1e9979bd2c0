"""Deferring task-engine jobs inside the caller's transaction (the ground floor: no app imports).

procrastinate's worker swaps the app's connector for a psycopg pool; jobs deferred through that
pool would commit on their own. Every job is therefore deferred here, through a
``DjangoConnector`` (Django's connection of the calling thread), so it joins the caller's
transaction in the web process and in the worker alike: a rollback removes the jobs with the rows
that asked for them (a transactional outbox without writing one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from procrastinate import App, manager, psycopg_connector, tasks
from procrastinate.contrib.django import django_connector
from procrastinate.contrib.django import settings as procrastinate_settings
from procrastinate.contrib.django import utils as procrastinate_utils


async def _autocommit(connection: Any) -> None:
    await connection.set_autocommit(True)


class DjangoConnector(django_connector.DjangoConnector):
    """procrastinate's Django connector, whose workers' pool hands out connections in autocommit.

    Everything a worker asks of the pool is one statement (fetch a job, finish it, a heartbeat:
    each a call of one of procrastinate's SQL functions), so autocommit changes no outcome; it
    saves the BEGIN and the COMMIT around each, 4 round trips per job. The listener's own
    connection is in autocommit already. Jobs' Django connections are not concerned.
    """

    def get_worker_connector(self) -> psycopg_connector.PsycopgConnector:
        alias = procrastinate_settings.settings.DATABASE_ALIAS
        return psycopg_connector.PsycopgConnector(
            kwargs=procrastinate_utils.connector_params(alias), configure=_autocommit
        )


def on_app_ready(app: App) -> None:
    """``PROCRASTINATE_ON_APP_READY``: give the app the connector above (same state, one
    method more), so that ``manage.py procrastinate worker`` builds its pool with it."""
    if type(app.connector) is django_connector.DjangoConnector:
        app.connector.__class__ = DjangoConnector


@cache
def job_manager() -> manager.JobManager:
    """A job manager on Django's database connection (see the module docstring)."""
    alias = procrastinate_settings.settings.DATABASE_ALIAS
    return manager.JobManager(django_connector.DjangoConnector(alias=alias))


def defer_jobs(
    task_name: str,
    *,
    queue: str,
    kwargs_list: Sequence[Mapping[str, Any]],
    schedule_at: dt.datetime | None = None,
) -> None:
    """One job of ``task_name`` per kwargs mapping, inserted in a single statement in the
    caller's transaction. Nothing for an empty list."""
    if not kwargs_list:
        return
    template = tasks.configure_task(
        name=task_name, job_manager=job_manager(), queue=queue, schedule_at=schedule_at
    ).job
    job_manager().batch_defer_jobs(
        [template.evolve(task_kwargs=dict(kwargs)) for kwargs in kwargs_list]
    )


def defer_jobs_at(
    task_name: str, *, queue: str, items: Sequence[tuple[Mapping[str, Any], dt.datetime]]
) -> None:
    """One job of ``task_name`` per (kwargs, time), each scheduled at its own time, inserted in a
    single statement in the caller's transaction. Nothing for an empty list."""
    if not items:
        return
    template = tasks.configure_task(name=task_name, job_manager=job_manager(), queue=queue).job
    job_manager().batch_defer_jobs(
        [template.evolve(task_kwargs=dict(kwargs), scheduled_at=at) for kwargs, at in items]
    )
