"""The application under gunicorn, as production runs it (docs/operating.md), for the benches."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.loadgen import render, send

ROOT = Path(__file__).resolve().parent.parent
# docs/operating.md: 2 x cores + 1 sync workers; 5 on the 2-core machine the README describes.
WORKERS = 2 * (os.cpu_count() or 1) + 1


def production_env(database_url: str) -> dict[str, str]:
    """Production settings for plain-HTTP loopback benches: DEBUG off, a real secret, no TLS
    redirect, rate limits off (one user sends thousands of requests), the bench app installed."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        JWT_ACCESS_MINUTES="240",
        RATE_LIMIT_ANON="off",
        RATE_LIMIT_USER="off",
        RATE_LIMIT_API_KEY="off",
        RATE_LIMIT_AUTH="off",
        RATE_LIMIT_PUBLISH="off",
        PYTHONPATH=str(ROOT),
    )
    env.pop("EMBEDDED_PG_DIR", None)
    return env


class Gunicorn:
    """gunicorn with docs/operating.md's command line; ``workers`` and ``max_requests`` may differ
    (the memory bench fixes 2 workers and turns recycling off with ``max_requests=0``)."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        port: int,
        log_path: Path,
        workers: int = WORKERS,
        max_requests: int = 2000,
    ) -> None:
        self.env, self.port, self.log_path = env, port, log_path
        self.workers, self.max_requests = workers, max_requests
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
            "--timeout", "45", "--graceful-timeout", "30",
            "--max-requests", str(self.max_requests),
            "--max-requests-jitter", str(self.max_requests // 10),
            "--backlog", "2048",
        ]  # fmt: skip
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        health = render("GET", "/api/health", port=self.port)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                if send(health, port=self.port, timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError(f"gunicorn did not answer /api/health in 60 s; see {self.log_path}")
        # Every worker imports and connects on its first request: warm them all up.
        for _ in range(self.workers * 4):
            send(health, port=self.port)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if getattr(self, "log", None):
            self.log.close()
