"""Object- and property-level authorization beyond the matrix (OWASP API1 and API3)."""

from __future__ import annotations

import json

import pytest

from publishing.models import Membership
from tests.conftest import bearer_client
from tests.security.world import db_snapshot, snapshot_diff

pytestmark = pytest.mark.django_db


def test_an_api_key_sees_only_its_organization_and_role_in_me(world):
    # The key's creator (the home owner) also belongs to the rival organization.
    Membership.objects.create(
        user=world.home.owner, organization=world.rival.organization, role="viewer"
    )
    response = bearer_client(token=world.keys["viewer"]).get("/api/auth/me")
    assert response.status_code == 200
    organizations = response.json()["data"]["organizations"]
    assert organizations == [
        {
            "id": world.home.org_id,
            "name": "Home Publishing",
            "slug": "home-publishing",
            "role": "viewer",
        }
    ]


# --- another organization's ids in bodies, headers and mixed paths (OWASP API1) -----------------
V1_HOME = "/v1/organizations/{home}/projects/{project}"


def _home_ct_url(w, suffix: str = "") -> str:
    return f"{_v1(w)}/content-types/{w.home.content_type.pk}{suffix}"


def _v1(w) -> str:
    return V1_HOME.format(home=w.home.org_id, project=w.home.project_id)


def _rival_scope_publish(w, item_type: str, item_id: str) -> dict:
    return {
        "itemType": item_type,
        "itemId": item_id,
        "scopes": {"marketplace": {"enabled": True, "shareType": "copy"}},
    }


# (case, caller, method, url, body, extra headers, expected status)
FOREIGN = [
    (
        "publish another organization's prompt",
        "owner",
        "POST",
        lambda w: "/api/marketplace/publish",
        lambda w: _rival_scope_publish(w, "prompt", w.rival.prompt_id),
        {},
        404,
    ),
    (
        "publish another organization's template",
        "admin",
        "POST",
        lambda w: "/api/marketplace/publish",
        lambda w: _rival_scope_publish(w, "template", w.rival.template_id),
        {},
        404,
    ),
    (
        "unpublish another organization's prompt",
        "owner",
        "POST",
        lambda w: "/api/marketplace/unpublish",
        lambda w: {"itemType": "prompt", "itemId": w.rival.prompt_id, "scopes": ["marketplace"]},
        {},
        404,
    ),
    (
        "X-Organization-Id of another organization (JWT)",
        "owner",
        "GET",
        lambda w: "/api/prompts",
        None,
        {"HTTP_X_ORGANIZATION_ID": "rival"},
        404,
    ),
    (
        "X-Organization-Id of another organization (API key)",
        "viewer_key",
        "GET",
        lambda w: "/api/marketplace/my-published",
        None,
        {"HTTP_X_ORGANIZATION_ID": "rival"},
        404,
    ),
    (
        "create a prompt with another organization in the header",
        "owner",
        "POST",
        lambda w: "/api/prompts",
        lambda w: {"name": "Planted", "body": "x"},
        {"HTTP_X_ORGANIZATION_ID": "rival"},
        404,
    ),
    (
        "remove another organization's member through mine",
        "owner",
        "DELETE",
        lambda w: f"/api/organizations/{w.home.org_id}/members/{w.member_ids['rival-owner']}",
        None,
        {},
        404,
    ),
    (
        "change the role of another organization's member through mine",
        "owner",
        "PATCH",
        lambda w: f"/api/organizations/{w.home.org_id}/members/{w.member_ids['rival-owner']}",
        lambda w: {"role": "viewer"},
        {},
        404,
    ),
    (
        "revoke another organization's API key through mine",
        "owner",
        "DELETE",
        lambda w: f"/api/organizations/{w.home.org_id}/api-keys/{w.key_ids['rival']}",
        None,
        {},
        404,
    ),
    (
        "another organization's project under my organization",
        "owner",
        "PUT",
        lambda w: f"/v1/organizations/{w.home.org_id}/projects/{w.rival.project_id}",
        lambda w: {"name": "Mine now"},
        {},
        404,
    ),
    (
        "another organization's component under my project",
        "owner",
        "DELETE",
        lambda w: f"{_v1(w)}/components/{w.rival.spare_component.pk}",
        None,
        {},
        404,
    ),
    (
        "another organization's content type under my project",
        "owner",
        "POST",
        lambda w: f"{_v1(w)}/content-types/{w.rival.content_type.pk}/unpublish",
        None,
        {},
        404,
    ),
    (
        "another organization's package under my project",
        "owner",
        "GET",
        lambda w: f"{_v1(w)}/packages/1.0.0?project={w.rival.project_id}",
        None,
        {},
        200,  # the query string is ignored: this is my own package 1.0.0
    ),
    (
        "another organization's acquisition",
        "owner",
        "DELETE",
        lambda w: f"/api/marketplace/acquired/{w.rival.acquisition_ref_id}",
        None,
        {},
        404,
    ),
    (
        "edit through another organization's editable reference",
        "owner",
        "PATCH",
        lambda w: f"/api/marketplace/acquired/{w.rival.acquisition_ref_id}",
        lambda w: {"body": "Hijacked {{x}}"},
        {},
        404,
    ),
    (
        "acquire another organization's internal listing",
        "owner",
        "POST",
        lambda w: f"/api/marketplace/{w.rival.org_listing_id}/acquire",
        lambda w: {},
        {},
        404,
    ),
    (
        "change another organization's public listing",
        "owner",
        "PATCH",
        lambda w: f"/api/marketplace/{w.rival.market_listing_id}",
        lambda w: {"allowEditableReferences": False},
        {},
        404,
    ),
    (
        "unpublish another organization's public listing",
        "owner",
        "DELETE",
        lambda w: f"/api/marketplace/{w.rival.market_listing_id}",
        None,
        {},
        404,
    ),
    (
        "restore a version of another organization's prompt",
        "owner",
        "POST",
        lambda w: f"/api/prompts/{w.rival.prompt_id}/versions/1/restore",
        None,
        {},
        404,
    ),
    # Function-level escalation inside one's own organization.
    (
        "an admin makes someone an owner",
        "admin",
        "PATCH",
        lambda w: f"/api/organizations/{w.home.org_id}/members/{w.member_ids['colleague']}",
        lambda w: {"role": "owner"},
        {},
        403,
    ),
    (
        "an admin adds an owner",
        "admin",
        "POST",
        lambda w: f"/api/organizations/{w.home.org_id}/members",
        lambda w: {"email": w.users["loner"].email, "role": "owner"},
        {},
        403,
    ),
    (
        "an admin creates an owner key",
        "admin",
        "POST",
        lambda w: f"/api/organizations/{w.home.org_id}/api-keys",
        lambda w: {"name": "escalate", "role": "owner"},
        {},
        403,
    ),
    (
        "an admin API key creates another key",
        "admin_key",
        "POST",
        lambda w: f"/api/organizations/{w.home.org_id}/api-keys",
        lambda w: {"name": "spawn", "role": "viewer"},
        {},
        403,
    ),
    (
        "an editor grants themselves publish permission",
        "editor",
        "PUT",
        lambda w: _home_ct_url(w),
        lambda w: {"permissions": {"publish": {"users": [w.users["editor"].email]}}},
        {},
        403,
    ),
    (
        "an editor edits the owner's prompt",
        "editor",
        "PATCH",
        lambda w: f"/api/prompts/{w.home.prompt_id}",
        lambda w: {"body": "Edited by someone else"},
        {},
        403,
    ),
]


