"""Browse page totals: exact when cheap, PostgreSQL's estimate when counting would cost more."""

from __future__ import annotations

import pytest

from config import totals as browse_module
from marketplace.services import ListingMetadata, ScopeSettings, listing_publish
from publishing.tenancy import actor_for
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def seven(org, editor, make_item):
    for i in range(7):
        item = make_item(editor, name=f"kangaroo {i}")
        listing_publish(
            actor=actor_for(editor, org),
            item_type="prompt",
            item_id=item.pk,
            scopes={"marketplace": ScopeSettings("copy")},
            metadata=ListingMetadata(),
        )


def pagination(user, query: str) -> dict:
    response = bearer_client(user).get(f"/api/marketplace{query}")
    assert response.status_code == 200, response.json()
    return response.json()["data"]["pagination"]


def test_small_totals_are_exact(seven, stranger):
    assert pagination(stranger, "?limit=2")["total"] == 7
    assert pagination(stranger, "?limit=2&page=4")["total"] == 7  # the last page, uncounted
    assert pagination(stranger, "?limit=2&page=9")["total"] == 7  # past the end
    assert pagination(stranger, "?limit=2&q=kangaroo")["total"] == 7


def test_large_totals_are_estimates_never_below_what_a_page_shows(seven, stranger, monkeypatch):
    monkeypatch.setattr(browse_module, "EXACT_TOTAL_LIMIT", 2)
    monkeypatch.setattr(browse_module, "planner_estimate", lambda queryset: 1)
    # More than the limit: the estimate (1) is too low, so the total is what is known to exist.
    assert pagination(stranger, "?limit=2")["total"] == 3
    assert pagination(stranger, "?limit=2&page=2")["total"] == 5
    monkeypatch.setattr(browse_module, "planner_estimate", lambda queryset: 5000)
    assert pagination(stranger, "?limit=2") == {"page": 1, "limit": 2, "total": 5000, "pages": 2500}
    assert pagination(stranger, "?limit=2&page=4")["total"] == 7  # the last page stays exact


def test_relevance_ranks_a_bounded_number_of_newest_matches(seven, stranger, monkeypatch):
    from marketplace import selectors

    monkeypatch.setattr(selectors, "RELEVANCE_CANDIDATES", 3)
    response = bearer_client(stranger).get("/api/marketplace?q=kangaroo&limit=2")
    data = response.json()["data"]
    assert data["pagination"]["total"] == 3
    names = [item["name"] for item in data["items"]]
    follow = bearer_client(stranger).get("/api/marketplace?q=kangaroo&limit=2&page=2")
    names += [item["name"] for item in follow.json()["data"]["items"]]
    assert sorted(names) == ["kangaroo 4", "kangaroo 5", "kangaroo 6"]  # the three newest
