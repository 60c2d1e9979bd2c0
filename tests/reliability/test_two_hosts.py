"""Two hosts behind a real load balancer: two gunicorn instances on two ports, HAProxy in front
(round robin, ``option forwardfor``), one PostgreSQL (the test database) and one Redis.

What must hold across instances: a per-user rate limit counts both (N per minute is N in total,
not 2N); an ``Idempotency-Key`` retried on the other instance replays the first response, and one
still running on the other instance answers 409; with ``TRUSTED_PROXY_COUNT=1`` the client address
is the one the balancer saw, so a client cannot pick a fresh rate-limit bucket with a forged
``X-Forwarded-For``.

Skipped when HAProxy or Redis is missing (``.ci/run`` installs HAProxy; Redis runs on these
machines); ``REQUIRE_TWO_HOST_TESTS=1`` (set by ``.ci/run`` once HAProxy is there) makes a missing
HAProxy a failure.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken

from bench.balancer import Balancer, available
from tests.dburl import database_url
from tests.servers import start_gunicorn, stop_gunicorn
from tests.webhooks.conftest import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
# A database of the local Redis of its own, flushed before and after: one per pytest-xdist worker
# (14, 13, …), since ``make test`` may run this file's tests on both workers, each with its pair
# of hosts.
REDIS_DB = 14 - int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 8
USER_LIMIT = 10

pytestmark = pytest.mark.django_db(transaction=True)


def _redis_up() -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", 6379)) == 0


def _missing() -> str | None:
    if available() is None:
        return "haproxy is not installed"
    if not _redis_up():
        return "no Redis at 127.0.0.1:6379"
    return None


@dataclass
class Cluster:
    balancer: int
    hosts: list[int]

    def request(
        self,
        method: str,
        path: str,
        *,
        port: int | None = None,
        body: dict | None = None,
        source: str = "127.0.0.1",
        timeout: float = 30,
        **headers: str,
    ) -> tuple[int, dict[str, str], dict]:
        conn = http.client.HTTPConnection(
            "127.0.0.1", port or self.balancer, timeout=timeout, source_address=(source, 0)
        )
        payload = None if body is None else json.dumps(body)
        if payload is not None:
            headers.setdefault("Content-Type", "application/json")
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            return response.status, dict(response.getheaders()), json.loads(raw or b"{}")
        finally:
            conn.close()


def _flush_redis() -> None:
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()


@pytest.fixture
def cluster(tmp_path) -> Iterator[Cluster]:
    reason = _missing()
    if reason:
        if os.environ.get("REQUIRE_TWO_HOST_TESTS") == "1" and "haproxy" in reason:
            pytest.fail(f"two-host tests required but {reason}")
        pytest.skip(f"two-host test skipped: {reason}")
    _flush_redis()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("RATE_LIMIT_", "PYTEST_"))},
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        "SECRET_KEY": django_settings.SECRET_KEY,  # tokens minted here are valid there
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "TRUSTED_PROXY_COUNT": "1",
        # Hourly windows: a test that straddles a window's end sees a fresh count, and with
        # minute windows a slow machine did (12 successes of a limit of 10).
        "RATE_LIMIT_USER": f"{USER_LIMIT}/hour",
        "RATE_LIMIT_AUTH": "3/hour",
        "RATE_LIMIT_PUBLISH": "off",
        "LOG_LEVEL": "WARNING",
        "METRICS_ENABLED": "1",
        "PYTHONWARNINGS": "ignore:No directory at",
    }
    hosts = [free_port(), free_port()]
    servers = [
        start_gunicorn(port, env, workers=1, log=tmp_path / f"gunicorn-{port}.log")
        for port in hosts
    ]
    proxy = Balancer(hosts)
    running = Cluster(proxy.port, hosts)

    def up(port: int) -> bool:
        try:
            return running.request("GET", "/api/health/live", port=port, timeout=2)[0] == 200
        except OSError:
            return False

    try:
        proxy.start()
        for port in (*hosts, proxy.port):
            wait_for(lambda port=port: up(port), timeout=60, what=f"127.0.0.1:{port}")
        yield running
    finally:
        proxy.stop()
        for process in servers:
            stop_gunicorn(process)
        _flush_redis()


def _bearer(user) -> str:
    return f"Bearer {RefreshToken.for_user(user).access_token}"


def _served(cluster: Cluster, port: int) -> float:
    """Readiness probes a host answered, from its own /metrics."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    prefix = 'publishing_http_requests_total{method="GET",route="api/health/ready",status="200"}'
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(prefix))


