"""Projects, components and packages under ``/v1/organizations/{id}/projects``."""

from __future__ import annotations

import uuid

import pytest

from contenttypes_app.models import Component, Package, PackageComponent, Project
from tests.conftest import bearer_client, error_of
from tests.contenttypes_app.factories import ComponentFactory, ProjectFactory

pytestmark = pytest.mark.django_db


# --- projects ------------------------------------------------------------------------------------
def test_project_crud(org, editor, owner):
    client = bearer_client(editor)
    base = f"/v1/organizations/{org.pk}/projects"
    created = client.post(base, {"name": "Docs Site", "description": "Docs"})
    assert created.status_code == 201, created.content
    project = created.json()
    assert project["slug"] == "docs-site"
    assert project["organizationId"] == str(org.pk)

    url = f"{base}/{project['id']}"
    assert client.get(url).json()["name"] == "Docs Site"
    updated = client.put(url, {"name": "Docs", "slug": "docs"})
    assert updated.status_code == 200
    assert (updated.json()["name"], updated.json()["slug"]) == ("Docs", "docs")

    listing = client.get(base).json()
    assert [p["name"] for p in listing["data"]] == ["Docs"]
    assert listing["pagination"]["total"] == 1

    assert client.delete(url).status_code == 403  # editors do not delete projects
    response = bearer_client(owner).delete(url)
    assert response.status_code == 200
    assert response.json() == {"message": "Project deleted.", "id": project["id"]}
    assert not Project.objects.exists()


