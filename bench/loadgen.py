"""A small closed-loop HTTP load generator: fixed concurrency, raw sockets, no dependencies.

Each of ``concurrency`` threads sends one request, reads the whole response, records the latency
and sends the next, so the server always has exactly ``concurrency`` requests in flight (gunicorn's
sync workers close every connection, so each request opens one; on loopback that costs tens of
microseconds). Requests are pre-rendered bytes, which keeps the generator's own CPU use low on a
machine whose two cores it shares with the server and PostgreSQL.

Requests made during the warm-up are not counted. Latencies are wall-clock from connect to the
last byte; throughput is completed requests over the measured window.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

HOST = "127.0.0.1"


def render(
    method: str, path: str, *, token: str | None = None, body: object = None, port: int = 8000
) -> bytes:
    """An HTTP/1.1 request as bytes (``Connection: close``)."""
    payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def send(request: bytes, *, port: int, timeout: float = 60.0) -> tuple[int, bytes]:
    """Send one request; return (status, response body). Status 0 means a transport error."""
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(request)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    try:
        status = int(head[9:12])
    except ValueError:
        return 0, raw
    if b"transfer-encoding: chunked" in head.lower():
        body = _dechunk(body)
    return status, body


def _dechunk(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


@dataclass
class LoadResult:
    concurrency: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    exhausted: bool = False
    client_cpu_seconds: float = 0.0

    def summary(self) -> dict:
        ordered = sorted(self.latencies)
        count = len(ordered)
        ms = lambda v: None if v is None else round(v * 1000, 2)  # noqa: E731
        return {
            "requests": count,
            "seconds": round(self.seconds, 2),
            "concurrency": self.concurrency,
            "rps": round(count / self.seconds, 1) if self.seconds else None,
            "p50_ms": ms(percentile(ordered, 0.50)),
            "p90_ms": ms(percentile(ordered, 0.90)),
            "p99_ms": ms(percentile(ordered, 0.99)),
            "max_ms": ms(ordered[-1] if ordered else None),
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "error_samples": self.error_samples[:5],
            "ran_out_of_work": self.exhausted,
            # CPU the load generator itself used, in cores: what it took from the server.
            "client_cpu_cores": round(self.client_cpu_seconds / self.seconds, 2)
            if self.seconds
            else None,
        }


def run_load(
    next_request: Callable[[], bytes | None],
    *,
    port: int,
    concurrency: int,
    seconds: float,
    warmup: float,
    ok: Callable[[int, bytes], bool] = lambda status, body: 200 <= status < 300,
) -> LoadResult:
    """Drive the server for ``warmup + seconds``; ``next_request`` returns the next request's
    bytes (thread-safe), or None when there is no more work."""
    lock = threading.Lock()
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + seconds
    result = LoadResult(concurrency=concurrency, seconds=0.0)
    last_done: list[float] = [measure_from]

    def worker() -> None:
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                return
            with lock:
                request = next_request()
            if request is None:
                result.exhausted = True
                return
            began = time.perf_counter()
            try:
                status, body = send(request, port=port)
            except OSError as exc:
                status, body = 0, repr(exc).encode()
            ended = time.perf_counter()
            if began < measure_from:
                continue
            good = ok(status, body)
            with lock:
                result.latencies.append(ended - began)
                result.statuses[status] += 1
                if not good:
                    result.errors += 1
                    result.error_samples.append(f"{status}: {body[:300]!r}")
                last_done[0] = max(last_done[0], ended)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    cpu_started = time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = max(1e-9, last_done[0] - measure_from)
    # Over the whole run (warm-up included), scaled to the measured window below.
    elapsed = max(1e-9, time.perf_counter() - start)
    result.client_cpu_seconds = (time.process_time() - cpu_started) * result.seconds / elapsed
    return result


def measure_sequential(
    request: Callable[[int], bytes], *, port: int, samples: int, warmup: int = 5
) -> tuple[dict, list[tuple[int, bytes]]]:
    """Latency of one client sending requests one after another (no queueing): p50/p95/p99."""
    for i in range(warmup):
        send(request(i), port=port)
    latencies, responses, errors = [], [], 0
    for i in range(samples):
        began = time.perf_counter()
        status, body = send(request(i), port=port)
        latencies.append(time.perf_counter() - began)
        if not 200 <= status < 300:
            errors += 1
            responses.append((status, body))
    ordered = sorted(latencies)
    ms = lambda v: round(v * 1000, 2)  # noqa: E731
    return {
        "samples": samples,
        "p50_ms": ms(percentile(ordered, 0.50)),
        "p95_ms": ms(percentile(ordered, 0.95)),
        "p99_ms": ms(percentile(ordered, 0.99)),
        "max_ms": ms(ordered[-1]),
        "errors": errors,
    }, responses
