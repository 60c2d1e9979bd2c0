"""The audit log and its domain events: the one home of "every write that audits also emits".

Every service that audits calls ``audit_record`` (one row) or ``audit_entry`` +
``audit_record_many`` (set-based, for the batch paths). The action names are registered in
``AUDIT_ACTIONS`` with the domain event each one emits (or ``None``); the helper refuses an action
that is not registered, an action with an event called without ``event_data``, and event data for
an action without an event. So a caller cannot audit without emitting, nor emit an event that no
audit row explains. The event is written by ``webhooks.events.events_emit`` in the caller's
transaction, to the organization of the audit row, with ``occurredAt`` = the row's time.

Action names follow ``<app>.<entity>.<verb>`` (``ACTION_PATTERN``; a test walks the code for
every action string). ``event_data`` is the resource as the API shows it *to that organization*:
each domain app has one payload builder per event type (``marketplace.events``,
``publishing.events``, ``contenttypes_app.events``), built from rows already loaded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from config.bulk_sql import copy_rows
from config.json_text import column_json
from publishing.models import AuditEvent, Organization, User
from publishing.tenancy import Actor
from webhooks.events import EventDraft, events_emit

ACTION_PATTERN = re.compile(r"^[a-z]+\.[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*$")

# Every audit action -> the domain event it emits (None: audited, no event). docs/webhooks.md
# documents each event; docs/architecture.md says how to add one.
AUDIT_ACTIONS: dict[str, str | None] = {
    # publishing: identity and tenancy
    "publishing.organization.create": None,
    "publishing.organization.update": None,
    "publishing.membership.add": None,
    "publishing.membership.change_role": None,
    "publishing.membership.remove": None,
    "publishing.api_key.create": None,
    "publishing.api_key.revoke": None,
    # publishing: prompts and templates
    **{
        f"publishing.{kind}.{verb}": event
        for kind in ("prompt", "template")
        for verb, event in (
            ("create", None),
            ("update", None),
            ("delete", None),
            ("checkpoint", "item.version_created"),
            ("restore", "item.version_created"),
        )
    },
    # marketplace: listings (publisher and moderators)
    "marketplace.listing.publish": "listing.published",
    "marketplace.listing.update": "listing.updated",
    "marketplace.listing.unpublish": "listing.unpublished",
    "marketplace.listing.schedule_publish": "listing.published",  # its publishAt came
    "marketplace.listing.schedule_unpublish": "listing.unpublished",  # its unpublishAt came
    "marketplace.listing.approve": "listing.approved",
    "marketplace.listing.reject": "listing.rejected",
    "marketplace.listing.suspend": "listing.suspended",
    "marketplace.listing.reinstate": "listing.reinstated",
    "marketplace.listing.feature": None,
    "marketplace.listing.unfeature": None,
    "marketplace.report.resolve": None,
    "marketplace.report.dismiss": None,
    # marketplace: the consumer side
    "marketplace.listing.acquire": "acquisition.created",
    "marketplace.acquisition.make_editable": None,
    "marketplace.acquisition.follow": None,
    "marketplace.acquisition.remove": "acquisition.released",
    "marketplace.reference.edit": None,
    "marketplace.listing.report": None,
    # contenttypes_app
    "contenttypes.project.create": None,
    "contenttypes.project.update": None,
    "contenttypes.project.delete": None,
    "contenttypes.component.create": None,
    "contenttypes.component.update": None,
    "contenttypes.component.delete": None,
    "contenttypes.component.restore": None,
    "contenttypes.component.discard": None,
    "contenttypes.component.rollback": None,
    "contenttypes.package.create": None,
    "contenttypes.content_type.create": None,
    "contenttypes.content_type.update": None,
    "contenttypes.content_type.change_package_version": None,
    "contenttypes.content_type.publish": "content_type.published",
    "contenttypes.content_type.rollback": "content_type.published",  # a new version, too
    "contenttypes.content_type.unpublish": "content_type.unpublished",
    "contenttypes.content_type.discard": None,
    "contenttypes.content_type.delete": "content_type.deleted",
    "contenttypes.content_type.restore": None,
    "contenttypes.content_type.migrate_content": None,  # each item migrated emits content.migrated
    "contenttypes.content_type.schedule": None,
    "contenttypes.content_type.schedule_cancel": None,
    "contenttypes.content_type.schedule_fail": "content_type.schedule_failed",
    "contenttypes.content.create": None,
    "contenttypes.content.update": None,
    "contenttypes.content.publish": "content.published",
    "contenttypes.content.unpublish": "content.unpublished",
    "contenttypes.content.discard": None,
    "contenttypes.content.rollback": None,  # a working copy, nothing published
    "contenttypes.content.migrate": "content.migrated",
    "contenttypes.content.delete": "content.deleted",
    "contenttypes.content.restore": None,
    "contenttypes.content.schedule": None,
    "contenttypes.content.schedule_cancel": None,
    "contenttypes.content.schedule_fail": "content.schedule_failed",
}


class UnknownAuditActionError(ValueError):
    """An action that is not in ``AUDIT_ACTIONS`` (register it, with its event or None)."""


# The audit row's columns, in the order of ``AuditEntry.values`` (``copy_rows`` writes them).
AUDIT_COLUMNS = (
    "actor_user_id",
    "actor_api_key_id",
    "organization_id",
    "action",
    "target_type",
    "target_id",
    "request_id",
    "details",
    "created_at",
)


@dataclass
class AuditEntry:
    """An unsaved audit row (its values in ``AUDIT_COLUMNS`` order, ``details`` still a dict)
    and the event it emits (if its action has one). Plain values: a batch writes thousands."""

    values: tuple
    event: EventDraft | None


def audit_entry(
    *,
    actor: Actor | None,
    action: str,
    target_type: str,
    target_id: Any,
    organization: Organization | None = None,
    details: dict[str, Any] | None = None,
    user: User | None = None,
    event_data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Build (unsaved) one audit row and its event; write entries with ``audit_record_many``.

    ``organization`` defaults to the actor's; the event goes to that organization. ``user`` is
    the actor when there is no ``Actor`` (staff in the admin, registration).
    """
    if action not in AUDIT_ACTIONS:
        raise UnknownAuditActionError(f"Unknown audit action {action!r}; add it to AUDIT_ACTIONS.")
    event_type = AUDIT_ACTIONS[action]
    if event_type is not None and event_data is None:
        raise ValueError(f"{action} emits {event_type}: pass its event_data.")
    if event_type is None and event_data is not None:
        raise ValueError(f"{action} has no domain event; register one in AUDIT_ACTIONS.")
    organization = organization or (actor.organization if actor else None)
    acting = actor.user if actor else user
    api_key = actor.api_key if actor else None
    created_at = timezone.now()
    values = (
        acting.pk if acting is not None else None,
        api_key.pk if api_key is not None else None,
        organization.pk if organization is not None else None,
        action,
        target_type,
        str(target_id),
        actor.request_id if actor else "",
        details or {},
        created_at,
    )
    event = None
    if event_type is not None:
        if organization is None:
            raise ValueError(f"{action} emits {event_type}: it needs an organization.")
        event = EventDraft(organization.pk, event_type, event_data, created_at)
    return AuditEntry(values=values, event=event)


def audit_record_many(entries: Sequence[AuditEntry]) -> None:
    """Write audit rows and their events set-based: one insert of the rows (``COPY`` for many,
    no model instances), then (when any action has an event) ``events_emit``: one insert of the
    events, one select of endpoints, and with subscribers one insert of deliveries and one of
    jobs. Nothing for an empty list."""
    if not entries:
        return
    copy_rows(
        AuditEvent._meta.db_table,
        AUDIT_COLUMNS,
        [(*e.values[:-2], column_json(e.values[-2]), e.values[-1]) for e in entries],
    )
    events_emit([entry.event for entry in entries if entry.event is not None])


def audit_record(**kwargs: Any) -> AuditEntry:
    """Write one audit row and, when its action has a domain event, the event (same arguments
    as ``audit_entry``), through ``audit_record_many``: one fixed ``INSERT`` instead of a model
    save the ORM compiles (about a millisecond of CPU on every audited API write). Returns the
    entry written. Must run inside the change's transaction when there is an event."""
    entry = audit_entry(**kwargs)
    audit_record_many([entry])
    return entry
