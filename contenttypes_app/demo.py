"""Demo data for the content API: a project, its components, package 1.0.0 and content types in
every status. Idempotent (everything is looked up by its natural key first); it goes through the
services, so the demo rows are exactly what the API would have produced."""

from __future__ import annotations

from typing import Any

from contenttypes_app import services
from contenttypes_app.models import Component, ContentTypeDefinition, Package, Project
from publishing.tenancy import actor_for

PROJECT_SLUG = "demo-site"
PACKAGE_VERSION = "1.0.0"

COMPONENTS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "PageLayout",
        "layout",
        {
            "type": "object",
            "properties": {
                "title": {"type": "string", "minLength": 1},
                "summary": {"type": "string"},
                "body": {"type": "array", "x-slot": True, "description": "Main column."},
                "sidebar": {"type": "array", "x-slot": "aside", "maxItems": 3},
            },
            "required": ["title"],
        },
    ),
    (
        "Hero",
        "view",
        {
            "type": "object",
            "properties": {"heading": {"type": "string"}, "image": {"type": "string"}},
            "required": ["heading"],
        },
    ),
    (
        "RichText",
        "view",
        {"type": "object", "properties": {"html": {"type": "string"}}, "required": ["html"]},
    ),
    (
        "Image",
        "view",
        {
            "type": "object",
            "properties": {"src": {"type": "string"}, "alt": {"type": "string"}},
            "required": ["src"],
        },
    ),
    (
        "Quote",
        "view",
        {
            "type": "object",
            "properties": {"text": {"type": "string"}, "by": {"type": "string"}},
            "required": ["text"],
        },
    ),
]

# name → (description, tags, the status to leave it in)
CONTENT_TYPES = {
    "Article": ("Standard article content type.", ["article"], "published"),
    "Landing Page": ("Campaign landing pages.", ["marketing"], "draft"),
    "Press Release": ("Announcements for the press.", ["news"], "modified"),
    "Legacy Page": ("Pages from the old site.", ["legacy"], "unpublished"),
    "Old Promo": ("A retired promotion.", ["marketing"], "deleted"),
}


def seed(context: Any) -> None:
    organization = context.organization
    actor = actor_for(context.users["owner"], organization)

    project = Project.objects.filter(organization=organization, slug=PROJECT_SLUG).first()
    if project is None:
        project = services.project_create(
            actor=actor,
            name="Demo Site",
            slug=PROJECT_SLUG,
            description="The demo organization's website.",
        )

    components = {}
    for name, kind, schema in COMPONENTS:
        component = (
            Component.objects.filter(project=project, name=name)
            .exclude(status=Component.Status.DELETED)
            .first()
        )
        if component is None:
            component = services.component_create(
                actor=actor, project_id=project.pk, name=name, type=kind, schema=schema
            )
        components[name] = component

    if not Package.objects.filter(project=project, version=PACKAGE_VERSION).exists():
        services.package_create(
            actor=actor,
            project_id=project.pk,
            version=PACKAGE_VERSION,
            metadata={"notes": "First release of the site's components."},
        )

    ids = {name: str(component.pk) for name, component in components.items()}
    allow_list = [
        ids["Hero"],
        ids["RichText"],
        ids["Image"],
        {"id": "aside", "name": "Sidebar", "componentIds": [ids["Quote"], ids["Image"]]},
    ]
    for name, (description, tags, status) in CONTENT_TYPES.items():
        if ContentTypeDefinition.objects.filter(project=project, name=name).exists():
            continue
        definition = services.content_type_create(
            actor=actor,
            project_id=project.pk,
            name=name,
            description=description,
            layout_component_id=components["PageLayout"].pk,
            component_ids_allow_list=allow_list,
            package_version=PACKAGE_VERSION,
            tags=tags,
        )
        _drive(actor, definition, status)

    context.lines += [
        f"Content types: project 'Demo Site' ({project.pk}) with package {PACKAGE_VERSION} and "
        f"content types in every status: {', '.join(sorted(CONTENT_TYPES))}; articles of "
        "the Article type (one a template, one locked to type version 1).",
        f"  /v1/organizations/{organization.pk}/projects/{project.pk}/content-types",
        f"  /v1/organizations/{organization.pk}/projects/{project.pk}/content",
    ]


def _drive(actor: Any, definition: ContentTypeDefinition, status: str) -> None:
    """Walk a new draft to ``status`` through the same services the API uses."""
    kw = {"content_type_id": definition.pk, "actor": actor}
    if status in ("published", "modified", "unpublished"):
        services.content_type_publish(**kw)
    if status == "published":  # a second version, so that the history has something to show
        _seed_articles(actor, definition)
    if status == "modified":
        services.content_type_update(**kw, changes={"description": "Announcements (in review)."})
    if status == "unpublished":
        services.content_type_unpublish(**kw)
    if status == "deleted":
        services.content_type_change_status(**kw, status="deleted")


def _article(title: str) -> dict[str, Any]:
    return {"title": title, "body": [{"type": "Hero", "heading": title}], "sidebar": []}


def _seed_articles(actor: Any, definition: ContentTypeDefinition) -> None:
    """A few articles of the (published v1) Article type: one stays locked to v1, a template named
    in the type's ``templateContentIds`` (published as v2), one published and one draft on v2."""
    new = {"actor": actor, "project_id": definition.project_id, "type_id": definition.pk}
    older = services.content_create(**new, name="Welcome", content=_article("Welcome"))
    services.content_publish(actor=actor, content_id=older.pk)
    template = services.content_create(
        **new,
        name="Article template",
        is_template=True,
        content=_article("Title"),
        description="Start a new article from this.",
    )
    kw = {"content_type_id": definition.pk, "actor": actor}
    services.content_type_update(**kw, changes={"template_content_ids": [str(template.pk)]})
    services.content_type_publish(**kw)
    live = services.content_create(
        **new, name="Hello world", content=_article("Hello world"), tags=["news"]
    )
    services.content_publish(actor=actor, content_id=live.pk)
    services.content_create(**new, name="Coming soon", content=_article("Coming soon"))
