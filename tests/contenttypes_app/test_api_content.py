"""The /v1 content API: shapes, filters, errors, If-Match, versions, tenancy, query counts."""

from __future__ import annotations

import uuid

import pytest

from contenttypes_app import services
from tests.conftest import bearer_client
from tests.contenttypes_app.conftest import article

pytestmark = pytest.mark.django_db

KEYS = [
    "id",
    "typeId",
    "typeVersion",
    "packageVersion",
    "name",
    "description",
    "status",
    "version",
    "lastPublishedVersion",
    "isTemplate",
    "content",
    "tags",
    "metadata",
    "createdAt",
    "updatedAt",
    "schedule",
]


@pytest.fixture
def client(owner):
    return bearer_client(owner)


def url(world, suffix=""):
    return f"{world.base}/content{suffix}"


def create(client, world, published, **extra):
    body = {"typeId": str(published.pk), "name": "Hello", "content": article(), **extra}
    response = client.post(url(world), body, format="json")
    assert response.status_code == 201, response.content
    return response


def test_create_answers_the_object_with_an_etag(client, world, published):
    response = create(client, world, published, tags=["news"], metadata={"locale": "en"})
    body = response.json()
    assert list(body) == KEYS
    assert body["status"] == "draft"
    assert body["version"] is None
    assert body["typeVersion"] == 1
    assert body["packageVersion"] == "1.0.0"
    assert body["metadata"]["locale"] == "en"
    assert set(body["metadata"]) == {
        "author",
        "locale",
        "publishedAt",
        "publishedBy",
        "rolledBackFrom",
    }
    assert response.headers["ETag"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "content": {}}, "typeId"),
        ({"typeId": "nope", "name": "x", "content": {}}, "typeId"),
        ({"name": "x", "content": [], "typeId": str(uuid.uuid4())}, "content"),
        ({"name": "x", "content": {}, "typeId": str(uuid.uuid4()), "status": "x"}, "status"),
    ],
)
def test_create_refuses_malformed_bodies(client, world, body, field):
    response = client.post(url(world), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]["fields"]


def test_create_with_content_outside_the_schema_lists_the_errors(client, world, published):
    body = {"typeId": str(published.pk), "name": "x", "content": {"body": "no"}}
    response = client.post(url(world), body, format="json")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_FAILED"
    assert error["message"] == "Content does not match schema"
    assert {"path": "/body", "message": "'no' is not of type 'array'"} in error["details"]["errors"]


