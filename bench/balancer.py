"""Debian's HAProxy as a round-robin load balancer on 127.0.0.1 in front of several app ports, for
the two-host soak (``bench/soak.py --hosts 2``) and ``tests/reliability/test_two_hosts.py``.

``option forwardfor`` appends the client address to ``X-Forwarded-For``, as a production balancer
does, so the app runs with ``TRUSTED_PROXY_COUNT=1`` behind it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def available() -> str | None:
    """The haproxy binary, or None (Debian puts it in /usr/sbin)."""
    return shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/bin")


class Balancer:
    """``with Balancer([port1, port2]) as balancer: balancer.port``."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="publishing-haproxy-"))
        self.process: subprocess.Popen | None = None

    def start(self) -> Balancer:
        binary = available()
        if binary is None:
            raise RuntimeError("haproxy is not installed (Debian package haproxy)")
        config = self.folder / "haproxy.cfg"
        config.write_text(
            "\n".join(
                [
                    "defaults",
                    "  mode http",
                    "  timeout connect 5s",
                    "  timeout client 60s",
                    "  timeout server 60s",
                    "frontend api",
                    f"  bind 127.0.0.1:{self.port}",
                    "  option forwardfor",
                    "  default_backend web",
                    "backend web",
                    "  balance roundrobin",
                    *(f"  server web{n} 127.0.0.1:{port}" for n, port in enumerate(self.backends)),
                    "",
                ]
            )
        )
        self.process = subprocess.Popen(
            [binary, "-db", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.folder / "haproxy.log", "wb"),  # noqa: SIM115
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("haproxy exited: " + (self.folder / "haproxy.log").read_text())
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.1)
        raise RuntimeError("haproxy did not listen in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Balancer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
