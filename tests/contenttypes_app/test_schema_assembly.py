"""Publishing assembles the schema in PostgreSQL from the definitions packages stored; the result
must be exactly the in-memory reference (``build_content_schema``), for the API, the stored
version, the definition and the bulk command alike."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from contenttypes_app import services
from contenttypes_app.bulk import content_type_publish_batch
from contenttypes_app.models import ContentTypeVersion, PackageComponent
from contenttypes_app.schema_generation import (
    CapturedComponent,
    component_definition,
)
from tests.conftest import bearer_client
from tests.contenttypes_app.factories import (
    ComponentFactory,
    LayoutComponentFactory,
    ProjectFactory,
    make_content_type,
    make_package,
)
from tests.contenttypes_app.schema_reference import build_content_schema

pytestmark = pytest.mark.django_db

LAYOUT = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "main": {"type": "array", "x-slot": True, "minItems": 1},
        "aside": {"type": "array", "x-slot": "sidebar", "maxItems": 2},
    },
    "required": ["title"],
}
HERO = {
    "title": "Héros ✓",
    "description": 'A banner with an "edge" case: é, 漢字, emoji 🎉 and a tab\t.',
    "type": "object",
    "properties": {"heading": {"type": "string", "maxLength": 80}, "level": {"enum": [1, 2]}},
    "required": ["heading", "type"],
}
AD = {"type": "object", "properties": {"slot": {"type": "string"}}, "additionalProperties": True}


@pytest.fixture
def site(org, owner_actor):
    project = ProjectFactory(organization=org)
    layout = LayoutComponentFactory(project=project, name="Page", schema=LAYOUT)
    hero = ComponentFactory(project=project, name="Hero", schema=HERO)
    ad = ComponentFactory(project=project, name="Ad", schema=AD)
    zebra = ComponentFactory(project=project, name="Zebra")
    make_package(owner_actor, project, "1.0.0")
    return project, layout, [zebra, hero, ad]


def with_sidebar(allowed: list, sidebar) -> list:
    """``allowed`` plus the group the layout's ``aside`` slot names."""
    ids = [str(c.pk) for c in allowed]
    return [*ids, {"id": "sidebar", "componentIds": [str(sidebar.pk)]}]


def reference(project, definition) -> dict:
    """The schema computed in memory from the package's captured components."""
    captured = {
        str(pc.component_id): CapturedComponent(
            str(pc.component_id), pc.name, pc.type, pc.version, pc.schema
        )
        for pc in PackageComponent.objects.filter(package__project=project)
    }
    return build_content_schema(
        title=definition.name,
        description=definition.description,
        layout=captured[str(definition.layout_component_id)],
        allow_list=definition.component_ids_allow_list,
        components=captured,
    )


def stored_text(version: ContentTypeVersion) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT schema::text FROM {ContentTypeVersion._meta.db_table} WHERE id = %s",  # noqa: S608
            [version.pk],
        )
        return cursor.fetchone()[0]


def test_packages_store_each_components_definition(site):
    project, _, _ = site
    rows = PackageComponent.objects.filter(package__project=project)
    assert len(rows) == 4
    for row in rows:
        captured = CapturedComponent(
            str(row.component_id), row.name, row.type, row.version, row.schema
        )
        assert row.definition == component_definition(captured)


def test_the_published_schema_is_the_reference_everywhere(site, org, owner, owner_actor):
    project, layout, (zebra, hero, ad) = site
    allow_list = [str(zebra.pk), str(hero.pk), {"id": "sidebar", "componentIds": [str(ad.pk)]}]
    ct = make_content_type(
        owner_actor, project, layout, allow_list, name="Artícle", description="Ünïcode ✓"
    )
    url = f"/v1/organizations/{org.pk}/projects/{project.pk}/content-types/{ct.pk}/publish"

    response = bearer_client(owner).post(url)

    assert response.status_code == 200, response.content
    expected = reference(project, ct)
    version = ContentTypeVersion.objects.get(definition=ct)
    ct.refresh_from_db()
    assert response.json()["schema"] == expected
    assert version.schema == expected
    assert ct.schema == expected
    assert expected["definitions"]["Hero"]["description"] == HERO["description"]
    # Stored as json text, definitions in name order as the reference orders them.
    assert list(json.loads(stored_text(version))["definitions"]) == ["Ad", "Hero", "Zebra"]


def test_an_empty_allow_list_has_no_definitions(site, owner_actor):
    project, _, _ = site
    plain = LayoutComponentFactory(project=project, name="Plain")  # one slot, for every component
    make_package(owner_actor, project, "1.1.0")
    ct = make_content_type(owner_actor, project, plain, [], name="Bare", package_version="1.1.0")

    published = services.content_type_publish(content_type_id=ct.pk, actor=owner_actor)

    assert "definitions" not in published.schema
    assert published.schema == reference(project, ct)
    assert published.schema["properties"]["body"]["maxItems"] == 0


def test_a_layout_that_is_also_allow_listed_gets_a_definition(site, owner_actor):
    project, layout, (zebra, _, ad) = site
    allow_list = with_sidebar([layout, zebra], ad)
    ct = make_content_type(owner_actor, project, layout, allow_list, name="Nested")

    published = services.content_type_publish(content_type_id=ct.pk, actor=owner_actor)

    assert sorted(published.schema["definitions"]) == ["Ad", "Page", "Zebra"]
    assert published.schema == reference(project, ct)


def test_the_bulk_command_writes_the_same_schema(site, owner_actor):
    project, layout, (zebra, hero, ad) = site
    one = make_content_type(
        owner_actor, project, layout, with_sidebar([zebra, hero], ad), name="One"
    )
    two = make_content_type(owner_actor, project, layout, with_sidebar([], ad), name="Two")

    result = content_type_publish_batch(
        actor=owner_actor, project=project, content_type_ids=[one.pk, two.pk]
    )

    assert sorted(result.changed_ids) == sorted([str(one.pk), str(two.pk)])
    for ct in (one, two):
        ct.refresh_from_db()
        version = ContentTypeVersion.objects.get(definition=ct)
        assert version.schema == ct.schema == reference(project, ct)


def test_a_rollback_republishes_the_old_schema(site, owner_actor):
    project, layout, (zebra, hero, ad) = site
    ct = make_content_type(owner_actor, project, layout, with_sidebar([zebra], ad), name="Rolling")
    v1 = services.content_type_publish(content_type_id=ct.pk, actor=owner_actor).schema
    services.content_type_update(
        content_type_id=ct.pk,
        actor=owner_actor,
        changes={"component_ids_allow_list": with_sidebar([hero], ad)},
    )
    v2 = services.content_type_publish(content_type_id=ct.pk, actor=owner_actor).schema
    assert sorted(v2["definitions"]) == ["Ad", "Hero"]

    rolled = services.content_type_rollback(content_type_id=ct.pk, actor=owner_actor, version=1)

    assert rolled.version == 3
    assert rolled.schema == v1
    assert ContentTypeVersion.objects.get(definition=ct, version=3).schema == v1
