"""A search with few matches pages through the matches' ids (``selectors.few_match_ids``), and
answers exactly what the ordered walk answers; with more matches it walks as before."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace import selectors
from marketplace.models import Listing
from tests.conftest import bearer_client
from tests.marketplace.test_consumer_api import browse, publish  # noqa: F401 - publish: a fixture

pytestmark = pytest.mark.django_db

QUERIES = [
    "?q=quokka",
    "?q=quokka&sort=newest",
    "?q=quokka&sort=popular",
    "?q=quokka&sort=name",
    "?q=quokka&sort=newest&limit=2",
    "?q=quokka&sort=name&limit=2&page=2",
    "?q=quokka&itemType=prompt",
    "?q=quokka&filter=organization",
]


@pytest.fixture
def catalogue(editor, publish):  # noqa: F811 - the fixture imported above
    listings = [publish(editor, name=f"quokka {n}", description="d")[1] for n in range(5)]
    listings.append(publish(editor, name="quokka in the org", scope="organization")[1])
    publish(editor, name="kangaroo")  # does not match
    Listing.objects.filter(pk=listings[2].pk).update(usage_count=9, featured=True)
    Listing.objects.filter(pk=listings[4].pk).update(status="unpublished")  # matches, not live
    return listings


def pages(client, monkeypatch, *, few: bool) -> list:
    if not few:
        monkeypatch.setattr(selectors, "few_match_ids", lambda matches: None)
    return [browse(client, query) for query in QUERIES]


def test_few_matches_answer_what_the_ordered_walk_answers(editor, catalogue, monkeypatch):
    client = bearer_client(editor)
    by_ids = pages(client, monkeypatch, few=True)
    walked = pages(client, monkeypatch, few=False)
    assert by_ids == walked
    assert by_ids[1]["items"][0]["name"] == "quokka 2"  # featured first
    assert catalogue[4].pk not in {item["id"] for page in by_ids for item in page["items"]}


def test_cursor_pages_walk_the_few_matches_once(editor, catalogue):
    client = bearer_client(editor)
    seen, cursor = [], None
    while True:
        data = browse(
            client, "?q=quokka&sort=newest&limit=2" + (f"&cursor={cursor}" if cursor else "")
        )
        seen += [item["id"] for item in data["items"]]
        cursor = data["nextCursor"]
        if cursor is None:
            break
    assert seen == [i["id"] for i in browse(client, "?q=quokka&sort=newest&limit=100")["items"]]
    assert len(seen) == 5


def test_the_page_query_reads_by_id_when_matches_are_few(editor, catalogue):
    with CaptureQueriesContext(connection) as queries:
        browse(bearer_client(editor), "?q=quokka&sort=newest")
    page = [q["sql"] for q in queries if "ORDER BY" in q["sql"] and "LIMIT 21" in q["sql"]]
    assert len(page) == 1, [q["sql"] for q in queries]
    assert '"marketplace_listing"."id" IN (' in page[0]


def test_more_matches_than_few_take_the_ordered_walk(editor, catalogue, monkeypatch):
    monkeypatch.setattr(selectors, "FEW_MATCHES", 3)
    matches = selectors.listing_browse_matches(
        actor=_actor(editor), params=selectors.BrowseParams(q="quokka")
    )
    assert selectors.few_match_ids(matches) is None
    monkeypatch.setattr(selectors, "FEW_MATCHES", 5)
    assert len(selectors.few_match_ids(matches)) == 5
    client = bearer_client(editor)
    monkeypatch.setattr(selectors, "FEW_MATCHES", 3)
    assert pages(client, monkeypatch, few=True) == pages(client, monkeypatch, few=False)


def test_sequential_scans_are_off_for_the_ids_only(editor, catalogue):
    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_seqscan")
            return cursor.fetchone()[0]

    seen = []
    matches = selectors.listing_browse_matches(
        actor=_actor(editor), params=selectors.BrowseParams(q="quokka")
    )

    class Spy(type(matches)):
        def _fetch_all(self):
            seen.append(setting())
            super()._fetch_all()

    matches.__class__ = Spy
    assert len(selectors.few_match_ids(matches)) == 5
    assert set(seen) == {"off"}
    assert setting() == "on"  # given back to the caller's transaction (this test's)


def _actor(user):
    from publishing.tenancy import actor_for

    return actor_for(user, user.memberships.get().organization)
