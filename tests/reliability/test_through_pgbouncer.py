"""The end-to-end HTTP session of docs/items.md, served by gunicorn that reaches PostgreSQL only
through Debian's PgBouncer in transaction pooling mode (``DATABASE_TRANSACTION_POOLING=1``).

The soak runs through it too (``bench/soak.py --pgbouncer``, in ``.ci/run``). Skipped when
PgBouncer is missing; ``REQUIRE_PGBOUNCER_TESTS=1`` (set by ``.ci/run`` once it is installed)
makes that a failure.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from bench.pgbouncer import PgBouncer, app_env, available
from tests.publishing.test_docs import needs_curl_and_jq, run_items_guide
from tests.servers import start_gunicorn, stop_gunicorn
from tests.webhooks.conftest import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


@needs_curl_and_jq
def test_the_items_guide_runs_through_pgbouncer(tmp_path):
    if available() is None:
        if os.environ.get("REQUIRE_PGBOUNCER_TESTS") == "1":
            pytest.fail("PgBouncer tests required but pgbouncer is not installed")
        pytest.skip("pgbouncer is not installed (Debian package pgbouncer)")
    db = connection.settings_dict
    bouncer = PgBouncer(db["HOST"], db["PORT"], db["USER"]).start()
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("RATE_LIMIT_", "PYTEST_"))},
        **app_env(bouncer, db["NAME"]),
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        **{f"RATE_LIMIT_{scope}": "off" for scope in ("ANON", "USER", "API_KEY", "AUTH")},
    }
    env.pop("EMBEDDED_PG_DIR", None)
    server = start_gunicorn(port, env, workers=3, log=tmp_path / "gunicorn.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _status(base + "/api/health/ready") == 200, what="gunicorn")
        run_items_guide(base)
        # The server had no other way to the database: without PgBouncer it is not ready.
        bouncer.stop()
        wait_for(lambda: _status(base + "/api/health/ready") == 503, what="503 without PgBouncer")
    finally:
        bouncer.stop()
        stop_gunicorn(server)
