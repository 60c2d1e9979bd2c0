"""Component lifecycle (status, discard, rollback, versions) and resolved packages (ETag, 304)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contenttypes_app import services
from contenttypes_app.models import Component
from tests.conftest import bearer_client, error_of
from tests.contenttypes_app.factories import ComponentFactory, make_package, view_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(editor):
    return bearer_client(editor)


def comp_url(world, component, suffix=""):
    return f"{world.base}/components/{component.pk}{suffix}"


def state(world, name: str) -> Component:
    """A component of the world's project in the named state, through the services."""
    component = ComponentFactory(project=world.project, name=f"C{name.title().replace('_', '')}")
    kw = {"actor": world.actor, "project_id": world.project.pk, "component_id": component.pk}
    if name in ("published", "modified", "deleted_packaged"):
        make_package(world.actor, world.project, f"1.{Component.objects.count()}.0")
    if name == "modified":
        services.component_update(**kw, changes={"description": "edited"})
    if name in ("deleted", "deleted_packaged"):
        if name == "deleted_packaged":  # only history can hold one: packages make it "in use"
            Component.objects.filter(pk=component.pk).update(status="deleted")
        else:
            services.component_delete(**kw)
    component.refresh_from_db()
    return component


# (state, requested) -> expected status code and resulting status (or error code)
STATUS_MATRIX = [
    ("draft", "deleted", 200, "deleted"),
    ("draft", "draft", 409, "INVALID_STATUS"),
    ("draft", "modified", 409, "INVALID_STATUS"),
    ("draft", "published", 409, "INVALID_STATUS"),
    ("published", "deleted", 409, "COMPONENT_IN_USE"),
    ("published", "published", 409, "INVALID_STATUS"),
    ("modified", "draft", 409, "INVALID_STATUS"),
    ("deleted", "draft", 200, "draft"),
    ("deleted", "modified", 409, "INVALID_STATUS"),
    ("deleted", "published", 409, "INVALID_STATUS"),
    ("deleted", "deleted", 200, "deleted"),
    ("deleted_packaged", "modified", 200, "modified"),
    ("deleted_packaged", "draft", 409, "INVALID_STATUS"),
]


@pytest.mark.parametrize(("start", "requested", "code", "outcome"), STATUS_MATRIX)
def test_status_transitions(world, client, start, requested, code, outcome):
    component = state(world, start)
    response = client.post(comp_url(world, component, "/status"), {"status": requested})
    assert response.status_code == code, response.content
    if code == 200:
        assert response.json()["status"] == outcome
    else:
        assert error_of(response)["code"] == outcome
        component_after = Component.objects.get(pk=component.pk)
        assert component_after.status == component.status  # nothing changed


@pytest.mark.parametrize("value", ["archived", "", None, 3])
def test_an_unknown_status_is_400_with_the_allowed_ones(world, client, value):
    component = state(world, "draft")
    response = client.post(comp_url(world, component, "/status"), {"status": value}, format="json")
    assert response.status_code == 400
    assert error_of(response)["details"] == {
        "provided": value,
        "allowed": ["deleted", "draft", "modified"],
    }


