from __future__ import annotations

import pytest

from tests.security.world import World, build_world


@pytest.fixture
def world(db, settings) -> World:
    """Two organizations with data (tests/security/world.py); passwords hashed cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()
