"""Fixtures for webhook tests: a real HTTP receiver on 127.0.0.1 and real procrastinate workers.

Workers are subprocesses (``manage.py procrastinate worker``) against the test database, so the
tests that use them run with ``@pytest.mark.django_db(transaction=True)``: what the test commits
is what the worker sees. They run with a short retry schedule and fast heartbeats.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.dburl import database_url
from tests.factories import OrganizationFactory
from webhooks.models import WebhookEndpoint

ROOT = Path(__file__).resolve().parents[2]
WORKER_ENV = {
    "WEBHOOK_RETRY_SCHEDULE": "1,1,1",
    "WEBHOOK_TIMEOUT_SECONDS": "5",
    "WEBHOOKS_ALLOW_PRIVATE_TARGETS": "1",
    "WORKER_POLL_MILLISECONDS": "200",
    "WORKER_HEARTBEAT_SECONDS": "1",
    "WORKER_STALLED_SECONDS": "3",
    "WORKER_STALLED_CHECK_SECONDS": "1",
    "LOG_FORMAT": "plain",
}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver. ``statuses`` are answered in turn (then 200); ``hold`` makes the
    first request wait until it is set (a delivery in flight)."""

    port: int
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    hold: threading.Event | None = None
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    receiver.requests.append(Received(self.path, headers, body))
                    first = len(receiver.requests) == 1
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                if first and receiver.hold is not None:
                    receiver.hold.wait(30)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(b"ok" if status < 300 else b"nope")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender went away (a worker killed mid-delivery)

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def ids(self) -> list[str]:
        with self.lock:
            return [r.webhook_id for r in self.requests]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver(port=free_port())
    rec.start()
    yield rec
    if rec.hold is not None:
        rec.hold.set()
    rec.stop()


@pytest.fixture
def receiver_down() -> Iterator[Receiver]:
    """A receiver whose port nobody listens on until the test calls ``start()``."""
    rec = Receiver(port=free_port())
    yield rec
    rec.stop()


class Workers:
    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []

    def start(self, concurrency: int = 4, **env: str) -> subprocess.Popen:
        full_env = {
            **os.environ,
            **WORKER_ENV,
            **env,
            "DATABASE_URL": database_url(),
        }
        log = open(self.log_dir / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [
                sys.executable,
                "manage.py",
                "procrastinate",
                "worker",
                f"--concurrency={concurrency}",
            ],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen) -> None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("*.log")))


def _clear_queue() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_jobs, procrastinate_workers, procrastinate_periodic_defers "
            "CASCADE"
        )


@pytest.fixture
def workers(transactional_db, tmp_path) -> Iterator[Workers]:
    """Start workers with ``workers.start(**env)``; all stopped (then the queue emptied) at the
    end, before the test database is flushed."""
    _clear_queue()
    pool = Workers(tmp_path)
    yield pool
    pool.stop_all()
    _clear_queue()


def wait_for(predicate: Callable[[], Any], timeout: float = 30, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def make_endpoint() -> Callable[..., WebhookEndpoint]:
    def make(organization=None, url: str = "", event_types=("*",), **extra) -> WebhookEndpoint:
        return WebhookEndpoint.objects.create(
            organization=organization or OrganizationFactory(),
            url=url,
            event_types=list(event_types),
            **extra,
        )

    return make
