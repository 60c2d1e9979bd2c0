"""Issue 16: what webhooks cost the publisher, and how fast deliveries leave.

1. **Throughput**: ``POST /api/marketplace/publish`` over HTTP for an organization with one
   subscribed endpoint (``["*"]``) against one with none, alternating rounds on the same gunicorn
   server (as ``bench.http_publish`` pairs publish with the floor); the ratio is the median of the
   rounds' paired ratios (hooked req/s over plain req/s), target >= 0.9. No worker runs during
   this part: a publish only records the event, the delivery row and its job.
2. **Latency**: one real worker (``manage.py procrastinate worker``) and a receiver on 127.0.0.1;
   publishes are sent at a steady rate (50/s) and each is timed from its publish response to the
   receipt of its ``listing.published`` delivery: p50, p95 (target p95 <= 1 s).
3. **Drain**: with 1 then 2 worker processes started and registered, ``N`` deliveries are queued
   in one transaction (``events_emit``, as a bulk publish would) and timed from that commit to
   the last receipt: deliveries per second.

Workers get ``WEBHOOKS_ALLOW_PRIVATE_TARGETS=1`` (the receiver is on loopback, which the SSRF
guard refuses otherwise; ``tests/webhooks/conftest.py`` does the same) and a short poll interval
(jobs also arrive by LISTEN/NOTIFY). Everything started here is stopped here.
"""

from __future__ import annotations

import json
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench import seed
from bench.common import ROOT, Context, log, ratio
from bench.http_publish import PUBLISH_PATH, Feed, mint_token, publish_body, succeeded
from bench.loadgen import percentile, render, run_load, send

WORKER_ENV = {
    "WEBHOOKS_ALLOW_PRIVATE_TARGETS": "1",
    "WEBHOOK_TIMEOUT_SECONDS": "5",
    "WORKER_POLL_MILLISECONDS": "200",
    "WORKER_HEARTBEAT_SECONDS": "2",
    "LOG_FORMAT": "plain",
    "LOG_LEVEL": "WARNING",
}
WORKER_CONCURRENCY = 4


class Receiver:
    """Records ``(time.time(), parsed body)`` of every POST and answers 204."""

    def __init__(self) -> None:
        self.received: list[tuple[float, dict]] = []
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                at = time.time()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(204)
                self.end_headers()
                with receiver.changed:
                    receiver.received.append((at, json.loads(body)))
                    receiver.changed.notify_all()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.changed:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
        return True

    def reset(self) -> None:
        with self.lock:
            self.received.clear()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Workers:
    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = {**env, **WORKER_ENV}
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []

    def start(self, count: int) -> None:
        for _ in range(count):
            log_file = open(self.log_dir / f"worker-{len(self.procs)}.log.tmp", "wb")  # noqa: SIM115
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "procrastinate", "worker",
                     f"--concurrency={WORKER_CONCURRENCY}"],
                    cwd=ROOT, env=self.env, stdout=log_file, stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
            log_file.close()

    def wait_registered(self, url: str, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        with seed.psycopg.connect(url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                if any(p.poll() is not None for p in self.procs):
                    raise RuntimeError(f"a worker exited; see {self.log_dir}/worker-*.log.tmp")
                alive = conn.execute("SELECT count(*) FROM procrastinate_workers").fetchone()[0]
                if alive >= count:
                    time.sleep(0.5)  # LISTEN set up after registering
                    return
                time.sleep(0.2)
        raise RuntimeError(f"{count} workers did not register in {timeout:.0f} s")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        self.procs.clear()


def clear_queue(url: str) -> None:
    with seed.psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "TRUNCATE procrastinate_jobs, procrastinate_workers, procrastinate_periodic_defers "
            "CASCADE"
        )


def throughput(ctx: Context, hooked: dict, plain: dict) -> dict:
    sizes = ctx.sizes

    def feed(acc: dict) -> Feed:  # a function, so each feed binds its own account's token
        token = acc["token"]
        return Feed(
            render("POST", PUBLISH_PATH, token=token, body=publish_body(i), port=ctx.port)
            for i in acc["items"]
        )

    feeds = {"plain": feed(plain), "hooked": feed(hooked)}
    rounds = []
    for number in range(1, sizes.publish_rounds + 1):
        pair = {}
        for name in ("plain", "hooked"):
            log(f"webhooks: round {number}, {name} publish for {sizes.load_seconds:.1f} s")
            pair[name] = run_load(
                feeds[name],
                port=ctx.port,
                concurrency=sizes.concurrency,
                seconds=sizes.load_seconds,
                warmup=sizes.load_warmup,
                ok=succeeded,
            ).summary()
        pair["ratio"] = ratio(pair["hooked"]["rps"], pair["plain"]["rps"])
        rounds.append(pair)
    paired = sorted(r["ratio"] for r in rounds if r["ratio"] is not None)
    value = round(statistics.median(paired), 3) if paired else None
    errors = sum(r[n]["errors"] for r in rounds for n in ("plain", "hooked"))
    return {
        "plain_rps": round(statistics.fmean(r["plain"]["rps"] or 0 for r in rounds), 1),
        "hooked_rps": round(statistics.fmean(r["hooked"]["rps"] or 0 for r in rounds), 1),
        "ratio": value,
        "round_ratios": [r["ratio"] for r in rounds],
        "errors": errors,
        "target_ratio": 0.9,
        "met": bool(value and value >= 0.9 and errors == 0),
        "rounds": rounds,
    }


def latency(ctx: Context, hooked: dict, receiver: Receiver, items: list[str]) -> dict:
    """Publishes at ``rate``/s from a small pool (each send scheduled on the clock, so a slow
    response does not slow the rate down), timed from response to receipt."""
    rate = ctx.sizes.webhook_rate
    responded: dict[str, float] = {}
    errors = []

    def publish(index: int, began: float) -> None:
        delay = began + index / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        request = render(
            "POST", PUBLISH_PATH, token=hooked["token"], body=publish_body(items[index]),
            port=ctx.port,
        )  # fmt: skip
        status, body = send(request, port=ctx.port)
        if succeeded(status, body):
            responded[items[index]] = time.time()
        else:
            errors.append(status)

    receiver.reset()
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda i: publish(i, began), range(len(items))))
    sent_seconds = time.monotonic() - began
    receiver.wait_for(len(responded), timeout=30)
    with receiver.lock:
        received = list(receiver.received)
    first: dict[str, float] = {}
    for at, payload in received:
        if payload.get("type") == "listing.published":
            item = payload["data"]["itemId"]
            first[item] = min(at, first.get(item, at))
    latencies = sorted(max(0.0, first[i] - t) for i, t in responded.items() if i in first)
    ms = lambda v: round(v * 1000, 1) if v is not None else None  # noqa: E731
    p95 = percentile(latencies, 0.95)
    return {
        "rate_per_second": rate,
        "publishes": len(items),
        "achieved_rate": round(len(items) / sent_seconds, 1),
        "publish_errors": len(errors),
        "delivered": len(latencies),
        "p50_ms": ms(percentile(latencies, 0.50)),
        "p95_ms": ms(p95),
        "max_ms": ms(latencies[-1] if latencies else None),
        "target_p95_ms": 1000,
        "met": bool(latencies and p95 <= 1.0 and len(latencies) == len(items) and not errors),
    }


