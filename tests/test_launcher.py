"""``make run`` (config/launcher.py) stops the embedded PostgreSQL with the server, for real.

Each test starts the launcher in a process group of its own, as a shell starts ``make run``, with
its own EMBEDDED_PG_DIR and a free port, and signals it the way a terminal or a process manager
does. No mocks: the assertion is that no postgres process serves that data folder afterwards. The
data folder is shared by the module, so only the first test pays for initdb and the migrations.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from bench.run import free_port
from config.embedded_pg import BASE_DIR
from config.launcher import base_url

STARTUP_SECONDS = 180  # initdb and every migration on a busy 2-core machine
STOP_SECONDS = 30


@pytest.fixture(scope="module")
def pg_dir() -> Iterator[Path]:
    """Outside pytest's temp root: run as root, pgserver opens the folder's parents to the user
    postgres runs as, and every pytest-xdist worker closes that root (0700) again when it starts."""
    parent = Path(tempfile.mkdtemp(prefix="publishing-launcher-"))
    folder = (parent / "pg").resolve()
    yield folder
    _kill_postgres(folder)  # only if a test failed half-way
    shutil.rmtree(parent, ignore_errors=True)


def postgres_processes(folder: Path) -> list[psutil.Process]:
    """The postmaster and its backends for ``folder`` (they carry ``-D <folder>``)."""
    found = []
    for process in psutil.process_iter(attrs=["name", "cmdline"]):
        cmdline = process.info["cmdline"] or []
        if process.info["name"] == "postgres" and str(folder) in cmdline:
            found.append(process)
    return found


def _kill_postgres(folder: Path) -> None:
    for process in postgres_processes(folder):
        process.kill()


def launch(
    pg_dir: Path, port: int, log: Path, *, under_a_parent: bool = False
) -> subprocess.Popen[bytes]:
    """Start the launcher; ``under_a_parent`` puts a shell in between, as ``make run`` has make."""
    argv = [sys.executable, "-m", "config.launcher", "--port", str(port)]
    if under_a_parent:
        argv = ["sh", "-c", f"{shlex.join(argv)}; :"]  # ``; :`` keeps sh from exec'ing it
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST_") and k not in {"DATABASE_URL", "EMBEDDED_PG_DIR"}
    }
    env.update(EMBEDDED_PG_DIR=str(pg_dir), DEBUG="1")
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603
            argv,
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, like a job in a shell
        )


def wait_for_health(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"launcher exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)
    pytest.fail(f"no /api/health within {STARTUP_SECONDS} s:\n{log.read_text()}")


def all_finished(processes: list[psutil.Process], timeout: float) -> bool:
    """Whether every process exits within ``timeout``; a zombie counts as exited (whether an
    orphan is reaped is up to this machine's init, not to the launcher)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if all(p.status() == psutil.STATUS_ZOMBIE for p in processes if p.is_running()):
                return True
        except psutil.NoSuchProcess:
            continue  # one exited between the two calls: look again
        time.sleep(0.2)
    return False


def port_is_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def stop_and_wait(process: subprocess.Popen[bytes], signum: int, log: Path) -> int:
    os.killpg(process.pid, signum)
    try:
        return process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(f"launcher still running {STOP_SECONDS} s after {signum}:\n{log.read_text()}")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_stopping_make_run_stops_the_server_and_the_embedded_postgres(
    pg_dir: Path, tmp_path: Path, signum: int
):
    port, log = free_port(), tmp_path / "launcher.log"
    process = launch(pg_dir, port, log)
    wait_for_health(process, port, log)
    assert postgres_processes(pg_dir), "the embedded PostgreSQL should be serving this folder"
    assert f"http://127.0.0.1:{port}/admin/" in log.read_text()

    assert stop_and_wait(process, signum, log) == 0, log.read_text()
    assert postgres_processes(pg_dir) == [], log.read_text()
    assert port_is_closed(port)
    assert not (pg_dir / "postmaster.pid").exists()


def test_when_make_alone_is_killed_the_orphaned_launcher_stops_everything(
    pg_dir: Path, tmp_path: Path
):
    """``kill <make pid>``: make dies without passing the signal on; nothing else is signalled."""
    port, log = free_port(), tmp_path / "launcher.log"
    shell = launch(pg_dir, port, log, under_a_parent=True)
    wait_for_health(shell, port, log)
    (launcher,) = psutil.Process(shell.pid).children()
    server_tree = launcher.children(recursive=True)
    assert server_tree, "runserver and its reloader should be running"

    shell.kill()
    shell.wait()
    assert all_finished([launcher, *server_tree], STOP_SECONDS), log.read_text()
    assert "parent process" in log.read_text()
    assert postgres_processes(pg_dir) == [], log.read_text()
    assert port_is_closed(port)


def test_a_server_that_cannot_start_stops_the_launch_and_the_database(pg_dir: Path, tmp_path: Path):
    log = tmp_path / "launcher.log"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = launch(pg_dir, port, log)
        try:
            returncode = process.wait(STARTUP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail(f"launcher kept running with its server down:\n{log.read_text()}")
    assert returncode != 0
    assert "server exited with status" in log.read_text()
    assert postgres_processes(pg_dir) == [], log.read_text()


def test_db_stop_prints_no_platformdirs_warning(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in {"XDG_RUNTIME_DIR", "DATABASE_URL"}}
    env["EMBEDDED_PG_DIR"] = str(tmp_path / "never-started")
    result = subprocess.run(
        [sys.executable, "-m", "config.embedded_pg", "stop"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "No embedded PostgreSQL is running" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "http://127.0.0.1:8300"),
        ("0.0.0.0", "http://127.0.0.1:8300"),  # noqa: S104
        ("::", "http://[::1]:8300"),
        ("localhost", "http://localhost:8300"),
    ],
)
def test_the_printed_address_is_one_a_browser_on_this_machine_can_open(host: str, expected: str):
    assert base_url(host, 8300) == expected
