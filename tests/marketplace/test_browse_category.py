"""Browse and search by template category; listings show the category's display name."""

from __future__ import annotations

import pytest
from django.db import connection

from marketplace.services import ListingMetadata, ScopeSettings, listing_publish
from publishing.models import TemplateCategory
from publishing.tenancy import actor_for
from tests.conftest import bearer_client, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(org, editor, make_item):
    """A prompt and templates in billing, support and a category staff hid later."""

    def publish(kind: str, **fields):
        item = make_item(editor, kind=kind, **fields)
        return listing_publish(
            actor=actor_for(editor, org),
            item_type=kind,
            item_id=item.pk,
            scopes={"marketplace": ScopeSettings("copy", True, False)},
            metadata=ListingMetadata(),
        )[0]

    TemplateCategory.objects.create(name="legacy", display_name="Legacy", color="#112233")
    listings = {
        "prompt": publish("prompt", name="Invoice prompt"),
        "billing": publish("template", name="Invoice due", category="billing"),
        "support": publish("template", name="Ticket closed", category="support"),
        "legacy": publish("template", name="Invoice legacy", category="legacy"),
    }
    TemplateCategory.objects.filter(name="legacy").update(is_active=False)
    return listings


def ids(response) -> set[str]:
    assert response.status_code == 200, response.json()
    return {item["id"] for item in response.json()["data"]["items"]}


def test_browse_and_search_filter_by_category(listed, stranger):
    client = bearer_client(stranger)
    assert ids(client.get("/api/marketplace?category=billing")) == {listed["billing"].pk}
    assert ids(client.get("/api/marketplace?category=billing&itemType=template")) == {
        listed["billing"].pk
    }
    # Search: "invoice" matches the prompt and two templates; the category keeps one.
    assert ids(client.get("/api/marketplace?q=invoice")) == {
        listed["prompt"].pk,
        listed["billing"].pk,
        listed["legacy"].pk,
    }
    assert ids(client.get("/api/marketplace?q=invoice&category=billing")) == {listed["billing"].pk}
    # A hidden category still finds the templates that keep it.
    assert ids(client.get("/api/marketplace?category=legacy")) == {listed["legacy"].pk}
    assert ids(client.get("/api/marketplace?category=marketing")) == set()
    assert ids(client.get("/api/marketplace?category=")) == {p.pk for p in listed.values()}


def test_listings_show_the_category_display_name(listed, stranger, editor):
    client = bearer_client(stranger)
    items = {i["id"]: i for i in client.get("/api/marketplace").json()["data"]["items"]}
    assert items[listed["billing"].pk]["category"] == {
        "name": "billing",
        "displayName": "Billing",
        "color": "#6b7280",
    }
    assert items[listed["legacy"].pk]["category"]["displayName"] == "Legacy"
    assert items[listed["prompt"].pk]["category"] is None
    detail = client.get(f"/api/marketplace/{listed['support'].pk}").json()["data"]
    assert detail["category"]["displayName"] == "Support"
    # Staff rename a category: listings show the new name at once.
    TemplateCategory.objects.filter(name="support").update(display_name="Customer support")
    detail = client.get(f"/api/marketplace/{listed['support'].pk}").json()["data"]
    assert detail["category"]["displayName"] == "Customer support"
    own = bearer_client(editor).get("/api/marketplace/my-published?itemType=template").json()
    assert {row["category"]["name"] for row in own["data"]["items"]} == {
        "billing",
        "support",
        "legacy",
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?category=unknown", "category"),
        ("?category=billing&itemType=prompt", "category"),
        ("?category=" + "x" * 300, "category"),
    ],
)
def test_bad_category_is_a_clear_400(listed, stranger, query, field):
    response = bearer_client(stranger).get(f"/api/marketplace{query}")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "VALIDATION_FAILED"
    assert field in error["details"]["fields"]


def test_unknown_category_names_the_allowed_ones(listed, stranger):
    error = error_of(bearer_client(stranger).get("/api/marketplace?category=nope"))
    assert "billing" in error["details"]["allowed"]
    assert "legacy" not in error["details"]["allowed"]  # hidden: not offered


def test_category_adds_no_query_and_uses_its_index(listed, stranger, django_assert_max_num_queries):
    client = bearer_client(stranger)
    client.get("/api/marketplace?category=billing")  # warm the actor's lookups
    with django_assert_max_num_queries(5):
        assert client.get("/api/marketplace?category=billing").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM marketplace_listing WHERE status = 'active' "
            "AND item_type = 'template' AND snapshot_category = 'billing' "
            "ORDER BY featured DESC, published_at DESC, id DESC LIMIT 20"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "listing_live_category_idx" in plan
