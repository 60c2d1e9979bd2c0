"""Admin screens for users, organizations, API keys, prompts and templates."""

from __future__ import annotations

import pytest

from publishing import services
from publishing.models import APIKey
from publishing.tenancy import actor_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = UserFactory(email="root@platform.test", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def items(org, editor):
    actor = actor_for(editor, org)
    prompt = services.item_create(
        actor=actor, kind="prompt", data={"name": "Triage", "body": "Hi {{x}}"}
    )
    services.item_checkpoint(actor=actor, kind="prompt", item_id=prompt.pk)
    template = services.item_create(
        actor=actor,
        kind="template",
        data={"name": "Welcome mail", "body": "Hello", "type": "email"},
    )
    return prompt, template


@pytest.mark.parametrize(
    "path",
    [
        "/admin/publishing/user/?q=acme",
        "/admin/publishing/organization/?q=acme",
        "/admin/publishing/membership/?role=owner",
        "/admin/publishing/apikey/",
        "/admin/publishing/auditevent/?q=prompt",
        "/admin/publishing/prompt/?q=triage",
        "/admin/publishing/prompt/?q=editor@acme.test",
        "/admin/publishing/template/?type__exact=email",
    ],
)
def test_changelists_render_with_search_and_filters(staff_client, items, owner, path):
    response = staff_client.get(path)
    assert response.status_code == 200


def test_prompt_page_shows_versions_read_only(staff_client, items):
    prompt, _ = items
    response = staff_client.get(f"/admin/publishing/prompt/{prompt.pk}/change/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Triage" in body
    assert "Prompt versions" in body or "prompt version" in body.lower()
    post = staff_client.post(f"/admin/publishing/prompt/{prompt.pk}/change/", {"name": "x"})
    assert post.status_code == 403


def test_organization_page_shows_memberships(staff_client, org, owner):
    response = staff_client.get(f"/admin/publishing/organization/{org.pk}/change/")
    assert response.status_code == 200
    assert owner.email in response.content.decode()


def test_revoke_action_revokes_keys_and_never_shows_secrets(staff_client, org, admin):
    key, raw = services.api_key_create(actor=actor_for(admin, org), name="CI", role="editor")
    page = staff_client.get(f"/admin/publishing/apikey/{key.pk}/change/")
    assert raw not in page.content.decode()
    response = staff_client.post(
        "/admin/publishing/apikey/", {"action": "revoke", "_selected_action": [str(key.pk)]}
    )
    assert response.status_code == 302
    assert APIKey.objects.get(pk=key.pk).revoked_at is not None


def test_non_staff_cannot_enter(client, owner):
    client.force_login(owner)
    response = client.get("/admin/publishing/prompt/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
