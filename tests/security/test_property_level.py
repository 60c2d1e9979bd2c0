"""Property-level authorization (OWASP API3, mass assignment): no write endpoint lets a client set
a field the server owns.

Every write operation of the authorization matrix is called by the owner of the home organization
(so authorization is not what refuses it) with its valid body plus one server-owned field
(``status``, ``organization``, ``publisher``, ``version``, ``usageCount``, ``owner``, ``id`` …).
Operations with a request body must answer 400 ``VALIDATION_FAILED`` naming that field and change
nothing. Operations without one (publish, restore, discard …) ignore the body: they answer as they
would without it, and the injected values appear nowhere in the rows they wrote. Fields an
operation legitimately takes (``status`` of the status action, ``version`` of rollback or of a new
package) are read from its OpenAPI request schema and skipped.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from django.db import transaction

from tests.security.routes import shape
from tests.security.test_authorization_matrix import ACTORS, MATRIX, Row, client_for, fill, send
from tests.security.world import World, db_snapshot, snapshot_diff

SENTINEL_NUMBER = 987654321
SENTINEL_TEXT = "x-injected-by-client"
SENTINEL_TIME = "2001-02-03T04:05:06Z"


def injections(w: World) -> dict[str, Any]:
    """Server-owned fields, each with a value that would matter if it were taken."""
    rival = w.rival
    return {
        "id": SENTINEL_TEXT,
        "status": SENTINEL_TEXT,
        "organization": rival.org_id,
        "organizationId": rival.org_id,
        "publisher": rival.owner.pk,
        "publisherId": rival.owner.pk,
        "owner": rival.owner.pk,
        "version": SENTINEL_NUMBER,
        "usageCount": SENTINEL_NUMBER,
        "itemVersion": SENTINEL_NUMBER,
        "lastPublishedVersion": SENTINEL_NUMBER,
        "featured": True,
        "createdAt": SENTINEL_TIME,
        "publishedAt": SENTINEL_TIME,
        "createdBy": rival.owner.email,
    }


# Values that cannot occur in a row by accident (user ids are small integers, so they are left
# out of this check; the requests with a body prove those fields are refused).
def _sentinels(w: World) -> list[str]:
    return [str(SENTINEL_NUMBER), SENTINEL_TEXT, "2001-02-03", w.rival.org_id.replace("-", "")]


@cache
def _request_properties() -> dict[tuple[str, str], set[str]]:
    """(METHOD, path shape) → the top-level properties of the operation's JSON request body."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    found: dict[tuple[str, str], set[str]] = {}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            properties: set[str] = set()
            if body is not None:
                while "$ref" in body:
                    body = components[body["$ref"].rsplit("/", 1)[-1]]
                properties = set(body.get("properties", {}))
            found[(method.upper(), shape(path))] = properties
    return found


def takes_body(row: Row) -> bool:
    return bool(_request_properties().get((row.method, shape(row.path))))


WRITES = [row for row in MATRIX if row.method in ("POST", "PUT", "PATCH")]
OWNER = ACTORS.index("owner")


def _call(row: Row, w: World, body: Any, before: dict[str, list[str]] | None = None):
    """Send ``body`` as the owner and roll back; ``before`` is the snapshot every call of one test
    starts from (each call is rolled back, so it is the same for all of them)."""
    savepoint = transaction.savepoint()
    try:
        before = before if before is not None else db_snapshot()
        response = send(client_for("owner", w), row.method, fill(row, w), body)
        return response, snapshot_diff(before, db_snapshot())
    finally:
        transaction.savepoint_rollback(savepoint)


def test_every_write_operation_is_covered():
    bodies = [row for row in WRITES if takes_body(row)]
    assert bodies
    assert all(row.body is not None for row in bodies), "a row without a body for a body op"


@pytest.mark.parametrize("row", WRITES, ids=str)
def test_server_owned_fields_cannot_be_set(row: Row, shared_world: World):
    w = shared_world
    if row.setup is not None:
        row.setup(w)
    accepted = _request_properties()[(row.method, shape(row.path))]
    base = row.body(w) if row.body is not None else {}
    before = db_snapshot()
    checked = []
    for name, value in injections(w).items():
        if name in accepted:
            continue  # a real input of this operation
        checked.append(name)
        response, changes = _call(row, w, {**base, name: value}, before)
        if takes_body(row):
            assert response.status_code == 400, (name, response.content)
            error = response.json()["error"]
            assert error["code"] == "VALIDATION_FAILED"
            assert name in error["details"]["fields"], (name, error)
            assert not changes, (name, changes)
        else:
            # Ignored: the same answer as without it, and the value landed nowhere.
            assert response.status_code == row.expect[OWNER], (name, response.content)
            written = json.dumps(changes, default=str)
            assert not [s for s in _sentinels(w) if s in written], (name, changes)
    assert checked


NESTED = [
    (
        "POST",
        "/api/marketplace/publish",
        lambda w: {
            "itemType": "prompt",
            "itemId": w.home.prompt_id,
            "scopes": {"organization": {"enabled": True, "shareType": "copy", "status": "active"}},
        },
        "scopes.organization.status",
    ),
    (
        "POST",
        "/api/marketplace/publish",
        lambda w: {
            "itemType": "prompt",
            "itemId": w.home.prompt_id,
            "scopes": {"organization": {"enabled": True, "shareType": "copy"}},
            "metadata": {"name": "x", "usageCount": 1000},
        },
        "metadata.usageCount",
    ),
    (
        "PATCH",
        "/api/marketplace/{listing_id}",
        lambda w: {"metadata": {"publishedAt": SENTINEL_TIME}},
        "metadata.publishedAt",
    ),
    (
        "PUT",
        "/v1/organizations/{organization_id}/projects/{project_id}/content-types/{id}",
        lambda w: {"metadata": {"publishedBy": str(w.rival.owner.pk)}},
        "metadata.publishedBy",
    ),
    (
        "POST",
        "/v1/organizations/{organization_id}/projects/{project_id}/content-types",
        lambda w: {
            "name": "Post",
            "layoutComponentId": str(w.home.layout.pk),
            "componentIdsAllowList": [],
            "packageVersion": "1.0.0",
            "metadata": {"publishedAt": SENTINEL_TIME},
        },
        "metadata.publishedAt",
    ),
    (
        "PUT",
        "/v1/organizations/{organization_id}/projects/{project_id}/content-types/{id}",
        lambda w: {"componentIdsAllowList": [{"id": "g", "componentIds": [], "status": "x"}]},
        "componentIdsAllowList.0.status",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    NESTED,
    # callables have no stable repr; the ids must match across pytest-xdist's workers
    ids=[f"{method} {path[:60]} {field}" for method, path, _body, field in NESTED],
)
def test_server_owned_fields_cannot_be_set_inside_objects(
    shared_world: World, method: str, path: str, body, field: str
):
    row = Row(method, path, ())
    response, changes = _call(row, shared_world, body(shared_world))
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["details"]["fields"], response.content
    assert not changes
