"""Content services: the status machine, schema validation, locking, migration, templates."""

from __future__ import annotations

import pytest

from config.errors import DomainError
from contenttypes_app import services
from contenttypes_app.content_schema import MAX_ERRORS
from contenttypes_app.models import Content, ContentVersion
from tests.contenttypes_app.conftest import article

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(world, published):
    return services.content_create(
        actor=world.actor,
        project_id=world.project.pk,
        type_id=published.pk,
        name="First",
        content=article(),
    )


def kw(world, item):
    return {"actor": world.actor, "content_id": item.pk}


def drive_item(world, item, state: str) -> Content:
    k = kw(world, item)
    if state != "draft" and state != "deleted_draft":
        services.content_publish(**k)
    if state == "modified":
        services.content_update(**k, changes={"description": "edited"})
    if state == "unpublished":
        services.content_unpublish(**k)
    if state in ("deleted", "deleted_draft"):
        services.content_delete(**k)
    item.refresh_from_db()
    return item


def code(exc_info) -> tuple[int, str]:
    return exc_info.value.status_code, exc_info.value.code


def test_create_makes_a_draft_locked_to_the_last_published_type_version(item, published):
    assert item.status == "draft"
    assert item.version is None
    assert item.type_version.version == published.last_published_version
    assert item.metadata["author"]


# state → (status after publish, version after publish, error code or None)
PUBLISH = {
    "draft": ("published", 1, None),
    "published": ("published", 1, None),
    "modified": ("published", 2, None),
    "unpublished": ("published", 2, None),
    "deleted": (None, None, "INVALID_STATUS"),
}


@pytest.mark.parametrize("state", list(PUBLISH))
def test_publish_matrix(world, item, state):
    item = drive_item(world, item, state)
    status, version, error = PUBLISH[state]
    if error:
        with pytest.raises(DomainError) as exc:
            services.content_publish(**kw(world, item))
        assert code(exc) == (409, error)
        return
    result = services.content_publish(**kw(world, item))
    assert (result.status, result.version) == (status, version)
    assert ContentVersion.objects.filter(content_item=item).count() == version


UNPUBLISH_OK = {"published"}
DISCARD_OK = {"modified"}


@pytest.mark.parametrize("state", ["draft", "published", "modified", "unpublished", "deleted"])
def test_unpublish_matrix(world, item, state):
    item = drive_item(world, item, state)
    if state in UNPUBLISH_OK:
        assert services.content_unpublish(**kw(world, item)).status == "unpublished"
        return
    with pytest.raises(DomainError) as exc:
        services.content_unpublish(**kw(world, item))
    assert code(exc) == (409, "INVALID_STATUS")
    assert exc.value.message == "Cannot unpublish: content is not currently published"


@pytest.mark.parametrize("state", ["draft", "published", "modified", "unpublished", "deleted"])
def test_discard_matrix(world, item, state):
    item = drive_item(world, item, state)
    if state in DISCARD_OK:
        result = services.content_discard(**kw(world, item))
        assert (result.status, result.description) == ("published", "edited")
        return
    with pytest.raises(DomainError) as exc:
        services.content_discard(**kw(world, item))
    assert exc.value.status_code == 409


def test_discard_restores_the_published_content(world, item):
    drive_item(world, item, "published")
    services.content_update(**kw(world, item), changes={"content": article("Changed")})
    result = services.content_discard(**kw(world, item))
    assert result.content["title"] == "Hello"
    assert result.status == "published"


@pytest.mark.parametrize(
    ("state", "restore", "expected"),
    [("deleted_draft", "draft", "draft"), ("deleted", "modified", "modified")],
)
def test_deleted_content_is_restorable(world, item, state, restore, expected):
    item = drive_item(world, item, state)
    assert item.status == "deleted"
    assert services.content_change_status(**kw(world, item), status=restore).status == expected


def test_a_published_item_becomes_modified_on_update(world, item):
    drive_item(world, item, "published")
    result = services.content_update(**kw(world, item), changes={"name": "Renamed"})
    assert result.status == "modified"


def test_schema_errors_list_every_path(world, item):
    bad = {"title": 5, "body": [{"type": "Hero"}], "extra": True}
    with pytest.raises(DomainError) as exc:
        services.content_update(**kw(world, item), changes={"content": bad})
    assert code(exc) == (422, "VALIDATION_FAILED")
    assert exc.value.message == "Content does not match schema"
    paths = {e["path"] for e in exc.value.details["errors"]}
    assert "/title" in paths
    assert "" in paths  # the additional property is reported at the root
    assert all(e["message"] for e in exc.value.details["errors"])


def test_schema_errors_are_capped(world, published):
    from contenttypes_app.content_schema import schema_errors

    version = published.versions.get(version=1)
    doc = {"title": "x", "body": [{"type": "Hero", "heading": 1}] * (MAX_ERRORS + 20)}
    assert len(schema_errors(version.pk, doc)) == MAX_ERRORS