def _client(caller: str, w):
    if caller == "admin_key":
        return bearer_client(token=w.keys["admin"])
    if caller == "viewer_key":
        return bearer_client(token=w.keys["viewer"])
    return bearer_client(w.users[caller])


@pytest.mark.parametrize(
    ("case", "caller", "method", "url", "body", "headers", "expected"),
    FOREIGN,
    ids=[case[0] for case in FOREIGN],
)
def test_foreign_ids_and_escalations_are_refused_and_change_nothing(
    shared_world, case, caller, method, url, body, headers, expected
):
    w = shared_world
    headers = {k: w.rival.org_id if v == "rival" else v for k, v in headers.items()}
    client = _client(caller, w)
    before = db_snapshot()
    data = body(w) if body is not None else None
    if data is None:
        response = client.generic(method, url(w), **headers)
    else:
        response = client.generic(
            method, url(w), json.dumps(data), content_type="application/json", **headers
        )
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert not snapshot_diff(before, db_snapshot())
        # A refusal names nothing of the other organization.
        assert w.rival.organization.name not in response.content.decode()


def test_another_organizations_component_ids_are_refused(shared_world):
    """A content type may only reference components of its own project (docs/content-types.md):
    another organization's ids answer 404 at create and update, like ids that exist nowhere,
    write nothing, reveal nothing and pin nothing in the other organization."""
    w = shared_world
    owner = bearer_client(w.users["owner"])
    foreign = sorted([str(w.rival.layout.pk), str(w.rival.spare_component.pk)])
    created = owner.post(
        f"{_v1(w)}/content-types",
        {
            "name": "Borrowed",
            "layoutComponentId": str(w.rival.layout.pk),
            "componentIdsAllowList": [str(w.rival.spare_component.pk)],
            "packageVersion": "1.0.0",
        },
        format="json",
    )
    assert created.status_code == 404, created.content
    assert created.json()["error"]["details"]["componentIds"] == foreign
    assert "Rival" not in created.content.decode()
    own = owner.post(
        f"{_v1(w)}/content-types",
        {
            "name": "Own",
            "layoutComponentId": str(w.home.layout.pk),
            "componentIdsAllowList": [],
            "packageVersion": "1.0.0",
        },
        format="json",
    )
    assert own.status_code == 201, own.content
    before = db_snapshot()
    updated = owner.put(
        f"{_v1(w)}/content-types/{own.json()['id']}",
        {"componentIdsAllowList": [str(w.rival.spare_component.pk)]},
        format="json",
    )
    assert updated.status_code == 404
    assert "Rival" not in updated.content.decode()
    assert not snapshot_diff(before, db_snapshot())
    # Nothing pins the other organization's component.
    rival = bearer_client(w.users["outsider"])
    rival_component = (
        f"/v1/organizations/{w.rival.org_id}/projects/{w.rival.project_id}"
        f"/components/{w.rival.spare_component.pk}"
    )
    assert rival.delete(rival_component).status_code == 200
