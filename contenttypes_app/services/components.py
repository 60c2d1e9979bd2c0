"""Components: create, update (a published one becomes ``modified``), soft delete when unused,
restore, discard and roll back (to what a package captured).

Status machine (a package publishes: ``services.packages``)::

    create → draft ─package→ published ─update│rollback→ modified ─package→ published (v+1)
    modified ─discard→ published (the last capture)
    any ─delete (unused)→ deleted ─status→ draft (never packaged) | modified (packaged before)
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction

from contenttypes_app.errors import (
    AlreadyExistsError,
    ComponentInUseByDraftError,
    ComponentInUseError,
    ComponentInvalidStatusError,
    ComponentNoPublishedVersionError,
    ComponentNotFoundError,
    ComponentVersionNotFoundError,
)
from contenttypes_app.models import Component, ContentTypeDefinition, PackageComponent
from contenttypes_app.services.common import audit, project_for_actor
from publishing.models import Role
from publishing.tenancy import Actor

Status = ContentTypeDefinition.Status


def _component_for_update(actor: Actor, project_id: uuid.UUID, component_id: uuid.UUID):
    component = (
        Component.objects.select_for_update(of=("self",))
        .filter(
            pk=component_id,
            project_id=project_id,
            project__organization_id=actor.organization.pk,
        )
        .first()
    )
    if component is None:
        raise ComponentNotFoundError()
    return component


def _component_name_taken(project_id: Any, name: str, exclude_pk: Any = None) -> bool:
    queryset = Component.objects.filter(project_id=project_id, name=name).exclude(
        status=Component.Status.DELETED
    )
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.exists()


@transaction.atomic
def component_create(
    *,
    actor: Actor,
    project_id: uuid.UUID,
    name: str,
    type: str,
    schema: dict[str, Any],
    description: str = "",
) -> Component:
    actor.require_role(Role.EDITOR, "create components")
    project = project_for_actor(actor, project_id)
    if _component_name_taken(project.pk, name):
        raise AlreadyExistsError(
            "A component with this name already exists.", details={"name": name}
        )
    try:
        component = Component.objects.create(
            project=project, name=name, type=type, schema=schema, description=description
        )
    except IntegrityError as exc:
        raise AlreadyExistsError(
            "A component with this name already exists.", details={"name": name}
        ) from exc
    audit(actor, "contenttypes.component.create", "component", component, name=name, type=type)
    return component


@transaction.atomic
def component_update(
    *, actor: Actor, project_id: uuid.UUID, component_id: uuid.UUID, changes: dict[str, Any]
) -> Component:
    """Change name, description, type or schema; a published component becomes ``modified``
    (its next package gives it version + 1)."""
    actor.require_role(Role.EDITOR, "update components")
    component = _component_for_update(actor, project_id, component_id)
    if component.status == Component.Status.DELETED:
        raise ComponentInvalidStatusError("Cannot update component with status: deleted")
    changed = sorted(k for k, v in changes.items() if getattr(component, k) != v)
    if not changed:
        return component
    if "name" in changed and _component_name_taken(project_id, changes["name"], component.pk):
        raise AlreadyExistsError(
            "A component with this name already exists.", details={"name": changes["name"]}
        )
    for key in changed:
        setattr(component, key, changes[key])
    if component.status == Component.Status.PUBLISHED:
        component.status = Component.Status.MODIFIED
    try:
        component.save()
    except IntegrityError as exc:
        raise AlreadyExistsError("A component with this name already exists.") from exc
    audit(actor, "contenttypes.component.update", "component", component, fields=changed)
    return component


def _require_unused(component: Component) -> None:
    """A component a package holds is part of an immutable snapshot (409 ``COMPONENT_IN_USE``);
    one that a content type not yet published with it allow-lists would leave that type naming a
    missing component (409 ``COMPONENT_IN_USE_BY_DRAFT``). Published types are covered by the
    first rule: publishing checks the allow-list against a package."""
    package_versions = list(
        PackageComponent.objects.filter(component=component)
        .order_by("package__created_at")
        .values_list("package__version", flat=True)
    )
    if package_versions:
        raise ComponentInUseError(details={"referencedByPackages": package_versions})
    content_types = [
        {"id": str(pk), "name": name}
        for pk, name in ContentTypeDefinition.objects.filter(
            project_id=component.project_id, component_ids__contains=[component.pk]
        )
        .exclude(status=Status.DELETED)
        .order_by("name", "pk")
        .values_list("pk", "name")
    ]
    if content_types:
        raise ComponentInUseByDraftError(details={"contentTypes": content_types})


@transaction.atomic
def component_delete(*, actor: Actor, project_id: uuid.UUID, component_id: uuid.UUID) -> Component:
    """Soft-delete (``deleted``, the name freed) a component that is not in use
    (``_require_unused``). Deleting a deleted component is a no-op."""
    actor.require_role(Role.EDITOR, "delete components")
    component = _component_for_update(actor, project_id, component_id)
    if component.status == Component.Status.DELETED:
        return component
    _require_unused(component)
    component.status = Component.Status.DELETED
    component.save(update_fields=["status", "updated_at"])
    audit(actor, "contenttypes.component.delete", "component", component, name=component.name)
    return component


@transaction.atomic
def component_change_status(
    *, actor: Actor, project_id: uuid.UUID, component_id: uuid.UUID, status: str
) -> Component:
    """Any → ``deleted`` (as ``component_delete``); ``deleted`` → ``draft`` when no package ever
    captured it, ``modified`` when one did (restoring never makes a working copy look packaged).
    ``published`` is only ever set by a package: 409 ``INVALID_STATUS``."""
    if status == Component.Status.DELETED:
        return component_delete(actor=actor, project_id=project_id, component_id=component_id)
    actor.require_role(Role.EDITOR, "change the status of components")
    component = _component_for_update(actor, project_id, component_id)
    if status == Component.Status.PUBLISHED:
        raise ComponentInvalidStatusError(
            "Cannot set status published: a component is published by creating a package."
        )
    if status not in (Component.Status.DRAFT, Component.Status.MODIFIED):
        raise ValueError(f"component_change_status cannot set {status!r}")
    if component.status != Component.Status.DELETED:
        raise ComponentInvalidStatusError(
            f"Cannot change status from {component.status} to {status}: "
            "only deleted components can be restored."
        )
    packaged = component.version is not None
    if (status == Component.Status.MODIFIED) != packaged:
        right = Component.Status.MODIFIED if packaged else Component.Status.DRAFT
        raise ComponentInvalidStatusError(f"Cannot restore to {status}: restore it to {right}.")
    if _component_name_taken(project_id, component.name, component.pk):
        raise AlreadyExistsError(
            "Another component has taken this name; rename that one first.",
            details={"name": component.name},
        )
    component.status = status
    component.save(update_fields=["status", "updated_at"])
    audit(actor, "contenttypes.component.restore", "component", component, to=status)
    return component


def _capture(component: Component, version: int | None) -> PackageComponent | None:
    return (
        PackageComponent.objects.filter(component=component, version=version)
        .defer("definition")
        .order_by("package__created_at")
        .first()
    )


def _restore_capture(component: Component, capture: PackageComponent) -> None:
    """Make ``capture``'s definition (name, type, schema) the component's, or 409 when another
    live component has taken the name meanwhile."""
    if _component_name_taken(component.project_id, capture.name, component.pk):
        raise AlreadyExistsError(
            "Another component has taken this name; rename that one first.",
            details={"name": capture.name},
        )
    component.name, component.type, component.schema = capture.name, capture.type, capture.schema


@transaction.atomic
def component_discard(*, actor: Actor, project_id: uuid.UUID, component_id: uuid.UUID) -> Component:
    """``modified`` → the definition its last package captured, ``published`` again. Never
    packaged: 409 ``NO_PUBLISHED_VERSION``; any other status: 409 ``INVALID_STATUS``."""
    actor.require_role(Role.EDITOR, "discard component changes")
    component = _component_for_update(actor, project_id, component_id)
    if component.version is None:
        raise ComponentNoPublishedVersionError(
            "Cannot discard changes: no package has captured this component."
        )
    if component.status != Component.Status.MODIFIED:
        raise ComponentInvalidStatusError(
            f"Cannot discard changes of a component with status: {component.status}"
        )
    _restore_capture(component, _capture(component, component.version))
    component.status = Component.Status.PUBLISHED
    component.save()
    audit(
        actor, "contenttypes.component.discard", "component", component, version=component.version
    )
    return component


@transaction.atomic
def component_rollback(
    *, actor: Actor, project_id: uuid.UUID, component_id: uuid.UUID, version: int
) -> Component:
    """The definition a package captured as version ``version`` becomes the working copy
    (``modified``; the next package captures it as version + 1). Unknown: 404
    ``VERSION_NOT_FOUND``; a deleted component: 409 ``INVALID_STATUS``."""
    actor.require_role(Role.EDITOR, "roll back components")
    component = _component_for_update(actor, project_id, component_id)
    if component.status == Component.Status.DELETED:
        raise ComponentInvalidStatusError("Cannot roll back a component with status: deleted")
    capture = _capture(component, version)
    if capture is None:
        raise ComponentVersionNotFoundError(
            f"Version {version} of this component does not exist.",
            details={"requestedVersion": version, "latestVersion": component.version},
        )
    _restore_capture(component, capture)
    component.status = Component.Status.MODIFIED
    component.save()
    audit(actor, "contenttypes.component.rollback", "component", component, version=version)
    return component