def test_create_refuses_unknown_and_unpublished_types(world):
    base = {"actor": world.actor, "project_id": world.project.pk, "name": "x", "content": {}}
    import uuid

    missing = uuid.uuid4()
    with pytest.raises(DomainError) as exc:
        services.content_create(**base, type_id=missing)
    assert code(exc) == (404, "CONTENT_TYPE_NOT_FOUND")
    assert exc.value.details == {"typeId": str(missing)}
    with pytest.raises(DomainError) as exc:
        services.content_create(**base, type_id=world.content_type.pk)  # a draft type
    assert code(exc) == (409, "INVALID_STATUS")


@pytest.mark.parametrize("type_action", ["unpublish", "delete"])
def test_publish_refused_while_the_type_is_withdrawn(world, item, type_action):
    k = {"actor": world.actor, "content_type_id": world.content_type.pk}
    if type_action == "unpublish":
        services.content_type_unpublish(**k)
    else:
        services.content_type_update(**k, changes={"description": "x"})
        Content.objects.filter(pk=item.pk).update(status="deleted")
        services.content_type_delete(**k)
        Content.objects.filter(pk=item.pk).update(status="draft")
    with pytest.raises(DomainError) as exc:
        services.content_publish(**kw(world, item))
    assert code(exc) == (409, "INVALID_STATUS")


def republish_type(world, description="v2"):
    k = {"actor": world.actor, "content_type_id": world.content_type.pk}
    services.content_type_update(**k, changes={"description": description})
    return services.content_type_publish(**k)


def test_republishing_the_type_keeps_content_locked(world, item):
    republish_type(world)
    item.refresh_from_db()
    assert item.type_version.version == 1
    newer = services.content_create(
        actor=world.actor,
        project_id=world.project.pk,
        type_id=world.content_type.pk,
        name="Second",
        content=article(),
    )
    assert newer.type_version.version == 2


def test_migrate_up_and_refused_down(world, item):
    drive_item(world, item, "published")
    republish_type(world)
    result = services.content_migrate(**kw(world, item), target_type_version=2)
    assert (result.type_version.version, result.status) == (2, "modified")
    with pytest.raises(DomainError) as exc:
        services.content_migrate(**kw(world, item), target_type_version=1)
    assert code(exc) == (422, "INVALID_MIGRATION")
    assert exc.value.details == {"currentVersion": 2, "targetVersion": 1}
    with pytest.raises(DomainError) as exc:
        services.content_migrate(**kw(world, item), target_type_version=9)
    assert code(exc) == (404, "TYPE_VERSION_NOT_FOUND")


def test_rollback_makes_a_working_copy(world, item):
    drive_item(world, item, "published")
    services.content_update(**kw(world, item), changes={"content": article("Two")})
    services.content_publish(**kw(world, item))
    result = services.content_rollback(**kw(world, item), version=1)
    assert (result.status, result.version, result.content["title"]) == ("modified", 2, "Hello")
    assert result.metadata["rolledBackFrom"] == 1
    assert ContentVersion.objects.filter(content_item=item).count() == 2
    with pytest.raises(DomainError) as exc:
        services.content_rollback(**kw(world, item), version=7)
    assert code(exc) == (404, "VERSION_NOT_FOUND")
    assert exc.value.details == {"requestedVersion": 7, "latestVersion": 2}


def test_a_type_with_content_cannot_be_deleted(world, item):
    with pytest.raises(DomainError) as exc:
        services.content_type_delete(actor=world.actor, content_type_id=world.content_type.pk)
    assert code(exc) == (409, "CONTENT_TYPE_HAS_CONTENT")
    assert exc.value.details == {"contentCount": 1}
    services.content_delete(**kw(world, item))
    services.content_type_delete(actor=world.actor, content_type_id=world.content_type.pk)


def test_template_ids_must_name_template_content_of_the_type(world, item):
    k = {"actor": world.actor, "content_type_id": world.content_type.pk}
    with pytest.raises(DomainError) as exc:
        services.content_type_update(**k, changes={"template_content_ids": [str(item.pk), "x"]})
    assert code(exc) == (422, "VALIDATION_FAILED")
    assert exc.value.details == {"invalidTemplateContentIds": [str(item.pk), "x"]}
    services.content_update(**kw(world, item), changes={"is_template": True})
    result = services.content_type_update(**k, changes={"template_content_ids": [str(item.pk)]})
    assert result.template_content_ids == [str(item.pk)]
    services.content_update(**kw(world, item), changes={"is_template": False})
    with pytest.raises(DomainError) as exc:
        services.content_type_publish(**k)
    assert exc.value.details == {"invalidTemplateContentIds": [str(item.pk)]}


def test_viewers_cannot_write_content(world, item, org, viewer):
    from publishing.tenancy import actor_for

    with pytest.raises(DomainError) as exc:
        services.content_update(
            actor=actor_for(viewer, org), content_id=item.pk, changes={"name": "x"}
        )
    assert exc.value.status_code == 403
