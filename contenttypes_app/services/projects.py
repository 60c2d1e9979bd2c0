"""Projects: create, rename, delete (only when empty). Names and slugs are unique per
organization."""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction

from config.slugs import free_slug, slug_base
from contenttypes_app.errors import AlreadyExistsError, ProjectNotEmptyError
from contenttypes_app.models import ContentTypeDefinition, Package, Project
from contenttypes_app.services.common import audit, is_unique_violation, project_for_actor
from publishing.models import Role
from publishing.tenancy import Actor


def _free_project_slug(actor: Actor, name: str) -> str:
    base = slug_base(name, fallback="project", max_length=90)
    taken = set(
        Project.objects.filter(
            organization_id=actor.organization.pk, slug__startswith=base
        ).values_list("slug", flat=True)
    )
    return free_slug(base, taken)


NAME_CONSTRAINT = "ct_project_org_name_unique"


def _name_taken(actor: Actor, name: str, exclude_pk: uuid.UUID | None = None) -> bool:
    queryset = Project.objects.filter(organization_id=actor.organization.pk, name=name)
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.exists()


def _name_conflict(name: str) -> AlreadyExistsError:
    return AlreadyExistsError("A project with this name already exists.", details={"name": name})


def _slug_conflict(slug: str | None) -> AlreadyExistsError:
    return AlreadyExistsError("A project with this slug already exists.", details={"slug": slug})


def _conflict(exc: IntegrityError, name: str, slug: str | None) -> AlreadyExistsError:
    """The 409 for a constraint a concurrent write won: the name's, else the slug's."""
    return (
        _name_conflict(name) if is_unique_violation(exc, NAME_CONSTRAINT) else _slug_conflict(slug)
    )


@transaction.atomic
def project_create(
    *, actor: Actor, name: str, slug: str | None = None, description: str = ""
) -> Project:
    """A new project. Its name is unique in the organization (409 ``ALREADY_EXISTS`` with
    ``details.name``, as a component's in its project); so is its slug, derived from the name
    (a free one) when not given, or 409 with ``details.slug`` when a given one is taken."""
    actor.require_role(Role.EDITOR, "create projects")
    if _name_taken(actor, name):
        raise _name_conflict(name)
    if slug is None:
        slug = _free_project_slug(actor, name)
    elif Project.objects.filter(organization_id=actor.organization.pk, slug=slug).exists():
        raise _slug_conflict(slug)
    try:
        project = Project.objects.create(
            organization=actor.organization, name=name, slug=slug, description=description
        )
    except IntegrityError as exc:  # a concurrent create took the name or the slug
        raise _conflict(exc, name, slug) from exc
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
    """Change name, slug or description; a name or slug another project has answers 409."""
    actor.require_role(Role.EDITOR, "update projects")
    project = project_for_actor(actor, project_id, for_update=True)
    if name is not None and name != project.name and _name_taken(actor, name, project.pk):
        raise _name_conflict(name)
    if slug is not None and slug != project.slug:
        if Project.objects.filter(organization_id=actor.organization.pk, slug=slug).exists():
            raise _slug_conflict(slug)
        project.slug = slug
    if name is not None:
        project.name = name
    if description is not None:
        project.description = description
    try:
        project.save()
    except IntegrityError as exc:
        raise _conflict(exc, project.name, slug) from exc
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