def test_a_type_not_yet_published_with_it_keeps_it(world, client):
    fresh = state(world, "draft")
    services.content_type_update(
        content_type_id=world.content_type.pk,
        actor=world.actor,
        changes={"component_ids_allow_list": [str(fresh.pk)]},
    )
    response = client.post(comp_url(world, fresh, "/status"), {"status": "deleted"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "COMPONENT_IN_USE_BY_DRAFT"
    assert error_of(response)["details"]["contentTypes"] == [
        {"id": str(world.content_type.pk), "name": world.content_type.name}
    ]


def test_discard_goes_back_to_the_last_capture(world, client):
    hero = world.views[0]  # captured by package 1.0.0 as version 1
    services.component_update(
        actor=world.actor,
        project_id=world.project.pk,
        component_id=hero.pk,
        changes={"name": "Banner", "schema": view_schema("title")},
    )
    response = client.post(comp_url(world, hero, "/discard"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["status"], body["version"]) == ("Hero", "published", 1)
    assert body["schema"] == view_schema("heading")
    again = client.post(comp_url(world, hero, "/discard"))
    assert (again.status_code, error_of(again)["code"]) == (409, "INVALID_STATUS")
    never = state(world, "draft")
    refused = client.post(comp_url(world, never, "/discard"))
    assert (refused.status_code, error_of(refused)["code"]) == (409, "NO_PUBLISHED_VERSION")


def test_rollback_makes_a_working_copy_and_versions_list_the_captures(world, client):
    hero = world.views[0]
    kw = {"actor": world.actor, "project_id": world.project.pk, "component_id": hero.pk}
    services.component_update(**kw, changes={"schema": view_schema("title")})
    make_package(world.actor, world.project, "1.1.0")  # hero v2
    make_package(world.actor, world.project, "1.2.0")  # hero still v2
    versions = client.get(comp_url(world, hero, "/versions"))
    assert versions.status_code == 200
    rows = versions.json()["data"]
    assert [(r["version"], r["packageVersions"]) for r in rows] == [
        (2, ["1.1.0", "1.2.0"]),
        (1, ["1.0.0"]),
    ]
    assert versions.json()["pagination"]["total"] == 2
    rolled = client.post(comp_url(world, hero, "/rollback"), {"version": 1}, format="json")
    assert rolled.status_code == 200
    assert (rolled.json()["status"], rolled.json()["schema"]) == (
        "modified",
        view_schema("heading"),
    )
    make_package(world.actor, world.project, "1.3.0")
    hero.refresh_from_db()
    assert (hero.version, hero.status) == (3, "published")
    unknown = client.post(comp_url(world, hero, "/rollback"), {"version": 9}, format="json")
    assert unknown.status_code == 404
    assert error_of(unknown)["details"] == {"requestedVersion": 9, "latestVersion": 3}
    bad = client.post(comp_url(world, hero, "/rollback"), {"version": "1"}, format="json")
    assert bad.status_code == 400


def test_versions_cost_one_query_a_page_whatever_the_packages(world, editor):
    from publishing.tenancy import actor_for

    hero = world.views[0]
    counts = []
    for n in range(2):
        make_package(world.actor, world.project, f"2.{n}.0")
        client = bearer_client(editor)
        actor_for(editor, world.organization)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(comp_url(world, hero, "/versions")).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_viewers_and_other_organizations_cannot_change_components(world, viewer, stranger):
    hero = world.views[0]
    assert bearer_client(viewer).post(comp_url(world, hero, "/discard")).status_code == 403
    assert bearer_client(viewer).get(comp_url(world, hero, "/versions")).status_code == 200
    outsider = bearer_client(stranger)
    for suffix in ("/discard", "/status", "/rollback"):
        assert outsider.post(comp_url(world, hero, suffix), {}).status_code == 404
    assert outsider.get(comp_url(world, hero, "/versions")).status_code == 404


# --- resolved packages -------------------------------------------------------------------------
def test_a_released_package_resolves_with_a_strong_etag_and_304(world, viewer):
    client = bearer_client(viewer)
    url = f"{world.base}/packages/1.0.0/resolved"
    response = client.get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "1.0.0"
    names = [c["name"] for c in body["components"]]
    assert names == sorted(names)
    hero = next(c for c in body["components"] if c["name"] == "Hero")
    assert set(hero) == {"id", "name", "type", "version", "schema", "definition", "assets"}
    assert hero["assets"] == []
    assert hero["definition"]["properties"]["type"] == {"const": "Hero"}
    etag = response["ETag"]
    assert etag.startswith('"')  # strong: no W/ prefix
    assert "immutable" in response["Cache-Control"]
    with CaptureQueriesContext(connection) as ctx:
        cached = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert cached.status_code == 304
    assert cached["ETag"] == etag
    assert not cached.content
    assert len(ctx.captured_queries) <= 6, [q["sql"][:80] for q in ctx.captured_queries]
    assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_the_draft_package_resolves_the_live_components(world, viewer):
    client = bearer_client(viewer)
    url = f"{world.base}/packages/draft/resolved"
    first = client.get(url)
    assert first.status_code == 200
    assert first.json()["version"] == "draft"
    assert first["Cache-Control"] == "private, no-cache"
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    ComponentFactory(project=world.project, name="Quote")
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    quote = next(c for c in changed.json()["components"] if c["name"] == "Quote")
    assert quote["version"] is None
    assert changed["ETag"] != first["ETag"]


@pytest.mark.parametrize("version", ["9.9.9", "not-a-version"])
def test_an_unknown_package_is_404(world, viewer, version):
    response = bearer_client(viewer).get(f"{world.base}/packages/{version}/resolved")
    assert response.status_code == 404
    assert error_of(response)["code"] == "PACKAGE_NOT_FOUND"


def test_another_organization_cannot_resolve(world, stranger):
    response = bearer_client(stranger).get(f"{world.base}/packages/1.0.0/resolved")
    assert response.status_code == 404
