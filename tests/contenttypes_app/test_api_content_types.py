"""Content type endpoints other than publish: create, read, list, update, ETag, package version,
versions, rollback, discard, status and delete; bad input."""

from __future__ import annotations

import json
import uuid

import pytest

from contenttypes_app import services
from contenttypes_app.models import ContentTypeDefinition, ContentTypeVersion
from tests.conftest import bearer_client, error_of
from tests.contenttypes_app.conftest import drive
from tests.contenttypes_app.factories import ComponentFactory, make_content_type, make_package

pytestmark = pytest.mark.django_db


def create_body(world, **overrides):
    body = {
        "name": "Landing Page",
        "layoutComponentId": str(world.layout.pk),
        "componentIdsAllowList": [
            str(world.views[0].pk),
            {"id": "media", "name": "Media", "componentIds": [str(world.views[2].pk)]},
        ],
        "packageVersion": "1.0.0",
    }
    body.update(overrides)
    return body


# --- create --------------------------------------------------------------------------------------
def test_create_answers_a_draft_without_version(world, editor):
    response = bearer_client(editor).post(f"{world.base}/content-types", create_body(world))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["version"] is None
    assert body["lastPublishedVersion"] is None
    assert body["schema"] is None
    assert body["componentIdsAllowList"][1] == {
        "id": "media",
        "name": "Media",
        "componentIds": [str(world.views[2].pk)],
    }
    assert body["metadata"] == {
        "author": editor.email,
        "tags": [],
        "publishedAt": None,
        "publishedBy": None,
    }
    ct = ContentTypeDefinition.objects.get(pk=body["id"])
    assert response["ETag"] == ct.etag
    assert {str(i) for i in ct.component_ids} == {
        str(world.layout.pk),
        str(world.views[0].pk),
        str(world.views[2].pk),
    }


def test_create_accepts_every_optional_field(world, owner):
    body = create_body(
        world,
        description="Landing pages",
        templateContentIds=["t1", "t2"],
        permissions={"roles": ["editor"], "publish": {"roles": ["editor"], "users": ["x@y.z"]}},
        metadata={"author": "someone@example.com", "tags": ["marketing", "web"]},
    )
    response = bearer_client(owner).post(f"{world.base}/content-types", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["templateContentIds"] == ["t1", "t2"]
    assert data["permissions"] == {
        "roles": ["editor"],
        "users": [],
        "publish": {"roles": ["editor"], "users": ["x@y.z"]},
    }
    assert data["metadata"]["author"] == "someone@example.com"
    assert data["metadata"]["tags"] == ["marketing", "web"]


def test_name_is_unique_among_live_types_of_the_project(world, editor):
    client = bearer_client(editor)
    response = client.post(f"{world.base}/content-types", create_body(world, name="Article"))
    assert response.status_code == 409
    assert error_of(response)["code"] == "ALREADY_EXISTS"
    # Once the other is deleted, the name is free again.
    drive(world, "deleted")
    response = client.post(f"{world.base}/content-types", create_body(world, name="Article"))
    assert response.status_code == 201


def test_restoring_a_type_whose_name_was_taken_is_a_conflict(world, owner):
    drive(world, "deleted")
    make_content_type(world.actor, world.project, world.layout, world.views, name="Article")
    response = bearer_client(owner).post(world.ct_url(suffix="/status"), {"status": "draft"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "ALREADY_EXISTS"
    assert world.refresh().status == "deleted"


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"name": 5}, "name"),
        ({"name": ""}, "name"),
        ({"layoutComponentId": "not-a-uuid"}, "layoutComponentId"),
        ({"layoutComponentId": 12}, "layoutComponentId"),
        ({"componentIdsAllowList": "abc"}, "componentIdsAllowList"),
        ({"componentIdsAllowList": ["nope"]}, "componentIdsAllowList.0"),
        ({"componentIdsAllowList": [7]}, "componentIdsAllowList.0"),
        ({"componentIdsAllowList": [{"id": "g"}]}, "componentIdsAllowList.0.componentIds"),
        (
            {"componentIdsAllowList": [{"id": "g", "componentIds": [], "extra": 1}]},
            "componentIdsAllowList.0.extra",
        ),
        ({"packageVersion": "v1"}, "packageVersion"),
        ({"packageVersion": 1}, "packageVersion"),
        ({"templateContentIds": "t1"}, "templateContentIds"),
        ({"permissions": {"publish": {"roles": ["emperor"]}}}, "permissions.publish.roles.0"),
        ({"permissions": {"admins": []}}, "permissions.admins"),
        ({"metadata": {"tags": "one"}}, "metadata.tags"),
        ({"metadata": {"publishedAt": "2024-01-01T00:00:00Z"}}, "metadata.publishedAt"),
        ({"status": "published"}, "status"),
        ({"unknown": True}, "unknown"),
    ],
)
def test_bad_create_input_is_a_400_and_writes_nothing(world, editor, override, field):
    before = ContentTypeDefinition.objects.count()
    response = bearer_client(editor).post(
        f"{world.base}/content-types", create_body(world, **override)
    )
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == "VALIDATION_FAILED"
    assert field in error["details"]["fields"], error
    assert ContentTypeDefinition.objects.count() == before


