"""A project with a layout, three views, package 1.0.0 and a draft content type using them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from contenttypes_app import services
from contenttypes_app.models import Component, ContentTypeDefinition, Package, Project
from publishing.models import Organization
from publishing.tenancy import Actor, actor_for
from tests.contenttypes_app.factories import (
    ComponentFactory,
    LayoutComponentFactory,
    ProjectFactory,
    make_content_type,
    make_package,
    view_schema,
)


@dataclass
class World:
    organization: Organization
    project: Project
    actor: Actor  # the owner
    layout: Component
    views: list[Component]
    package: Package
    content_type: ContentTypeDefinition

    @property
    def base(self) -> str:
        return f"/v1/organizations/{self.organization.pk}/projects/{self.project.pk}"

    def ct_url(self, content_type: ContentTypeDefinition | None = None, suffix: str = "") -> str:
        ct = content_type or self.content_type
        return f"{self.base}/content-types/{ct.pk}{suffix}"

    def refresh(self) -> ContentTypeDefinition:
        self.content_type.refresh_from_db()
        return self.content_type


@pytest.fixture
def owner_actor(org, owner) -> Actor:
    return actor_for(owner, org)


@pytest.fixture
def world(org, owner, owner_actor) -> World:
    project = ProjectFactory(organization=org, name="Website", slug="website")
    layout = LayoutComponentFactory(project=project, name="ArticleLayout")
    views = [
        ComponentFactory(project=project, name="Hero", schema=view_schema("heading")),
        ComponentFactory(project=project, name="RichText", schema=view_schema("html")),
        ComponentFactory(project=project, name="Image", schema=view_schema("src")),
    ]
    package = make_package(owner_actor, project, "1.0.0")
    content_type = make_content_type(owner_actor, project, layout, views)
    return World(org, project, owner_actor, layout, views, package, content_type)


def drive(world: World, state: str) -> ContentTypeDefinition:
    """Bring the world's content type into ``state`` through the services."""
    actor, ct = world.actor, world.content_type
    kw = {"content_type_id": ct.pk, "actor": actor}
    if state in ("published", "modified", "unpublished", "deleted_published", "modified_withdrawn"):
        services.content_type_publish(**kw)
    if state == "modified":
        services.content_type_update(**kw, changes={"description": "edited"})
    if state in ("unpublished", "modified_withdrawn"):
        services.content_type_unpublish(**kw)
    if state == "modified_withdrawn":
        services.content_type_update(**kw, changes={"description": "edited"})
    if state in ("deleted", "deleted_published"):
        services.content_type_change_status(**kw, status="deleted")
    return world.refresh()


@pytest.fixture
def published(world) -> ContentTypeDefinition:
    return drive(world, "published")


# --- content items -----------------------------------------------------------------------------
def article(title: str = "Hello", **extra) -> dict:
    """A document that fits the world's published Article schema."""
    return {"title": title, "body": [{"type": "Hero", "heading": "Hi"}], **extra}


@pytest.fixture
def type_version(published):
    return published.versions.get(version=1)
