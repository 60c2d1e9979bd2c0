"""Issue 14.4.15 (marketplace part): the OpenAPI schema of a publish scope refuses what the
server refuses, and allows what it accepts."""

from __future__ import annotations

from functools import cache

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db


@cache
def _scope_validator() -> jsonschema.Draft4Validator:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    scope = {**components["ScopeInputRequest"], "components": schema["components"]}
    return jsonschema.Draft4Validator(scope)


CASES = [
    ({"enabled": True, "shareType": "copy", "allowEditableReferences": True}, 400),
    (
        {
            "enabled": True,
            "shareType": "reference",
            "isContentVisible": False,
            "allowEditableReferences": True,
        },
        400,
    ),
    ({"enabled": True, "shareType": "reference", "allowEditableReferences": True}, 200),
    ({"enabled": True, "shareType": "copy", "allowEditableReferences": False}, 200),
    ({"enabled": False, "shareType": "copy", "allowEditableReferences": True}, 200),
]


@pytest.mark.parametrize(("scope", "status"), CASES)
def test_schema_and_server_agree_on_editable_references(scope, status, editor, make_item):
    item = make_item(editor)
    scopes = {"organization": {"enabled": True, "shareType": "copy"}, "marketplace": scope}
    body = {"itemType": "prompt", "itemId": item.pk, "scopes": scopes}
    response = bearer_client(editor).post("/api/marketplace/publish", body, format="json")
    assert response.status_code == status, response.json()
    assert _scope_validator().is_valid(scope) == (status == 200)
