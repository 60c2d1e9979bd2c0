"""``POST …/content-types/{id}/publish``: the reference contract, validation and its errors."""

from __future__ import annotations

import datetime as dt

import pytest
from jsonschema import Draft7Validator

from contenttypes_app import services
from contenttypes_app.models import Component, ContentTypeDefinition, ContentTypeVersion
from publishing.models import AuditEvent
from tests.conftest import bearer_client, error_of
from tests.contenttypes_app.conftest import drive
from tests.contenttypes_app.factories import ComponentFactory, make_package

pytestmark = pytest.mark.django_db

REFERENCE_KEYS = [
    "id",
    "name",
    "description",
    "status",
    "version",
    "lastPublishedVersion",
    "layoutComponentId",
    "componentIdsAllowList",
    "packageVersion",
    "schema",
    "templateContentIds",
    "permissions",
    "metadata",
    "createdAt",
    "updatedAt",
]


def _iso(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_publish_answers_the_reference_object(world, owner):
    # Shape the draft like the reference example: tags, an author (template ids must name template
    # content of the type, which a never-published type cannot have: test_content_templates.py).
    services.content_type_update(
        content_type_id=world.content_type.pk,
        actor=world.actor,
        changes={
            "description": "Standard article content type...",
            "author": "author@example.com",
            "tags": ["article"],
        },
    )
    response = bearer_client(owner).post(world.ct_url(suffix="/publish"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert list(body) == REFERENCE_KEYS
    assert body["id"] == str(world.content_type.pk)
    assert body["name"] == "Article"
    assert body["description"] == "Standard article content type..."
    assert body["status"] == "published"
    assert body["version"] == 1
    assert body["lastPublishedVersion"] == 1
    assert body["layoutComponentId"] == str(world.layout.pk)
    assert body["componentIdsAllowList"] == [str(v.pk) for v in world.views]
    assert body["packageVersion"] == "1.0.0"
    assert body["schema"]["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert body["templateContentIds"] == []
    assert body["permissions"] == {
        "roles": [],
        "users": [],
        "publish": {"roles": [], "users": []},
    }
    assert list(body["metadata"]) == ["author", "tags", "publishedAt", "publishedBy"]
    assert body["metadata"]["author"] == "author@example.com"
    assert body["metadata"]["tags"] == ["article"]
    assert body["metadata"]["publishedBy"] == str(owner.pk)
    published_at = _iso(body["metadata"]["publishedAt"])
    assert abs((dt.datetime.now(dt.UTC) - published_at).total_seconds()) < 60
    assert _iso(body["updatedAt"]) >= _iso(body["createdAt"])
    assert response["ETag"] == world.refresh().etag
    assert "success" not in body


def test_publish_writes_one_immutable_version_and_an_audit_event(world, owner):
    response = bearer_client(owner).post(world.ct_url(suffix="/publish"))
    assert response.status_code == 200

    version = ContentTypeVersion.objects.get(definition=world.content_type)
    assert version.version == 1
    assert version.package_version == "1.0.0"
    assert version.published_by == owner
    assert version.schema == response.json()["schema"]
    assert version.name == "Article"
    event = AuditEvent.objects.get(action="contenttypes.content_type.publish")
    assert event.target_id == str(world.content_type.pk)
    assert event.details["version"] == 1
    assert event.actor_user == owner


def test_published_schema_is_valid_draft7_and_validates_documents(world, owner):
    schema = bearer_client(owner).post(world.ct_url(suffix="/publish")).json()["schema"]
    Draft7Validator.check_schema(schema)
    validator = Draft7Validator(schema)
    good = {"title": "Hello", "body": [{"type": "Hero", "heading": "Hi"}]}
    assert not list(validator.iter_errors(good))
    assert list(validator.iter_errors({"title": "x", "body": [{"type": "Unknown"}]}))


@pytest.mark.parametrize(("state", "expected_version"), [("modified", 2), ("unpublished", 2)])
def test_republishing_increments_the_version(world, owner, state, expected_version):
    drive(world, state)
    response = bearer_client(owner).post(world.ct_url(suffix="/publish"))
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["version"], body["lastPublishedVersion"]) == (
        "published",
        expected_version,
        expected_version,
    )
    versions = ContentTypeVersion.objects.filter(definition=world.content_type)
    assert sorted(versions.values_list("version", flat=True)) == [1, 2]


def test_publishing_an_unchanged_published_type_is_a_no_op(world, owner, published):
    before = world.refresh()
    response = bearer_client(owner).post(world.ct_url(suffix="/publish"))
    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert ContentTypeVersion.objects.filter(definition=world.content_type).count() == 1
    after = world.refresh()
    assert after.revision == before.revision
    assert AuditEvent.objects.filter(action="contenttypes.content_type.publish").count() == 1


def test_publishing_a_deleted_type_answers_the_reference_error(world, owner):
    drive(world, "deleted")
    response = bearer_client(owner).post(world.ct_url(suffix="/publish"))
    assert response.status_code == 409
    # The reference's body, plus the empty ``details`` every error of both families carries.
    assert response.json() == {
        "error": {
            "code": "INVALID_STATUS",
            "message": "Cannot publish content type with status: deleted",
            "details": {},
        }
    }
    assert not ContentTypeVersion.objects.exists()


def test_components_outside_the_package_answer_the_reference_error(world, owner):
    late = ComponentFactory(project=world.project, name="Late")  # not in package 1.0.0
    later = ComponentFactory(project=world.project, name="Later")
    services.content_type_update(
        content_type_id=world.content_type.pk,
        actor=world.actor,
        changes={"component_ids_allow_list": [str(world.views[0].pk), str(later.pk), str(late.pk)]},
    )
    response = bearer_client(owner).post(world.ct_url(suffix="/publish"))
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "VALIDATION_FAILED"
    assert error["message"] == (
        "Content type references components not in the specified package version"
    )
    assert error["details"]["invalidComponentIds"] == sorted([str(later.pk), str(late.pk)])
    assert world.refresh().status == "draft"
    assert not ContentTypeVersion.objects.exists()


def test_grouped_components_are_checked_too(world, owner):
    late = ComponentFactory(project=world.project, name="Late")
    services.content_type_update(
        content_type_id=world.content_type.pk,
        actor=world.actor,
        changes={
            "component_ids_allow_list": [
                {"id": "media", "componentIds": [str(world.views[2].pk), str(late.pk)]}
            ]
        },
    )
    response = bearer_client(owner).post(world.ct_url(suffix="/publish"))
    assert response.status_code == 422
    assert error_of(response)["details"]["invalidComponentIds"] == [str(late.pk)]


def test_a_layout_missing_from_the_package_is_an_invalid_component(world, owner):
    new_layout = ComponentFactory(project=world.project, name="NewLayout", type="layout")
    services.content_type_update(
        content_type_id=world.content_type.pk,
        actor=world.actor,
        changes={"layout_component_id": new_layout.pk},
    )
    response = bearer_client(owner).post(world.ct_url(suffix="/publish"))
    assert response.status_code == 422
    assert error_of(response)["details"]["invalidComponentIds"] == [str(new_layout.pk)]


def test_a_layout_that_is_a_view_is_refused(world, owner):
    services.content_type_update(
        content_type_id=world.content_type.pk,
        actor=world.actor,
        changes={"layout_component_id": world.views[0].pk},
    )
    response = bearer_client(owner).post(world.ct_url(suffix="/publish"))
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "VALIDATION_FAILED"
    assert error["details"] == {"layoutComponentId": str(world.views[0].pk), "type": "view"}


def test_the_draft_package_version_cannot_be_published(world, owner):
    services.content_type_set_package_version(
        content_type_id=world.content_type.pk, actor=world.actor, package_version="draft"
    )
    response = bearer_client(owner).post(world.ct_url(suffix="/publish"))
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "VALIDATION_FAILED"
    assert error["details"] == {"packageVersion": "draft"}


def test_a_missing_package_version_answers_package_not_found(world, owner):
    ContentTypeDefinition.objects.filter(pk=world.content_type.pk).update(package_version="9.9.9")
    response = bearer_client(owner).post(world.ct_url(suffix="/publish"))
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "PACKAGE_NOT_FOUND"
    assert error["details"] == {"packageVersion": "9.9.9"}


@pytest.mark.parametrize(
    ("allow_list", "details"),
    [
        (
            lambda v: [{"id": "g", "componentIds": [v[0]]}, {"id": "g", "componentIds": [v[1]]}],
            {"duplicateGroupIds": ["g"]},
        ),
        (lambda v: [v[0], {"id": "empty", "componentIds": []}], {"emptyGroupIds": ["empty"]}),
    ],
    ids=["duplicate-group-ids", "empty-group"],
)
def test_groups_need_unique_ids_and_members(world, owner, allow_list, details):
    ids = [str(v.pk) for v in world.views]
    services.content_type_update(
        content_type_id=world.content_type.pk,
        actor=world.actor,
        changes={"component_ids_allow_list": allow_list(ids)},
    )
    response = bearer_client(owner).post(world.ct_url(suffix="/publish"))
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "VALIDATION_FAILED"
    assert error["details"] == details
    assert not ContentTypeVersion.objects.exists()


def test_validation_runs_in_the_documented_order(world, owner):
    # Package missing AND components invalid: the package error comes first (step 2 before 3).
    late = ComponentFactory(project=world.project, name="Late")
    ContentTypeDefinition.objects.filter(pk=world.content_type.pk).update(
        package_version="9.9.9", component_ids_allow_list=[str(late.pk)]
    )
    response = bearer_client(owner).post(world.ct_url(suffix="/publish"))
    assert error_of(response)["code"] == "PACKAGE_NOT_FOUND"


def test_publishing_against_a_later_package_uses_its_component_schemas(world, owner, published):
    hero = world.views[0]
    services.component_update(
        actor=world.actor,
        project_id=world.project.pk,
        component_id=hero.pk,
        changes={"schema": {"type": "object", "properties": {"tagline": {"type": "string"}}}},
    )
    make_package(world.actor, world.project, "1.1.0")
    client = bearer_client(owner)
    client.put(world.ct_url(suffix="/package-version"), {"packageVersion": "1.1.0"})
    body = client.post(world.ct_url(suffix="/publish")).json()
    assert body["version"] == 2
    hero_schema = body["schema"]["definitions"]["Hero"]
    assert "tagline" in hero_schema["properties"]
    assert hero_schema["x-componentVersion"] == 2
    v1 = ContentTypeVersion.objects.get(definition=world.content_type, version=1)
    assert "heading" in v1.schema["definitions"]["Hero"]["properties"]  # history unchanged


def test_publish_sends_its_signal_only_after_commit(
    world, owner, django_capture_on_commit_callbacks
):
    from contenttypes_app.signals import content_type_published

    received = []

    def receiver(**kwargs):
        received.append((kwargs["content_type_id"], kwargs["version"]))

    content_type_published.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            bearer_client(owner).post(world.ct_url(suffix="/publish"))
        assert received == []  # not inside the transaction
        for callback in callbacks:
            callback()
        assert received == [(world.content_type.pk, 1)]
    finally:
        content_type_published.disconnect(receiver)


def test_live_components_are_not_what_a_package_captured(world, owner):
    # Editing a component after the package does not change what publish validates against.
    Component.objects.filter(pk=world.views[0].pk).update(schema={"type": "object"})
    body = bearer_client(owner).post(world.ct_url(suffix="/publish")).json()
    assert "heading" in body["schema"]["definitions"]["Hero"]["properties"]


def test_a_slot_for_an_undefined_group_is_refused(world, owner):
    services.component_update(
        actor=world.actor,
        project_id=world.project.pk,
        component_id=world.layout.pk,
        changes={
            "schema": {"type": "object", "properties": {"aside": {"type": "array", "x-slot": "g"}}}
        },
    )
    make_package(world.actor, world.project, "1.1.0")
    services.content_type_set_package_version(
        content_type_id=world.content_type.pk, actor=world.actor, package_version="1.1.0"
    )
    response = bearer_client(owner).post(world.ct_url(suffix="/publish"))
    assert response.status_code == 422
    assert error_of(response)["details"] == {"unknownSlotGroups": ["g"]}


def test_the_unique_version_constraint_is_the_backstop(world, owner):
    # A row that the definition's counter does not know about (written behind the service's back)
    # makes the insert collide: the answer is a 409 CONFLICT, not a 500, and nothing changes.
    from django.utils import timezone

    ContentTypeVersion.objects.create(
        definition=world.content_type,
        version=1,
        name="stray",
        layout_component_id=world.layout.pk,
        package_version="1.0.0",
        schema={},
        published_at=timezone.now(),
        published_by=owner,
    )
    response = bearer_client(owner).post(world.ct_url(suffix="/publish"))
    assert response.status_code == 409
    assert error_of(response)["code"] == "CONFLICT"
    ct = world.refresh()
    assert (ct.status, ct.version) == ("draft", None)
    assert not AuditEvent.objects.filter(action="contenttypes.content_type.publish").exists()


def test_a_failing_signal_receiver_does_not_fail_the_publish(
    world, owner, django_capture_on_commit_callbacks
):
    from contenttypes_app.signals import content_type_published

    calls = []

    def broken(**kwargs):
        calls.append(kwargs["version"])
        raise RuntimeError("webhook down")

    content_type_published.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = bearer_client(owner).post(world.ct_url(suffix="/publish"))
    finally:
        content_type_published.disconnect(broken)
    assert calls == [1]
    assert response.status_code == 200
    assert world.refresh().status == "published"
