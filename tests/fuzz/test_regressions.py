"""What the schema fuzzer found, pinned down one example each (the fuzzer itself is random)."""

from __future__ import annotations

import pytest

from tests.conftest import bearer_client, error_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    ["/api/prompts/0/render", "/api/templates/0/versions", "/api/marketplace/publish"],
)
def test_options_answers_allow_not_a_500(owner, path):
    response = bearer_client(owner).options(path)
    assert response.status_code == 200  # was a 405 whose Allow listed OPTIONS (issue 14, 4.5)
    assert "OPTIONS" in response["Allow"]
    assert response.content == b""


def _schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


@pytest.mark.parametrize("path", ["/api/prompts", "/api/templates"])
def test_item_lists_are_documented_as_one_page_envelope(path):
    schema = _schema()
    ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    data = _resolve(schema, ok["schema"])["properties"]["data"]
    items = _resolve(schema, data["properties"]["items"]["items"])
    assert "success" not in items["properties"]  # an item, not another envelope
    assert {"id", "name", "body"} <= set(items["properties"])


def test_api_key_timestamps_are_documented_nullable():
    key = _schema()["components"]["schemas"]["APIKeyOutput"]["properties"]
    assert key["lastUsedAt"]["nullable"] is True
    assert key["revokedAt"]["nullable"] is True


def test_optional_query_parameters_are_documented_as_allowing_empty_values():
    parameters = _schema()["paths"]["/api/marketplace/my-published"]["get"]["parameters"]
    assert {p["name"]: p.get("allowEmptyValue") for p in parameters if p["in"] == "query"} == {
        "scope": True,
        "status": True,
        "itemType": True,
        "page": True,
        "limit": True,
    }


@pytest.mark.parametrize(
    "query",
    [
        "/api/marketplace/my-published?limit=&page=&itemType=&scope=&status=",
        "/api/marketplace?limit=&cursor=&itemType=&sort=&filter=&q=",
        "/api/prompts?limit=&owner=&updatedSince=&ordering=",
    ],
)
def test_empty_query_values_mean_absent(owner, query):
    assert bearer_client(owner).get(query).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "updatedSince=0001-01-01T00:00:00%2B01:00",  # year 0 in UTC
        "updatedSince=9999-12-31T23:00:00-05:00",  # year 10000 in UTC
        "owner=-2.0788067141514264e%2B16",
        "owner=99999999999999999999",
        "owner=NaN",
        "owner=1e400",
    ],
)
def test_item_filters_refuse_values_the_database_cannot_compare(owner, query):
    response = bearer_client(owner).get(f"/api/templates?{query}")
    assert response.status_code == 400, response.content
    assert error_of(response)["code"] == "VALIDATION_FAILED"


def test_updated_since_accepts_any_utc_offset_python_can_read(owner):
    # PostgreSQL refuses offsets beyond ±15:59; the filter converts to UTC first.
    query = "updatedSince=0200-04-04T20%3A31%3A46.497-22%3A44"
    assert bearer_client(owner).get(f"/api/prompts?{query}").status_code == 200


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "s?search=a%00b", None),
        ("get", "s/{project}/content-types?tags=a%00b", None),
        ("get", "s/{project}/packages/1.0.0%00", None),
        ("post", "s/{project}/packages", {"version": "2.0.0", "metadata": {"a": "\x00"}}),
        ("post", "s/{project}/packages", {"version": "2.0.0", "metadata": {"\x00": 1}}),
        (
            "post",
            "s/{project}/components",
            {"name": "Nul", "type": "view", "schema": {"properties": {"a": {"title": "\x00"}}}},
        ),
    ],
)
def test_nul_bytes_in_the_content_api_are_a_400_or_404(world, method, suffix, body):
    base = f"/v1/organizations/{world.home.org_id}/project"
    path = base + suffix.format(project=world.home.project_id)
    client = bearer_client(world.users["owner"])
    response = client.get(path) if body is None else client.post(path, body, format="json")
    assert response.status_code in (400, 404), response.content
    assert error_of(response)["code"] in ("VALIDATION_FAILED", "PACKAGE_NOT_FOUND")


