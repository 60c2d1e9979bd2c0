"""Embedded PostgreSQL for machines without a server.

When ``DATABASE_URL`` is unset the project runs a real PostgreSQL from the ``pgserver`` wheel.
Development data lives in ``.pgdata/`` inside the checkout (git-ignored); a pytest run gets its own
throwaway folder under the system temp directory so tests never touch development data. pgserver
shares one postmaster between every process that asks for the same folder and stops it when the last
of them exits. ``make run`` (config/launcher.py) holds the only handle itself and gives its
children a plain ``DATABASE_URL`` (:func:`database_url`), so the server stops with the launcher.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "publishing"

_server: Any = None


def data_dir() -> tuple[Path, str]:
    """Return (folder, cleanup mode) for the current process."""
    explicit = os.environ.get("EMBEDDED_PG_DIR")
    if explicit:
        return Path(explicit), "stop"
    if os.environ.get("PYTEST_VERSION"):  # set by pytest >= 8.2 for the whole session
        digest = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:10]
        return Path(tempfile.gettempdir()) / f"publishing-pgtest-{digest}", "delete"
    return BASE_DIR / ".pgdata", "stop"


def _pgserver() -> Any:
    """Import pgserver without its platformdirs warning (XDG_RUNTIME_DIR unset is normal here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver  # imported lazily: only needed without DATABASE_URL
    return pgserver


def server() -> Any:
    """Start (or join) the embedded server for this process, with the project's database in it."""
    global _server
    if _server is not None:
        return _server
    pgserver = _pgserver()
    folder, cleanup_mode = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _server = pgserver.get_server(folder, cleanup_mode=cleanup_mode)
    _exit_cleanly_on_sigterm()
    # DATABASE_NAME is a module constant, not input.
    exists = _server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
    if "(1 row)" not in exists:
        _server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return _server


def database_settings() -> dict[str, Any]:
    """Start (or join) the embedded server and return a Django DATABASES entry for it."""
    info = server().get_postmaster_info()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir) if info.socket_dir else info.hostname,
        "PORT": str(info.port or ""),
    }


def database_url() -> str:
    """A ``DATABASE_URL`` for the embedded server, for child processes of the one that owns it.

    A child given this URL never starts or joins a server, so only its owner decides when it stops.
    """
    settings = database_settings()
    host = quote(settings["HOST"], safe="")
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://postgres@{host}{port}/{DATABASE_NAME}"


def release() -> None:
    """Drop this process's handle now; the server stops if it was the last one (``stop`` mode)."""
    global _server
    if _server is not None:
        _server.cleanup()
        _server = None


def _exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into a normal exit so pgserver's exit hook stops the server we share."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def _forget_dead_handles(folder: Path) -> None:
    """Drop pids of processes that died without cleaning up (SIGKILL) from pgserver's handle list.

    pgserver stops the server when the last process holding a handle exits; a stale pid would keep
    it running forever.
    """
    import psutil

    handles = folder / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def stop() -> None:
    """Stop the development server in ``.pgdata`` if one is running (``make db-stop``)."""
    pgserver = _pgserver()
    folder, _ = data_dir()
    if not (folder / "postmaster.pid").exists():
        print(f"No embedded PostgreSQL is running in {folder}.")  # noqa: T201
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        handle = pgserver.get_server(folder, cleanup_mode="stop")
    (folder / ".handle_pids.json").write_text(json.dumps([os.getpid()]))
    handle.cleanup()
    print(f"Stopped the embedded PostgreSQL in {folder}.")  # noqa: T201


if __name__ == "__main__" and sys.argv[1:] == ["stop"]:
    stop()
