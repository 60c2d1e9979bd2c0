"""Who may do what: roles, a type's ``permissions.publish``, API keys, other organizations."""

from __future__ import annotations

import pytest

from contenttypes_app import services
from contenttypes_app.models import ContentTypeVersion
from publishing.models import Role
from publishing.services import api_key_create
from tests.conftest import bearer_client, error_of
from tests.contenttypes_app.conftest import drive

pytestmark = pytest.mark.django_db

PUBLISHER_ACTIONS = {
    "publish": lambda c, w: c.post(w.ct_url(suffix="/publish")),
    "unpublish": lambda c, w: c.post(w.ct_url(suffix="/unpublish")),
    "rollback": lambda c, w: c.post(w.ct_url(suffix="/rollback"), {"version": 1}),
    "status": lambda c, w: c.post(w.ct_url(suffix="/status"), {"status": "deleted"}),
    "delete": lambda c, w: c.delete(w.ct_url()),
}
# The state each action needs to succeed.
READY = {
    "publish": "modified",
    "unpublish": "published",
    "rollback": "published",
    "status": "published",
    "delete": "published",
}


def set_publish_permissions(world, roles=(), users=()):
    services.content_type_update(
        content_type_id=world.content_type.pk,
        actor=world.actor,
        changes={"permissions": {"publish": {"roles": list(roles), "users": list(users)}}},
    )


@pytest.mark.parametrize("action", list(PUBLISHER_ACTIONS))
@pytest.mark.parametrize(
    ("role", "allowed"), [("owner", True), ("admin", True), ("editor", False), ("viewer", False)]
)
def test_publisher_actions_need_admin_by_default(world, request, action, role, allowed):
    drive(world, READY[action])
    user = request.getfixturevalue(role)
    response = PUBLISHER_ACTIONS[action](bearer_client(user), world)
    if allowed:
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 403
        assert error_of(response)["code"] == "FORBIDDEN"


@pytest.mark.parametrize("action", list(PUBLISHER_ACTIONS))
def test_permissions_publish_roles_let_editors_publish_this_type(world, editor, action):
    set_publish_permissions(world, roles=[Role.EDITOR])
    drive(world, READY[action])
    response = PUBLISHER_ACTIONS[action](bearer_client(editor), world)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("identify", [lambda u: str(u.pk), lambda u: u.email.upper()])
def test_permissions_publish_users_name_one_editor(world, editor, editor2, identify):
    set_publish_permissions(world, users=[identify(editor)])
    assert bearer_client(editor2).post(world.ct_url(suffix="/publish")).status_code == 403
    assert bearer_client(editor).post(world.ct_url(suffix="/publish")).status_code == 200


def test_admins_publish_even_when_the_list_names_others(world, admin, editor):
    set_publish_permissions(world, users=[editor.email])
    assert bearer_client(admin).post(world.ct_url(suffix="/publish")).status_code == 200


def test_a_forbidden_publish_writes_nothing(world, editor):
    response = bearer_client(editor).post(world.ct_url(suffix="/publish"))
    assert response.status_code == 403
    assert not ContentTypeVersion.objects.exists()
    assert world.refresh().status == "draft"


def test_editors_cannot_grant_themselves_publish_rights(world, editor):
    client = bearer_client(editor)
    response = client.put(world.ct_url(), {"permissions": {"publish": {"users": [editor.email]}}})
    assert response.status_code == 403
    body = {
        "name": "Sneaky",
        "layoutComponentId": str(world.layout.pk),
        "componentIdsAllowList": [],
        "packageVersion": "1.0.0",
        "permissions": {"publish": {"roles": ["editor"]}},
    }
    assert client.post(f"{world.base}/content-types", body).status_code == 403
    # Other permissions are an editor's business.
    response = client.put(world.ct_url(), {"permissions": {"roles": ["viewer"]}})
    assert response.status_code == 200


def test_viewers_read_but_do_not_write(world, viewer):
    client = bearer_client(viewer)
    assert client.get(world.ct_url()).status_code == 200
    assert client.get(f"{world.base}/content-types").status_code == 200
    assert client.get(f"{world.base}/components").status_code == 200
    assert client.get(f"{world.base}/packages").status_code == 200
    assert client.put(world.ct_url(), {"description": "x"}).status_code == 403
    assert client.post(world.ct_url(suffix="/discard")).status_code == 403
    put_version = client.put(world.ct_url(suffix="/package-version"), {"packageVersion": "1.0.0"})
    assert put_version.status_code == 403
    body = {"name": "X", "type": "view"}
    assert client.post(f"{world.base}/components", body).status_code == 403
    assert client.post(f"{world.base}/packages", {"version": "2.0.0"}).status_code == 403


def test_editors_create_and_update(world, editor):
    client = bearer_client(editor)
    assert client.put(world.ct_url(), {"description": "x"}).status_code == 200
    assert client.post(f"{world.base}/packages", {"version": "1.1.0"}).status_code == 201


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/components",
        "/packages",
        "/packages/1.0.0",
        "/content-types",
        "/content-types/{ct}",
        "/content-types/{ct}/versions",
    ],
)
def test_another_organizations_project_is_404(world, stranger, path):
    url = world.base + path.format(ct=world.content_type.pk)
    response = bearer_client(stranger).get(url)
    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"


def test_a_stranger_cannot_publish_through_their_own_organization(world, stranger, other_org):
    # Right organization in the URL for the stranger, but the project belongs to another one.
    url = (
        f"/v1/organizations/{other_org.pk}/projects/{world.project.pk}"
        f"/content-types/{world.content_type.pk}/publish"
    )
    response = bearer_client(stranger).post(url)
    assert response.status_code == 404
    assert not ContentTypeVersion.objects.exists()


def test_unauthenticated_requests_are_401(world, anon):
    response = anon.post(world.ct_url(suffix="/publish"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"
    assert "success" not in response.json()


def test_an_api_key_publishes_with_its_role(world, owner, owner_actor):
    _, admin_key = api_key_create(actor=owner_actor, name="ci", role=Role.ADMIN)
    _, editor_key = api_key_create(actor=owner_actor, name="bot", role=Role.EDITOR)
    # The editor key's creator is the owner, named in the list: the key still has its own role.
    set_publish_permissions(world, users=[owner.email])
    assert bearer_client(token=editor_key).post(world.ct_url(suffix="/publish")).status_code == 403
    response = bearer_client(token=admin_key).post(world.ct_url(suffix="/publish"))
    assert response.status_code == 200
    assert response.json()["metadata"]["publishedBy"] == str(owner.pk)