def drain(ctx: Context, org: str, receiver: Receiver, workers: Workers, processes: int) -> dict:
    from django.db import transaction

    from webhooks.events import EventDraft, events_emit

    count = ctx.sizes.webhook_drain
    clear_queue(ctx.database_url)
    workers.start(processes)
    workers.wait_registered(ctx.database_url, processes)
    receiver.reset()
    drafts = [
        EventDraft(organization_id=org, type="listing.published", data={"itemId": f"drain-{n}"})
        for n in range(count)
    ]
    with transaction.atomic():
        events_emit(drafts)
    committed = time.time()
    done = receiver.wait_for(count, timeout=max(60, count / 5))
    with receiver.lock:
        last = max((at for at, _ in receiver.received), default=committed)
        got = len(receiver.received)
    workers.stop()
    seconds = max(last - committed, 1e-6)
    return {
        "processes": processes,
        "concurrency_per_process": WORKER_CONCURRENCY,
        "deliveries": count,
        "received": got,
        "complete": done,
        "seconds": round(seconds, 2),
        "per_second": round(got / seconds, 1),
    }


def run(ctx: Context) -> dict:
    from webhooks.models import WebhookEndpoint

    sizes = ctx.sizes
    with seed.psycopg.connect(ctx.database_url) as conn:
        accounts = seed.seed_accounts(conn, 2, prefix="webhooks")
    receiver = Receiver()
    workers = Workers(ctx.env, ctx.results_dir)
    try:
        per_org = sizes.publish_prompts
        latency_count = int(sizes.webhook_rate * sizes.webhook_latency_seconds)
        plain = {"org": accounts.organizations[0], "user": accounts.users[0]}
        hooked = {"org": accounts.organizations[1], "user": accounts.users[1]}
        log(f"webhooks: seeding {per_org} prompts for each of two organizations")
        for salt, acc in ((11, plain), (12, hooked)):
            count = per_org + (latency_count if acc is hooked else 0)
            acc["items"] = seed.copy_prompts(ctx.database_url, acc["org"], acc["user"], count,
                                             salt=salt)  # fmt: skip
            acc["token"] = mint_token(acc["user"])
        latency_items = hooked["items"][per_org:]
        hooked["items"] = hooked["items"][:per_org]
        WebhookEndpoint.objects.create(
            organization_id=hooked["org"], url=receiver.url, event_types=["*"]
        )
        seed.settle(ctx.database_url)

        result = {"throughput": throughput(ctx, hooked, plain)}

        clear_queue(ctx.database_url)
        workers.start(1)
        workers.wait_registered(ctx.database_url, 1)
        log(f"webhooks: latency, {latency_count} publishes at {sizes.webhook_rate}/s, 1 worker")
        result["latency"] = latency(ctx, hooked, receiver, latency_items)
        workers.stop()

        result["drain"] = []
        for processes in (1, 2):
            log(f"webhooks: drain {sizes.webhook_drain} deliveries with {processes} worker(s)")
            result["drain"].append(drain(ctx, hooked["org"], receiver, workers, processes))
        one, two = (d["per_second"] for d in result["drain"])
        result["drain_scaling"] = ratio(two, one)
    finally:
        workers.stop()
        receiver.stop()
        clear_queue(ctx.database_url)
    t, lat = result["throughput"], result["latency"]
    result["summary"] = {
        "publish_ratio": t["ratio"],
        "publish_ratio_met": t["met"],
        "latency_p50_ms": lat["p50_ms"],
        "latency_p95_ms": lat["p95_ms"],
        "latency_met": lat["met"],
        "deliveries_per_second_1_worker": result["drain"][0]["per_second"],
        "deliveries_per_second_2_workers": result["drain"][1]["per_second"],
    }
    result["what"] = "publish with one webhook endpoint vs none; publish-to-receipt latency; drain"
    ctx.write("webhooks", result)
    return result
