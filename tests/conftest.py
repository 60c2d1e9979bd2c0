"""Shared fixtures: named actors in two organizations and API clients authenticated as them.

Clients authenticate with real JWT access tokens (simplejwt) over Django's test client.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from publishing.models import Organization, Role, User
from publishing.tenancy import Actor
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords cheaply (PBKDF2 costs ~0.3 s per user); tests that need the real
    hasher override PASSWORD_HASHERS themselves."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _installation_data(request):
    """A transactional test's teardown flushes every table, the rows migrations seed included;
    put the template categories and the Moderators group back so every test starts from what a
    new installation has."""
    if request.node.get_closest_marker("django_db") is None and not {
        "db",
        "transactional_db",
    } & set(request.fixturenames):
        return
    request.getfixturevalue("_django_db_helper")
    from django.apps import apps
    from django.contrib.auth.models import Group

    from publishing.models import TemplateCategory

    categories = importlib.import_module("publishing.migrations.0007_template_categories")
    if not TemplateCategory.objects.exists():
        categories.categories_in_use(apps, None)
    if not Group.objects.filter(name="Moderators").exists():
        state = _migrated_apps()
        importlib.import_module("marketplace.migrations.0003_moderators_group").create_group(
            state, None
        )
        categories.moderators_manage_categories(state, None)


@functools.cache
def _migrated_apps() -> Any:
    """The models as the migrations leave them, for re-running their seed functions (which
    adjust the app registry they are given, so they must not get the real one)."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    return MigrationLoader(connection).project_state().apps


@pytest.fixture
def org(db) -> Organization:
    return OrganizationFactory(name="Acme Publishing", slug="acme-publishing")


@pytest.fixture
def other_org(db) -> Organization:
    return OrganizationFactory(name="Rival Corp", slug="rival-corp")


def _member(organization: Organization, role: str, email: str) -> User:
    user = UserFactory(email=email)
    MembershipFactory(user=user, organization=organization, role=role)
    return user


@pytest.fixture
def owner(org) -> User:
    return _member(org, Role.OWNER, "owner@acme.test")


@pytest.fixture
def admin(org) -> User:
    return _member(org, Role.ADMIN, "admin@acme.test")


@pytest.fixture
def editor(org) -> User:
    return _member(org, Role.EDITOR, "editor@acme.test")


@pytest.fixture
def editor2(org) -> User:
    return _member(org, Role.EDITOR, "editor2@acme.test")


@pytest.fixture
def viewer(org) -> User:
    return _member(org, Role.VIEWER, "viewer@acme.test")


@pytest.fixture
def stranger(other_org) -> User:
    """Owner of another organization."""
    return _member(other_org, Role.OWNER, "stranger@rival.test")


@pytest.fixture
def moderator(db) -> User:
    from django.contrib.auth.models import Group

    user = UserFactory(email="moderator@platform.test", is_staff=True)
    group = Group.objects.filter(name="Moderators").first()
    if group is not None:
        user.groups.add(group)
    return user


def bearer_client(user: User | None = None, token: str | None = None, **headers: str) -> APIClient:
    client = APIClient()
    if user is not None:
        token = str(RefreshToken.for_user(user).access_token)
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}", **headers)
    elif headers:
        client.credentials(**headers)
    return client


@pytest.fixture
def client_for() -> Callable[..., APIClient]:
    """``client_for(user)`` → an APIClient sending that user's JWT."""
    return bearer_client


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def actor_for_user() -> Callable[[User, Organization], Actor]:
    from publishing.tenancy import actor_for

    return actor_for


def error_of(response: Any) -> dict:
    """The error object of an ``/api/`` (``success: false``) or ``/v1/`` error body."""
    body = response.json()
    assert "error" in body, body
    return body["error"]
