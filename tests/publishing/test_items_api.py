"""Prompts and templates API: CRUD, roles, validation, versions, render, ETags, query budgets."""

from __future__ import annotations

import pytest

from publishing.models import AuditEvent, Prompt, PromptVersion, Template
from tests.conftest import bearer_client, error_of

pytestmark = pytest.mark.django_db

KINDS = ["prompts", "templates"]


def payload(kind: str, **overrides):
    data = {"name": "Greeting", "description": "Says hello", "body": "Hello {{ name }}!"}
    if kind == "templates":
        data["type"] = "email"
    return {**data, **overrides}


def create(client, kind, **overrides):
    response = client.post(f"/api/{kind}", payload(kind, **overrides))
    assert response.status_code == 201, response.json()
    return response.json()["data"]


def model_of(kind):
    return Prompt if kind == "prompts" else Template


@pytest.mark.parametrize("kind", KINDS)
def test_create_derives_variables_and_sets_owner(kind, editor, org):
    data = create(bearer_client(editor), kind, body="{{b}} {{ a.x }} {{b}}")
    assert data["variables"] == ["b", "a.x"]
    assert data["owner"]["email"] == editor.email
    assert data["organizationId"] == str(org.id)
    assert data["latestVersion"] == 0
    assert data["copiedFrom"] is None
    if kind == "templates":
        assert data["category"] == "other"
    assert AuditEvent.objects.filter(action=f"publishing.{kind[:-1]}.create").count() == 1


@pytest.mark.parametrize("kind", KINDS)
def test_viewer_reads_but_cannot_create(kind, viewer, editor):
    item = create(bearer_client(editor), kind)
    client = bearer_client(viewer)
    assert client.get(f"/api/{kind}/{item['id']}").status_code == 200
    response = client.post(f"/api/{kind}", payload(kind))
    assert response.status_code == 403
    assert error_of(response)["code"] == "FORBIDDEN"


@pytest.mark.parametrize("kind", KINDS)
def test_editor_edits_own_items_only_and_admin_edits_any(kind, editor, editor2, admin):
    item = create(bearer_client(editor), kind)
    url = f"/api/{kind}/{item['id']}"
    assert bearer_client(editor2).patch(url, {"name": "Mine now"}).status_code == 403
    assert bearer_client(editor2).delete(url).status_code == 403
    assert bearer_client(editor).patch(url, {"name": "Still mine"}).status_code == 200
    response = bearer_client(admin).patch(url, {"name": "Admin edit"})
    assert response.status_code == 200
    assert response.json()["data"]["name"] == "Admin edit"


@pytest.mark.parametrize("kind", KINDS)
def test_another_organizations_item_is_404_everywhere(kind, editor, stranger):
    item = create(bearer_client(editor), kind)
    client = bearer_client(stranger)
    base = f"/api/{kind}/{item['id']}"
    for method, path, body in [
        ("get", base, None),
        ("patch", base, {"name": "x"}),
        ("delete", base, None),
        ("get", f"{base}/versions", None),
        ("post", f"{base}/versions", {}),
        ("post", f"{base}/render", {}),
    ]:
        response = (
            getattr(client, method)(path, body)
            if body is not None
            else getattr(client, method)(path)
        )
        assert response.status_code == 404, (method, path)
        assert error_of(response)["code"] == "NOT_FOUND"
    assert client.get(f"/api/{kind}").json()["data"]["items"] == []


@pytest.mark.parametrize("kind", KINDS)
def test_delete_removes_item_and_versions(kind, editor):
    client = bearer_client(editor)
    item = create(client, kind)
    client.post(f"/api/{kind}/{item['id']}/versions", {})
    assert client.delete(f"/api/{kind}/{item['id']}").status_code == 204
    assert not model_of(kind).objects.filter(pk=item["id"]).exists()
    assert client.get(f"/api/{kind}/{item['id']}").status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "x" * 201),
        ("name", 12),
        ("description", "x" * 2001),
        ("body", ""),
        ("body", "x" * 100_001),
        ("body", ["not", "text"]),
        ("temperature", 1.5),
        ("temperature", -0.1),
        ("temperature", "0.5"),
        ("temperature", True),
        ("owner", 1),
        ("variables", ["x"]),
    ],
)
@pytest.mark.parametrize("kind", KINDS)
def test_invalid_fields_are_400_and_write_nothing(kind, field, value, editor):
    response = bearer_client(editor).post(f"/api/{kind}", payload(kind, **{field: value}))
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "VALIDATION_FAILED"
    assert field in error["details"]["fields"]
    assert not model_of(kind).objects.exists()