@pytest.mark.parametrize("depth", [101, 100_000])
def test_deeply_nested_json_is_a_400_not_a_500(owner, depth):
    body = "[" * depth + "]" * depth
    response = bearer_client(owner).generic(
        "POST", "/api/prompts", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert "nested deeper" in error_of(response)["message"]


def test_json_nested_within_the_limit_reaches_validation(owner):
    body = '{"name": "x", "body": "y", "description": ' + "[" * 99 + "]" * 99 + "}"
    response = bearer_client(owner).generic(
        "POST", "/api/prompts", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "description" in error_of(response)["details"]["fields"]


def test_strict_request_bodies_are_documented_as_closed():
    components = _schema()["components"]["schemas"]
    assert components["PromptWriteRequest"]["additionalProperties"] is False
    assert components["PublishInputRequest"]["additionalProperties"] is False
    assert components["ScopeInputRequest"]["additionalProperties"] is False


def test_object_ids_and_numbers_in_paths_are_documented_with_their_bounds():
    paths = _schema()["paths"]
    restore = paths["/api/prompts/{id}/versions/{number}/restore"]["post"]["parameters"]
    by_name = {p["name"]: p["schema"] for p in restore}
    assert by_name["id"] == {"type": "string", "pattern": "^[0-9a-f]{24}$"}
    assert by_name["number"] == {"type": "integer", "minimum": 1, "maximum": 999_999_999}
    listing = paths["/api/marketplace/{listing_id}"]["get"]["parameters"]
    assert listing[0]["schema"]["pattern"] == "^[0-9a-f]{24}$"
    acquired = paths["/api/marketplace/acquired"]["get"]["parameters"]
    page = next(p for p in acquired if p["name"] == "page")
    assert page["schema"] == {"type": "integer", "minimum": 1, "maximum": 1_000_000}


@pytest.mark.parametrize(
    "path",
    [
        "/api/marketplace?page=%C2%B2",  # superscript two: isdigit() but not int()
        "/api/prompts?limit=%C2%B2",
        "/api/marketplace?page=%D9%A3",  # Arabic-Indic three: int() reads it
        "/api/prompts/000000000000000000000000/versions/%C2%B2/restore",
    ],
)
def test_page_limit_and_version_numbers_are_ascii_digits(owner, path):
    client = bearer_client(owner)
    response = client.post(path) if path.endswith("/restore") else client.get(path)
    assert response.status_code == 400, response.content
    assert error_of(response)["code"] == "VALIDATION_FAILED"


def test_patch_bodies_of_api_views_keep_their_required_fields():
    components = _schema()["components"]["schemas"]
    assert components["MembershipUpdateInputRequest"]["required"] == ["role"]
    assert "PatchedMembershipUpdateInputRequest" not in components
    assert "PatchedPromptWriteRequest" in components  # the viewsets' partial_update stays partial


def test_versions_and_component_names_are_documented_with_their_grammar():
    components = _schema()["components"]["schemas"]
    version = components["PackageCreateInputRequest"]["properties"]["version"]
    assert version["pattern"].startswith("^(?:0|[1-9][0-9]*)")
    name = components["ComponentCreateInputRequest"]["properties"]["name"]
    assert name["pattern"] == "^[A-Za-z][A-Za-z0-9_-]*$"


@pytest.mark.parametrize("number", ["1e400", "-1e400"])
def test_json_numbers_that_overflow_to_infinity_are_a_400(world, number):
    base = f"/v1/organizations/{world.home.org_id}/projects/{world.home.project_id}"
    body = '{"version": "2.0.0", "metadata": {"limit": ' + number + "}}"
    response = bearer_client(world.users["owner"]).generic(
        "POST", f"{base}/packages", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert "out of range" in error_of(response)["message"]


@pytest.mark.parametrize(
    ("suffix", "body"),
    [
        ("/packages", '{"version": "2.0.0", "metadata": {"a": "\\ud800"}}'),
        ("/packages", '{"version": "2.0.0", "metadata": {"\\udfff": 1}}'),
        ("/components", '{"name": "S", "type": "view", "schema": {"title": "\\ud800"}}'),
    ],
)
def test_lone_surrogates_in_json_are_a_400_not_a_500(world, suffix, body):
    base = f"/v1/organizations/{world.home.org_id}/projects/{world.home.project_id}"
    response = bearer_client(world.users["owner"]).generic(
        "POST", base + suffix, body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert "surrogate" in error_of(response)["message"]


def test_rendering_a_lone_surrogate_variable_is_a_400(world):
    path = f"/api/prompts/{world.home.prompt_id}/render"
    body = '{"variables": {"name": "\\ud800"}}'
    response = bearer_client(world.users["owner"]).generic(
        "POST", path, body, content_type="application/json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("ordering", [",", "name,", ",-updatedAt"])
def test_an_empty_ordering_term_is_a_400_as_the_schema_says(owner, org, ordering):
    response = bearer_client(owner).get(f"/api/prompts?ordering={ordering}")
    assert response.status_code == 400
    assert error_of(response)["details"]["fields"] == {"ordering": ["Empty ordering term."]}