def foreign_component(other_org):
    """A component of another organization's project."""
    return ComponentFactory(project__organization=other_org, name="Theirs")


@pytest.mark.parametrize(
    "where",
    [
        lambda world, theirs: {"layoutComponentId": str(theirs.pk)},
        lambda world, theirs: {"componentIdsAllowList": [str(world.views[0].pk), str(theirs.pk)]},
        lambda world, theirs: {
            "componentIdsAllowList": [{"id": "g", "componentIds": [str(theirs.pk)]}]
        },
        lambda world, theirs: {"componentIdsAllowList": [str(uuid.UUID(int=999))]},
    ],
    ids=["layout", "plain", "grouped", "unknown"],
)
def test_create_refuses_components_outside_the_project(world, editor, other_org, where):
    theirs = foreign_component(other_org)
    body = create_body(world, **where(world, theirs))
    before = ContentTypeDefinition.objects.count()

    response = bearer_client(editor).post(f"{world.base}/content-types", body)

    assert response.status_code == 404, response.content
    error = error_of(response)
    assert error["code"] == "NOT_FOUND"
    assert error["message"] == "Components not found in this project."
    assert len(error["details"]["componentIds"]) == 1
    assert ContentTypeDefinition.objects.count() == before


def test_update_refuses_components_outside_the_project(world, editor, other_org):
    theirs = foreign_component(other_org)
    before = world.content_type.component_ids_allow_list
    response = bearer_client(editor).put(
        world.ct_url(), {"componentIdsAllowList": [str(theirs.pk)]}
    )
    assert response.status_code == 404
    assert error_of(response)["details"] == {"componentIds": [str(theirs.pk)]}
    ct = world.refresh()
    assert ct.component_ids_allow_list == before
    assert ct.status == "draft"


def test_deleted_components_of_the_project_may_stay_referenced(world, editor):
    """An older package can still hold a component deleted since."""
    gone = ComponentFactory(project=world.project, name="Gone", status="deleted")
    response = bearer_client(editor).put(world.ct_url(), {"componentIdsAllowList": [str(gone.pk)]})
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("missing", ["name", "layoutComponentId", "componentIdsAllowList"])
def test_required_fields_are_named(world, editor, missing):
    body = create_body(world)
    del body[missing]
    response = bearer_client(editor).post(f"{world.base}/content-types", body)
    assert response.status_code == 400
    assert missing in error_of(response)["details"]["fields"]


def test_malformed_json_and_non_object_bodies_are_400(world, editor):
    client = bearer_client(editor)
    url = f"{world.base}/content-types"
    broken = client.generic("POST", url, '{"name": ', content_type="application/json")
    assert broken.status_code == 400
    assert "error" in broken.json()
    array = client.generic("POST", url, json.dumps([1]), content_type="application/json")
    assert array.status_code == 400
    assert error_of(array)["code"] == "VALIDATION_FAILED"


def test_malformed_ids_in_the_path_are_not_found(world, owner):
    response = bearer_client(owner).get(f"{world.base}/content-types/not-a-uuid")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


# --- read ----------------------------------------------------------------------------------------
def test_get_answers_the_full_object_with_an_etag(world, viewer, published):
    response = bearer_client(viewer).get(world.ct_url())
    assert response.status_code == 200
    body = response.json()
    assert body["schema"]["type"] == "object"
    assert response["ETag"] == published.etag


