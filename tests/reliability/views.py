"""Views and middleware that exist only in tests: they inject faults and misbehave on purpose.

They are routed by ``tests/reliability/urls.py`` (``@pytest.mark.urls``), never by the project.
"""

from __future__ import annotations

import psycopg
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.responses import ok
from publishing.throttling import PUBLISH_THROTTLES

SECRET = "hunter2-do-not-leak"
FAULT_HEADER = "X-Test-Fault"


def terminate_own_connection() -> int:
    """Kill this connection's server process from a second connection, as a failover or an
    administrator would (``pg_terminate_backend``), and wait until it is gone."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    settings = connection.settings_dict
    params = {
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "password": settings["PASSWORD"],
        "host": settings["HOST"],
        "port": settings["PORT"],
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as admin:
        killed = admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]
    assert killed, f"backend {pid} was not terminated"
    return pid


def query_after_terminating_connection() -> None:
    terminate_own_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


class _OpenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []


class DatabaseDropView(_OpenView):
    """The database goes away halfway through the request (``?atomic=1``: inside a transaction,
    where services do their work)."""

    def get(self, request: Request) -> Response:
        if request.query_params.get("atomic") == "1":
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM publishing_user")
                query_after_terminating_connection()
        else:
            query_after_terminating_connection()
        return ok({"reached": True})


class SlowQueryView(_OpenView):
    """A pathological query: ``pg_sleep`` under a lowered ``statement_timeout``."""

    def get(self, request: Request) -> Response:
        timeout_ms = request.query_params.get("timeout_ms", "200")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [timeout_ms])
            cursor.execute("SELECT pg_sleep(30)")
        return ok({"reached": True})


class BoomView(_OpenView):
    """An unexpected error whose message holds a secret; ``?kind=sql``: a failing SQL statement."""

    def get(self, request: Request) -> Response:
        if request.query_params.get("kind") == "sql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT secret_column FROM table_that_does_not_exist WHERE pw = '{SECRET}'"  # noqa: S608
                )
        raise RuntimeError(f"boom: password={SECRET} SELECT * FROM publishing_user")  # noqa: S608


class PublishLikeView(APIView):
    """Stands in for a publish endpoint: the default throttle plus the publish one."""

    throttle_classes = PUBLISH_THROTTLES

    def post(self, request: Request) -> Response:
        return ok({"published": True})


class ContentThrottledView(APIView):
    """A ``/v1/`` view with the default throttles, for the content API's 429 envelope."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


def plain_database_drop(request: HttpRequest) -> HttpResponse:
    """A plain Django view (no DRF) that loses its database."""
    query_after_terminating_connection()
    return JsonResponse({"reached": True})


def plain_boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"boom: password={SECRET}")


class FaultInjectionMiddleware:
    """Loses the database inside middleware, before any view, when the test asks for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.headers.get(FAULT_HEADER) == "db-drop":
            query_after_terminating_connection()
        return self.get_response(request)
