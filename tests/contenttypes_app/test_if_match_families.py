"""One ``If-Match`` parser (config.preconditions) for both API families: the same header gets
the same answer on a prompt (``/api/``) and on a content type (``/v1/``)."""

from __future__ import annotations

import pytest

from config.preconditions import if_match_satisfied, if_match_tags
from tests.conftest import bearer_client, error_of

pytestmark = pytest.mark.django_db


def test_the_parser_ignores_w_slash_and_empty_elements():
    assert if_match_tags(' W/"a.1" , "b.2",, * ') == {'"a.1"', '"b.2"', "*"}
    assert if_match_satisfied('W/"a.1"', '"a.1"')
    assert if_match_satisfied(None, '"a.1"')
    assert if_match_satisfied("", '"a.1"')
    assert not if_match_satisfied('W/"a.0"', '"a.1"')


def _prompt_write(client):
    created = client.post("/api/prompts", {"name": "Greeting", "body": "Hello {{ name }}!"})
    assert created.status_code == 201, created.content
    url = f"/api/prompts/{created.json()['data']['id']}"
    return created["ETag"], lambda n, tag: client.patch(url, {"body": f"v{n}"}, HTTP_IF_MATCH=tag)


def _content_type_write(client, world):
    etag = client.get(world.ct_url())["ETag"]
    return etag, lambda n, tag: client.put(
        world.ct_url(), {"description": f"v{n}"}, HTTP_IF_MATCH=tag
    )


@pytest.mark.parametrize("family", ["/api/ prompts", "/v1/ content types"])
def test_a_weak_if_match_behaves_the_same_on_both_families(world, editor, family):
    client = bearer_client(editor)
    etag, write = (
        _prompt_write(client) if family.startswith("/api/") else _content_type_write(client, world)
    )
    fresh = write(1, f"W/{etag}")
    assert fresh.status_code == 200, fresh.content
    stale = write(2, f"W/{etag}")
    assert stale.status_code == 412
    assert error_of(stale)["code"] == "PRECONDITION_FAILED"
    assert error_of(stale)["details"]["currentETag"] == fresh["ETag"]
    assert write(3, f'W/"nope", W/{fresh["ETag"]}').status_code == 200