def test_unknown_content_type_is_404(world, viewer):
    response = bearer_client(viewer).get(f"{world.base}/content-types/{uuid.uuid4()}")
    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"


def test_a_content_type_is_not_found_under_another_project(world, owner):
    from tests.contenttypes_app.factories import ProjectFactory

    other = ProjectFactory(organization=world.organization)
    url = f"/v1/organizations/{world.organization.pk}/projects/{other.pk}"
    response = bearer_client(owner).get(f"{url}/content-types/{world.content_type.pk}")
    assert response.status_code == 404


# --- list ----------------------------------------------------------------------------------------
@pytest.fixture
def catalogue(world):
    """Article (draft, from the world), plus four more in several statuses."""
    a = world.actor
    make = make_content_type
    news = make(a, world.project, world.layout, world.views, name="News", tags=["news", "web"])
    services.content_type_publish(content_type_id=news.pk, actor=a)
    make(a, world.project, world.layout, [], name="Blog", description="Long reads", tags=["web"])
    gone = make(a, world.project, world.layout, [], name="Gone")
    services.content_type_change_status(content_type_id=gone.pk, actor=a, status="deleted")
    make(a, world.project, world.layout, [], name="Zebra")
    return world


def names(response):
    return [item["name"] for item in response.json()["data"]]


def test_list_omits_schema_and_deleted_types(catalogue, viewer):
    response = bearer_client(viewer).get(f"{catalogue.base}/content-types?sort=name")
    assert response.status_code == 200
    body = response.json()
    assert names(response) == ["Article", "Blog", "News", "Zebra"]
    assert all("schema" not in item for item in body["data"])
    assert body["pagination"] == {"page": 1, "limit": 20, "total": 4, "pages": 1}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=published", ["News"]),
        ("status=deleted", ["Gone"]),
        ("status=draft&sort=-name", ["Zebra", "Blog", "Article"]),
        ("search=long", ["Blog"]),
        ("search=NEW", ["News"]),
        ("tags=web&sort=name", ["Blog", "News"]),
        ("tags=web,news", ["News"]),
        ("tags=web&tags=news", ["News"]),
        ("tags=absent", []),
        ("sort=createdAt", ["Article", "News", "Blog", "Zebra"]),
        ("sort=-createdAt", ["Zebra", "Blog", "News", "Article"]),
        ("sort=-updatedAt&limit=1", ["Zebra"]),
        ("sort=name&limit=2&page=2", ["News", "Zebra"]),
    ],
)
def test_list_filters_and_sorts(catalogue, viewer, query, expected):
    response = bearer_client(viewer).get(f"{catalogue.base}/content-types?{query}")
    assert response.status_code == 200, response.content
    assert names(response) == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=archived", "status"),
        ("sort=size", "sort"),
        ("page=0", "page"),
        ("limit=500", "limit"),
    ],
)
def test_bad_list_parameters_are_400(world, viewer, query, field):
    response = bearer_client(viewer).get(f"{world.base}/content-types?{query}")
    assert response.status_code == 400
    assert field in error_of(response)["details"]["fields"]


