"""Authentication hardening: token lifetimes, rotation, revocation, API keys, login answers."""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.hashers import get_hasher
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from publishing import authentication
from publishing.models import APIKey
from tests.conftest import bearer_client, error_of
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login"
REFRESH = "/api/auth/refresh"
LOGOUT = "/api/auth/logout"
ME = "/api/auth/me"


def login(client: APIClient, email: str, password: str = PASSWORD):
    return client.post(LOGIN, {"email": email, "password": password}, format="json")


def tokens_for(client: APIClient, user) -> dict:
    response = login(client, user.email)
    assert response.status_code == 200
    return response.json()["data"]


def refresh(client: APIClient, token: str):
    return client.post(REFRESH, {"refresh": token}, format="json")


# --- JWT ----------------------------------------------------------------------------------------
def test_access_tokens_are_short_lived(anon, owner):
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] <= timedelta(minutes=15)
    access = AccessToken(tokens_for(anon, owner)["access"])
    assert access["exp"] - access["iat"] == 15 * 60
    refresh_token = RefreshToken(tokens_for(anon, owner)["refresh"])
    assert refresh_token["exp"] - refresh_token["iat"] == 7 * 24 * 3600


def test_each_rotated_refresh_token_works_exactly_once(anon, owner):
    first = tokens_for(anon, owner)["refresh"]
    second = refresh(anon, first)
    assert second.status_code == 200
    third = refresh(anon, second.json()["data"]["refresh"])
    assert third.status_code == 200
    for used in (first, second.json()["data"]["refresh"]):
        reused = refresh(anon, used)
        assert reused.status_code == 401
        assert error_of(reused) == {
            "code": "UNAUTHORIZED",
            "message": "Refresh token is invalid, expired or already used.",
            "details": {},
        }
    assert bearer_client(token=third.json()["data"]["access"]).get(ME).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_refresh_token_raced_from_several_clients_is_honoured_once(owner):
    token = str(RefreshToken.for_user(owner))
    attempts = 6
    barrier = threading.Barrier(attempts)
    statuses: list[int] = []

    def attempt():
        try:
            client = APIClient()
            barrier.wait()
            statuses.append(refresh(client, token).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [401] * (attempts - 1)


def test_logout_blacklists_the_refresh_token(anon, owner):
    tokens = tokens_for(anon, owner)
    assert anon.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json").status_code == 200
    assert refresh(anon, tokens["refresh"]).status_code == 401
    assert anon.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json").status_code == 401
    # Access tokens are stateless: the one in hand lapses within ACCESS_TOKEN_LIFETIME.
    assert bearer_client(token=tokens["access"]).get(ME).status_code == 200


def test_token_types_cannot_be_swapped(anon, owner):
    tokens = tokens_for(anon, owner)
    assert refresh(anon, tokens["access"]).status_code == 401
    assert bearer_client(token=tokens["refresh"]).get(ME).status_code == 401


def test_changing_the_password_revokes_existing_tokens(anon, owner):
    tokens = tokens_for(anon, owner)
    owner.set_password("a-brand-new-passphrase-2024")
    owner.save()
    assert bearer_client(token=tokens["access"]).get(ME).status_code == 401
    assert refresh(anon, tokens["refresh"]).status_code == 401
    assert login(anon, owner.email).status_code == 401
    relogin = login(anon, owner.email, "a-brand-new-passphrase-2024")
    assert relogin.status_code == 200
    assert bearer_client(token=relogin.json()["data"]["access"]).get(ME).status_code == 200


def test_a_deactivated_user_loses_every_way_in(anon, owner):
    tokens = tokens_for(anon, owner)
    owner.is_active = False
    owner.save()
    assert bearer_client(token=tokens["access"]).get(ME).status_code == 401
    assert refresh(anon, tokens["refresh"]).status_code == 401
    response = login(anon, owner.email)
    assert response.status_code == 401
    assert error_of(response)["message"] == "Invalid email or password."


# --- API keys -----------------------------------------------------------------------------------
def create_api_key(admin, org) -> str:
    response = bearer_client(admin).post(
        f"/api/organizations/{org.id}/api-keys", {"name": "CI", "role": "editor"}
    )
    assert response.status_code == 201
    return response.json()["data"]["key"]


def test_api_keys_are_stored_only_as_a_sha256_digest(admin, org):
    raw = create_api_key(admin, org)
    stored = APIKey.objects.get()
    assert stored.hashed_key == hashlib.sha256(raw.encode()).hexdigest()
    secret = raw.split("_", 2)[2]
    assert len(secret) >= 40  # 32 random bytes
    row = APIKey.objects.filter(pk=stored.pk).values().get()
    assert not any(secret in str(value) for value in row.values())


def test_api_keys_are_compared_in_constant_time(admin, org, monkeypatch):
    raw = create_api_key(admin, org)
    calls = []
    real_compare_digest = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real_compare_digest(a, b)

    monkeypatch.setattr(authentication.hmac, "compare_digest", spy)
    assert bearer_client(token=raw).get("/api/organizations").status_code == 200
    assert bearer_client(token=raw[:-4] + "AAAA").get("/api/organizations").status_code == 401
    stored = APIKey.objects.get().hashed_key
    assert [a for a, _ in calls] == [stored, stored]


def test_unknown_and_wrong_api_keys_answer_the_same(admin, org):
    raw = create_api_key(admin, org)
    wrong_secret = bearer_client(token=raw[:-4] + "AAAA").get("/api/organizations")
    unknown_prefix = bearer_client(token="pk_00000000_" + "A" * 43).get("/api/organizations")
    malformed = bearer_client(token="pk_garbage").get("/api/organizations")
    assert wrong_secret.status_code == unknown_prefix.status_code == malformed.status_code == 401
    assert error_of(wrong_secret) == error_of(unknown_prefix) == error_of(malformed)


# --- login --------------------------------------------------------------------------------------
def test_failed_logins_answer_the_same_for_every_reason(anon, owner, viewer):
    viewer.is_active = False
    viewer.save()
    responses = [
        login(anon, "nobody@acme.test"),  # unknown user
        login(anon, owner.email, "not-the-password"),  # wrong password
        login(anon, viewer.email),  # right password, inactive user
    ]
    assert {r.status_code for r in responses} == {401}
    assert len({r.content for r in responses}) == 1


def test_login_runs_the_password_hasher_for_unknown_users(anon, owner, monkeypatch):
    """Django's ModelBackend hashes the given password even when no user matches, so an unknown
    email costs the same hashing work as a wrong password and timing does not reveal accounts."""
    hasher_class = type(get_hasher())
    calls: list[str] = []
    real_encode = hasher_class.encode

    def counting_encode(self, password, salt, *args, **kwargs):
        calls.append(password)
        return real_encode(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(hasher_class, "encode", counting_encode)
    assert login(anon, "nobody@acme.test", "guess-1").status_code == 401
    unknown_user_calls = list(calls)
    calls.clear()
    assert login(anon, owner.email, "guess-2").status_code == 401
    assert unknown_user_calls == ["guess-1"]
    assert calls == ["guess-2"]


# --- passwords ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Sh0rt!", "too short"),
        ("password123", "too common"),
        ("4815162342108", "entirely numeric"),
        ("margaret.hamilton", "too similar to the email address"),
    ],
)
def test_weak_passwords_are_refused(anon, password, why):
    response = anon.post(
        "/api/auth/register",
        {
            "email": "margaret.hamilton@apollo.test",
            "password": password,
            "fullName": "Margaret Hamilton",
            "organizationName": "Apollo",
        },
        format="json",
    )
    assert response.status_code == 400, why
    assert "password" in error_of(response)["details"]["fields"], why


def test_every_password_validator_is_enabled():
    names = {v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS}
    assert names == {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }


def test_passwords_are_stored_with_a_slow_salted_hash(settings):
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # production's, not the tests'
    user = UserFactory(email="hash@acme.test")
    algorithm, iterations, salt, digest = user.password.split("$")
    assert algorithm in {"pbkdf2_sha256", "argon2", "bcrypt_sha256", "scrypt"}
    assert int(iterations) >= 600_000
    assert salt
    assert digest
