"""Unknown query parameters answer 400 naming them, on every list endpoint of both families; the
OpenAPI schema lists every parameter the server accepts (issue 14, 4.13)."""

from __future__ import annotations

import uuid

import pytest
from drf_spectacular.generators import SchemaGenerator

from config.query_params import StrictQueryParamsMixin, accepted_query_parameters
from tests.conftest import bearer_client, error_of

pytestmark = pytest.mark.django_db

ID = "0123456789abcdef01234567"
U = uuid.UUID(int=1)


def list_paths(org_id) -> list[str]:
    project = f"/v1/organizations/{org_id}/projects/{U}"
    return [
        "/api/prompts",
        "/api/templates",
        f"/api/prompts/{ID}/versions",
        f"/api/templates/{ID}/versions",
        "/api/marketplace",
        "/api/marketplace/my-published",
        "/api/marketplace/acquired",
        "/api/organizations",
        f"/api/organizations/{org_id}/members",
        f"/api/organizations/{org_id}/api-keys",
        f"/v1/organizations/{org_id}/projects",
        f"{project}/components",
        f"{project}/packages",
        f"{project}/content-types",
        f"{project}/content-types/{U}/versions",
    ]


TAKE_SEARCH = ("/projects", "/components", "/content-types")


@pytest.mark.parametrize("index", range(15))
def test_unknown_query_parameters_are_refused_naming_them(owner, org, index):
    path = list_paths(org.id)[index]
    response = bearer_client(owner).get(f"{path}?search=triage&zzz=1")
    unknown = ["zzz"] if path.endswith(TAKE_SEARCH) else ["search", "zzz"]
    assert response.status_code == 400, (path, response.content)
    error = error_of(response)
    assert error["code"] == "VALIDATION_FAILED"
    assert ("success" in response.json()) is path.startswith("/api/")
    assert error["details"]["fields"] == {name: ["Unknown query parameter."] for name in unknown}
    assert f"Unknown query parameters: {', '.join(unknown)}." in error["message"]


def test_the_parameter_users_confuse_is_named(owner, org):
    response = bearer_client(owner).get("/api/prompts?search=triage")
    error = error_of(response)
    assert error["details"]["fields"] == {"search": ["Unknown query parameter."]}
    assert "q" in error["message"].split("Accepted here: ")[1].rstrip(".").split(", ")


def test_documented_parameters_are_accepted(owner, org):
    client = bearer_client(owner)
    query = "q=x&owner=1&ordering=-name&updatedSince=2026-01-01T00:00:00Z&page=1&limit=5"
    assert client.get(f"/api/prompts?{query}").status_code == 200
    assert client.get(f"/api/templates?{query}&type=email&category=x").status_code == 200
    assert client.get("/api/marketplace?q=x&itemType=prompt&filter=all").status_code == 200
    content_types = f"/v1/organizations/{org.id}/projects/{U}/content-types"
    response = client.get(f"{content_types}?status=draft&search=x&tags=a&sort=name")
    assert response.status_code == 404  # past the query check: the project does not exist


def test_unauthenticated_requests_still_answer_401(anon):
    assert anon.get("/api/prompts?zzz=1").status_code == 401


def _schema_operations():
    generator = SchemaGenerator()
    schema = generator.get_schema(request=None, public=True)
    return schema, generator.endpoints


def test_every_list_operation_of_the_schema_is_strict():
    """A new list view that forgets the mixin fails here (integrators: apply it to new lists)."""
    _schema, endpoints = _schema_operations()
    lists = []
    for path, _regex, method, callback in endpoints:
        if method != "GET":
            continue
        accepted = accepted_query_parameters(callback, "GET") or set()
        if {"page", "cursor"} & set(accepted):
            lists.append(path)
            assert issubclass(callback.cls, StrictQueryParamsMixin), path
    assert len(lists) >= 14


def test_the_server_accepts_exactly_what_the_schema_documents():
    schema, endpoints = _schema_operations()
    for path, _regex, method, callback in endpoints:
        if not issubclass(callback.cls, StrictQueryParamsMixin):
            continue
        operation = next(
            op
            for p, item in schema["paths"].items()
            if p.replace("{id}", "{pk}") == path or p == path
            for m, op in item.items()
            if m == method.lower()
        )
        documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        assert accepted_query_parameters(callback, method) == documented, path
