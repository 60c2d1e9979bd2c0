"""Invariants the models and the database hold: immutability, uniqueness, checks; semver."""

from __future__ import annotations

import itertools

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from contenttypes_app import semver, services
from contenttypes_app.models import (
    ContentTypeDefinition,
    ContentTypeVersion,
    ImmutableRecordError,
    Package,
    PackageComponent,
)
from tests.contenttypes_app.factories import ComponentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(world, published) -> ContentTypeVersion:
    return ContentTypeVersion.objects.get(definition=published)


# --- immutability --------------------------------------------------------------------------------
def test_a_version_row_refuses_save(version):
    version.name = "Tampered"
    with pytest.raises(ImmutableRecordError):
        version.save()
    with pytest.raises(ImmutableRecordError):
        version.save(update_fields=["name"])
    version.refresh_from_db()
    assert version.name == "Article"


def test_a_version_row_refuses_delete(version):
    with pytest.raises(ImmutableRecordError):
        version.delete()
    assert ContentTypeVersion.objects.filter(pk=version.pk).exists()


@pytest.mark.parametrize(
    "operation",
    [
        lambda qs: qs.update(name="Tampered"),
        lambda qs: qs.delete(),
        lambda qs: qs.bulk_update(list(qs), ["name"]),
        lambda qs: qs.update_or_create(version=1, defaults={"name": "x"}),
    ],
    ids=["update", "delete", "bulk_update", "update_or_create"],
)
def test_version_querysets_refuse_changes(version, operation):
    with pytest.raises(ImmutableRecordError):
        operation(ContentTypeVersion.objects.filter(pk=version.pk))
    with pytest.raises(ImmutableRecordError):
        operation(version.definition.versions.all())
    assert ContentTypeVersion.objects.get(pk=version.pk).name == "Article"


def test_the_related_manager_refuses_changes(version):
    with pytest.raises(ImmutableRecordError):
        version.definition.versions.update(name="x")


@pytest.mark.parametrize("table", ["contenttypeversion", "package", "packagecomponent"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET id = id", "DELETE FROM {t}"])
def test_the_database_refuses_raw_changes(version, table, statement):
    sql = statement.format(t=f"contenttypes_app_{table}")
    with (
        pytest.raises(IntegrityError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


def test_packages_are_immutable(world):
    package = world.package
    package.metadata = {"changed": True}
    with pytest.raises(ImmutableRecordError):
        package.save()
    with pytest.raises(ImmutableRecordError):
        Package.objects.all().delete()
    with pytest.raises(ImmutableRecordError):
        PackageComponent.objects.filter(package=package).update(version=9)
    with pytest.raises(ImmutableRecordError):
        PackageComponent.objects.filter(package=package).first().delete()


def test_new_immutable_rows_still_insert(world, owner):
    definition = world.content_type
    row = ContentTypeVersion(
        definition=definition,
        version=1,
        name="x",
        layout_component_id=world.layout.pk,
        package_version="1.0.0",
        schema={},
        published_at=timezone.now(),
        published_by=owner,
    )
    row.save()
    assert ContentTypeVersion.objects.filter(pk=row.pk).exists()


# --- constraints ---------------------------------------------------------------------------------
def test_one_row_per_definition_and_version(version, owner):
    duplicate = ContentTypeVersion(
        definition=version.definition,
        version=1,
        name="dup",
        layout_component_id=version.layout_component_id,
        package_version="1.0.0",
        schema={},
        published_at=timezone.now(),
        published_by=owner,
    )
    with (
        pytest.raises(IntegrityError, match="ct_version_definition_version_unique"),
        transaction.atomic(),
    ):
        duplicate.save()


def test_versions_start_at_one(world, owner):
    row = ContentTypeVersion(
        definition=world.content_type,
        version=0,
        name="zero",
        layout_component_id=world.layout.pk,
        package_version="1.0.0",
        schema={},
        published_at=timezone.now(),
        published_by=owner,
    )
    with pytest.raises(IntegrityError, match="ct_version_positive"), transaction.atomic():
        row.save()


def test_a_draft_cannot_carry_a_published_version(world):
    with (
        pytest.raises(IntegrityError, match="ct_definition_draft_unpublished"),
        transaction.atomic(),
    ):
        ContentTypeDefinition.objects.filter(pk=world.content_type.pk).update(
            last_published_version=3
        )


def test_a_published_type_needs_a_version(world):
    with (
        pytest.raises(IntegrityError, match="ct_definition_published_has_version"),
        transaction.atomic(),
    ):
        ContentTypeDefinition.objects.filter(pk=world.content_type.pk).update(status="published")


def test_live_names_are_unique_in_the_database(world):
    clone = ContentTypeDefinition(
        project=world.project,
        name="Article",
        layout_component_id=world.layout.pk,
        package_version="1.0.0",
    )
    with (
        pytest.raises(IntegrityError, match="ct_definition_project_name_unique_live"),
        transaction.atomic(),
    ):
        clone.save()
    clone.status = "deleted"
    clone.save()  # deleted rows do not count


def test_component_names_are_unique_among_live_components(world):
    with (
        pytest.raises(IntegrityError, match="ct_component_project_name_unique_live"),
        transaction.atomic(),
    ):
        ComponentFactory(project=world.project, name="Hero")
    ComponentFactory(project=world.project, name="Hero", status="deleted")


def test_a_package_version_is_unique_in_its_project(world):
    with (
        pytest.raises(IntegrityError, match="ct_package_project_version_unique"),
        transaction.atomic(),
    ):
        Package.objects.create(project=world.project, version="1.0.0")


def test_etag_follows_every_write(world):
    first = world.content_type.etag
    services.content_type_update(
        content_type_id=world.content_type.pk, actor=world.actor, changes={"description": "x"}
    )
    assert world.refresh().etag != first


# --- semver --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    ["0.0.0", "1.2.3", "10.20.30", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7", "1.0.0+20130313"],
)
def test_valid_semantic_versions(value):
    assert semver.is_valid(value)


@pytest.mark.parametrize(
    "value",
    ["1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.3-", "1.2.3-01", "v1.2.3", "1.2.3\n", "", 5],
)
def test_invalid_semantic_versions(value):
    assert not semver.is_valid(value)


def test_semver_precedence():
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.10.0",
        "2.0.0",
    ]
    parsed = [semver.parse(v) for v in ordered]
    assert parsed == sorted(parsed)
    assert all(a < b for a, b in itertools.pairwise(parsed))
    assert semver.parse("1.0.0+a") == semver.parse("1.0.0+b")
