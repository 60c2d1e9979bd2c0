"""Helpers for the reliability tests: rate overrides, a real WSGI handler, subprocess runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from django.core.handlers.wsgi import WSGIHandler

from tests.dburl import database_url

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def rate_limits(settings) -> Callable[..., None]:
    """``rate_limits(auth="3/minute", user="off")``: change some scopes' rates for one test."""

    def set_rates(**rates: str) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, **rates}

    return set_rates


@dataclass
class WsgiResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


def wsgi_request(
    app: WSGIHandler, path: str, *, method: str = "GET", headers: dict[str, str] | None = None
) -> WsgiResponse:
    """Call ``app`` exactly as gunicorn does, including closing the response.

    Unlike Django's test client, this keeps ``request_started``/``request_finished`` connected to
    ``close_old_connections``, so database connections are health-checked, recycled and closed
    after errors the way they are in production.
    """
    path_info, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    started: dict = {}

    def start_response(status: str, response_headers, exc_info=None):
        started["status"] = int(status.split()[0])
        started["headers"] = dict(response_headers)

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()  # sends request_finished, as every WSGI server does
    return WsgiResponse(started["status"], started["headers"], body)


@pytest.fixture
def wsgi_app() -> Callable[[], WSGIHandler]:
    """A factory, so a test can change MIDDLEWARE first (the handler loads it when built)."""
    return WSGIHandler


def production_env(**overrides: str) -> dict[str, str]:
    """The environment of a production process: DEBUG off, a real secret, a host name."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "RATE_LIMIT_", "LOG_", "SECURE_"))
        and k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="prod-like-" + "k3y-" * 12,
        ALLOWED_HOSTS="publishing.example.com",
        DATABASE_URL=database_url(),
    )
    env.update(overrides)
    return env


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with Django set up under ``production_env(**env)``."""
    script = (
        "import django, os\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
        "django.setup()\n"
    ) + code
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
