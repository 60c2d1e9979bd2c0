"""Scheduled publishing of content types and content: set, cancel, and run a schedule.

A schedule holds up to two times (``publish_at`` < ``unpublish_at``). Setting it defers one job
per time (``schedule_at=`` that time) in the caller's transaction, carrying the schedule's new
``token``; a replaced or cancelled schedule leaves its old jobs behind, and they do nothing.

Each transition's status: ``pending`` → ``done`` | ``failed`` (once; no other moves). ``run``
locks the schedule row (``SELECT … FOR UPDATE``), checks the transition is still pending and due,
runs the **one publish core** (``content_type_publish`` / ``content_publish``, or the unpublish
services) as the member who scheduled it, and marks it ``done`` in the same transaction, so the
job and the periodic sweep racing each other produce exactly one transition and one event. A
refusal (validation, status, lost permission or membership) is rolled back to a savepoint,
recorded as ``last_error`` with a ``*.schedule_failed`` event, and changes nothing else.

Lock order: schedule, then the object (the core's lock). Setting or cancelling never locks the
object (it only reads it for the permission check), so the two cannot deadlock.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from config.errors import ConflictError, DomainError, ForbiddenError, ValidationFailedError
from config.jobs import defer_jobs
from contenttypes_app.errors import (
    ContentNotFoundError,
    ContentTypeNotFoundError,
    ScheduleNotFoundError,
)
from contenttypes_app.models import Content, ContentTypeDefinition, PublishSchedule
from contenttypes_app.services.content import content_unpublish, require_content_publisher
from contenttypes_app.services.content_publish import content_publish
from contenttypes_app.services.content_types import content_type_unpublish
from contenttypes_app.services.permissions import require_publisher
from contenttypes_app.services.publish import content_type_publish
from publishing.services import audit_record
from publishing.tenancy import Actor, actor_for

RUN_TASK = "contenttypes.run_schedule"
SWEEP_TASK = "contenttypes.sweep_schedules"
QUEUE = "content"
MAX_AHEAD = dt.timedelta(days=365)
SWEEP_BATCH = 500
TRANSITIONS = ("publish", "unpublish")
Pending = PublishSchedule.TransitionStatus


@dataclass(frozen=True)
class _Kind:
    """What differs between scheduling a content type and a content item."""

    name: str  # "content_type" | "content": the schedule's key and the audit prefix
    id_kwarg: str
    load: Callable[[Actor, uuid.UUID, uuid.UUID | None], Any]
    require: Callable[[Actor, Any], None]
    publish: Callable[..., Any]
    unpublish: Callable[..., Any]


def _load_type(actor: Actor, pk: uuid.UUID, project_id: uuid.UUID | None) -> Any:
    queryset = ContentTypeDefinition.objects.defer("schema", "component_ids").filter(
        pk=pk, project__organization_id=actor.organization.pk
    )
    if project_id is not None:
        queryset = queryset.filter(project_id=project_id)
    definition = queryset.first()
    if definition is None:
        raise ContentTypeNotFoundError()
    return definition


def _load_content(actor: Actor, pk: uuid.UUID, project_id: uuid.UUID | None) -> Any:
    queryset = (
        Content.objects.select_related("type")
        .defer("content", "type__schema", "type__component_ids")
        .filter(pk=pk, project__organization_id=actor.organization.pk)
    )
    if project_id is not None:
        queryset = queryset.filter(project_id=project_id)
    item = queryset.first()
    if item is None:
        raise ContentNotFoundError()
    return item


KINDS = {
    "content_type": _Kind(
        "content_type",
        "content_type_id",
        _load_type,
        lambda actor, d: require_publisher(actor, d, "schedule this content type"),
        content_type_publish,
        content_type_unpublish,
    ),
    "content": _Kind(
        "content",
        "content_id",
        _load_content,
        lambda actor, i: require_content_publisher(actor, i.type, "schedule this content"),
        content_publish,
        content_unpublish,
    ),
}


def _validate_times(
    publish_at: dt.datetime | None, unpublish_at: dt.datetime | None, now: dt.datetime
) -> None:
    """400 ``VALIDATION_FAILED`` with every field's problems."""
    fields: dict[str, list[str]] = {}
    if publish_at is None and unpublish_at is None:
        raise ValidationFailedError.for_fields(
            {"publishAt": "Give publishAt, unpublishAt or both."}
        )
    for name, value in (("publishAt", publish_at), ("unpublishAt", unpublish_at)):
        if value is None:
            continue
        if value <= now:
            fields.setdefault(name, []).append("Must be in the future.")
        elif value > now + MAX_AHEAD:
            fields.setdefault(name, []).append("Must be at most one year ahead.")
    if publish_at and unpublish_at and unpublish_at <= publish_at:
        fields.setdefault("unpublishAt", []).append("Must be after publishAt.")
    if fields:
        raise ValidationFailedError.for_fields(fields)


