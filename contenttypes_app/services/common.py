"""Helpers every content-API service module shares: the audit row, the actor's project, and
naming the constraint behind an ``IntegrityError``. (``If-Match`` is ``config.preconditions``.)"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError

from contenttypes_app.errors import ProjectNotFoundError
from contenttypes_app.models import Project
from publishing.services import audit_record
from publishing.tenancy import Actor


def audit(
    actor: Actor,
    action: str,
    target_type: str,
    target: Any,
    *,
    event_data: dict[str, Any] | None = None,
    **details: Any,
) -> None:
    """``publishing.services.audit_record`` for a content-API object (the one audit helper: it
    also writes the action's domain event, from ``event_data``); details that are ``None`` are
    left out."""
    audit_record(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=str(target.pk),
        details={key: value for key, value in details.items() if value is not None},
        event_data=event_data,
    )


def project_for_actor(actor: Actor, project_id: uuid.UUID, *, for_update: bool = False) -> Project:
    """The actor's organization's project (locked with ``for_update``), or 404: another
    organization's project is "not found", never "forbidden"."""
    queryset = Project.objects.filter(pk=project_id, organization_id=actor.organization.pk)
    if for_update:
        queryset = queryset.select_for_update()
    project = queryset.first()
    if project is None:
        raise ProjectNotFoundError()
    return project


def is_unique_violation(exc: IntegrityError, constraint: str) -> bool:
    """Whether ``exc`` was raised by the named constraint (so a service can answer precisely)."""
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    return getattr(diag, "constraint_name", None) == constraint or constraint in str(exc)
