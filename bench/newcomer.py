"""Phase ``newcomer`` (issue 21): ``make run`` on a fresh clone, to the first healthy answer.

What a newcomer does: clone, ``make run``, open the site. The phase clones the committed HEAD of
this checkout into a throwaway folder and runs ``make run`` there exactly as the README says, with
none of the bench's settings: no ``DATABASE_URL`` (so the embedded PostgreSQL is created and
migrated), no virtualenv (so ``make`` creates one and installs ``requirements.txt``), ``DEBUG=1``
as ``make run`` sets it. It times the first ``200`` from ``/api/health``, logs in as the demo
owner and lists the demo prompts, then stops it as Ctrl-C would (SIGINT to the process group)
and checks that nothing is left.

Full mode runs it twice: with pip's cache as this machine has it (a second clone on a machine that
installed once) and with ``PIP_NO_CACHE_DIR=1`` (a first install; packages still come from the
configured index). ``make bench QUICK=1`` leaves the phase out unless ``--only newcomer`` asks for
it: it needs a package index, and CI measures its own fresh clone anyway.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.common import ROOT, USER_ENV, Context, log

TARGET_SECONDS = 60.0
DEMO_LOGIN, DEMO_PASSWORD = "owner@demo.example", "demo-pass-2024"  # the README's
HEALTH_TIMEOUT = 600.0
STOP_TIMEOUT = 60.0
# Settings a newcomer's shell does not have: the bench's own, a parent make's, a virtualenv's.
DROPPED = (
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "MAKEFLAGS",
    "MAKELEVEL",
    "MFLAGS",
    "EMBEDDED_PG_DIR",
    "DEBUG",
    "SECRET_KEY",
    "QUICK",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return None


def _demo_items(base: str) -> int | None:
    """Log in as the README's demo owner and count the items the first page lists: the demo data
    is there and served, not just a process answering."""
    login = urllib.request.Request(
        f"{base}/api/auth/login",
        data=json.dumps({"email": DEMO_LOGIN, "password": DEMO_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(login, timeout=10) as response:
            token = json.load(response)["data"]["access"]
        items = urllib.request.Request(
            f"{base}/api/prompts", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(items, timeout=10) as response:
            return len(json.load(response)["data"]["items"])
    except (urllib.error.URLError, OSError, KeyError, ValueError):
        return None


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def one_run(*, cold_pip: bool) -> dict:
    """Clone, ``make run``, wait for health, stop; every duration in seconds."""
    env = {k: v for k, v in USER_ENV.items() if k not in DROPPED and not k.startswith("BENCH_")}
    if cold_pip:
        env["PIP_NO_CACHE_DIR"] = "1"
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="newcomer-") as tmp:
        checkout = Path(tmp) / "main"
        started = time.monotonic()
        subprocess.run(["git", "clone", "-q", str(ROOT), str(checkout)], check=True)
        cloned = time.monotonic()
        log_path = Path(tmp) / "make-run.log"
        with log_path.open("wb") as out:
            make = subprocess.Popen(
                ["make", "run", f"PORT={port}"],
                cwd=checkout,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}"
        healthy_at = None
        try:
            deadline = time.monotonic() + HEALTH_TIMEOUT
            while time.monotonic() < deadline and make.poll() is None:
                if _get(f"{base}/api/health") == 200:
                    healthy_at = time.monotonic()
                    break
                time.sleep(0.2)
            demo_items = _demo_items(base) if healthy_at else None
        finally:
            stop_started = time.monotonic()
            if make.poll() is None:
                os.killpg(make.pid, signal.SIGINT)  # Ctrl-C in the terminal reaches the group
            try:
                make.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(make.pid, signal.SIGKILL)
                make.wait()
            stopped = time.monotonic()
        left = subprocess.run(["pgrep", "-g", str(make.pid)], capture_output=True, text=True)
        tail = log_path.read_text(errors="replace").splitlines()[-15:]
    result = {
        "pip_cache": "off (PIP_NO_CACHE_DIR=1)" if cold_pip else "as the machine has it",
        "clone_s": round(cloned - started, 1),
        "make_run_to_healthy_s": round(healthy_at - cloned, 1) if healthy_at else None,
        "demo_prompts_listed": demo_items,
        "stop_s": round(stopped - stop_started, 1),
        "processes_left": len(left.stdout.split()),
        "port_still_open": _listening(port),
    }
    if not healthy_at:
        result["log_tail"] = tail
    return result


def run(ctx: Context) -> dict:
    runs = []
    for cold in (False,) if ctx.sizes.quick else (False, True):
        outcome = one_run(cold_pip=cold)
        log(
            f"newcomer ({outcome['pip_cache']}): healthy after {outcome['make_run_to_healthy_s']} s"
            f", stopped in {outcome['stop_s']} s, {outcome['processes_left']} processes left"
        )
        runs.append(outcome)
    times = [r["make_run_to_healthy_s"] for r in runs]
    clean = all(r["processes_left"] == 0 and not r["port_still_open"] for r in runs)
    result = {
        "runs": runs,
        "worst_s": None if None in times else max(times),
        "target_s": TARGET_SECONDS,
        "met": None not in times
        and max(times) <= TARGET_SECONDS
        and all(r["demo_prompts_listed"] for r in runs)
        and clean,
    }
    ctx.write("newcomer", result)
    return result
