"""Keyset pages of GET /content: ``cursor`` and ``nextCursor`` cover every item once, survive
inserts, refuse bad cursors with 400, and cost the same number of queries at any depth."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contenttypes_app import services
from tests.conftest import bearer_client
from tests.contenttypes_app.conftest import article

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(owner):
    return bearer_client(owner)


def make(owner_actor, world, published, count, prefix="item"):
    return [
        services.content_create(
            actor=owner_actor,
            project_id=world.project.pk,
            type_id=published.pk,
            name=f"{prefix} {i:03d}",
            content=article(),
        ).pk
        for i in range(count)
    ]


def walk(client, world, query="", limit=3):
    seen, cursor, pages = [], None, 0
    while True:
        suffix = f"?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(f"{world.base}/content{suffix}")
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [row["id"] for row in body["data"]]
        pages += 1
        cursor = body["pagination"]["nextCursor"]
        if cursor is None:
            return seen, pages


@pytest.mark.parametrize("sort", ["-updatedAt", "updatedAt", "name", "-name"])
def test_cursor_pages_cover_every_item_once_in_order(client, world, owner_actor, published, sort):
    ids = make(owner_actor, world, published, 10)
    seen, pages = walk(client, world, f"&sort={sort}")
    assert sorted(seen) == sorted(str(i) for i in ids)
    assert len(seen) == len(set(seen))
    assert pages == 4
    everything = client.get(f"{world.base}/content?limit=100&sort={sort}").json()["data"]
    assert seen == [row["id"] for row in everything]


def test_page_mode_answers_the_next_cursor_too(client, world, owner_actor, published):
    make(owner_actor, world, published, 5)
    first = client.get(f"{world.base}/content?limit=2").json()["pagination"]
    assert first["page"] == 1
    assert first["total"] == 5
    assert first["nextCursor"]
    nxt = client.get(f"{world.base}/content?limit=2&cursor={first['nextCursor']}").json()
    second = client.get(f"{world.base}/content?limit=2&page=2").json()
    assert [r["id"] for r in nxt["data"]] == [r["id"] for r in second["data"]]
    assert set(nxt["pagination"]) == {"limit", "nextCursor"}
    last = client.get(f"{world.base}/content?limit=2&page=3").json()["pagination"]
    assert last["nextCursor"] is None


def test_items_inserted_while_paging_are_never_repeated(client, world, owner_actor, published):
    ids = make(owner_actor, world, published, 6)
    first = client.get(f"{world.base}/content?limit=3").json()
    new = make(owner_actor, world, published, 4, prefix="new")
    cursor = first["pagination"]["nextCursor"]
    rest = client.get(f"{world.base}/content?limit=50&cursor={cursor}").json()
    seen = [r["id"] for r in first["data"]] + [r["id"] for r in rest["data"]]
    assert len(seen) == len(set(seen)) == 6
    assert set(seen) == {str(i) for i in ids}
    assert not set(seen) & {str(i) for i in new}
    assert rest["pagination"]["nextCursor"] is None


def encoded(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64-%25%25",
        "bm90IGpzb24",  # "not json"
        encoded({"a": 1}),
        encoded(["-updated_at,-id", ["yesterday", "x"]]),
        encoded(["name,id", ["a", "00000000-0000-0000-0000-000000000000"]]),  # another sort
        encoded(["-updated_at,-id", ["2026-01-01T00:00:00+00:00"]]),
    ],
)
def test_a_bad_cursor_answers_400(client, world, owner_actor, published, cursor):
    make(owner_actor, world, published, 1)
    response = client.get(f"{world.base}/content?cursor={cursor}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_FAILED"
    assert "Invalid cursor" in error["details"]["fields"]["cursor"][0]


def test_page_and_cursor_together_answer_400(client, world, owner_actor, published):
    make(owner_actor, world, published, 3)
    cursor = client.get(f"{world.base}/content?limit=1").json()["pagination"]["nextCursor"]
    response = client.get(f"{world.base}/content?page=2&cursor={cursor}")
    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["details"]["fields"]


def test_a_cursor_page_costs_the_same_queries_at_any_depth(client, world, owner_actor, published):
    make(owner_actor, world, published, 12)
    counts, cursor = [], None
    while True:
        with CaptureQueriesContext(connection) as queries:
            suffix = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
            body = client.get(f"{world.base}/content{suffix}").json()
        if cursor:
            counts.append(len(queries))
            assert not any("OFFSET" in q["sql"] or "COUNT(" in q["sql"] for q in queries)
        cursor = body["pagination"]["nextCursor"]
        if cursor is None:
            break
    assert len(counts) == 5
    assert len(set(counts)) == 1
