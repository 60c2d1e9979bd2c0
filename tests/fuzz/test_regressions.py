"""What the schema fuzzer found, pinned down one example each (the fuzzer itself is random)."""

from __future__ import annotations

import pytest

from tests.conftest import bearer_client, error_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    ["/api/prompts/0/render", "/api/templates/0/versions", "/api/marketplace/publish"],
)
def test_options_is_a_405_envelope_not_a_500(owner, path):
    response = bearer_client(owner).options(path)
    assert response.status_code == 405
    assert error_of(response)["code"] == "METHOD_NOT_ALLOWED"
