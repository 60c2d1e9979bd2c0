"""Rate limits: per anonymous IP, per user, per API key; lower ones for auth and publish."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from config import throttling
from config.rates import parse_rate
from config.throttling import WindowRateThrottle
from publishing.throttling import AuthThrottle
from tests.conftest import bearer_client, error_of
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.reliability.urls")]

LOGIN = "/api/auth/login"
REGISTER = "/api/auth/register"
REFRESH = "/api/auth/refresh"
ME = "/api/auth/me"


def login(client, email="nobody@acme.test", password="wrong-password", **extra):  # noqa: S107
    return client.post(LOGIN, {"email": email, "password": password}, format="json", **extra)


def limit_headers(response) -> tuple[int, int, int]:
    return (
        int(response["X-RateLimit-Limit"]),
        int(response["X-RateLimit-Remaining"]),
        int(response["X-RateLimit-Reset"]),
    )


def assert_rate_limited(response, limit: int) -> dict:
    assert response.status_code == 429, response.content
    error = error_of(response)
    assert error["code"] == "RATE_LIMITED"
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    assert error["details"] == {"retryAfter": wait}
    assert limit_headers(response) == (limit, 0, wait)
    return error


def create_api_key(user, org, name="CI") -> str:
    response = bearer_client(user).post(
        f"/api/organizations/{org.id}/api-keys", {"name": name, "role": "editor"}
    )
    assert response.status_code == 201
    return response.json()["data"]["key"]


# --- configuration ------------------------------------------------------------------------------
def test_every_scope_has_a_default_rate_high_enough_for_normal_use():
    rates = {scope: parse_rate(rate) for scope, rate in settings.RATE_LIMITS.items()}
    assert set(rates) == {"anon", "user", "api_key", "auth", "publish"}
    per_minute = {scope: count * 60 / seconds for scope, (count, seconds) in rates.items()}
    assert per_minute["auth"] < per_minute["anon"] <= per_minute["user"]
    assert per_minute["publish"] < per_minute["user"]
    assert per_minute["api_key"] == per_minute["user"]
    assert per_minute["auth"] >= 10  # a test or a person signing in a few times never trips it


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [
        ("20/minute", (20, 60)),
        ("20/min", (20, 60)),
        ("5/s", (5, 1)),
        ("1000/hour", (1000, 3600)),
        ("100/day", (100, 86400)),
        ("10/15m", (10, 900)),
        (" 3 / 2 minutes ", (3, 120)),
        ("off", None),
        ("OFF", None),
        (None, None),
    ],
)
def test_rates_parse(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["", "20", "20/fortnight", "x/minute", "-1/minute", "5/0m"])
def test_bad_rates_are_refused(rate):
    with pytest.raises(ValueError, match="invalid rate"):
        parse_rate(rate)


def test_a_scope_without_a_rate_is_a_configuration_error(settings):
    settings.RATE_LIMITS = {k: v for k, v in settings.RATE_LIMITS.items() if k != "auth"}
    request = Request(APIRequestFactory().post(LOGIN))
    with pytest.raises(ImproperlyConfigured, match="auth"):
        AuthThrottle().allow_request(request, None)


# --- headers ------------------------------------------------------------------------------------
def test_every_response_of_a_throttled_view_carries_the_headers(owner):
    first = bearer_client(owner).get(ME)
    second = bearer_client(owner).get(ME)
    assert first.status_code == second.status_code == 200
    limit, remaining, reset = limit_headers(first)
    assert limit == parse_rate(settings.RATE_LIMITS["user"])[0]
    assert remaining == limit - 1
    assert 1 <= reset <= 60
    assert limit_headers(second)[1] == limit - 2


def test_error_responses_of_throttled_views_carry_the_headers_too(anon):
    response = login(anon)
    assert response.status_code == 401
    assert int(response["X-RateLimit-Limit"]) == parse_rate(settings.RATE_LIMITS["auth"])[0]


def test_health_is_never_throttled(anon, rate_limits):
    rate_limits(anon="1/minute")
    for _ in range(3):
        response = anon.get("/api/health")
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response


def test_a_disabled_scope_neither_limits_nor_reports(owner, rate_limits):
    rate_limits(user="off")
    for _ in range(3):
        response = bearer_client(owner).get(ME)
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response


# --- auth scope ---------------------------------------------------------------------------------
def test_login_has_its_own_lower_limit(anon, owner, rate_limits):
    rate_limits(auth="3/minute", anon="100/minute")
    for remaining in (2, 1, 0):
        response = login(anon)
        assert response.status_code == 401
        assert limit_headers(response)[:2] == (3, remaining)
    assert_rate_limited(login(anon), limit=3)
    # Even the right password waits: the limit is on attempts, not on failures.
    assert_rate_limited(login(anon, owner.email, PASSWORD), limit=3)
    # Other anonymous endpoints count against the general per-IP limit, not the auth one.
    assert anon.post(REFRESH, {"refresh": "x"}, format="json").status_code == 401


def test_register_and_login_share_the_auth_limit(anon, rate_limits):
    rate_limits(auth="2/minute")
    assert anon.post(REGISTER, {}, format="json").status_code == 400
    assert login(anon).status_code == 401
    assert_rate_limited(anon.post(REGISTER, {}, format="json"), limit=2)


# --- anonymous: per IP --------------------------------------------------------------------------
def test_anonymous_clients_are_limited_per_ip(anon, rate_limits):
    rate_limits(anon="2/minute")

    def refresh(ip, **extra):
        return anon.post(REFRESH, {"refresh": "x"}, format="json", REMOTE_ADDR=ip, **extra)

    assert refresh("10.0.0.1").status_code == 401
    assert refresh("10.0.0.1").status_code == 401
    assert_rate_limited(refresh("10.0.0.1"), limit=2)
    assert refresh("10.0.0.2").status_code == 401  # another client is not affected
    # Without a trusted proxy, a client cannot pick a fresh bucket with X-Forwarded-For.
    assert_rate_limited(refresh("10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"), limit=2)


def test_behind_a_trusted_proxy_the_client_ip_comes_from_forwarded_for(anon, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "auth": "1/minute"}
    proxy = "10.0.0.254"

    def login_via_proxy(forwarded_for):
        return login(anon, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded_for)

    assert login_via_proxy("198.51.100.7").status_code == 401
    # The proxy appends the real peer: what the client wrote before it is not trusted.
    assert_rate_limited(login_via_proxy("1.2.3.4, 198.51.100.7"), limit=1)
    assert login_via_proxy("198.51.100.8").status_code == 401


# --- users and API keys -------------------------------------------------------------------------
def test_users_are_limited_per_user_across_tokens(owner, editor, rate_limits):
    rate_limits(user="2/minute")
    assert bearer_client(owner).get(ME).status_code == 200
    assert bearer_client(owner).get(ME).status_code == 200  # a second token, same user
    assert_rate_limited(bearer_client(owner).get(ME), limit=2)
    assert bearer_client(editor).get(ME).status_code == 200


def test_api_keys_are_limited_per_key(admin, org, rate_limits):
    first_key, second_key = create_api_key(admin, org, "one"), create_api_key(admin, org, "two")
    rate_limits(api_key="2/minute", user="100/minute")
    for _ in range(2):
        assert bearer_client(token=first_key).get("/api/organizations").status_code == 200
    response = assert_rate_limited(bearer_client(token=first_key).get("/api/organizations"), 2)
    assert "Retry in" in response["message"]
    # Another key of the same organization and creator, and the creator's own session, go on.
    assert bearer_client(token=second_key).get("/api/organizations").status_code == 200
    assert bearer_client(admin).get("/api/organizations").status_code == 200


# --- publish scope ------------------------------------------------------------------------------
def test_publish_has_its_own_lower_limit_per_caller(owner, editor, admin, org, rate_limits):
    key = create_api_key(admin, org)
    rate_limits(publish="2/minute", user="100/minute", api_key="100/minute")
    for remaining in (1, 0):
        response = bearer_client(owner).post("/api/_test/publish")
        assert response.status_code == 200
        assert limit_headers(response)[:2] == (2, remaining)  # the tighter limit is reported
    assert_rate_limited(bearer_client(owner).post("/api/_test/publish"), limit=2)
    # Other endpoints answer: only publishing is held back.
    assert bearer_client(owner).get(ME).status_code == 200
    assert bearer_client(editor).post("/api/_test/publish").status_code == 200
    assert bearer_client(token=key).post("/api/_test/publish").status_code == 200


def test_publish_views_keep_the_general_limit(owner, rate_limits):
    rate_limits(publish="100/minute", user="1/minute")
    assert bearer_client(owner).post("/api/_test/publish").status_code == 200
    assert_rate_limited(bearer_client(owner).post("/api/_test/publish"), limit=1)


# --- envelopes, windows, outages ----------------------------------------------------------------
def test_content_api_answers_its_own_envelope(anon, rate_limits):
    rate_limits(anon="1/minute")
    assert anon.get("/v1/_test/throttled").status_code == 200
    response = anon.get("/v1/_test/throttled")
    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == "RATE_LIMITED"
    assert response["X-RateLimit-Remaining"] == "0"


def test_the_allowance_returns_when_the_window_ends(anon, rate_limits, monkeypatch):
    clock = [1_700_000_000.0]
    monkeypatch.setattr(WindowRateThrottle, "timer", staticmethod(lambda: clock[0]))
    rate_limits(auth="1/minute")
    assert login(anon).status_code == 401
    refused = login(anon)
    assert refused.status_code == 429
    clock[0] += int(refused["Retry-After"]) - 0.5
    assert login(anon).status_code == 429  # not yet
    clock[0] += 0.5
    allowed = login(anon)
    assert allowed.status_code == 401
    assert limit_headers(allowed)[:2] == (1, 0)
    assert int(allowed["X-RateLimit-Reset"]) == 60


def test_an_unreachable_rate_limit_store_lets_requests_through(owner, settings, caplog):
    settings.CACHES = {
        **settings.CACHES,
        "unreachable": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.2},
        },
    }
    settings.RATE_LIMIT_CACHE = "unreachable"
    throttling._last_store_warning = 0.0
    with caplog.at_level(logging.WARNING, logger="config.throttling"):
        first = bearer_client(owner).get(ME)
        second = bearer_client(owner).get(ME)
    assert first.status_code == second.status_code == 200
    assert "X-RateLimit-Limit" not in first
    warnings = [r for r in caplog.records if r.name == "config.throttling"]
    assert len(warnings) == 1  # logged, but not once per request
    assert "rate-limit store unavailable" in warnings[0].getMessage()


@pytest.mark.urls("config.urls")
def test_every_rate_limited_operation_documents_429(anon):
    schema = anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = "429" in operation["responses"]
            # Health probes are never throttled: a 429 would take a healthy host out.
            assert documented == (not path.startswith("/api/health")), (method, path)
