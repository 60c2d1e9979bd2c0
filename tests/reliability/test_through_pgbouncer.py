"""The end-to-end HTTP session of docs/items.md, served by gunicorn that reaches PostgreSQL only
through Debian's PgBouncer in transaction pooling mode (``DATABASE_TRANSACTION_POOLING=1``).

The soak runs through it too (``bench/soak.py --pgbouncer``, in ``.ci/run``). Skipped when
PgBouncer is missing; ``REQUIRE_PGBOUNCER_TESTS=1`` (set by ``.ci/run`` once it is installed)
makes that a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from bench.pgbouncer import PgBouncer, app_env, available
from tests.publishing.test_docs import DOC, DOC_BASE, fenced, normalized
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


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq")
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
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and app
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            "--workers=3",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "gunicorn.log", "wb"),  # noqa: SIM115
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _status(base + "/api/health/ready") == 200, what="gunicorn")
        markdown = DOC.read_text()
        script = "\n".join(fenced(markdown, "sh")).replace(DOC_BASE, f"BASE={base}")
        prelude = 'set -euo pipefail\ncurl() { command curl -w "%{stderr}%{http_code}\\n" "$@"; }\n'
        result = subprocess.run(  # noqa: S603 - the script is this repository's own page
            ["bash", "-c", prelude + script],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        statuses = [int(line) for line in result.stderr.split()]
        assert [s for s in statuses if not 200 <= s < 300] == [412, 400]
        assert normalized(result.stdout) == normalized("\n".join(fenced(markdown, "(?:json|text)")))
        # The server had no other way to the database: without PgBouncer it is not ready.
        bouncer.stop()
        wait_for(lambda: _status(base + "/api/health/ready") == 503, what="503 without PgBouncer")
    finally:
        bouncer.stop()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