def test_project_slug_is_unique_per_organization(org, other_org, editor, stranger):
    base = f"/v1/organizations/{org.pk}/projects"
    client = bearer_client(editor)
    assert client.post(base, {"name": "Site", "slug": "site"}).status_code == 201
    response = client.post(base, {"name": "Other", "slug": "site"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "ALREADY_EXISTS"
    # A derived slug steps aside instead (for another name: names are unique too).
    assert client.post(base, {"name": "Site!"}).json()["slug"] == "site-2"
    # Another organization may use the same slug.
    other = bearer_client(stranger).post(
        f"/v1/organizations/{other_org.pk}/projects", {"name": "Site", "slug": "site"}
    )
    assert other.status_code == 201


def test_project_name_is_unique_per_organization(org, other_org, editor, stranger):
    # Issue 14 (4.14): a second "Newcomer Site" quietly became newcomer-site-2 with the same name.
    base = f"/v1/organizations/{org.pk}/projects"
    client = bearer_client(editor)
    first = client.post(base, {"name": "Newcomer Site"})
    assert (first.status_code, first.json()["slug"]) == (201, "newcomer-site")
    again = client.post(base, {"name": "Newcomer Site"})
    assert again.status_code == 409
    error = error_of(again)
    assert error["code"] == "ALREADY_EXISTS"
    assert error["details"] == {"name": "Newcomer Site"}
    explicit_slug = client.post(base, {"name": "Newcomer Site", "slug": "elsewhere"})
    assert error_of(explicit_slug)["details"] == {"name": "Newcomer Site"}
    assert Project.objects.filter(organization=org).count() == 1
    # Exact comparison, as for component names; another organization has its own names.
    assert client.post(base, {"name": "newcomer site"}).status_code == 201
    other = bearer_client(stranger).post(
        f"/v1/organizations/{other_org.pk}/projects", {"name": "Newcomer Site"}
    )
    assert other.status_code == 201


def test_renaming_a_project_to_a_taken_name_is_409(org, editor):
    base = f"/v1/organizations/{org.pk}/projects"
    client = bearer_client(editor)
    client.post(base, {"name": "Blog"})
    shop = client.post(base, {"name": "Shop"}).json()
    response = client.put(f"{base}/{shop['id']}", {"name": "Blog"})
    assert response.status_code == 409
    assert error_of(response)["details"] == {"name": "Blog"}
    assert client.put(f"{base}/{shop['id']}", {"name": "Shop"}).status_code == 200
    assert Project.objects.get(pk=shop["id"]).name == "Shop"


def test_the_database_refuses_a_duplicate_project_name(org):
    from django.db import IntegrityError, transaction

    Project.objects.create(organization=org, name="Twin", slug="twin")
    with pytest.raises(IntegrityError, match="ct_project_org_name_unique"), transaction.atomic():
        Project.objects.create(organization=org, name="Twin", slug="twin-2")


@pytest.mark.parametrize(
    "body", [{"name": 1}, {"name": "x", "slug": "Not A Slug"}, {"name": "x", "extra": 1}, {}]
)
def test_bad_project_input_is_400(org, editor, body):
    response = bearer_client(editor).post(f"/v1/organizations/{org.pk}/projects", body)
    assert response.status_code == 400
    assert not Project.objects.exists()


def test_a_project_with_history_cannot_be_deleted(world, owner):
    response = bearer_client(owner).delete(world.base)
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "PROJECT_NOT_EMPTY"
    assert error["details"] == {"packages": 1, "contentTypes": 1}


def test_unknown_or_foreign_organizations_are_404(org, editor, other_org):
    client = bearer_client(editor)
    assert client.get(f"/v1/organizations/{other_org.pk}/projects").status_code == 404
    assert client.get(f"/v1/organizations/{uuid.uuid4()}/projects").status_code == 404
    project = ProjectFactory(organization=other_org)
    assert client.get(f"/v1/organizations/{org.pk}/projects/{project.pk}").status_code == 404


# --- components ----------------------------------------------------------------------------------
def test_component_lifecycle(world, editor):
    client = bearer_client(editor)
    base = f"{world.base}/components"
    schema = {"type": "object", "properties": {"quote": {"type": "string"}}}
    created = client.post(base, {"name": "Quote", "type": "view", "schema": schema})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["version"]) == ("draft", None)

    url = f"{base}/{body['id']}"
    assert client.put(url, {"description": "A quote"}).json()["status"] == "draft"
    assert client.post(f"{world.base}/packages", {"version": "1.1.0"}).status_code == 201
    after_package = client.get(url).json()
    assert (after_package["status"], after_package["version"]) == ("published", 1)
    modified = client.put(url, {"schema": {"type": "object", "properties": {}}}).json()
    assert (modified["status"], modified["version"]) == ("modified", 1)
    assert client.post(f"{world.base}/packages", {"version": "1.2.0"}).status_code == 201
    bumped = client.get(url).json()
    assert (bumped["status"], bumped["version"]) == ("published", 2)


def test_component_names_are_unique_in_the_project(world, editor):
    response = bearer_client(editor).post(
        f"{world.base}/components", {"name": "Hero", "type": "view"}
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "ALREADY_EXISTS"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Quote", "type": "widget"}, "type"),
        ({"name": "2fast", "type": "view"}, "name"),
        ({"name": "Quote", "type": "view", "schema": []}, "schema"),
        ({"name": "Quote", "type": "view", "schema": {"type": "string"}}, "schema"),
        ({"name": "Quote", "type": "view", "schema": {"type": 5}}, "schema"),
        ({"name": "Quote", "type": "view", "schema": {"$ref": "#/x"}}, "schema"),
        (
            {"name": "Quote", "type": "view", "schema": {"properties": {"type": {}}}},
            "schema",
        ),
        ({"name": "Quote", "type": "view", "version": 3}, "version"),
    ],
)
def test_bad_component_input_is_400(world, editor, body, field):
    before = Component.objects.count()
    response = bearer_client(editor).post(f"{world.base}/components", body)
    assert response.status_code == 400, response.content
    assert field in error_of(response)["details"]["fields"]
    assert Component.objects.count() == before


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["ArticleLayout", "Draft", "Hero", "Image", "RichText"]),
        ("type=layout", ["ArticleLayout"]),
        ("status=draft", ["Draft"]),
        ("status=published&type=view", ["Hero", "Image", "RichText"]),
        ("search=text", ["RichText"]),
    ],
)
def test_component_list_filters(world, viewer, query, expected):
    ComponentFactory(project=world.project, name="Draft")
    response = bearer_client(viewer).get(f"{world.base}/components?{query}")
    assert response.status_code == 200
    assert [c["name"] for c in response.json()["data"]] == expected


def test_component_list_rejects_unknown_enum_values(world, viewer):
    response = bearer_client(viewer).get(f"{world.base}/components?type=widget")
    assert response.status_code == 400
    assert "type" in error_of(response)["details"]["fields"]


def test_a_packaged_component_is_in_use(world, editor):
    response = bearer_client(editor).delete(f"{world.base}/components/{world.views[0].pk}")
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "COMPONENT_IN_USE"
    assert error["details"] == {"referencedByPackages": ["1.0.0"]}


