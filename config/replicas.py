"""Read replicas: ``DATABASE_REPLICA_URLS`` adds ``replica_1``, ``replica_2``, … databases, and
``ReplicaRouter`` sends a read to one of them (round robin) only where a view asked for it with
``from_replica(read)``: browse and search, another organization's listing detail, the event log.

Everything else reads the primary: writes, reads inside a transaction, reads after a write in the
same ``from_replica`` call, authentication and tenancy (resolved before the block), idempotency
lookups. A replica that cannot be reached is skipped for ``REPLICA_RETRY_SECONDS`` and the read goes
to the primary, so a request never fails because a replica is down.
"""

from __future__ import annotations

import contextvars
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connections,
)

logger = logging.getLogger(__name__)
PREFIX = "replica_"
T = TypeVar("T")


@dataclass
class _Block:
    wrote: bool = False
    chosen: str | None = None  # one replica per block: its reads see one snapshot of history
    tried: set[str] = field(default_factory=set)


_block: contextvars.ContextVar[_Block | None] = contextvars.ContextVar("replica", default=None)
_down_until: dict[str, float] = {}
_turn = itertools.count()


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith(PREFIX)]


def from_replica(read: Callable[[], T]) -> T:
    """``read()`` on a replica; if the replica fails while it runs, again on the primary."""
    block = _Block()
    token = _block.set(block)
    try:
        return read()
    except (OperationalError, InterfaceError) as exc:
        if block.chosen is None:
            raise  # the primary failed: that is the caller's error
        _mark_down(block.chosen, exc)
    finally:
        _block.reset(token)
    return read()


def _mark_down(alias: str, exc: Exception) -> None:
    logger.warning("replica %s unreachable, reading from the primary: %s", alias, exc)
    connections[alias].close()
    _down_until[alias] = time.monotonic() + settings.REPLICA_RETRY_SECONDS


def _reachable(alias: str) -> bool:
    if _down_until.get(alias, 0) > time.monotonic():
        return False
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()  # a kept connection to a server since stopped
        connection.ensure_connection()
    except DatabaseError as exc:
        _mark_down(alias, exc)
        return False
    return True


def _pick(block: _Block) -> str | None:
    if block.chosen is not None:
        return block.chosen
    aliases = replica_aliases()
    start = next(_turn)
    for offset in range(len(aliases)):
        alias = aliases[(start + offset) % len(aliases)]
        if _reachable(alias):
            block.chosen = alias
            return alias
    return None


class ReplicaRouter:
    """Django database router: see the module docstring."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        block = _block.get()
        if block is None or block.wrote or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS if replica_aliases() else None
        return _pick(block) or DEFAULT_DB_ALIAS

    def db_for_write(self, model: Any, **hints: Any) -> str:
        block = _block.get()
        if block is not None:
            block.wrote = True  # read your own write: the rest of the block reads the primary
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # replicas hold the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