# --- update and ETag -----------------------------------------------------------------------------
def test_update_is_partial_and_returns_a_new_etag(world, editor):
    client = bearer_client(editor)
    etag = client.get(world.ct_url())["ETag"]
    response = client.put(
        world.ct_url(),
        {"description": "New words", "metadata": {"tags": ["a", "b", "a"]}},
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["description"] == "New words"
    assert body["metadata"]["tags"] == ["a", "b"]
    assert body["name"] == "Article"  # untouched
    assert response["ETag"] != etag


def test_a_stale_if_match_is_412_and_changes_nothing(world, editor):
    client = bearer_client(editor)
    stale = client.get(world.ct_url())["ETag"]
    client.put(world.ct_url(), {"description": "first"})
    response = client.put(world.ct_url(), {"description": "second"}, HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    error = error_of(response)
    assert error["code"] == "PRECONDITION_FAILED"
    assert error["details"]["currentETag"] == world.refresh().etag
    assert world.content_type.description == "first"


def test_if_match_star_and_lists_match(world, editor):
    client = bearer_client(editor)
    etag = client.get(world.ct_url())["ETag"]
    assert client.put(world.ct_url(), {"description": "x"}, HTTP_IF_MATCH="*").status_code == 200
    etag = client.get(world.ct_url())["ETag"]
    response = client.put(world.ct_url(), {"description": "y"}, HTTP_IF_MATCH=f'"old", {etag}')
    assert response.status_code == 200


def test_if_match_guards_publish_too(world, owner):
    response = bearer_client(owner).post(world.ct_url(suffix="/publish"), HTTP_IF_MATCH='"nope"')
    assert response.status_code == 412
    assert world.refresh().status == "draft"


def test_an_update_that_changes_nothing_keeps_a_published_type_published(world, editor, published):
    response = bearer_client(editor).put(world.ct_url(), {"name": "Article"})
    assert response.status_code == 200
    assert response.json()["status"] == "published"


def test_update_refuses_the_package_version_and_the_status(world, editor):
    client = bearer_client(editor)
    response = client.put(world.ct_url(), {"packageVersion": "1.0.0"})
    assert response.status_code == 400
    assert "package-version" in error_of(response)["details"]["fields"]["packageVersion"][0]
    response = client.put(world.ct_url(), {"status": "published"})
    assert response.status_code == 400


def test_update_to_a_taken_name_is_a_conflict(world, editor):
    make_content_type(world.actor, world.project, world.layout, [], name="Other")
    response = bearer_client(editor).put(world.ct_url(), {"name": "Other"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "ALREADY_EXISTS"


# --- package version -----------------------------------------------------------------------------
def test_package_version_must_exist(world, editor):
    response = bearer_client(editor).put(
        world.ct_url(suffix="/package-version"), {"packageVersion": "2.0.0"}
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "PACKAGE_NOT_FOUND"
    assert world.refresh().package_version == "1.0.0"


def test_package_version_must_hold_every_component(world, editor):
    late = ComponentFactory(project=world.project, name="Late")
    services.content_type_update(
        content_type_id=world.content_type.pk,
        actor=world.actor,
        changes={"component_ids_allow_list": [str(late.pk)]},
    )
    client = bearer_client(editor)
    response = client.put(world.ct_url(suffix="/package-version"), {"packageVersion": "1.0.0"})
    assert response.status_code == 422
    assert error_of(response)["details"]["invalidComponentIds"] == [str(late.pk)]
    # The draft package (the live components) has it.
    response = client.put(world.ct_url(suffix="/package-version"), {"packageVersion": "draft"})
    assert response.status_code == 200
    assert response.json()["packageVersion"] == "draft"
    make_package(world.actor, world.project, "1.0.1")
    response = client.put(world.ct_url(suffix="/package-version"), {"packageVersion": "1.0.1"})
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["1.0", 100, None, "latest"])
def test_package_version_input_is_validated(world, editor, value):
    response = bearer_client(editor).put(
        world.ct_url(suffix="/package-version"), {"packageVersion": value}
    )
    assert response.status_code == 400
    assert "packageVersion" in error_of(response)["details"]["fields"]


# --- versions and rollback -----------------------------------------------------------------------
@pytest.fixture
def three_versions(world):
    a = world.actor
    kw = {"content_type_id": world.content_type.pk, "actor": a}
    services.content_type_publish(**kw)
    for name in ("Article v2", "Article v3"):
        services.content_type_update(**kw, changes={"name": name})
        services.content_type_publish(**kw)
    return world


def test_versions_are_listed_newest_first_without_schema(three_versions, viewer):
    response = bearer_client(viewer).get(three_versions.ct_url(suffix="/versions?limit=2"))
    assert response.status_code == 200
    body = response.json()
    assert [v["version"] for v in body["data"]] == [3, 2]
    assert body["pagination"] == {"page": 1, "limit": 2, "total": 3, "pages": 2}
    assert all("schema" not in v for v in body["data"])
    assert body["data"][0]["name"] == "Article v3"


def test_one_version_in_full(three_versions, viewer):
    response = bearer_client(viewer).get(three_versions.ct_url(suffix="/versions/2"))
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 2
    assert body["name"] == "Article v2"
    assert body["schema"]["title"] == "Article v2"
    assert body["contentTypeId"] == str(three_versions.content_type.pk)
    assert body["rolledBackFrom"] is None


def test_an_unknown_version_answers_version_not_found(three_versions, viewer):
    response = bearer_client(viewer).get(three_versions.ct_url(suffix="/versions/7"))
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "VERSION_NOT_FOUND"
    assert error["details"] == {"requestedVersion": 7, "latestVersion": 3}


@pytest.mark.parametrize("bad", ["0", "abc", "1.5", "-1"])
def test_a_malformed_version_number_is_400(three_versions, viewer, bad):
    response = bearer_client(viewer).get(three_versions.ct_url(suffix=f"/versions/{bad}"))
    assert response.status_code == 400


def test_rollback_publishes_a_new_version_with_the_old_definition(three_versions, owner):
    world = three_versions
    response = bearer_client(owner).post(world.ct_url(suffix="/rollback"), {"version": 1})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["status"], body["version"]) == ("Article", "published", 4)
    v4 = ContentTypeVersion.objects.get(definition=world.content_type, version=4)
    v1 = ContentTypeVersion.objects.get(definition=world.content_type, version=1)
    assert v4.rolled_back_from == 1
    assert v4.schema == v1.schema
    assert body["schema"] == v1.schema


def test_rollback_to_a_missing_version(three_versions, owner):
    response = bearer_client(owner).post(three_versions.ct_url(suffix="/rollback"), {"version": 9})
    assert response.status_code == 404
    assert error_of(response)["details"] == {"requestedVersion": 9, "latestVersion": 3}


@pytest.mark.parametrize("body", [{"version": "1"}, {"version": 0}, {}, {"version": 1, "x": 1}])
def test_rollback_input_is_validated(three_versions, owner, body):
    response = bearer_client(owner).post(three_versions.ct_url(suffix="/rollback"), body)
    assert response.status_code == 400
    assert ContentTypeVersion.objects.count() == 3


# --- discard, status, delete ---------------------------------------------------------------------
def test_discard_restores_the_last_published_definition(world, editor, published):
    client = bearer_client(editor)
    client.put(world.ct_url(), {"name": "Renamed", "metadata": {"tags": ["x"]}})
    response = client.post(world.ct_url(suffix="/discard"))
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["status"], body["version"]) == ("Article", "published", 1)
    assert body["metadata"]["tags"] == []


@pytest.mark.parametrize("value", ["published", "unpublished", "archived", 3, None, ["deleted"]])
def test_a_bad_status_value_answers_provided_and_allowed(world, owner, value):
    response = bearer_client(owner).post(world.ct_url(suffix="/status"), {"status": value})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "VALIDATION_FAILED"
    assert error["details"] == {"provided": value, "allowed": ["deleted", "draft", "modified"]}
    assert world.refresh().status == "draft"


def test_status_body_must_be_an_object_without_extra_fields(world, owner):
    client = bearer_client(owner)
    response = client.post(world.ct_url(suffix="/status"), {"status": "deleted", "why": "x"})
    assert response.status_code == 400
    assert "why" in error_of(response)["details"]["fields"]
    array = client.generic(
        "POST", world.ct_url(suffix="/status"), "[1]", content_type="application/json"
    )
    assert array.status_code == 400
    assert world.refresh().status == "draft"


def test_delete_is_soft_and_answers_message_and_id(world, owner, published):
    response = bearer_client(owner).delete(world.ct_url())
    assert response.status_code == 200
    assert response.json() == {"message": "Content type deleted.", "id": str(world.content_type.pk)}
    ct = world.refresh()
    assert ct.status == "deleted"
    assert ContentTypeVersion.objects.filter(definition=ct).count() == 1


def test_a_deleted_published_type_comes_back_modified_then_unpublished_on_discard(world, owner):
    drive(world, "deleted_published")
    client = bearer_client(owner)
    assert client.post(world.ct_url(suffix="/status"), {"status": "modified"}).status_code == 200
    response = client.post(world.ct_url(suffix="/discard"))
    assert response.status_code == 200
    assert response.json()["status"] == "unpublished"  # never live again without a publish


def test_the_allow_list_is_bounded(world, editor):
    many = [str(uuid.uuid4()) for _ in range(1001)]
    groups = [{"id": "a", "componentIds": many[:600]}, {"id": "b", "componentIds": many[600:]}]
    response = bearer_client(editor).post(
        f"{world.base}/content-types", create_body(world, componentIdsAllowList=groups)
    )
    assert response.status_code == 400
    assert "componentIdsAllowList" in error_of(response)["details"]["fields"]