def test_a_component_referenced_by_a_live_type_is_in_use(world, editor):
    from contenttypes_app import services

    fresh = ComponentFactory(project=world.project, name="Fresh")
    services.content_type_update(
        content_type_id=world.content_type.pk,
        actor=world.actor,
        changes={"component_ids_allow_list": [{"id": "g", "componentIds": [str(fresh.pk)]}]},
    )
    client = bearer_client(editor)
    response = client.delete(f"{world.base}/components/{fresh.pk}")
    assert response.status_code == 409
    assert error_of(response)["code"] == "COMPONENT_IN_USE_BY_DRAFT"
    assert error_of(response)["details"] == {
        "contentTypes": [{"id": str(world.content_type.pk), "name": "Article"}],
    }
    services.content_type_change_status(
        content_type_id=world.content_type.pk, actor=world.actor, status="deleted"
    )
    response = client.delete(f"{world.base}/components/{fresh.pk}")
    assert response.status_code == 200
    assert Component.objects.get(pk=fresh.pk).status == "deleted"
    # Deleted components leave the list, free their name and stay out of new packages.
    assert "Fresh" not in [c["name"] for c in client.get(f"{world.base}/components").json()["data"]]
    assert (
        client.post(f"{world.base}/components", {"name": "Fresh", "type": "view"}).status_code
        == 201
    )
    assert client.put(f"{world.base}/components/{fresh.pk}", {"name": "X"}).status_code == 409


# --- packages ------------------------------------------------------------------------------------
def test_package_snapshot(world, viewer):
    response = bearer_client(viewer).get(f"{world.base}/packages/1.0.0")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "1.0.0"
    assert [c["name"] for c in body["components"]] == ["ArticleLayout", "Hero", "Image", "RichText"]
    assert all(c["version"] == 1 for c in body["components"])
    assert body["components"][1]["schema"]["properties"]["heading"] == {"type": "string"}


def test_package_list_newest_first(world, editor):
    client = bearer_client(editor)
    client.post(f"{world.base}/packages", {"version": "1.0.1", "metadata": {"note": "fix"}})
    body = client.get(f"{world.base}/packages").json()
    assert [p["version"] for p in body["data"]] == ["1.0.1", "1.0.0"]
    assert body["data"][0]["metadata"] == {"note": "fix"}
    assert body["data"][0]["componentCount"] == 4
    assert body["data"][0]["createdBy"] == editor.email


def test_the_draft_package_shows_live_components(world, viewer):
    ComponentFactory(project=world.project, name="Unreleased")
    body = bearer_client(viewer).get(f"{world.base}/packages/draft").json()
    assert body["version"] == "draft"
    assert body["id"] is None
    names = [c["name"] for c in body["components"]]
    assert "Unreleased" in names
    assert next(c for c in body["components"] if c["name"] == "Unreleased")["version"] is None


def test_an_unknown_package_is_404(world, viewer):
    response = bearer_client(viewer).get(f"{world.base}/packages/3.0.0")
    assert response.status_code == 404
    assert error_of(response)["code"] == "PACKAGE_NOT_FOUND"


def test_an_existing_version_is_a_conflict(world, editor):
    response = bearer_client(editor).post(f"{world.base}/packages", {"version": "1.0.0"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "VERSION_EXISTS"
    assert Package.objects.count() == 1


@pytest.mark.parametrize(
    "version", ["1.0", "v1.1.0", "01.1.0", "1.1.0-01", "draft", "0.9.0", "1.0.0-rc.1", "1.0.0+b"]
)
def test_invalid_or_not_greater_versions_are_refused(world, editor, version):
    response = bearer_client(editor).post(f"{world.base}/packages", {"version": version})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "INVALID_VERSION"
    assert error["details"]["version"] == version
    assert Package.objects.count() == 1


@pytest.mark.parametrize("version", ["1.0.1", "1.1.0-alpha", "2.0.0", "1.0.1+build.5"])
def test_greater_versions_are_accepted(world, editor, version):
    response = bearer_client(editor).post(f"{world.base}/packages", {"version": version})
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("body", [{"version": 1}, {"version": "2.0.0", "metadata": []}, {}])
def test_bad_package_input_is_400(world, editor, body):
    response = bearer_client(editor).post(f"{world.base}/packages", body)
    assert response.status_code == 400
    assert error_of(response)["code"] == "VALIDATION_FAILED"


def test_creating_a_package_bumps_only_changed_components(world, editor):
    client = bearer_client(editor)
    client.put(f"{world.base}/components/{world.views[1].pk}", {"description": "changed"})
    client.post(f"{world.base}/packages", {"version": "1.1.0"})
    captured = {
        pc.name: pc.version for pc in PackageComponent.objects.filter(package__version="1.1.0")
    }
    assert captured == {"ArticleLayout": 1, "Hero": 1, "Image": 1, "RichText": 2}
