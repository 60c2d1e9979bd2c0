"""Cross-cutting API conventions: envelopes, bad input, request ids, limits, docs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from config.exceptions import exception_handler
from config.families import family_for, register_family
from config.renderers import JSONRenderer
from contenttypes_app.errors import ContentTypeInvalidStatusError
from publishing.models import Organization, User
from tests.conftest import bearer_client, error_of

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register"


def post_raw(client, path, body, content_type="application/json"):
    return client.generic("POST", path, body, content_type=content_type)


def assert_validation_failed(response):
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == "VALIDATION_FAILED"
    return body["error"]


def assert_nothing_written():
    assert not User.objects.exists()
    assert not Organization.objects.exists()


def test_health_reports_database(anon):
    response = anon.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"success": True, "data": {"status": "ok", "database": "ok"}}


def test_malformed_json_is_a_400_envelope(anon):
    error = assert_validation_failed(post_raw(anon, REGISTER, '{"email": "a@b.c",'))
    assert "Malformed" in error["message"]
    assert_nothing_written()


def test_json_array_body_is_a_400(anon):
    error = assert_validation_failed(post_raw(anon, REGISTER, json.dumps([1, 2])))
    assert "nonFieldErrors" in error["details"]["fields"]


def test_wrong_types_are_rejected_not_coerced(anon):
    body = {"email": 5, "password": 123456789012, "fullName": ["x"], "organizationName": True}
    error = assert_validation_failed(anon.post(REGISTER, body, format="json"))
    assert set(error["details"]["fields"]) == {"email", "password", "fullName", "organizationName"}
    assert_nothing_written()


def test_missing_fields_are_named(anon):
    error = assert_validation_failed(anon.post(REGISTER, {}, format="json"))
    assert set(error["details"]["fields"]) == {"email", "password", "fullName", "organizationName"}


def test_unknown_fields_are_rejected(anon):
    body = {
        "email": "x@y.test",
        "password": "a-long-and-unusual-passphrase",
        "fullName": "X",
        "organizationName": "Y",
        "isStaff": True,
    }
    error = assert_validation_failed(anon.post(REGISTER, body, format="json"))
    assert error["details"]["fields"] == {"isStaff": ["Unknown field."]}
    assert_nothing_written()


def test_over_long_string_is_rejected(anon):
    body = {
        "email": "x@y.test",
        "password": "a-long-and-unusual-passphrase",
        "fullName": "x" * 201,
        "organizationName": "Y",
    }
    error = assert_validation_failed(anon.post(REGISTER, body, format="json"))
    assert "fullName" in error["details"]["fields"]
    assert_nothing_written()


def test_nul_bytes_are_rejected(anon):
    body = {
        "email": "x@y.test",
        "password": "a-long-and-unusual-passphrase",
        "fullName": "bad\x00name",
        "organizationName": "Y",
    }
    assert_validation_failed(anon.post(REGISTER, body, format="json"))


def test_unknown_enum_value_is_rejected(owner, org):
    response = bearer_client(owner).post(
        f"/api/organizations/{org.id}/members", {"email": owner.email, "role": "emperor"}
    )
    error = assert_validation_failed(response)
    assert "role" in error["details"]["fields"]


def test_wrong_content_type_is_a_400(anon):
    response = post_raw(anon, REGISTER, "email=a", content_type="application/x-www-form-urlencoded")
    assert_validation_failed(response)


def test_oversized_body_is_refused_before_parsing(anon):
    body = json.dumps({"email": "x" * (1024 * 1024 + 10)})
    error = assert_validation_failed(post_raw(anon, REGISTER, body))
    assert "exceeds" in error["message"]


def test_unknown_api_route_is_a_json_404(anon):
    response = anon.get("/api/does-not-exist")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    v1 = anon.get("/v1/nothing-here")
    assert v1.status_code == 404
    assert v1.json() == {
        "error": {
            "code": "NOT_FOUND",
            "message": "No route matches GET /v1/nothing-here.",
            "details": {},
        }
    }


def test_wrong_method_is_a_405_envelope(anon):
    response = anon.get(REGISTER)
    assert response.status_code == 405
    assert error_of(response)["code"] == "METHOD_NOT_ALLOWED"


def test_request_id_is_echoed_or_generated(anon):
    echoed = anon.get("/api/health", HTTP_X_REQUEST_ID="abc-123")
    assert echoed["X-Request-ID"] == "abc-123"
    generated = anon.get("/api/health", HTTP_X_REQUEST_ID="bad id with spaces")
    assert len(generated["X-Request-ID"]) == 32


def test_unauthenticated_is_a_401_envelope(anon):
    response = anon.get("/api/organizations")
    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHORIZED"


def test_bad_organization_header(owner, org):
    client = bearer_client(owner, HTTP_X_ORGANIZATION_ID="not-a-uuid")
    from publishing.tenancy import actor_from_request  # noqa: F401 - exercised via members list

    response = client.get("/api/auth/me")
    assert response.status_code == 200  # /me does not need an organization


@pytest.mark.parametrize(
    ("query", "field"), [("page=0", "page"), ("limit=101", "limit"), ("limit=abc", "limit")]
)
def test_pagination_parameters_are_validated(owner, org, query, field):
    response = bearer_client(owner).get(f"/api/organizations/{org.id}/members?{query}")
    error = assert_validation_failed(response)
    assert field in error["details"]["fields"]


def test_pagination_envelope(owner, org):
    response = bearer_client(owner).get(f"/api/organizations/{org.id}/members?limit=1&page=5")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data == {"items": [], "pagination": {"page": 5, "limit": 1, "total": 1, "pages": 1}}


def test_schema_and_docs_are_served(anon):
    schema = anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/auth/login" in schema.json()["paths"]
    assert anon.get("/api/docs/").status_code == 200
    assert anon.get("/api/redoc/").status_code == 200


def test_max_length_counts_the_characters_sent_before_trimming(anon):
    body = {
        "email": "x@y.test",
        "password": "a-long-and-unusual-passphrase",
        "fullName": "\u001d" + "x" * 200,
        "organizationName": "Y",
    }
    error = assert_validation_failed(anon.post(REGISTER, body, format="json"))
    assert "fullName" in error["details"]["fields"]


# --- every API path answers JSON in its family's envelope, in DEBUG too (issue 14, 4.3) --------
NOT_ROUTES = [
    ("GET", "/api/nope"),
    ("GET", "/api/prompts/"),  # trailing slash
    ("POST", "/api/nope"),  # no CSRF page either
    ("GET", "/api/organizations/not-a-uuid/members"),
    ("GET", "/v1/nothing-here/"),
    ("GET", "/v1/organizations/not-a-uuid/projects"),
]


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize(("method", "path"), NOT_ROUTES)
def test_unknown_api_paths_answer_a_json_404_in_debug_and_production(
    anon, settings, debug, method, path
):
    settings.DEBUG = debug
    response = anon.generic(method, path)
    assert response.status_code == 404, response.content[:200]
    assert response["Content-Type"] == "application/json"
    error = error_of(response)
    assert error == {
        "code": "NOT_FOUND",
        "message": f"No route matches {method} {path}.",
        "details": {},
    }
    assert ("success" in response.json()) is path.startswith("/api/")


def test_an_api_path_without_its_slash_is_not_redirected(anon):
    assert anon.get("/api/auth").status_code == 404
    assert anon.get("/admin").status_code == 301  # Django's pages keep APPEND_SLASH


# --- one shape for every error, from the one handler (issue 14, 4.4) --------------------------
def assert_rendered_by_the_handler(response) -> dict:
    """The body is the API renderer's encoding (compact, as every DRF response) and carries
    ``code``, ``message`` and ``details``."""
    assert response["Content-Type"] == "application/json"
    assert response.content == JSONRenderer().render(response.json())
    error = error_of(response)
    assert set(error) == {"code", "message", "details"}
    return error


def test_method_not_allowed_carries_empty_details(anon):
    response = anon.get(REGISTER)
    assert response.status_code == 405
    assert assert_rendered_by_the_handler(response)["details"] == {}


@pytest.mark.parametrize("path", [REGISTER, "/v1/organizations/%s/projects" % ("0" * 32)])
def test_oversized_body_is_rendered_by_the_exception_handler(anon, path):
    response = post_raw(anon, path, json.dumps({"email": "x" * (1024 * 1024 + 10)}))
    assert response.status_code == 400
    error = assert_rendered_by_the_handler(response)
    assert error["code"] == "VALIDATION_FAILED"
    assert error["details"] == {}


def test_invalid_status_carries_empty_details():
    response = exception_handler(ContentTypeInvalidStatusError("Cannot."), {"request": None})
    assert response.status_code == 409
    assert response.data["error"] == {"code": "INVALID_STATUS", "message": "Cannot.", "details": {}}


# --- a family registers its envelope; config tests no app's prefix (issue 15, 4) --------------
def test_config_exceptions_tests_no_url_prefix():
    source = Path("config/exceptions.py").read_text()
    assert not re.search(r"[\"']/(v1|api)/", source)


def test_the_families_register_their_envelopes():
    assert family_for("/v1/organizations").wrap_error({"code": "X"}) == {"error": {"code": "X"}}
    api = family_for("/api/prompts").wrap_error({"code": "X"})
    assert api == {"success": False, "error": {"code": "X"}}
    assert family_for("/admin/") is None


def test_a_registered_family_gets_its_envelope_from_the_handler(rf):
    register_family("/v1/test-family/", wrap_error=lambda error: {"problem": error})
    try:
        request = rf.get("/v1/test-family/x")
        response = exception_handler(ContentTypeInvalidStatusError("No."), {"request": request})
        assert response.data == {
            "problem": {"code": "INVALID_STATUS", "message": "No.", "details": {}}
        }
    finally:
        from config import families

        families._FAMILIES.pop("/v1/test-family/")


# --- CORS (issue 14, 4.5) ---------------------------------------------------------------------
ALLOWED_ORIGIN = "https://app.example.com"
REFUSED_ORIGIN = "https://evil.example.net"


def _http(live_server, method: str, path: str, headers: dict[str, str]):
    """One real HTTP request to the live server (a browser's preflight, not the test client)."""
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization, x-organization-id",
    }


