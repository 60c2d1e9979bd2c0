"""Object- and property-level authorization beyond the matrix (OWASP API1 and API3)."""

from __future__ import annotations

import pytest

from publishing.models import Membership
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db


def test_an_api_key_sees_only_its_organization_and_role_in_me(world):
    # The key's creator (the home owner) also belongs to the rival organization.
    Membership.objects.create(
        user=world.home.owner, organization=world.rival.organization, role="viewer"
    )
    response = bearer_client(token=world.keys["viewer"]).get("/api/auth/me")
    assert response.status_code == 200
    organizations = response.json()["data"]["organizations"]
    assert organizations == [
        {
            "id": world.home.org_id,
            "name": "Home Publishing",
            "slug": "home-publishing",
            "role": "viewer",
        }
    ]
