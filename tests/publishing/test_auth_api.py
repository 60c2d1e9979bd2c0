from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from rest_framework_simplejwt.tokens import AccessToken

from publishing.models import Membership, Organization, User
from tests.conftest import bearer_client, error_of
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register"
LOGIN = "/api/auth/login"


def register_payload(**overrides):
    return {
        "email": "New.Person@Example.com",
        "password": "a-long-and-unusual-passphrase",
        "fullName": "New Person",
        "organizationName": "New Org",
        **overrides,
    }


def test_register_creates_user_and_owned_organization(anon):
    response = anon.post(REGISTER, register_payload(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["user"]["email"] == "new.person@example.com"
    assert data["organization"]["role"] == "owner"
    assert data["access"]
    assert data["refresh"]
    user = User.objects.get(email="new.person@example.com")
    membership = Membership.objects.get(user=user)
    assert membership.role == "owner"
    assert membership.organization.name == "New Org"


def test_register_rejects_weak_password_and_writes_nothing(anon):
    response = anon.post(REGISTER, register_payload(password="password"), format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "VALIDATION_FAILED"
    assert "password" in error["details"]["fields"]
    assert not User.objects.exists()
    assert not Organization.objects.exists()


def test_register_duplicate_email_is_a_conflict(anon, owner):
    response = anon.post(REGISTER, register_payload(email="OWNER@acme.test"), format="json")
    assert response.status_code == 409
    assert error_of(response)["code"] == "CONFLICT"


@override_settings(ALLOW_SIGNUP=False)
def test_register_is_forbidden_when_signup_is_off(anon):
    response = anon.post(REGISTER, register_payload(), format="json")
    assert response.status_code == 403
    assert error_of(response)["code"] == "FORBIDDEN"
    assert not User.objects.exists()


def test_login_returns_tokens_and_organizations(anon, owner, org):
    response = anon.post(LOGIN, {"email": "Owner@Acme.test", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"access", "refresh", "user"}
    assert data["user"]["organizations"] == [
        {"id": str(org.id), "name": org.name, "slug": org.slug, "role": "owner"}
    ]


@pytest.mark.parametrize(
    ("email", "password"), [("owner@acme.test", "wrong"), ("nobody@acme.test", PASSWORD)]
)
def test_login_failures_answer_the_same(anon, owner, email, password):
    response = anon.post(LOGIN, {"email": email, "password": password}, format="json")
    assert response.status_code == 401
    assert error_of(response) == {
        "code": "UNAUTHORIZED",
        "message": "Invalid email or password.",
        "details": {},
    }


def test_refresh_rotates_and_blacklists_the_old_token(anon, owner):
    tokens = anon.post(LOGIN, {"email": owner.email, "password": PASSWORD}, format="json").json()
    refresh = tokens["data"]["refresh"]
    first = anon.post("/api/auth/refresh", {"refresh": refresh}, format="json")
    assert first.status_code == 200
    assert first.json()["data"]["refresh"] != refresh
    reused = anon.post("/api/auth/refresh", {"refresh": refresh}, format="json")
    assert reused.status_code == 401
    assert error_of(reused)["code"] == "UNAUTHORIZED"


def test_logout_blacklists_the_refresh_token(anon, owner):
    refresh = anon.post(LOGIN, {"email": owner.email, "password": PASSWORD}, format="json").json()[
        "data"
    ]["refresh"]
    assert anon.post("/api/auth/logout", {"refresh": refresh}, format="json").status_code == 200
    response = anon.post("/api/auth/refresh", {"refresh": refresh}, format="json")
    assert response.status_code == 401


def test_me_needs_a_token(anon, owner):
    response = anon.get("/api/auth/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    me = bearer_client(owner).get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["data"]["email"] == owner.email


def test_expired_token_is_refused(owner):
    token = AccessToken.for_user(owner)
    token.set_exp(lifetime=-timedelta(seconds=1))
    response = bearer_client(token=str(token)).get("/api/auth/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHORIZED"


def test_tampered_token_is_refused(owner):
    token = str(AccessToken.for_user(owner))
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[::-1]}"
    response = bearer_client(token=tampered).get("/api/auth/me")
    assert response.status_code == 401


def test_garbage_token_is_refused(owner):
    response = bearer_client(token="not-a-jwt").get("/api/auth/me")
    assert response.status_code == 401
    assert error_of(response)["message"] == "Token is invalid or expired."