@pytest.mark.django_db(transaction=True)
def test_a_real_preflight_is_answered_before_authentication(live_server, settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED_ORIGIN]
    status, headers, body = _http(
        live_server, "OPTIONS", "/api/marketplace", preflight(ALLOWED_ORIGIN)
    )
    assert status == 200, body  # not 401: no credentials are sent with a preflight
    assert headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "GET" in headers["access-control-allow-methods"]
    allowed = headers["access-control-allow-headers"]
    assert "authorization" in allowed
    assert "x-organization-id" in allowed

    status, headers, _ = _http(
        live_server, "OPTIONS", "/api/marketplace", preflight(REFUSED_ORIGIN)
    )
    assert status == 200
    assert not any(name.startswith("access-control-") for name in headers)


def test_responses_to_an_allowed_origin_carry_cors_headers(anon, settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED_ORIGIN]
    response = anon.get("/api/health", HTTP_ORIGIN=ALLOWED_ORIGIN)
    assert response["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "X-Request-ID" in response["Access-Control-Expose-Headers"]
    unauthorized = anon.get("/api/marketplace", HTTP_ORIGIN=ALLOWED_ORIGIN)
    assert unauthorized.status_code == 401
    assert unauthorized["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN  # errors readable too
    refused = anon.get("/api/health", HTTP_ORIGIN=REFUSED_ORIGIN)
    assert "Access-Control-Allow-Origin" not in refused


def test_cors_is_off_by_default(anon):
    from django.conf import settings

    assert settings.CORS_ALLOWED_ORIGINS == []
    response = anon.options(
        "/api/marketplace",
        HTTP_ORIGIN=ALLOWED_ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert not [h for h in response.headers if h.lower().startswith("access-control-")]


def test_options_answers_allow_instead_of_405(anon):
    response = anon.options("/api/health")
    assert response.status_code == 200
    assert "OPTIONS" in response["Allow"]
    assert "GET" in response["Allow"]
    assert response.content == b""


# --- the schema allows what the server accepts, and no more (issue 14, 4.15) -----------------
def _request_schemas() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return schema["components"]["schemas"]


def test_render_accepts_null_variable_values_as_the_schema_says(owner, org):
    client = bearer_client(owner)
    created = client.post("/api/prompts", {"name": "Greet", "body": "Hi {{name}}!{{x}}"})
    assert created.status_code == 201, created.content
    item_id = created.json()["data"]["id"]
    response = client.post(
        f"/api/prompts/{item_id}/render", {"variables": {"name": None, "x": {"y": None}}}
    )
    assert response.status_code == 200, response.content
    assert response.json()["data"] == {"text": 'Hi !{"y": null}', "missing": []}
    values = _request_schemas()["RenderInputRequest"]["properties"]["variables"]
    assert values["additionalProperties"].get("nullable") is True


@pytest.mark.parametrize(
    ("component", "path"),
    [
        ("PromptWriteRequest", "/api/prompts"),
        ("TemplateWriteRequest", "/api/templates"),
        ("OrganizationCreateInputRequest", "/api/organizations"),
    ],
)
def test_a_blank_name_is_refused_and_the_schema_says_so(owner, org, component, path):
    body = {
        "PromptWriteRequest": {"name": "   ", "body": "x"},
        "TemplateWriteRequest": {"name": "   ", "body": "x", "type": "email"},
        "OrganizationCreateInputRequest": {"name": "   "},
    }[component]
    response = bearer_client(owner).post(path, body)
    assert_validation_failed(response)
    assert "name" in response.json()["error"]["details"]["fields"]
    pattern = _request_schemas()[component]["properties"]["name"]["pattern"]
    assert re.search(pattern, "   ") is None
    assert re.search(pattern, "") is None
    assert re.search(pattern, " Greet ")


def test_every_trimmed_required_text_field_documents_that_blank_is_refused():
    """Request strings DRF trims and refuses blank carry a non-blank pattern; bodies are not
    trimmed and stay free."""
    schemas = _request_schemas()
    assert schemas["ProjectCreateInputRequest"]["properties"]["name"]["pattern"] == r"\S"
    assert schemas["ListingMetadataInputRequest"]["properties"]["name"]["pattern"] == r"\S"
    assert "pattern" not in schemas["PromptWriteRequest"]["properties"]["body"]
    assert "pattern" not in schemas["PromptWriteRequest"]["properties"]["description"]
