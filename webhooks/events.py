"""Domain events: the registry of types, and ``event_emit``, the one way to record an event.

``event_emit`` is called by the service that makes a change, inside that change's transaction,
next to its audit row. It writes the event, one delivery row per subscribed endpoint and one
delivery job per delivery (the deliveries and their jobs in one statement), all in that
transaction: the change, its event and its deliveries commit together or not at all (the
procrastinate job table is in the same database, so this is a transactional outbox without an
outbox relay).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.bulk_sql import copy_rows
from config.json_text import django_json
from webhooks.models import Event, WebhookEndpoint, new_event_id

# Every event type, with what it means (docs/webhooks.md shows each payload). The API refuses
# subscriptions to any other name. Later issues add content.* and reference.source_updated.
EVENT_TYPES: dict[str, str] = {
    "listing.published": "A listing was created or republished (to the publishing organization).",
    "listing.updated": "A listing's settings or display metadata changed.",
    "listing.unpublished": "A listing was unpublished.",
    "listing.approved": "Staff approved a marketplace listing.",
    "listing.rejected": "Staff rejected a marketplace listing.",
    "listing.suspended": "Staff suspended a marketplace listing.",
    "listing.reinstated": "Staff reinstated a suspended listing.",
    "acquisition.created": "The organization acquired a listing (to the acquiring organization).",
    "acquisition.released": "The organization removed an acquisition from its library.",
    "reference.source_updated": (
        "A listing the organization holds a reference to got a new live version."
    ),
    "item.version_created": "A prompt or template got a new version.",
    "content_type.published": "A content type was published (a new immutable version).",
    "content_type.unpublished": "A content type was unpublished.",
    "content_type.deleted": "A content type was deleted (soft).",
    "content_type.schedule_failed": "A content type's scheduled publish or unpublish was refused.",
    "content.published": "A content item was published (a new immutable version).",
    "content.unpublished": "A content item was unpublished.",
    "content.deleted": "A content item was deleted (soft).",
    "content.schedule_failed": "A content item's scheduled publish or unpublish was refused.",
    "content.migrated": "A content item moved to a newer version of its content type.",
    "webhook.test": "Sent by POST /api/webhooks/{id}/test.",
}
WILDCARD = "*"
logger = logging.getLogger(__name__)


class UnknownEventTypeError(ValueError):
    pass


@dataclass(frozen=True)
class EventDraft:
    """An event to record: ``events_emit`` writes many of them set-based."""

    organization_id: Any
    type: str
    data: dict[str, Any]
    occurred_at: dt.datetime | None = None


def _check(types: set[str]) -> None:
    unknown = sorted(types - EVENT_TYPES.keys())
    if unknown:
        raise UnknownEventTypeError(f"Unknown event type {unknown[0]!r}; add it to EVENT_TYPES.")
    if not connection.in_atomic_block:
        raise RuntimeError("event_emit must be called inside the transaction of the change.")


def _queue_deliveries(pairs: list[tuple[str, Any]]) -> None:
    """The deliveries and their jobs for (event id, endpoint id), in one statement."""
    from webhooks.queue import deliveries_queue

    deliveries_queue(pairs, now=timezone.now())


def event_emit(
    *,
    organization_id: Any,
    type: str,
    data: dict[str, Any],
    occurred_at: dt.datetime | None = None,
    endpoint_id: str | None = None,
) -> Event:
    """Record an event for ``organization_id`` and queue its deliveries, in the caller's
    transaction.

    Must run inside ``transaction.atomic`` (raises otherwise): emitting outside would deliver an
    event for a change that may still roll back. ``data`` is the resource as the API shows it to
    *that* organization (never hidden content of another organization). At most three statements
    whatever the number of endpoints: the event insert, one select of the subscribed endpoints,
    and, when some endpoint subscribes, one statement inserting the deliveries and their jobs.

    ``endpoint_id`` sends the event to that one endpoint of the organization whatever its
    subscriptions (``webhook.test``); domain events leave it out (and are written by the audit
    helper, ``publishing.services.audit_record``, through ``events_emit``).
    """
    draft = EventDraft(organization_id, type, data, occurred_at or timezone.now())
    if endpoint_id is None:
        event = Event(id=events_emit([draft])[0], **dataclasses.asdict(draft))
        event._state.adding, event._state.db = False, connection.alias  # as if loaded: it is saved
        return event
    _check({type})
    event = Event.objects.create(
        organization_id=organization_id,
        type=type,
        data=data,
        occurred_at=occurred_at or timezone.now(),
    )
    endpoint_ids = WebhookEndpoint.objects.filter(
        organization_id=organization_id, pk=endpoint_id
    ).values_list("pk", flat=True)
    _queue_deliveries([(event.pk, pk) for pk in endpoint_ids])
    return event


# Every publish sends this statement: fixed SQL, not the ORM's compiler, which costs more CPU
# than the round trip (bench/profile_publish.py).
_ENDPOINTS_SQL = (
    "SELECT organization_id, id, event_types FROM webhooks_webhookendpoint "
    "WHERE organization_id = ANY(%s::uuid[]) AND enabled ORDER BY id"
)


def _enabled_endpoints(organization_ids: set[str]) -> list[tuple[Any, Any, list[str]]]:
    """(organization id, endpoint id, event types) of the organizations' enabled endpoints."""
    decode = WebhookEndpoint._meta.get_field("event_types").from_db_value
    with connection.cursor() as cursor:
        cursor.execute(_ENDPOINTS_SQL, [sorted(organization_ids)])
        rows = cursor.fetchall()
    return [(org, pk, decode(types, None, connection)) for org, pk, types in rows]


