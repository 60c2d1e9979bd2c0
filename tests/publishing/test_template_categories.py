"""Template categories: the managed list, validation of a template's category, the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from publishing.models import Template, TemplateCategory
from tests.conftest import bearer_client, error_of

pytestmark = pytest.mark.django_db


def create(client, **body):
    payload = {"name": "Welcome", "body": "Hi {{name}}", "type": "email", **body}
    return client.post("/api/templates", payload, format="json")


def test_the_list_is_the_active_categories_in_order(editor):
    TemplateCategory.objects.create(name="legal", display_name="Legal", sort_order=5)
    TemplateCategory.objects.filter(name="support").update(is_active=False)
    response = bearer_client(editor).get("/api/template-categories")
    assert response.status_code == 200
    rows = response.json()["data"]
    names = [row["name"] for row in rows]
    assert names[:2] == ["legal", "billing"]
    assert names[-1] == "other"
    assert "support" not in names
    assert set(rows[0]) == {"name", "displayName", "description", "color", "sortOrder"}
    assert bearer_client().get("/api/template-categories").status_code == 401


def test_a_template_needs_an_active_category(editor):
    client = bearer_client(editor)
    assert create(client, category="billing").status_code == 201
    assert create(client).json()["data"]["category"] == "other"  # the default
    for bad in ("made-up", "support"):
        if bad == "support":
            TemplateCategory.objects.filter(name="support").update(is_active=False)
        response = create(client, category=bad)
        assert response.status_code == 400
        error = error_of(response)
        assert error["code"] == "VALIDATION_FAILED"
        assert "billing" in error["details"]["allowed"]
        assert bad not in error["details"]["allowed"]
        assert "category" in error["details"]["fields"]
    assert Template.objects.count() == 2


def test_a_template_keeps_a_category_hidden_later(editor):
    client = bearer_client(editor)
    template = create(client, category="promo").json()["data"]
    TemplateCategory.objects.filter(name="promo").update(is_active=False)
    url = f"/api/templates/{template['id']}"
    kept = client.patch(url, {"name": "Renamed", "category": "promo"}, format="json")
    assert kept.status_code == 200, kept.content
    assert kept.json()["data"]["category"] == "promo"
    moved = client.patch(url, {"category": "made-up"}, format="json")
    assert moved.status_code == 400
    assert Template.objects.get(pk=template["id"]).category == "promo"


def test_staff_order_and_hide_categories_but_never_delete_them(client, moderator):
    client.force_login(moderator)
    changelist = client.get(reverse("admin:publishing_templatecategory_changelist"))
    assert changelist.status_code == 200
    billing = TemplateCategory.objects.get(name="billing")
    change = client.get(reverse("admin:publishing_templatecategory_change", args=[billing.pk]))
    assert change.status_code == 200
    assert b'name="name"' not in change.content  # the slug templates store is read-only
    added = client.post(
        reverse("admin:publishing_templatecategory_add"),
        {"name": "Legal", "display_name": "Legal", "color": "#112233", "sort_order": 1},
    )
    assert added.status_code == 200  # the form again: the name must be lower-case
    assert not TemplateCategory.objects.filter(display_name="Legal").exists()
    delete = client.get(reverse("admin:publishing_templatecategory_delete", args=[billing.pk]))
    assert delete.status_code == 403
