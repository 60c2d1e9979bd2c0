"""Content rows: named constraints, and versions that neither the ORM nor PostgreSQL changes."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from contenttypes_app.models import Content, ContentVersion, ImmutableRecordError
from tests.contenttypes_app.conftest import article

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(world, type_version):
    return Content.objects.create(
        project=world.project,
        type=world.content_type,
        type_version=type_version,
        name="First",
        content=article(),
    )


@pytest.fixture
def content_version(item, type_version, owner):
    return ContentVersion.objects.create(
        content_item=item,
        version=1,
        type_version=type_version,
        name=item.name,
        content=item.content,
        created_by=owner,
    )


def test_a_content_version_refuses_save_and_delete(content_version):
    content_version.content = {"title": "changed"}
    with pytest.raises(ImmutableRecordError):
        content_version.save()
    with pytest.raises(ImmutableRecordError):
        content_version.delete()
    with pytest.raises(ImmutableRecordError):
        ContentVersion.objects.filter(pk=content_version.pk).update(name="x")


@pytest.mark.parametrize("statement", ["UPDATE {t} SET name = 'x'", "DELETE FROM {t}"])
def test_the_database_refuses_raw_changes_of_content_versions(content_version, statement):
    sql = statement.format(t=ContentVersion._meta.db_table)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


def test_one_content_version_per_number(content_version, item, type_version):
    with pytest.raises(IntegrityError), transaction.atomic():
        ContentVersion.objects.create(
            content_item=item, version=1, type_version=type_version, name="again"
        )


def test_a_draft_item_cannot_carry_a_published_version(item):
    item.last_published_version = 1
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()


def test_a_published_item_needs_a_version(item):
    item.status = Content.Status.PUBLISHED
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()
