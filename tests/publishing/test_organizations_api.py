from __future__ import annotations

import pytest

from publishing.models import APIKey, AuditEvent, Membership
from tests.conftest import bearer_client, error_of

pytestmark = pytest.mark.django_db


def url(org, suffix=""):
    return f"/api/organizations/{org.id}{suffix}"


def test_list_shows_only_my_organizations_with_role(owner, org, stranger, other_org):
    response = bearer_client(owner).get("/api/organizations")
    assert response.status_code == 200
    assert [o["id"] for o in response.json()["data"]] == [str(org.id)]
    assert response.json()["data"][0]["role"] == "owner"


def test_create_makes_the_caller_owner(editor):
    response = bearer_client(editor).post("/api/organizations", {"name": "Side Project"})
    assert response.status_code == 201
    body = response.json()["data"]
    assert body["role"] == "owner"
    assert body["slug"] == "side-project"
    assert Membership.objects.get(user=editor, organization_id=body["id"]).role == "owner"


def test_create_with_taken_slug_conflicts(editor, org):
    response = bearer_client(editor).post("/api/organizations", {"name": "X", "slug": org.slug})
    assert response.status_code == 409


def test_another_organization_answers_404(owner, other_org):
    response = bearer_client(owner).get(url(other_org))
    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"
    assert bearer_client(owner).get(url(other_org, "/members")).status_code == 404


def test_update_needs_admin(editor, admin, org):
    assert bearer_client(editor).patch(url(org), {"name": "Nope"}).status_code == 403
    response = bearer_client(admin).patch(url(org), {"name": "Renamed"})
    assert response.status_code == 200
    assert response.json()["data"]["name"] == "Renamed"
    assert AuditEvent.objects.filter(action="publishing.organization.update").count() == 1


def test_admin_adds_member_by_email(admin, org, stranger):
    response = bearer_client(admin).post(
        url(org, "/members"), {"email": stranger.email, "role": "viewer"}
    )
    assert response.status_code == 201
    assert response.json()["data"]["user"]["email"] == stranger.email
    duplicate = bearer_client(admin).post(
        url(org, "/members"), {"email": stranger.email, "role": "viewer"}
    )
    assert duplicate.status_code == 409


def test_add_unknown_user_is_404(admin, org):
    response = bearer_client(admin).post(
        url(org, "/members"), {"email": "ghost@nowhere.test", "role": "viewer"}
    )
    assert response.status_code == 404


def test_editor_cannot_manage_members(editor, org, stranger):
    response = bearer_client(editor).post(
        url(org, "/members"), {"email": stranger.email, "role": "viewer"}
    )
    assert response.status_code == 403


def test_admin_cannot_grant_owner(admin, org, editor):
    member = Membership.objects.get(user=editor)
    response = bearer_client(admin).patch(url(org, f"/members/{member.pk}"), {"role": "owner"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.role == "editor"


def test_last_owner_cannot_be_demoted_or_removed(owner, org):
    member = Membership.objects.get(user=owner)
    client = bearer_client(owner)
    demote = client.patch(url(org, f"/members/{member.pk}"), {"role": "admin"})
    assert demote.status_code == 409
    assert client.delete(url(org, f"/members/{member.pk}")).status_code == 409
    member.refresh_from_db()
    assert member.role == "owner"


def test_owner_changes_role_and_removes_member(owner, org, editor):
    member = Membership.objects.get(user=editor)
    client = bearer_client(owner)
    response = client.patch(url(org, f"/members/{member.pk}"), {"role": "admin"})
    assert response.status_code == 200
    assert response.json()["data"]["role"] == "admin"
    assert client.delete(url(org, f"/members/{member.pk}")).status_code == 204
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_member_can_leave(viewer, org):
    member = Membership.objects.get(user=viewer)
    assert bearer_client(viewer).delete(url(org, f"/members/{member.pk}")).status_code == 204


def test_api_key_is_shown_once_and_authenticates(admin, org):
    client = bearer_client(admin)
    created = client.post(url(org, "/api-keys"), {"name": "CI", "role": "editor"})
    assert created.status_code == 201
    raw = created.json()["data"]["key"]
    assert raw.startswith("pk_")
    stored = APIKey.objects.get()
    assert raw not in stored.hashed_key
    assert stored.hashed_key != raw
    listed = client.get(url(org, "/api-keys")).json()["data"]["items"]
    assert "key" not in listed[0]
    me = bearer_client(token=raw).get("/api/organizations")
    assert me.status_code == 200
    assert me.json()["data"][0]["role"] == "editor"


def test_api_key_cannot_exceed_creator_role_or_mint_keys(admin, org):
    client = bearer_client(admin)
    assert client.post(url(org, "/api-keys"), {"name": "x", "role": "owner"}).status_code == 403
    raw = client.post(url(org, "/api-keys"), {"name": "x", "role": "admin"}).json()["data"]["key"]
    response = bearer_client(token=raw).post(url(org, "/api-keys"), {"name": "y"})
    assert response.status_code == 403


def test_revoked_api_key_is_refused(admin, org):
    client = bearer_client(admin)
    created = client.post(url(org, "/api-keys"), {"name": "CI"}).json()["data"]
    revoked = client.delete(url(org, f"/api-keys/{created['id']}"))
    assert revoked.status_code == 200
    assert revoked.json()["data"]["revokedAt"] is not None
    response = bearer_client(token=created["key"]).get("/api/organizations")
    assert response.status_code == 401
    assert error_of(response)["message"] == "This API key has been revoked."


def test_wrong_api_key_secret_is_refused(admin, org):
    raw = bearer_client(admin).post(url(org, "/api-keys"), {"name": "CI"}).json()["data"]["key"]
    response = bearer_client(token=raw[:-3] + "xyz").get("/api/organizations")
    assert response.status_code == 401


def test_api_key_of_one_org_cannot_reach_another(admin, org, other_org):
    raw = bearer_client(admin).post(url(org, "/api-keys"), {"name": "CI"}).json()["data"]["key"]
    assert bearer_client(token=raw).get(url(other_org)).status_code == 404


def test_viewer_cannot_list_api_keys(viewer, org):
    assert bearer_client(viewer).get(url(org, "/api-keys")).status_code == 403


def test_keys_never_outrank_their_creator(owner, admin, org):
    raw = bearer_client(admin).post(url(org, "/api-keys"), {"name": "CI", "role": "admin"})
    raw_editor = bearer_client(admin).post(url(org, "/api-keys"), {"name": "Ed", "role": "editor"})
    member = Membership.objects.get(user=admin)
    bearer_client(owner).patch(url(org, f"/members/{member.pk}"), {"role": "editor"})
    key_admin = raw.json()["data"]["key"]
    key_editor = raw_editor.json()["data"]["key"]
    assert bearer_client(token=key_admin).get("/api/organizations").status_code == 401
    assert bearer_client(token=key_editor).get("/api/organizations").status_code == 200
    bearer_client(owner).delete(url(org, f"/members/{member.pk}"))
    assert bearer_client(token=key_editor).get("/api/organizations").status_code == 401