def test_template_type_must_be_known(editor):
    response = bearer_client(editor).post("/api/templates", payload("templates", type="fax"))
    assert response.status_code == 400
    assert "type" in error_of(response)["details"]["fields"]
    missing = bearer_client(editor).post("/api/templates", {"name": "x", "body": "y"})
    assert "type" in error_of(missing)["details"]["fields"]


def test_too_many_variables_is_rejected(editor):
    body = " ".join(f"{{{{v{i}}}}}" for i in range(201))
    response = bearer_client(editor).post("/api/prompts", payload("prompts", body=body))
    assert response.status_code == 400
    assert "body" in error_of(response)["details"]["fields"]
    ok = bearer_client(editor).post("/api/prompts", payload("prompts", body=body.rsplit(" ", 1)[0]))
    assert ok.status_code == 201


@pytest.mark.parametrize("bad_id", ["abc", "a" * 25, "A" * 24, "g" * 24])
@pytest.mark.parametrize("kind", KINDS)
def test_malformed_ids_are_400(kind, bad_id, editor):
    response = bearer_client(editor).get(f"/api/{kind}/{bad_id}")
    assert response.status_code == 400
    assert "id" in error_of(response)["details"]["fields"]


def test_well_formed_unknown_id_is_404(editor):
    assert bearer_client(editor).get(f"/api/prompts/{'a' * 24}").status_code == 404


def test_list_filters_and_ordering(editor, admin):
    client = bearer_client(editor)
    create(client, "templates", name="Alpha", type="sms", category="promo")
    create(client, "templates", name="Beta", description="contains needle", type="email")
    create(bearer_client(admin), "templates", name="Gamma", type="email")

    def names(query):
        response = client.get(f"/api/templates?{query}")
        assert response.status_code == 200, response.json()
        return [i["name"] for i in response.json()["data"]["items"]]

    assert names("ordering=name") == ["Alpha", "Beta", "Gamma"]
    assert names("ordering=-name") == ["Gamma", "Beta", "Alpha"]
    assert names("q=needle") == ["Beta"]
    assert names("q=ALPHA") == ["Alpha"]
    assert names(f"owner={admin.pk}") == ["Gamma"]
    assert names("type=email&ordering=name") == ["Beta", "Gamma"]
    assert names("category=promo") == ["Alpha"]
    assert names("updatedSince=2999-01-01T00:00:00Z") == []
    assert names("ordering=name&limit=2&page=2") == ["Gamma"]


@pytest.mark.parametrize(
    "query", ["type=fax", "updatedSince=yesterday", "owner=abc", "ordering=body"]
)
def test_list_rejects_bad_filters(editor, query):
    response = bearer_client(editor).get(f"/api/templates?{query}")
    assert response.status_code == 400
    assert error_of(response)["code"] == "VALIDATION_FAILED"


