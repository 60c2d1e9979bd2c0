"""Projects: create, rename, delete (only when empty)."""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from contenttypes_app.errors import AlreadyExistsError, ProjectNotEmptyError
from contenttypes_app.models import ContentTypeDefinition, Package, Project
from contenttypes_app.services.common import audit, project_for_actor
from publishing.models import Role
from publishing.tenancy import Actor


def _free_project_slug(actor: Actor, name: str) -> str:
    base = (slugify(name) or "project")[:90]
    taken = set(
        Project.objects.filter(
            organization_id=actor.organization.pk, slug__startswith=base
        ).values_list("slug", flat=True)
    )
    slug, suffix = base, 2
    while slug in taken:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


@transaction.atomic
def project_create(
    *, actor: Actor, name: str, slug: str | None = None, description: str = ""
) -> Project:
    actor.require_role(Role.EDITOR, "create projects")
    if slug is None:
        slug = _free_project_slug(actor, name)
    elif Project.objects.filter(organization_id=actor.organization.pk, slug=slug).exists():
        raise AlreadyExistsError("A project with this slug already exists.", details={"slug": slug})
    try:
        project = Project.objects.create(
            organization=actor.organization, name=name, slug=slug, description=description
        )
    except IntegrityError as exc:  # a concurrent create took the slug
        raise AlreadyExistsError(
            "A project with this slug already exists.", details={"slug": slug}
        ) from exc
    audit(actor, "contenttypes.project.create", "project", project, name=name, slug=slug)
    return project


@transaction.atomic
def project_update(
    *,
    actor: Actor,
    project_id: uuid.UUID,
    name: str | None = None,
    slug: str | None = None,
    description: str | None = None,
) -> Project:
    actor.require_role(Role.EDITOR, "update projects")
    project = project_for_actor(actor, project_id, for_update=True)
    if slug is not None and slug != project.slug:
        if Project.objects.filter(organization_id=actor.organization.pk, slug=slug).exists():
            raise AlreadyExistsError(
                "A project with this slug already exists.", details={"slug": slug}
            )
        project.slug = slug
    if name is not None:
        project.name = name
    if description is not None:
        project.description = description
    try:
        project.save()
    except IntegrityError as exc:
        raise AlreadyExistsError(
            "A project with this slug already exists.", details={"slug": slug}
        ) from exc
    audit(actor, "contenttypes.project.update", "project", project, name=name, slug=slug)
    return project


@transaction.atomic
def project_delete(*, actor: Actor, project_id: uuid.UUID) -> uuid.UUID:
    """Delete an empty project. Packages and content types (and their versions) are history that
    never cascades away, so a project holding any of them answers 409 ``PROJECT_NOT_EMPTY``."""
    actor.require_role(Role.ADMIN, "delete projects")
    project = project_for_actor(actor, project_id, for_update=True)
    packages = Package.objects.filter(project=project).count()
    content_types = ContentTypeDefinition.objects.filter(project=project).count()
    if packages or content_types:
        raise ProjectNotEmptyError(details={"packages": packages, "contentTypes": content_types})
    audit(actor, "contenttypes.project.delete", "project", project, name=project.name)
    pk = project.pk
    project.delete()  # components cascade; none of them is in a package
    return pk
