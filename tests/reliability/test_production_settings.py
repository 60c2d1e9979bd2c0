"""Production settings: the deploy checklist, security headers, error bodies that tell nothing."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from config.middleware import RequestIdLogFilter
from tests.conftest import bearer_client
from tests.reliability.conftest import run_manage
from tests.reliability.views import SECRET

pytestmark = pytest.mark.django_db


def test_check_deploy_is_clean_with_production_variables():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_tests_run_with_debug_off():
    assert settings.DEBUG is False


# --- headers ------------------------------------------------------------------------------------
def test_hsts_is_sent_when_the_proxy_says_the_request_came_over_tls(anon):
    secure = anon.get("/api/health", HTTP_X_FORWARDED_PROTO="https")
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    plain = anon.get("/api/health")
    assert "Strict-Transport-Security" not in plain  # browsers ignore HSTS over plain HTTP


def test_plain_http_is_redirected_to_https_when_enabled(settings):
    settings.SECURE_SSL_REDIRECT = True
    client = APIClient()
    redirected = client.get("/api/organizations")
    assert redirected.status_code == 301
    assert redirected["Location"] == "https://testserver/api/organizations"
    assert client.get("/api/organizations", HTTP_X_FORWARDED_PROTO="https").status_code == 401


def test_the_health_check_answers_plain_http_probes(settings):
    settings.SECURE_SSL_REDIRECT = True
    assert APIClient().get("/api/health").status_code == 200


@pytest.mark.parametrize("path", ["/api/health", "/api/auth/me", "/admin/login/", "/nowhere"])
def test_every_response_forbids_sniffing_and_framing(anon, path):
    response = anon.get(path)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_admin_cannot_be_framed(anon):
    response = anon.get("/admin/login/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_cookies_are_secure_outside_debug():
    assert settings.SESSION_COOKIE_SECURE
    assert settings.CSRF_COOKIE_SECURE
    assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")


# --- error bodies -------------------------------------------------------------------------------
LEAKS = (SECRET, "Traceback", "SELECT", "table_that_does_not_exist", 'File "', "RuntimeError")


def assert_opaque_500(response, family: str = "api") -> None:
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    error = {"code": "INTERNAL_ERROR", "message": "An unexpected error occurred.", "details": {}}
    expected = {"error": error} if family == "v1" else {"success": False, "error": error}
    assert response.json() == expected
    assert response["X-Request-ID"]
    body = response.content.decode()
    for leak in LEAKS:
        assert leak not in body


@pytest.mark.urls("tests.reliability.urls")
@pytest.mark.parametrize("family", ["api", "v1"])
@pytest.mark.parametrize("kind", ["exception", "sql"])
def test_unexpected_errors_answer_an_opaque_500(family, kind, caplog):
    client = APIClient(raise_request_exception=False)
    caplog.handler.addFilter(RequestIdLogFilter())
    with caplog.at_level(logging.ERROR):
        response = client.get(f"/{family}/_test/boom?kind={kind}", HTTP_X_REQUEST_ID="req-500")
    assert_opaque_500(response, family)
    # The details go to the log, tied to the request id, never to the client.
    logged = [r for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]
    assert logged
    assert {r.request_id for r in logged} == {"req-500"}


@pytest.mark.urls("tests.reliability.urls")
def test_unexpected_errors_outside_drf_answer_an_opaque_500():
    response = APIClient(raise_request_exception=False).get("/api/_test/plain-boom")
    assert_opaque_500(response)


def test_errors_never_echo_internals_for_bad_input(owner):
    response = bearer_client(owner).get("/api/organizations/not-a-uuid")
    assert response.status_code == 404
    assert "Traceback" not in response.content.decode()
