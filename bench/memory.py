"""Issue 21: gunicorn worker memory after 10,000 and 50,000 mixed requests.

A gunicorn of its own with a fixed number of sync workers (2) and recycling off
(``--max-requests 0``), so the same worker processes serve every request; otherwise as
docs/operating.md runs it (``--timeout 45 --graceful-timeout 30``, the production settings of
``bench.server``). Four client threads (``bench.soak``'s clients, each on its own shard of the
seeded items so that no two publish the same item at once) send a mix of 80% reads (browse,
search, listing detail, item list) and 20% writes (publish, item edit). The load stops at three
checkpoints: after a warm-up of 1,000 requests, at 10,000 and at 50,000 in total (``--quick``:
300 / 1,000 / 3,000); with the server idle, psutil reads every worker's RSS, USS and PSS.

Reported: MB (MiB) per worker and summed at each checkpoint, the growth from the second to the
third checkpoint in % (target ≤ 5%: every worker and the sum, by RSS), requests/s, statuses by
operation. Any non-2xx answer is counted; a 5xx, a transport error or a worker that was replaced
marks the run broken (its figures then mean nothing).

Run alone with ``python -m bench.run [--quick] --only memory``, or as part of ``make bench``.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import threading
import time
from collections import Counter, defaultdict

import psutil

from bench import soak
from bench.common import Context, log
from bench.run import free_port
from bench.server import Gunicorn

WORKERS = 2
CLIENTS = 4
TARGET_GROWTH_PCT = 5.0
# 80% reads, 20% writes.
MIX = {"browse": 25, "search": 20, "detail": 20, "list": 15, "publish": 12, "edit": 8}
WRITES = ("publish", "edit")
MB = 1024 * 1024


class Budget:
    """Requests left in the current segment, shared by the client threads."""

    def __init__(self, requests: int) -> None:
        self.left = requests
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


class MixedClient(soak.Client):
    """A soak client driven segment by segment (it keeps its connection and the listings it
    published between segments); every operation sends exactly one request."""

    def __init__(self, n: int, port: int, world: soak.Seed) -> None:
        super().__init__(n, port, world, deadline=math.inf, max_requests=0)
        self.operations, self.weights = zip(*MIX.items(), strict=True)

    def run_segment(self, budget: Budget) -> None:
        try:
            while budget.take():
                op = self.random.choices(self.operations, self.weights)[0]
                getattr(self, "op_" + op)()
        except Exception as exc:  # a bug in the driver must break the run, not hang it
            self.ledger.errors.append(f"{self.name} crashed: {exc!r}")

    def op_list(self) -> None:
        kind = self.random.choice(["prompts", "templates"])
        self.request("list", "GET", f"/api/{kind}?page={self.random.randint(1, 2)}", self.publisher)


def worker_memory(master_pid: int) -> list[dict]:
    """RSS, USS and PSS of each gunicorn worker (the master's children), in MB."""
    workers = []
    for child in sorted(psutil.Process(master_pid).children(), key=lambda p: p.pid):
        try:
            info = child.memory_full_info()
        except psutil.AccessDenied:
            info = child.memory_info()
        workers.append(
            {
                "pid": child.pid,
                **{
                    f"{name}_mb": round(getattr(info, name) / MB, 1)
                    for name in ("rss", "uss", "pss")
                    if hasattr(info, name)
                },
            }
        )
    return workers


def summed(workers: list[dict]) -> dict:
    keys = [k for k in workers[0] if k.endswith("_mb")] if workers else []
    return {k: round(sum(w[k] for w in workers), 1) for k in keys}


def growth_pct(before: float | None, after: float | None) -> float | None:
    if not before or after is None:
        return None
    return round((after - before) / before * 100, 2)


def drive(clients: list[MixedClient], requests: int) -> float:
    """Send ``requests`` requests from all clients at once; return the seconds it took."""
    budget = Budget(requests)
    threads = [threading.Thread(target=c.run_segment, args=(budget,)) for c in clients]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def traffic_summary(ledger: soak.Ledger, seconds: float) -> dict:
    """Statuses by operation, latencies and what makes the run broken."""
    by_op: dict[str, Counter] = defaultdict(Counter)
    for (op, status), n in ledger.statuses.items():
        by_op[op][str(status)] += n
    total = sum(ledger.statuses.values())
    non_2xx = sum(
        n for (_, s), n in ledger.statuses.items() if not (isinstance(s, int) and 200 <= s < 300)
    )
    errors_5xx = sum(n for (_, s), n in ledger.statuses.items() if isinstance(s, int) and s >= 500)
    transport = sum(n for (_, s), n in ledger.statuses.items() if s == "error")
    writes = sum(n for (op, _), n in ledger.statuses.items() if op in WRITES)
    return {
        "requests": total,
        "seconds": round(seconds, 1),
        "rps": round(total / seconds, 1) if seconds else None,
        "write_share": round(writes / total, 3) if total else None,
        "statuses": {op: dict(sorted(c.items())) for op, c in sorted(by_op.items())},
        "latency_ms": {
            op: {
                "p50": round(soak.percentile(values, 0.5), 1),
                "p95": round(soak.percentile(values, 0.95), 1),
            }
            for op, values in sorted(ledger.latencies.items())
        },
        "non_2xx": non_2xx,
        "errors_5xx": errors_5xx,
        "transport_errors": transport,
        "unexpected_samples": ledger.unexpected[:5],
        "client_errors": ledger.errors[:5],
    }


def run(ctx: Context) -> dict:
    from django.db import connection

    checkpoints = ctx.sizes.memory_checkpoints
    log(f"memory: seeding {CLIENTS} clients' organizations, items and content types")
    world = soak.seed(CLIENTS)
    connection.close()
    ctx.results_dir.mkdir(parents=True, exist_ok=True)
    server = Gunicorn(
        ctx.env,
        port=free_port(),
        log_path=ctx.results_dir / "memory-gunicorn.log.tmp",
        workers=WORKERS,
        max_requests=0,
    )
    server.start()
    # Each client publishes and edits its own shard of the items: no 409 from two clients
    # publishing the same item at the same moment.
    clients = [
        MixedClient(n, server.port, dataclasses.replace(world, items=world.items[n::CLIENTS]))
        for n in range(CLIENTS)
    ]
    points, load_seconds, done = [], 0.0, 0
    try:
        pids = [w["pid"] for w in worker_memory(server.process.pid)]
        for target in checkpoints:
            log(f"memory: {target - done:,} requests from {CLIENTS} clients (to {target:,})")
            seconds = drive(clients, target - done)
            load_seconds += seconds
            workers = worker_memory(server.process.pid)
            points.append(
                {
                    "requests": target,
                    "segment_rps": round((target - done) / seconds, 1),
                    "workers": workers,
                    "sum": summed(workers),
                }
            )
            done = target
            log(f"memory: at {target:,}: " + ", ".join(f"{w['rss_mb']} MB" for w in workers))
        replaced = [w["pid"] for w in points[-1]["workers"]] != pids
    finally:
        for client in clients:
            if client.conn is not None:
                client.conn.close()
        server.stop()

    ledger = soak.Ledger()
    for client in clients:
        ledger.merge(client.ledger)
    traffic = traffic_summary(ledger, load_seconds)
    first, last = points[1], points[2]
    growth = {
        kind: {
            "per_worker": [
                growth_pct(a.get(f"{kind}_mb"), b.get(f"{kind}_mb"))
                for a, b in zip(first["workers"], last["workers"], strict=True)
            ]
            if not replaced
            else [],
            "sum": growth_pct(first["sum"].get(f"{kind}_mb"), last["sum"].get(f"{kind}_mb")),
        }
        for kind in ("rss", "uss", "pss")
    }
    problems = []
    if traffic["errors_5xx"]:
        problems.append(f"{traffic['errors_5xx']} responses 5xx")
    if traffic["non_2xx"]:
        problems.append(f"{traffic['non_2xx']} answers not 2xx: {traffic['unexpected_samples']}")
    if traffic["transport_errors"] or traffic["client_errors"]:
        errors = traffic["client_errors"]
        problems.append(f"{traffic['transport_errors']} transport errors; clients: {errors}")
    if replaced:
        problems.append("a worker was replaced during the run (killed or timed out)")
    rss = growth["rss"]
    met = not problems and all(
        g is not None and g <= TARGET_GROWTH_PCT for g in [*rss["per_worker"], rss["sum"]]
    )
    result = {
        "what": "gunicorn sync workers' RSS/USS after a warm-up, 10k and 50k mixed requests",
        "server": {
            "workers": WORKERS,
            "worker_class": "sync",
            "max_requests": 0,
            "timeout": 45,
            "graceful_timeout": 30,
            "settings": "bench.settings (production settings, DEBUG=0, rate limits off)",
        },
        "clients": CLIENTS,
        "mix_weights": MIX,
        "checkpoints": points,
        "growth_pct": growth,
        "growth_between": [first["requests"], last["requests"]],
        "target_growth_pct": TARGET_GROWTH_PCT,
        "met": met,
        "broken": bool(problems),
        "problems": problems,
        "traffic": traffic,
    }
    ctx.write("memory", result)
    print(
        f"memory: {WORKERS} workers, RSS "
        + ", ".join(f"{p['requests']:,}: {p['sum'].get('rss_mb')} MB" for p in points)
        + f" (sum), USS {first['sum'].get('uss_mb')} → {last['sum'].get('uss_mb')} MB; growth "
        f"{first['requests']:,} → {last['requests']:,}: RSS {rss['sum']}% (per worker "
        f"{rss['per_worker']}), USS {growth['uss']['sum']}%; target ≤ {TARGET_GROWTH_PCT}%: "
        f"{'met' if met else 'NOT met'}; {traffic['rps']} req/s, {traffic['non_2xx']} non-2xx, "
        f"{traffic['errors_5xx']} 5xx" + (f"; BROKEN: {'; '.join(problems)}" if problems else ""),
        flush=True,
    )
    return result


if __name__ == "__main__":
    from bench.run import main

    sys.exit(main([*sys.argv[1:], "--only", "memory"]))
