"""Migration 0003 fills in the definition of components captured before it existed, through the
write-once trigger, and leaves that trigger on."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from contenttypes_app.schema_generation import CapturedComponent, component_definition
from tests.factories import OrganizationFactory

APP = "contenttypes_app"
BEFORE = [(APP, "0002_immutable_rows_trigger")]
SCHEMA = {
    "title": "Quote",
    "type": "object",
    "properties": {"text": {"type": "string"}, "type": {"type": "string"}},
    "required": ["text", "type"],
}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_0003_backfills_definitions_and_keeps_rows_immutable():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes(APP)
    organization = OrganizationFactory()
    old = migrate(BEFORE)
    try:
        project = old.get_model(APP, "Project").objects.create(
            organization_id=organization.pk, name="Old", slug="old"
        )
        component = old.get_model(APP, "Component").objects.create(
            project=project, name="Quote", type="view", status="published", version=2, schema=SCHEMA
        )
        package = old.get_model(APP, "Package").objects.create(project=project, version="1.0.0")
        old.get_model(APP, "PackageComponent").objects.create(
            package=package,
            component=component,
            name="Quote",
            type="view",
            version=2,
            schema=SCHEMA,
        )
    finally:
        new = migrate(latest)

    row = new.get_model(APP, "PackageComponent").objects.get(package_id=package.pk)
    expected = component_definition(
        CapturedComponent(str(component.pk), "Quote", "view", 2, SCHEMA)
    )
    assert row.definition == expected
    assert row.definition["properties"]["type"] == {"const": "Quote"}
    with (
        pytest.raises(DatabaseError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE contenttypes_app_packagecomponent SET definition = '{}' WHERE id = %s",
            [row.pk],
        )


@pytest.mark.django_db(transaction=True)
def test_0005_renames_duplicate_project_names_before_making_them_unique():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes(APP)
    organization = OrganizationFactory()
    old = migrate([(APP, "0004_schemas_as_json")])
    try:
        projects = old.get_model(APP, "Project").objects
        first = projects.create(organization_id=organization.pk, name="Newcomer Site", slug="n")
        second = projects.create(organization_id=organization.pk, name="Newcomer Site", slug="n-2")
        projects.create(organization_id=organization.pk, name="Newcomer Site (n-3)", slug="x")
        third = projects.create(organization_id=organization.pk, name="Newcomer Site", slug="n-3")
    finally:
        new = migrate(latest)
    names = dict(new.get_model(APP, "Project").objects.values_list("pk", "name"))
    assert names[first.pk] == "Newcomer Site"
    assert names[second.pk] == "Newcomer Site (n-2)"
    assert names[third.pk] == "Newcomer Site (n-3) 2"
