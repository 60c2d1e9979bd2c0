"""Faults: the database going away mid-request, and runaway queries.

These tests drive the real WSGI handler (``wsgi_request``), as gunicorn does, so Django's
connection housekeeping between requests (health checks, closing broken connections) runs exactly
as in production. The failing views and middleware live in ``tests/reliability/views.py``.
"""

from __future__ import annotations

import time

import pytest
from django.db import connection

from tests.reliability.conftest import run_python, wsgi_request
from tests.reliability.views import FAULT_HEADER, terminate_own_connection

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.reliability.urls")]

UNAVAILABLE = {
    "code": "SERVICE_UNAVAILABLE",
    "message": "The service is temporarily unavailable. Retry shortly.",
    "details": {},
}


@pytest.fixture(autouse=True)
def _persistent_connections():
    """Keep connections across requests, as production does (CONN_MAX_AGE=60)."""
    previous = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.close()
    yield
    connection.settings_dict["CONN_MAX_AGE"] = previous


def assert_unavailable(response, family: str) -> None:
    assert response.status == 503, response.body
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Retry-After"] == "1"
    assert response.headers["X-Request-ID"]
    if family == "v1":
        assert response.json() == {"error": UNAVAILABLE}
    else:
        assert response.json() == {"success": False, "error": UNAVAILABLE}


def assert_next_request_works(app) -> None:
    response = wsgi_request(app, "/api/health")
    assert response.status == 200, response.body
    assert response.json()["data"] == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("family", ["api", "v1"])
@pytest.mark.parametrize("atomic", ["0", "1"])
def test_database_lost_mid_request_answers_503_and_the_next_request_works(wsgi_app, family, atomic):
    app = wsgi_app()
    assert_next_request_works(app)  # a connection is open and will be reused
    response = wsgi_request(app, f"/{family}/_test/db-drop?atomic={atomic}")
    assert_unavailable(response, family)
    assert_next_request_works(app)
    assert_next_request_works(app)


@pytest.mark.parametrize("family", ["api", "v1"])
def test_database_lost_in_a_plain_django_view_answers_503(wsgi_app, family):
    app = wsgi_app()
    assert_unavailable(wsgi_request(app, f"/{family}/_test/plain-db-drop"), family)
    assert_next_request_works(app)


def test_database_lost_in_middleware_answers_503(wsgi_app, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.reliability.views.FaultInjectionMiddleware"]
    app = wsgi_app()
    response = wsgi_request(app, "/api/auth/me", headers={FAULT_HEADER: "db-drop"})
    assert_unavailable(response, "api")
    assert_unavailable(wsgi_request(app, "/v1/anything", headers={FAULT_HEADER: "db-drop"}), "v1")
    assert_next_request_works(app)


def test_database_lost_on_a_non_api_page_answers_a_plain_503(wsgi_app, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.reliability.views.FaultInjectionMiddleware"]
    app = wsgi_app()
    response = wsgi_request(app, "/admin/login/", headers={FAULT_HEADER: "db-drop"})
    assert response.status == 503
    assert response.headers["Content-Type"].startswith("text/plain")
    assert b"Traceback" not in response.body


def test_a_connection_killed_between_requests_is_replaced_silently(wsgi_app):
    """A failover or a server restart kills idle connections: the health check at the start of
    the next request notices and reconnects, so the client never sees it."""
    app = wsgi_app()
    assert_next_request_works(app)
    terminate_own_connection()
    assert_next_request_works(app)


@pytest.mark.parametrize("family", ["api", "v1"])
def test_a_runaway_query_is_cut_off_with_a_503(wsgi_app, family):
    app = wsgi_app()
    started = time.monotonic()
    response = wsgi_request(app, f"/{family}/_test/slow-query?timeout_ms=200")
    elapsed = time.monotonic() - started
    assert_unavailable(response, family)
    assert elapsed < 5, f"the worker was held {elapsed:.1f}s by a 30s query"
    assert_next_request_works(app)


def test_every_connection_has_the_configured_statement_timeout(settings):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "30s"
    assert "statement_timeout=30000" in settings.DATABASES["default"]["OPTIONS"]["options"]


def test_the_statement_timeout_comes_from_the_environment():
    code = (
        "import time\n"
        "from django.db import connection\n"
        "started = time.monotonic()\n"
        "try:\n"
        "    connection.cursor().execute('SELECT pg_sleep(20)')\n"
        "except Exception as exc:\n"
        "    seconds = round(time.monotonic() - started, 1)\n"
        "    print(type(exc).__name__, type(exc.__cause__).__name__, seconds)\n"
    )
    result = run_python(code, DATABASE_STATEMENT_TIMEOUT_MS="300")
    assert result.returncode == 0, result.stderr
    error, cause, seconds = result.stdout.split()
    assert (error, cause) == ("OperationalError", "QueryCanceled")
    assert float(seconds) < 5
