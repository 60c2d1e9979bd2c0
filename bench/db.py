"""Which database a benchmark run uses, and raw psycopg connections to it.

A run never touches development data:

- ``BENCH_DATABASE_URL`` set: that database, dropped and created anew (name a throwaway one);
- else ``DATABASE_URL`` set: a sibling database ``<name>_bench`` on the same server, created (and
  dropped first) by the bench;
- else an embedded PostgreSQL (``pgserver``) in a throwaway folder under the system temp directory,
  deleted at the end of the run.

The orchestrator resolves this once and hands every child process (gunicorn, commands) a plain
``DATABASE_URL``, so none of them starts a server of its own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg

EMBEDDED_DIR = Path(tempfile.gettempdir()) / "publishing-bench-pg"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


class BenchDatabase:
    """Resolve, create and drop the bench database; ``url`` is what children get as
    ``DATABASE_URL``."""

    def __init__(self) -> None:
        self.embedded_server = None
        self.kind = ""
        self.url = ""

    def start(self, *, fresh: bool = True) -> str:
        explicit = os.environ.get("BENCH_DATABASE_URL")
        base = os.environ.get("DATABASE_URL")
        if explicit:
            self.kind, self.url = "given", explicit
            if fresh:
                self._recreate(explicit)
        elif base:
            name = _database_name(base) or "publishing"
            self.kind = "sibling"
            self.url = _with_database(base, name if name.endswith("_bench") else f"{name}_bench")
            if fresh:
                self._recreate(self.url)
        else:
            self.kind = "embedded"
            self.url = self._start_embedded(fresh)
        return self.url

    def _recreate(self, url: str) -> None:
        name = _database_name(url)
        admin = _with_database(url, "postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')

    def _start_embedded(self, fresh: bool) -> str:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver

        if fresh and EMBEDDED_DIR.exists():
            shutil.rmtree(EMBEDDED_DIR, ignore_errors=True)
        EMBEDDED_DIR.mkdir(parents=True, exist_ok=True)
        os.chmod(EMBEDDED_DIR, 0o777)  # pgserver runs postgres as its own user when we are root
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.embedded_server = pgserver.get_server(EMBEDDED_DIR, cleanup_mode="delete")
        info = self.embedded_server.get_postmaster_info()
        host = quote(str(info.socket_dir), safe="") if info.socket_dir else info.hostname
        root = f"postgresql://postgres@{host}:{info.port or 5432}/postgres"
        url = _with_database(root, "publishing_bench")
        self._recreate(url)
        return url

    def stop(self) -> None:
        if self.embedded_server is not None:
            self.embedded_server.cleanup()
            self.embedded_server = None
        elif self.kind == "sibling" and not os.environ.get("BENCH_KEEP_DATABASE"):
            admin = _with_database(self.url, "postgres")
            name = _database_name(self.url)
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def connect(url: str | None = None, **kwargs) -> psycopg.Connection:
    """A raw psycopg connection to the bench database (``DATABASE_URL`` by default)."""
    return psycopg.connect(url or os.environ["DATABASE_URL"], **kwargs)


def server_info(url: str | None = None) -> dict:
    with connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = dict(
            conn.execute(
                "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name IN "
                "('shared_buffers', 'work_mem', 'effective_cache_size', 'jit', "
                "'max_parallel_workers_per_gather', 'synchronous_commit')"
            ).fetchall()
        )
    return {"version": version, "settings": settings}
