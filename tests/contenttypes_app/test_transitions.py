"""The status machine: every status and every action, through the API, as one table.

States: ``draft`` (never published), ``published`` (v1), ``modified`` (v1 then edited),
``unpublished`` (v1 then unpublished), ``deleted`` (a draft in the bin), ``deleted_published``
(v1 then deleted), ``modified_withdrawn`` (unpublished then edited).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from contenttypes_app.models import ContentTypeVersion
from tests.conftest import bearer_client
from tests.contenttypes_app.conftest import World, drive
from tests.contenttypes_app.factories import make_package

pytestmark = pytest.mark.django_db

STATES = [
    "draft",
    "published",
    "modified",
    "unpublished",
    "deleted",
    "deleted_published",
    "modified_withdrawn",
]

# action → how to call it
ACTIONS: dict[str, Callable[[Any, World], Any]] = {
    "publish": lambda c, w: c.post(w.ct_url(suffix="/publish")),
    "unpublish": lambda c, w: c.post(w.ct_url(suffix="/unpublish")),
    "discard": lambda c, w: c.post(w.ct_url(suffix="/discard")),
    "update": lambda c, w: c.put(w.ct_url(), {"description": "changed again"}),
    "package-version": lambda c, w: c.put(
        w.ct_url(suffix="/package-version"), {"packageVersion": "1.1.0"}
    ),
    "rollback-1": lambda c, w: c.post(w.ct_url(suffix="/rollback"), {"version": 1}),
    "status-deleted": lambda c, w: c.post(w.ct_url(suffix="/status"), {"status": "deleted"}),
    "status-draft": lambda c, w: c.patch(w.ct_url(suffix="/status"), {"status": "draft"}),
    "status-modified": lambda c, w: c.post(w.ct_url(suffix="/status"), {"status": "modified"}),
    "status-published": lambda c, w: c.post(w.ct_url(suffix="/status"), {"status": "published"}),
    "delete": lambda c, w: c.delete(w.ct_url()),
}

# The version each state has before the action.
START_VERSION = {
    "draft": None,
    "published": 1,
    "modified": 1,
    "unpublished": 1,
    "deleted": None,
    "deleted_published": 1,
    "modified_withdrawn": 1,
}

OK = 200


def ok(status: str, version: int | None) -> tuple[int, str | None, str, int | None]:
    return (OK, None, status, version)


def refused(http: int, code: str, state: str) -> tuple[int, str | None, str, int | None]:
    """Refused: the status and version stay what they were."""
    stays = {"deleted_published": "deleted", "modified_withdrawn": "modified"}.get(state, state)
    return (http, code, stays, START_VERSION[state])


INVALID = "INVALID_STATUS"

# (state, action) → (HTTP status, error code or None, status after, version after)
EXPECTED: dict[tuple[str, str], tuple[int, str | None, str, int | None]] = {}
for s in STATES:
    EXPECTED[s, "status-published"] = refused(400, "VALIDATION_FAILED", s)
    EXPECTED[s, "delete"] = ok("deleted", START_VERSION[s])
    EXPECTED[s, "status-deleted"] = ok("deleted", START_VERSION[s])

EXPECTED.update(
    {
        # publish
        ("draft", "publish"): ok("published", 1),
        ("published", "publish"): ok("published", 1),  # unchanged: no new version
        ("modified", "publish"): ok("published", 2),
        ("unpublished", "publish"): ok("published", 2),
        ("deleted", "publish"): refused(409, INVALID, "deleted"),
        ("deleted_published", "publish"): refused(409, INVALID, "deleted_published"),
        ("modified_withdrawn", "publish"): ok("published", 2),
        # unpublish
        ("draft", "unpublish"): refused(409, INVALID, "draft"),
        ("published", "unpublish"): ok("unpublished", 1),
        ("modified", "unpublish"): refused(409, INVALID, "modified"),
        ("unpublished", "unpublish"): refused(409, INVALID, "unpublished"),
        ("deleted", "unpublish"): refused(409, INVALID, "deleted"),
        ("deleted_published", "unpublish"): refused(409, INVALID, "deleted_published"),
        ("modified_withdrawn", "unpublish"): refused(409, INVALID, "modified_withdrawn"),
        # discard
        ("draft", "discard"): refused(409, "NO_PUBLISHED_VERSION", "draft"),
        ("published", "discard"): refused(409, INVALID, "published"),
        ("modified", "discard"): ok("published", 1),
        ("unpublished", "discard"): refused(409, INVALID, "unpublished"),
        ("deleted", "discard"): refused(409, INVALID, "deleted"),
        ("deleted_published", "discard"): refused(409, INVALID, "deleted_published"),
        ("modified_withdrawn", "discard"): ok("unpublished", 1),
        # update
        ("draft", "update"): ok("draft", None),
        ("published", "update"): ok("modified", 1),
        ("modified", "update"): ok("modified", 1),
        ("unpublished", "update"): ok("modified", 1),
        ("deleted", "update"): refused(409, INVALID, "deleted"),
        ("deleted_published", "update"): refused(409, INVALID, "deleted_published"),
        ("modified_withdrawn", "update"): ok("modified", 1),
        # package version
        ("draft", "package-version"): ok("draft", None),
        ("published", "package-version"): ok("modified", 1),
        ("modified", "package-version"): ok("modified", 1),
        ("unpublished", "package-version"): ok("modified", 1),
        ("deleted", "package-version"): refused(409, INVALID, "deleted"),
        ("deleted_published", "package-version"): refused(409, INVALID, "deleted_published"),
        ("modified_withdrawn", "package-version"): ok("modified", 1),
        # rollback to version 1: a new version 2
        ("draft", "rollback-1"): refused(404, "VERSION_NOT_FOUND", "draft"),
        ("published", "rollback-1"): ok("published", 2),
        ("modified", "rollback-1"): ok("published", 2),
        ("unpublished", "rollback-1"): ok("published", 2),
        ("deleted", "rollback-1"): refused(409, INVALID, "deleted"),
        ("deleted_published", "rollback-1"): refused(409, INVALID, "deleted_published"),
        ("modified_withdrawn", "rollback-1"): ok("published", 2),
        # restore from the bin
        ("draft", "status-draft"): refused(409, INVALID, "draft"),
        ("published", "status-draft"): refused(409, INVALID, "published"),
        ("modified", "status-draft"): refused(409, INVALID, "modified"),
        ("unpublished", "status-draft"): refused(409, INVALID, "unpublished"),
        ("deleted", "status-draft"): ok("draft", None),
        ("deleted_published", "status-draft"): refused(409, INVALID, "deleted_published"),
        ("modified_withdrawn", "status-draft"): refused(409, INVALID, "modified_withdrawn"),
        ("draft", "status-modified"): refused(409, INVALID, "draft"),
        ("published", "status-modified"): refused(409, INVALID, "published"),
        ("modified", "status-modified"): refused(409, INVALID, "modified"),
        ("unpublished", "status-modified"): refused(409, INVALID, "unpublished"),
        ("deleted", "status-modified"): refused(409, INVALID, "deleted"),
        ("deleted_published", "status-modified"): ok("modified", 1),
        ("modified_withdrawn", "status-modified"): refused(409, INVALID, "modified_withdrawn"),
    }
)


def test_the_matrix_covers_every_state_and_action():
    assert set(EXPECTED) == {(s, a) for s in STATES for a in ACTIONS}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("state", STATES)
def test_transition(world, owner, state, action):
    make_package(world.actor, world.project, "1.1.0")  # holds every component, for package-version
    drive(world, state)
    versions_before = ContentTypeVersion.objects.filter(definition=world.content_type).count()
    http, code, status_after, version_after = EXPECTED[state, action]

    response = ACTIONS[action](bearer_client(owner), world)

    assert response.status_code == http, response.content
    ct = world.refresh()
    assert (ct.status, ct.version) == (status_after, version_after)
    assert ct.last_published_version == version_after
    versions_after = ContentTypeVersion.objects.filter(definition=ct).count()
    assert versions_after == (version_after or 0)
    if http != OK:
        body = response.json()
        assert body["error"]["code"] == code
        assert versions_after == versions_before  # nothing written
    elif action != "delete":
        assert response.json()["status"] == status_after
        assert response.json()["version"] == version_after
