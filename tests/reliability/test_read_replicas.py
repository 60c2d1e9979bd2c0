"""Read replicas against a real streaming standby: gunicorn with ``DATABASE_REPLICA_URLS``, a
primary and a ``pg_basebackup -R`` standby of it (tests/reliability/replication.py), every
statement logged on both. Browse, search and another organization's listing detail run on the
standby; every write, authentication and the publisher's own detail on the primary; with the
standby stopped the same reads answer from the primary."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.replication import Replicated
from tests.servers import start_gunicorn, stop_gunicorn
from tests.webhooks.conftest import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
LISTING_READ = 'FROM "marketplace_listing"'
WRITES = ("statement: INSERT", "statement: UPDATE", "statement: DELETE")


class Api:
    def __init__(self, base: str) -> None:
        self.base = base

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None):
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.base + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                **({"Authorization": f"Bearer {token}"} if token else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def register(self, name: str) -> str:
        status, body = self.call(
            "POST",
            "/api/auth/register",
            {
                "email": f"{name}@replica.test",
                "password": "replicas-are-a-moment-behind-7",
                "fullName": name.title(),
                "organizationName": f"{name.title()} Inc",
            },
        )
        assert status == 201, body
        return body["data"]["access"]


@pytest.fixture
def replicated(tmp_path) -> Iterator[tuple[Replicated, Api]]:
    cluster = Replicated().start()
    server = None
    try:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("RATE_LIMIT_", "PYTEST_"))},
            "DATABASE_URL": cluster.primary.url("app"),
            "DEBUG": "1",
            "LOG_LEVEL": "WARNING",
            **{f"RATE_LIMIT_{scope}": "off" for scope in ("ANON", "USER", "API_KEY", "AUTH")},
        }
        env.pop("EMBEDDED_PG_DIR", None)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=300,
        )
        cluster.start_standby()
        port = free_port()
        server = start_gunicorn(
            port,
            {
                **env,
                "DATABASE_REPLICA_URLS": cluster.standby.url("app"),
                "REPLICA_RETRY_SECONDS": "1",
            },
            workers=2,
            log=tmp_path / "gunicorn.log",
        )
        api = Api(f"http://127.0.0.1:{port}")

        def up() -> bool:
            try:
                return api.call("GET", "/api/health/live")[0] == 200
            except OSError:
                return False

        wait_for(up, timeout=60, what="gunicorn")
        yield cluster, api
    finally:
        if server is not None:
            stop_gunicorn(server)
        cluster.stop()


def test_reads_go_to_the_standby_and_writes_to_the_primary(replicated):
    cluster, api = replicated
    publisher, consumer = api.register("publisher"), api.register("consumer")
    word = "replica" + secrets.token_hex(3)
    status, prompt = api.call(
        "POST", "/api/prompts", {"name": f"Prompt {word}", "body": "Hi {{name}}"}, publisher
    )
    assert status == 201, prompt
    scopes = {"marketplace": {"enabled": True, "shareType": "copy"}}
    body = {"itemType": "prompt", "itemId": prompt["data"]["id"], "scopes": scopes}
    status, published = api.call("POST", "/api/marketplace/publish", body, publisher)
    assert status == 200, published
    listing_id = published["data"]["published"][0]["id"]
    # The publisher sees it at once: its own detail comes from the primary.
    assert api.call("GET", f"/api/marketplace/{listing_id}", token=publisher)[0] == 200
    wait_for(cluster.caught_up, what="the standby to replay the publish")

    primary_from, standby_from = (
        len(cluster.primary.statements()),
        len(cluster.standby.statements()),
    )
    status, browse = api.call("GET", "/api/marketplace", token=consumer)
    assert status == 200
    assert listing_id in [item["id"] for item in browse["data"]["items"]]
    status, search = api.call("GET", f"/api/marketplace?q={word}", token=consumer)
    assert [item["id"] for item in search["data"]["items"]] == [listing_id]
    assert api.call("GET", f"/api/marketplace/{listing_id}", token=consumer)[0] == 200
    on_primary = cluster.primary.statements()[primary_from:]
    on_standby = cluster.standby.statements()[standby_from:]
    assert LISTING_READ in on_standby
    assert LISTING_READ not in on_primary  # only authentication and tenancy ran there
    assert "publishing_membership" in on_primary

    # Every write went to the primary: the standby never saw one (it would have refused it).
    status, _ = api.call("POST", "/api/marketplace/publish", body, publisher)
    assert status == 200
    assert not any(write in cluster.standby.statements() for write in WRITES)
    assert all(write in cluster.primary.statements() for write in ("statement: INSERT",))

    # The standby goes away: the same reads answer, from the primary.
    cluster.standby.stop()
    primary_from = len(cluster.primary.statements())
    for _ in range(3):
        status, browse = api.call("GET", "/api/marketplace", token=consumer)
        assert status == 200
        assert listing_id in [item["id"] for item in browse["data"]["items"]]
    assert api.call("GET", f"/api/marketplace/{listing_id}", token=consumer)[0] == 200
    assert LISTING_READ in cluster.primary.statements()[primary_from:]
