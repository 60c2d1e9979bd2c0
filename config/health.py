"""Readiness: what a load balancer or orchestrator asks before sending a host traffic.

Liveness (the process answers) needs nothing; readiness needs the database, every migration this
code knows applied (a host of a new release waits for ``migrate``), and, when workers are
expected (``WORKERS_EXPECTED``), a task-engine worker heartbeat in the last minute.
"""

from __future__ import annotations

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

HEARTBEAT_SECONDS = 60
_migrated = False  # once every migration is applied, this process's code stays migrated


def _migrations_applied() -> bool:
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrated


def _worker_seen() -> bool:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM procrastinate_workers "
            "WHERE last_heartbeat > now() - make_interval(secs => %s))",
            [HEARTBEAT_SECONDS],
        )
        return bool(cursor.fetchone()[0])


def readiness() -> dict[str, str]:
    """Each check's verdict (``ok``, ``failed``, ``pending``, ``not expected``): ready when none
    failed or is pending."""
    checks = {"database": "ok", "migrations": "ok", "worker": "not expected"}
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure to reach the database means not ready
        return {"database": "failed", "migrations": "unknown", "worker": "unknown"}
    if not _migrations_applied():
        checks["migrations"] = "pending"
    if settings.WORKERS_EXPECTED:
        checks["worker"] = "ok" if _worker_seen() else "failed"
    return checks


def is_ready(checks: dict[str, str]) -> bool:
    return all(value in ("ok", "not expected") for value in checks.values())
