from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from tests.security.world import World, build_world

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db, settings) -> World:
    """Two organizations with data (tests/security/world.py); passwords hashed cheaply."""
    settings.PASSWORD_HASHERS = FAST_HASHER
    return build_world()


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    """The same data, built once per test module inside a transaction that is rolled back at the
    module's end. Each test still runs in its own savepoint (pytest-django's ``db``), so tests
    cannot see each other's writes."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def shared_world(module_world, db, settings) -> World:
    """``module_world`` for one test (which runs in a savepoint of the module's transaction)."""
    settings.PASSWORD_HASHERS = FAST_HASHER
    return module_world