def test_create_with_an_unknown_type_is_404(client, world):
    missing = str(uuid.uuid4())
    body = {"typeId": missing, "name": "x", "content": {}}
    response = client.post(url(world), body, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "CONTENT_TYPE_NOT_FOUND"
    assert response.json()["error"]["details"] == {"typeId": missing}


def test_list_filters_and_omits_content(client, world, published):
    a = create(client, world, published, name="Alpha", tags=["news", "top"]).json()
    create(client, world, published, name="Beta", tags=["news"], isTemplate=True)
    response = client.get(url(world), {"tags": "news,top"})
    assert response.status_code == 200
    body = response.json()
    assert [i["id"] for i in body["data"]] == [a["id"]]
    assert "content" not in body["data"][0]
    assert body["pagination"] == {
        "page": 1,
        "limit": 20,
        "total": 1,
        "pages": 1,
        "nextCursor": None,
    }
    names = [i["name"] for i in client.get(url(world), {"sort": "name"}).json()["data"]]
    assert names == ["Alpha", "Beta"]
    templates = client.get(url(world), {"isTemplate": "true"}).json()["data"]
    assert [i["name"] for i in templates] == ["Beta"]
    assert client.get(url(world), {"search": "alp"}).json()["pagination"]["total"] == 1
    assert client.get(url(world), {"typeId": str(uuid.uuid4())}).json()["data"] == []
    assert client.get(url(world), {"status": "published"}).json()["data"] == []
    assert client.get(url(world), {"typeId": "x"}).status_code == 400
    assert client.get(url(world), {"bogus": "1"}).status_code == 400


def test_the_whole_life_of_an_item(client, world, published):
    item = create(client, world, published).json()
    detail = url(world, f"/{item['id']}")
    published_item = client.post(f"{detail}/publish").json()
    assert (published_item["status"], published_item["version"]) == ("published", 1)
    assert published_item["metadata"]["publishedAt"]
    edited = client.put(detail, {"content": article("Two")}, format="json").json()
    assert edited["status"] == "modified"
    assert client.post(f"{detail}/publish").json()["version"] == 2
    unpublished = client.post(f"{detail}/unpublish")
    assert unpublished.json()["status"] == "unpublished"
    again = client.post(f"{detail}/unpublish")
    assert again.status_code == 409
    assert again.json()["error"] == {
        "code": "INVALID_STATUS",
        "message": "Cannot unpublish: content is not currently published",
        "details": {},
    }
    rolled = client.post(f"{detail}/rollback", {"version": 1}, format="json").json()
    assert (rolled["status"], rolled["metadata"]["rolledBackFrom"]) == ("modified", 1)
    versions = client.get(f"{detail}/versions").json()
    assert [v["version"] for v in versions["data"]] == [2, 1]
    assert set(versions["data"][0]) == {
        "version",
        "typeVersion",
        "status",
        "content",
        "createdAt",
        "createdBy",
    }
    assert client.get(f"{detail}/versions/1").json()["content"]["title"] == "Hello"
    missing = client.get(f"{detail}/versions/9")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "VERSION_NOT_FOUND"
    assert missing.json()["error"]["details"] == {"requestedVersion": 9, "latestVersion": 2}
    assert client.get(f"{detail}/versions/abc").status_code == 400
    assert client.delete(detail).status_code == 200
    assert client.post(f"{detail}/publish").status_code == 409
    restored = client.post(f"{detail}/status", {"status": "modified"}, format="json")
    assert restored.json()["status"] == "modified"
    assert client.post(f"{detail}/discard").json()["status"] == "unpublished"


def test_migrate_over_http(client, world, published):
    item = create(client, world, published).json()
    detail = url(world, f"/{item['id']}")
    kw = {"content_type_id": published.pk, "actor": world.actor}
    services.content_type_update(**kw, changes={"description": "v2"})
    services.content_type_publish(**kw)
    response = client.post(f"{detail}/migrate", {"targetTypeVersion": 2}, format="json")
    assert response.status_code == 200
    assert response.json()["typeVersion"] == 2
    down = client.post(f"{detail}/migrate", {"targetTypeVersion": 1}, format="json")
    assert down.status_code == 422
    assert down.json()["error"]["code"] == "INVALID_MIGRATION"
    unknown = client.post(f"{detail}/migrate", {"targetTypeVersion": 5}, format="json")
    assert unknown.json()["error"]["code"] == "TYPE_VERSION_NOT_FOUND"
    assert (
        client.post(f"{detail}/migrate", {"targetTypeVersion": "2"}, format="json").status_code
        == 400
    )


def test_if_match_refuses_a_stale_write(client, world, published):
    response = create(client, world, published)
    detail = url(world, f"/{response.json()['id']}")
    etag = response.headers["ETag"]
    ok = client.put(detail, {"name": "B"}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200
    assert ok.headers["ETag"] != etag
    stale = client.put(detail, {"name": "C"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["error"]["details"] == {"currentETag": ok.headers["ETag"]}
    assert client.post(f"{detail}/publish", HTTP_IF_MATCH=etag).status_code == 412


def test_another_organization_sees_nothing(client, world, published, stranger, other_org):
    item = create(client, world, published).json()
    theirs = bearer_client(stranger)
    base = f"/v1/organizations/{other_org.pk}/projects/{world.project.pk}/content"
    assert theirs.get(f"{base}/{item['id']}").status_code == 404
    assert theirs.get(base).status_code == 404
    assert theirs.post(f"{base}/{item['id']}/publish").status_code == 404
    # their own organization's id in the URL, our item: still not found
    assert theirs.get(url(world, f"/{item['id']}")).status_code in (403, 404)


def test_viewers_read_but_do_not_write(world, published, viewer, client):
    item = create(client, world, published).json()
    theirs = bearer_client(viewer)
    assert theirs.get(url(world, f"/{item['id']}")).status_code == 200
    assert theirs.put(url(world, f"/{item['id']}"), {"name": "x"}, format="json").status_code == 403
    assert theirs.post(url(world, f"/{item['id']}/publish")).status_code == 403


def test_type_publish_permissions_decide_who_publishes_content(world, published, editor, client):
    item = create(client, world, published).json()
    services.content_type_update(
        content_type_id=published.pk,
        actor=world.actor,
        changes={"permissions": {"publish": {"roles": ["owner"]}}},
    )
    response = bearer_client(editor).post(url(world, f"/{item['id']}/publish"))
    assert response.status_code == 403
    assert client.post(url(world, f"/{item['id']}/publish")).status_code == 200


def test_deleting_a_type_with_content_is_refused(client, world, published):
    create(client, world, published)
    response = client.delete(world.ct_url(published))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "CONTENT_TYPE_HAS_CONTENT"
    assert response.json()["error"]["details"] == {"contentCount": 1}


@pytest.mark.parametrize("count", [1, 15])
def test_queries_per_request_are_constant(
    client, world, published, count, django_assert_max_num_queries
):
    for n in range(count):
        item = services.content_create(
            actor=world.actor,
            project_id=world.project.pk,
            type_id=published.pk,
            name=f"n{n}",
            content=article(),
        )
        services.content_publish(actor=world.actor, content_id=item.pk)
    with django_assert_max_num_queries(8):
        assert client.get(url(world)).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(url(world, f"/{item.pk}/versions")).status_code == 200
    services.content_update(
        actor=world.actor, content_id=item.pk, changes={"content": article("x")}
    )
    with django_assert_max_num_queries(16):
        assert client.post(url(world, f"/{item.pk}/publish")).status_code == 200