def test_the_balancer_spreads_requests_over_both_hosts(cluster):
    before = [_served(cluster, port) for port in cluster.hosts]
    statuses = [cluster.request("GET", "/api/health/ready")[0] for _ in range(6)]
    assert statuses == [200] * 6
    after = [_served(cluster, port) for port in cluster.hosts]
    assert [a - b for a, b in zip(after, before, strict=True)] == [3, 3]  # round robin


def test_a_per_user_limit_holds_across_both_hosts(cluster, owner):
    auth = _bearer(owner)
    statuses = [
        cluster.request("GET", "/api/auth/me", Authorization=auth)[0] for _ in range(USER_LIMIT * 2)
    ]
    assert statuses.count(200) == USER_LIMIT
    assert statuses.count(429) == USER_LIMIT
    # Straight to each host: both already count the same, shared window.
    for port in cluster.hosts:
        assert cluster.request("GET", "/api/auth/me", port=port, Authorization=auth)[0] == 429


def test_client_address_comes_from_the_balancer(cluster):
    """TRUSTED_PROXY_COUNT=1: the address HAProxy saw (127.0.0.2, 127.0.0.3) picks the bucket; a
    forged X-Forwarded-For from the client does not buy a fresh one."""
    body = {"email": "nobody@example.test", "password": "not-the-password-1"}

    def attempts(source: str, n: int, **headers: str) -> list[int]:
        return [
            cluster.request("POST", "/api/auth/login", body=body, source=source, **headers)[0]
            for _ in range(n)
        ]

    assert attempts("127.0.0.2", 4) == [401, 401, 401, 429]
    assert attempts("127.0.0.2", 2, **{"X-Forwarded-For": "203.0.113.9"}) == [429, 429]
    assert attempts("127.0.0.3", 1) == [401]  # another client: its own bucket


def test_idempotency_key_across_hosts(cluster, owner, org):
    from publishing.services import item_create
    from publishing.tenancy import actor_for

    prompt = item_create(
        actor=actor_for(owner, org),
        kind="prompt",
        data={"name": "Two hosts", "body": "Hello {{name}}"},
    )
    auth = _bearer(owner)
    body = {
        "itemType": "prompt",
        "itemId": prompt.pk,
        "scopes": {"organization": {"enabled": True, "shareType": "copy"}},
    }
    first_host, other_host = cluster.hosts
    key = secrets.token_hex(8)

    # Hold the prompt's row lock so the publish on the first host stays in flight.
    locker = psycopg.connect(database_url(), autocommit=False)
    try:
        with locker.cursor() as cursor:
            cursor.execute("SELECT 1 FROM publishing_prompt WHERE id = %s FOR UPDATE", [prompt.pk])
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            in_flight = pool.submit(
                cluster.request,
                "POST",
                "/api/marketplace/publish",
                port=first_host,
                body=body,
                Authorization=auth,
                **{"Idempotency-Key": key},
            )

            def recorded() -> bool:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM marketplace_idempotencyrecord WHERE key = %s", [key]
                    )
                    return cursor.fetchone()[0] == 1

            wait_for(recorded, what="the first request to claim the key")
            status, _, error = cluster.request(
                "POST",
                "/api/marketplace/publish",
                port=other_host,
                body=body,
                Authorization=auth,
                **{"Idempotency-Key": key},
            )
            assert status == 409, error
            assert error["error"]["code"] == "CONFLICT"
            locker.rollback()  # release the lock: the first publish finishes
            first_status, _, first = in_flight.result(timeout=30)
    finally:
        locker.close()
    assert first_status == 200, first
    status, headers, replay = cluster.request(
        "POST",
        "/api/marketplace/publish",
        port=other_host,
        body=body,
        Authorization=auth,
        **{"Idempotency-Key": key},
    )
    assert status == 200
    assert headers.get("Idempotent-Replayed") == "true"
    assert replay == first
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM marketplace_listing WHERE prompt_id = %s", [prompt.pk])
        assert cursor.fetchone()[0] == 1
