"""Debian's HAProxy as a round-robin load balancer on 127.0.0.1 in front of several app ports, for
the two-host soak (``bench/soak.py --hosts 2``) and ``tests/reliability/test_two_hosts.py``.

``option forwardfor`` appends the client address to ``X-Forwarded-For``, as a production balancer
does, so the app runs with ``TRUSTED_PROXY_COUNT=1`` behind it.
"""

from __future__ import annotations

import shutil

from bench.sidecar import Sidecar


def available() -> str | None:
    """The haproxy binary, or None (Debian puts it in /usr/sbin)."""
    return shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/bin")


class Balancer(Sidecar):
    """``with Balancer([port1, port2]) as balancer: balancer.port``."""

    name = "haproxy"

    def __init__(self, backends: list[int]) -> None:
        super().__init__()
        self.backends = backends

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
        return self._launch([binary, "-db", "-f", str(config)])