def _audit(actor: Actor | None, kind: _Kind, verb: str, target_id: Any, **kwargs: Any) -> None:
    audit_record(
        actor=actor,
        action=f"contenttypes.{kind.name}.{verb}",
        target_type=kind.name,
        target_id=str(target_id),
        **kwargs,
    )


@transaction.atomic
def schedule_set(
    *,
    actor: Actor,
    kind: str,
    object_id: uuid.UUID,
    project_id: uuid.UUID | None = None,
    publish_at: dt.datetime | None = None,
    unpublish_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> PublishSchedule:
    """Create or replace the object's schedule (who may publish may schedule) and defer its jobs;
    the old jobs, if any, become obsolete with the old token."""
    spec = KINDS[kind]
    obj = spec.load(actor, object_id, project_id)
    spec.require(actor, obj)
    _validate_times(publish_at, unpublish_at, now or timezone.now())
    schedule = PublishSchedule.objects.select_for_update().filter(**{kind: obj}).first()
    if schedule is None:
        schedule = PublishSchedule(project_id=obj.project_id, **{kind: obj})
    schedule.publish_at, schedule.unpublish_at = publish_at, unpublish_at
    schedule.publish_status = Pending.PENDING if publish_at else None
    schedule.unpublish_status = Pending.PENDING if unpublish_at else None
    schedule.published_at = schedule.unpublished_at = schedule.last_error = None
    schedule.token = uuid.uuid4()
    schedule.scheduled_by = actor.user
    try:
        with transaction.atomic():
            schedule.save()
    except IntegrityError as exc:  # two first schedules of one object at once
        raise ConflictError("Another request scheduled this object; retry.") from exc
    for transition, at in (("publish", publish_at), ("unpublish", unpublish_at)):
        if at is not None:
            kwargs = {"schedule_id": str(schedule.pk), "token": str(schedule.token)}
            defer_jobs(
                RUN_TASK,
                queue=QUEUE,
                kwargs_list=[{**kwargs, "transition": transition}],
                schedule_at=at,
            )
    details = {"publishAt": _iso(publish_at), "unpublishAt": _iso(unpublish_at)}
    _audit(actor, spec, "schedule", obj.pk, details=details)
    return schedule


def schedule_get(
    *, actor: Actor, kind: str, object_id: uuid.UUID, project_id: uuid.UUID | None = None
) -> PublishSchedule:
    """The object's schedule (any member who can read the object), or 404."""
    obj = KINDS[kind].load(actor, object_id, project_id)
    schedule = PublishSchedule.objects.filter(**{kind: obj}).first()
    if schedule is None:
        raise ScheduleNotFoundError()
    return schedule


@transaction.atomic
def schedule_cancel(
    *, actor: Actor, kind: str, object_id: uuid.UUID, project_id: uuid.UUID | None = None
) -> None:
    """Delete the schedule (its jobs then find nothing to do), or 404 ``SCHEDULE_NOT_FOUND``."""
    spec = KINDS[kind]
    obj = spec.load(actor, object_id, project_id)
    spec.require(actor, obj)
    deleted, _ = PublishSchedule.objects.filter(**{kind: obj}).delete()
    if not deleted:
        raise ScheduleNotFoundError()
    _audit(actor, spec, "schedule_cancel", obj.pk, details={})


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _actor(schedule: PublishSchedule) -> Actor:
    """The member who scheduled it, as they are now (the core re-checks their permission)."""
    if schedule.scheduled_by is None:
        raise ForbiddenError("The member who scheduled this no longer exists.")
    return actor_for(schedule.scheduled_by, schedule.project.organization)


def schedule_failed_event_data(
    schedule: PublishSchedule, transition: str, error: dict[str, Any]
) -> dict[str, Any]:
    """The ``*.schedule_failed`` event: which object, which transition, and why."""
    return {
        "id": str(schedule.content_type_id or schedule.content_id),
        "projectId": str(schedule.project_id),
        "scheduleId": str(schedule.pk),
        "transition": transition,
        "scheduledAt": _iso(getattr(schedule, f"{transition}_at")),
        "scheduledBy": str(schedule.scheduled_by_id) if schedule.scheduled_by_id else None,
        "error": {key: error[key] for key in ("code", "message", "details")},
    }


@transaction.atomic
def schedule_run(
    *,
    schedule_id: uuid.UUID | str,
    transition: str,
    token: uuid.UUID | str | None = None,
    now: dt.datetime | None = None,
) -> str:
    """Run one due transition of a schedule, once: ``done``, ``failed``, or why nothing ran
    (``missing``, ``obsolete`` token, ``finished`` already, ``not_due``). ``token`` is the job's
    (the sweep passes none: it runs whatever is current and due)."""
    now = now or timezone.now()
    schedule = (
        PublishSchedule.objects.select_for_update(of=("self",))
        .select_related("project__organization", "scheduled_by")
        .filter(pk=schedule_id)
        .first()
    )
    if schedule is None:
        return "missing"
    if token is not None and str(schedule.token) != str(token):
        return "obsolete"
    if getattr(schedule, f"{transition}_status") != Pending.PENDING:
        return "finished"
    if getattr(schedule, f"{transition}_at") > now:
        return "not_due"
    if transition == "unpublish" and _due(schedule, "publish", now):
        # both times passed while no worker ran and this job came first: publish first, so the
        # object ends as the schedule says (unpublished), not with a refused unpublish
        _run_locked(schedule, "publish", now)
    return _run_locked(schedule, transition, now)


def _due(schedule: PublishSchedule, transition: str, now: dt.datetime) -> bool:
    at = getattr(schedule, f"{transition}_at")
    pending = getattr(schedule, f"{transition}_status") == Pending.PENDING
    return pending and at is not None and at <= now


def _run_locked(schedule: PublishSchedule, transition: str, now: dt.datetime) -> str:
    """Run one transition of the (locked, checked) schedule and record how it went."""
    spec = KINDS["content_type" if schedule.content_type_id else "content"]
    object_id = schedule.content_type_id or schedule.content_id
    actor: Actor | None = None
    try:
        actor = _actor(schedule)
        with transaction.atomic():  # a refused transition writes nothing
            service = spec.publish if transition == "publish" else spec.unpublish
            service(actor=actor, project_id=schedule.project_id, **{spec.id_kwarg: object_id})
    except DomainError as exc:
        error = {
            "transition": transition,
            "code": exc.code,
            "message": exc.message,
            "details": exc.details,
            "at": _iso(now),
        }
        schedule.last_error = error
        setattr(schedule, f"{transition}_status", Pending.FAILED)
        schedule.save(update_fields=["last_error", f"{transition}_status", "updated_at"])
        _audit(
            actor,
            spec,
            "schedule_fail",
            object_id,
            organization=schedule.project.organization,
            user=schedule.scheduled_by,
            details={"transition": transition, "code": exc.code},
            event_data=schedule_failed_event_data(schedule, transition, error),
        )
        return "failed"
    setattr(schedule, f"{transition}_status", Pending.DONE)
    setattr(schedule, f"{transition}ed_at", now)
    schedule.save(update_fields=[f"{transition}_status", f"{transition}ed_at", "updated_at"])
    return "done"


def schedule_sweep(*, now: dt.datetime | None = None) -> int:
    """The backstop of lost jobs: run every due pending transition (each in its own transaction,
    so one failure never holds back the others). Returns how many ran."""
    now = now or timezone.now()
    due = list(
        PublishSchedule.objects.filter(
            Q(publish_status=Pending.PENDING, publish_at__lte=now)
            | Q(unpublish_status=Pending.PENDING, unpublish_at__lte=now)
        )
        .order_by("pk")
        .values_list("pk", "publish_status", "publish_at", "unpublish_status", "unpublish_at")[
            :SWEEP_BATCH
        ]
    )
    ran = 0
    for pk, p_status, p_at, u_status, u_at in due:
        # publish first: a schedule whose both times passed while no worker ran ends unpublished
        for transition, status, at in (("publish", p_status, p_at), ("unpublish", u_status, u_at)):
            if status == Pending.PENDING and at is not None and at <= now:
                outcome = schedule_run(schedule_id=pk, transition=transition, now=now)
                ran += outcome in ("done", "failed")
    return ran
