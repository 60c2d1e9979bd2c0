"""Components: create, update (a published one becomes ``modified``), soft delete when unused."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction

from contenttypes_app.errors import (
    AlreadyExistsError,
    ComponentInUseError,
    ComponentInvalidStatusError,
    ComponentNotFoundError,
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


@transaction.atomic
def component_delete(*, actor: Actor, project_id: uuid.UUID, component_id: uuid.UUID) -> Component:
    """Soft-delete a component that no package captured and no live content type references."""
    actor.require_role(Role.EDITOR, "delete components")
    component = _component_for_update(actor, project_id, component_id)
    if component.status == Component.Status.DELETED:
        return component
    package_versions = list(
        PackageComponent.objects.filter(component=component)
        .order_by("package__created_at")
        .values_list("package__version", flat=True)
    )
    content_type_ids = [
        str(pk)
        for pk in ContentTypeDefinition.objects.filter(
            project_id=project_id, component_ids__contains=[component.pk]
        )
        .exclude(status=Status.DELETED)
        .order_by("pk")
        .values_list("pk", flat=True)
    ]
    if package_versions or content_type_ids:
        raise ComponentInUseError(
            details={"packageVersions": package_versions, "contentTypeIds": content_type_ids}
        )
    component.status = Component.Status.DELETED
    component.save(update_fields=["status", "updated_at"])
    audit(actor, "contenttypes.component.delete", "component", component, name=component.name)
    return component
