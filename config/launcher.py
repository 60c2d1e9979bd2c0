"""``make run``: the development stack as one process tree that stops as one.

``python -m config.launcher [--host H] [--port P]`` (``make run`` passes ``HOST`` and ``PORT``):

1. owns the database: without ``DATABASE_URL`` it starts the embedded PostgreSQL
   (``config.embedded_pg``) and hands every child a plain ``DATABASE_URL`` for it, so no child
   starts, joins or stops a server of its own;
2. runs the setup steps one after another (``migrate``, ``seed_demo``);
3. supervises the long-running children (:func:`services`: the development server and one
   task-engine worker, which delivers webhooks and runs periodic jobs) until
   SIGINT (Ctrl-C), SIGTERM or SIGHUP arrives, its parent (``make``) exits, or one of them exits;
4. then stops every child and its descendants (SIGTERM, SIGKILL after a grace period) and only
   then the embedded PostgreSQL.

Why a supervisor and not three lines of Makefile: pgserver stops its server when the last process
holding a handle exits cleanly, and runserver's autoreloader SIGKILLs its own child on the way out,
so a stopped ``make run`` used to leave PostgreSQL running. Children share the launcher's process
group (a Ctrl-C reaches them as it always did); stopping a child also stops its descendants
(runserver's reloader and the server it runs), so ``kill <launcher pid>`` alone stops everything.

To run another process next to these, add a :class:`Child` to :func:`services`; the supervisor
starts, watches and stops it like the others.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import psutil

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
STOP_GRACE_SECONDS = 10.0


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # Ctrl-C, kill, terminal closed


class StopRequested(Exception):
    """Raised in the main thread by a stop signal, or when the launcher's parent is gone, so that
    ``finally`` blocks do the stopping."""


@dataclass(frozen=True)
class Child:
    """One process the launcher runs: a name for messages and its command line."""

    name: str
    argv: Sequence[str]


def listen_address(host: str, port: int) -> str:
    """``host:port`` as runserver and URLs want it (IPv6 literals in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def base_url(host: str, port: int) -> str:
    """The address to print and link to; a wildcard host is reached locally through loopback."""
    local = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104 - compared, not bound
    return f"http://{listen_address(local, port)}"


def setup_steps(url: str) -> list[Child]:
    """Commands that must finish, in order, before the services start."""
    manage = [sys.executable, "manage.py"]
    return [
        Child("migrate", [*manage, "migrate", "--noinput"]),
        Child("seed_demo", [*manage, "seed_demo", "--base-url", url]),
    ]


def services(host: str, port: int) -> list[Child]:
    """The long-running children of ``make run``; all of them stop when any of them stops."""
    manage = [sys.executable, "manage.py"]
    concurrency = os.environ.get("WORKER_CONCURRENCY", "4")
    return [
        Child("server", [*manage, "runserver", listen_address(host, port)]),
        Child("worker", [*manage, "procrastinate", "worker", f"--concurrency={concurrency}"]),
    ]


class Supervisor:
    """Starts children and stops each one together with everything it started."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.parent_pid = os.getppid()

    def start(self, child: Child) -> subprocess.Popen[bytes]:
        # Same process group as the launcher: the terminal stays theirs (Ctrl-C reaches them,
        # breakpoint() in a view can read the keyboard).
        process = subprocess.Popen(child.argv, cwd=BASE_DIR, env=self.env)  # noqa: S603
        self.running[child.name] = process
        return process

    def run_step(self, child: Child) -> None:
        """Run one setup command to its end; a failure stops the launch."""
        returncode = self.start(child).wait()
        del self.running[child.name]
        if returncode != 0:
            raise SystemExit(f"{child.name} failed with exit status {returncode}")

    def wait_for_first_exit(self, poll_seconds: float = 0.2) -> tuple[str, int]:
        """Block until one running child exits; return its name and exit status.

        Raises StopRequested when the launcher's parent is gone: ``make`` does not pass a SIGTERM
        aimed at it alone on to its recipe, so an orphaned launcher stops by itself.
        """
        while True:
            for name, process in self.running.items():
                returncode = process.poll()
                if returncode is not None:
                    del self.running[name]
                    return name, returncode
            if os.getppid() != self.parent_pid:
                raise StopRequested(f"parent process {self.parent_pid} exited")
            time.sleep(poll_seconds)

    def stop_all(self, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
        """SIGTERM every child and its descendants, SIGKILL whatever outlives the grace period.

        Descendants are collected before any signal: once runserver's reloader dies, the server it
        started is re-parented and no longer findable from here.
        """
        tree: list[psutil.Process] = []
        for process in self.running.values():
            try:
                parent = psutil.Process(process.pid)
                tree += [parent, *parent.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        for member in tree:
            with suppress(psutil.NoSuchProcess):
                member.terminate()
        _, alive = psutil.wait_procs(tree, timeout=grace_seconds)
        for member in alive:
            with suppress(psutil.NoSuchProcess):
                member.kill()
        psutil.wait_procs(alive, timeout=grace_seconds)
        for process in self.running.values():
            process.wait()  # reap, so no zombie outlives the launcher
        self.running.clear()


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise StopRequested(signal.Signals(signum).name)


@contextmanager
def database(env: dict[str, str]) -> Iterator[None]:
    """Give the children a database: ``DATABASE_URL`` as set, or an embedded one we own."""
    if env.get("DATABASE_URL"):
        yield
        return
    from config import embedded_pg

    folder, _ = embedded_pg.data_dir()
    print(f"Starting the embedded PostgreSQL in {folder} ...", flush=True)  # noqa: T201
    env["DATABASE_URL"] = embedded_pg.database_url()
    try:
        yield
    finally:
        embedded_pg.release()
        print("Stopped the embedded PostgreSQL.", flush=True)  # noqa: T201


def banner(url: str) -> str:
    return "\n".join(
        [
            "",
            f"  API docs:  {url}/api/docs/   (ReDoc: /api/redoc/, schema: /api/schema/)",
            f"  Admin:     {url}/admin/",
            f"  Health:    {url}/api/health",
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("HOST") or DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or DEFAULT_PORT))
    args = parser.parse_args(argv)
    url = base_url(args.host, args.port)

    # From here on a stop signal is an exception, so every ``finally`` below runs.
    for signum in STOP_SIGNALS:
        signal.signal(signum, _raise_stop)
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG") or "1"}
    supervisor = Supervisor(env)
    exit_status = 0
    try:
        with database(env):
            try:
                for step in setup_steps(url):
                    supervisor.run_step(step)
                print(banner(url), flush=True)  # noqa: T201
                for child in services(args.host, args.port):
                    supervisor.start(child)
                name, exit_status = supervisor.wait_for_first_exit()
                print(f"{name} exited with status {exit_status}; stopping.", flush=True)  # noqa: T201
            except StopRequested as stop:
                print(f"\n{stop}: stopping.", flush=True)  # noqa: T201
            finally:
                # A second Ctrl-C must not cut the shutdown short; SIGKILL after the grace
                # period bounds it instead.
                for signum in STOP_SIGNALS:
                    signal.signal(signum, signal.SIG_IGN)
                supervisor.stop_all()
    except StopRequested:  # arrived while the database was starting
        pass
    return exit_status


if __name__ == "__main__":
    sys.exit(main())