def events_emit(drafts: Sequence[EventDraft]) -> list[str]:
    """Record many events (of any organizations and types) and queue their deliveries, in the
    caller's transaction, set-based: one insert of the events (``COPY`` for many, no model
    instances), one select of the enabled endpoints of their organizations, and one statement
    inserting the deliveries and their jobs (only when some endpoint subscribes). Nothing at all
    for an empty list. Returns the events' ids, in the drafts' order.

    Each event goes to every enabled endpoint of its organization subscribed to its type (or to
    ``*``), in endpoint id order. Same rules as ``event_emit``: known types only, inside
    ``transaction.atomic``.
    """
    if not drafts:
        return []
    _check({draft.type for draft in drafts})
    now = timezone.now()
    ids = [new_event_id() for _ in drafts]
    copy_rows(
        Event._meta.db_table,
        ("id", "type", "organization_id", "occurred_at", "data"),
        [
            (pk, d.type, d.organization_id, d.occurred_at or now, django_json(d.data))
            for pk, d in zip(ids, drafts, strict=True)
        ],
    )
    subscribed: dict[str, list[tuple[Any, list[str]]]] = {}
    for organization_id, pk, event_types in _enabled_endpoints(
        {str(draft.organization_id) for draft in drafts}
    ):
        subscribed.setdefault(str(organization_id), []).append((pk, event_types))
    if subscribed:
        pairs = [
            (event_id, pk)
            for event_id, draft in zip(ids, drafts, strict=True)
            for pk, event_types in subscribed.get(str(draft.organization_id), [])
            if WILDCARD in event_types or draft.type in event_types
        ]
        _queue_deliveries(pairs)
    return ids


PURGE_BATCH = 5000


def events_purge(*, now: dt.datetime | None = None) -> int:
    """Delete events older than EVENT_RETENTION_DAYS, their deliveries and attempts with them,
    in batches of PURGE_BATCH so no statement runs long. Returns how many events went."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.EVENT_RETENTION_DAYS)
    total = 0
    while True:
        ids = list(
            Event.objects.filter(occurred_at__lt=cutoff).values_list("pk", flat=True)[:PURGE_BATCH]
        )
        if not ids:
            break
        Event.objects.filter(pk__in=ids).delete()
        total += len(ids)
    logger.info("Purged %s events older than %s days", total, settings.EVENT_RETENTION_DAYS)
    return total