def test_if_match_guards_updates(editor):
    client = bearer_client(editor)
    response = client.post("/api/prompts", payload("prompts"))
    etag = response["ETag"]
    item_id = response.json()["data"]["id"]
    first = client.patch(f"/api/prompts/{item_id}", {"body": "v2"}, HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first["ETag"] != etag
    stale = client.patch(f"/api/prompts/{item_id}", {"body": "v3"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert error_of(stale)["code"] == "PRECONDITION_FAILED"
    assert Prompt.objects.get(pk=item_id).body == "v2"
    assert (
        client.patch(
            f"/api/prompts/{item_id}", {"body": "v4"}, HTTP_IF_MATCH=first["ETag"]
        ).status_code
        == 200
    )


def test_etag_changes_only_when_content_changes(editor):
    client = bearer_client(editor)
    response = client.post("/api/prompts", payload("prompts"))
    item_id = response.json()["data"]["id"]
    same = client.patch(f"/api/prompts/{item_id}", {"name": "Greeting"})
    assert same["ETag"] == response["ETag"]


@pytest.mark.parametrize("kind", KINDS)
def test_checkpoint_then_skip_when_unchanged(kind, editor):
    client = bearer_client(editor)
    item = create(client, kind)
    url = f"/api/{kind}/{item['id']}/versions"
    first = client.post(url, {"label": "first draft"})
    assert first.status_code == 201
    assert first.json()["data"]["skipped"] is False
    assert first.json()["data"]["version"]["number"] == 1
    assert first.json()["data"]["version"]["source"] == "manual"
    again = client.post(url, {})
    assert again.status_code == 200
    assert again.json()["data"] == {**first.json()["data"], "skipped": True}
    client.patch(f"/api/{kind}/{item['id']}", {"body": "Changed {{x}}"})
    second = client.post(url, {})
    assert second.status_code == 201
    assert second.json()["data"]["version"]["number"] == 2
    assert second.json()["data"]["version"]["variables"] == ["x"]


def test_versions_list_detail_and_missing_version(editor):
    client = bearer_client(editor)
    item = create(client, "prompts")
    for body in ["one", "two", "three"]:
        client.patch(f"/api/prompts/{item['id']}", {"body": body})
        client.post(f"/api/prompts/{item['id']}/versions", {})
    listing = client.get(f"/api/prompts/{item['id']}/versions?limit=2").json()["data"]
    assert [v["number"] for v in listing["items"]] == [3, 2]
    assert listing["pagination"]["total"] == 3
    detail = client.get(f"/api/prompts/{item['id']}/versions/1")
    assert detail.json()["data"]["body"] == "one"
    missing = client.get(f"/api/prompts/{item['id']}/versions/9")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "VERSION_NOT_FOUND"
    assert error_of(missing)["details"] == {"requestedVersion": 9, "latestVersion": 3}
    assert client.get(f"/api/prompts/{item['id']}/versions/zero").status_code == 400


@pytest.mark.parametrize("kind", KINDS)
def test_restore_takes_old_content_and_records_a_version(kind, editor):
    client = bearer_client(editor)
    item = create(client, kind, body="original {{a}}")
    client.post(f"/api/{kind}/{item['id']}/versions", {})
    client.patch(f"/api/{kind}/{item['id']}", {"body": "rewritten {{b}}", "name": "Renamed"})
    response = client.post(f"/api/{kind}/{item['id']}/versions/1/restore")
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["item"]["body"] == "original {{a}}"
    assert data["item"]["name"] == "Greeting"
    assert data["item"]["variables"] == ["a"]
    assert data["version"]["number"] == 2
    assert data["version"]["source"] == "restore"
    assert client.post(f"/api/{kind}/{item['id']}/versions/7/restore").status_code == 404


def test_viewer_cannot_checkpoint_or_restore(editor, viewer):
    item = create(bearer_client(editor), "prompts")
    bearer_client(editor).post(f"/api/prompts/{item['id']}/versions", {})
    client = bearer_client(viewer)
    assert client.post(f"/api/prompts/{item['id']}/versions", {}).status_code == 403
    assert client.post(f"/api/prompts/{item['id']}/versions/1/restore").status_code == 403
    assert client.get(f"/api/prompts/{item['id']}/versions").status_code == 200


def test_render(editor, viewer):
    item = create(bearer_client(editor), "prompts", body="Hi {{ name }}, from {{ org.name }} {{x}}")
    url = f"/api/prompts/{item['id']}/render"
    response = bearer_client(viewer).post(
        url, {"variables": {"name": "Ada", "org": {"name": "Acme"}, "zzz": 1}}
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"text": "Hi Ada, from Acme {{x}}", "missing": ["x"]}
    strict = bearer_client(viewer).post(url, {"variables": {"name": "Ada"}, "strict": True})
    assert strict.status_code == 400
    assert error_of(strict)["details"]["missing"] == ["org.name", "x"]
    bad = bearer_client(viewer).post(url, {"variables": ["name"]})
    assert bad.status_code == 400


def test_query_budget_list_is_constant(editor, django_assert_max_num_queries):
    client = bearer_client(editor)
    for i in range(30):
        Prompt.objects.create(
            organization_id=editor.memberships.get().organization_id,
            owner=editor,
            name=f"p{i}",
            body="b",
        )
    with django_assert_max_num_queries(3):
        small = client.get("/api/prompts?limit=2")
    with django_assert_max_num_queries(3):
        large = client.get("/api/prompts?limit=100")
    assert len(small.json()["data"]["items"]) == 2
    assert len(large.json()["data"]["items"]) == 30


def test_query_budget_retrieve_and_update(editor, django_assert_max_num_queries):
    client = bearer_client(editor)
    item = create(client, "templates")
    with django_assert_max_num_queries(3):
        assert client.get(f"/api/templates/{item['id']}").status_code == 200
    with django_assert_max_num_queries(6):
        assert (
            client.patch(f"/api/templates/{item['id']}", {"body": "new {{v}}"}).status_code == 200
        )


def test_template_version_snapshots_type_and_category(editor):
    client = bearer_client(editor)
    item = create(client, "templates", type="sms", category="promo")
    version = client.post(f"/api/templates/{item['id']}/versions", {}).json()["data"]["version"]
    assert (version["type"], version["category"]) == ("sms", "promo")
    assert PromptVersion.objects.count() == 0
