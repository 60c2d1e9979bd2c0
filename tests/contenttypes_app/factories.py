"""Factories for the content API. Packages and content types go through the services (they hold
invariants: immutability, captured components, version allocation); plain rows use factory_boy."""

from __future__ import annotations

from typing import Any

import factory

from contenttypes_app import services
from contenttypes_app.models import Component, ContentTypeDefinition, Package, Project
from publishing.tenancy import Actor
from tests.factories import OrganizationFactory

LAYOUT_SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "body": {"type": "array", "x-slot": True, "description": "The article body."},
    },
    "required": ["title"],
}


def view_schema(field: str = "text") -> dict[str, Any]:
    return {"type": "object", "properties": {field: {"type": "string"}}, "required": [field]}


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")
    description = "A project for tests."


class ComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Component

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"View{n}")
    type = Component.Type.VIEW
    schema = factory.LazyFunction(view_schema)


class LayoutComponentFactory(ComponentFactory):
    name = factory.Sequence(lambda n: f"Layout{n}")
    type = Component.Type.LAYOUT
    schema = factory.LazyFunction(lambda: dict(LAYOUT_SCHEMA))


def make_package(actor: Actor, project: Project, version: str = "1.0.0", **kw: Any) -> Package:
    return services.package_create(actor=actor, project_id=project.pk, version=version, **kw)


def make_content_type(
    actor: Actor,
    project: Project,
    layout: Component,
    allowed: list[Any],
    *,
    name: str = "Article",
    package_version: str = "1.0.0",
    **kw: Any,
) -> ContentTypeDefinition:
    allow_list = [str(c.pk) if isinstance(c, Component) else c for c in allowed]
    return services.content_type_create(
        actor=actor,
        project_id=project.pk,
        name=name,
        layout_component_id=layout.pk,
        component_ids_allow_list=allow_list,
        package_version=package_version,
        **kw,
    )
