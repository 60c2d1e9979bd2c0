"""Issue 20 part 1: ``publish_items --async`` on 1 and on 2 worker processes, against the same
raw-upsert floor as the synchronous command (``bench.bulk_publish``).

Seeds N unpublished prompts (default 100,000; ``--quick`` 2,000) in each of two organizations,
plus N in a third for the floor, and measures on the same database:

1. the floor: ``bench.bulk_publish.raw_upsert_floor``, a raw psycopg ``executemany`` upsert of
   the same listing rows, batch by batch, no Django (its rows are deleted before the runs);
2. for 1 then 2 worker processes (``manage.py procrastinate worker --queues=bulk
   --concurrency=1`` each, started and registered first): ``publish_items --organization …
   --all --scope organization --async --json`` queues the job (its own process; the enqueue time
   is reported apart), then the bench polls until every batch is final. The rate is items over
   the time from the first batch's start to the last one's finish (the batch rows' own
   timestamps, written by the database clock); the wall rate adds the enqueue and the polling.

Prints items/s for 1 and 2 workers, the scaling ratio (target ≥ 1.6 on 2 cores) and each rate
over the floor; writes ``bench/results/bulk_async.json``. The workers' CPU competes with
PostgreSQL's on the same machine, so the ratio is only meaningful next to the core count.

Run alone with ``python -m bench.bulk_async [--quick]``, or as part of ``make bench``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import psycopg

from bench import seed
from bench.bulk_publish import raw_upsert_floor
from bench.common import ROOT, Context, log, ratio
from bench.webhooks import WORKER_ENV, clear_queue

TARGETS = {"scaling_2_workers": 1.6}


class BulkWorkers:
    """``count`` worker processes on the ``bulk`` queue, one job at a time each."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.procs: list[subprocess.Popen] = []

    def start(self, count: int) -> None:
        self.ctx.results_dir.mkdir(parents=True, exist_ok=True)
        for n in range(count):
            log_file = open(self.ctx.results_dir / f"bulk-worker-{n}.log.tmp", "wb")  # noqa: SIM115
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "procrastinate", "worker", "--queues=bulk",
                     "--concurrency=1"],
                    cwd=ROOT, env={**self.ctx.env, **WORKER_ENV}, stdout=log_file,
                    stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
            log_file.close()
        deadline = time.monotonic() + 60
        with psycopg.connect(self.ctx.database_url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                if any(p.poll() is not None for p in self.procs):
                    raise RuntimeError("a bulk worker exited; see bulk-worker-*.log.tmp")
                alive = conn.execute("SELECT count(*) FROM procrastinate_workers").fetchone()[0]
                if alive >= count:
                    time.sleep(0.5)  # LISTEN set up after registering
                    return
                time.sleep(0.2)
        raise RuntimeError(f"{count} bulk workers did not register")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        self.procs.clear()


def enqueue(ctx: Context, slug: str, batch_size: int) -> tuple[str, float]:
    """``publish_items --async`` in its own process: (job id, seconds)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", "publish_items", "--organization", slug, "--all",
         "--scope", "organization", "--batch-size", str(batch_size), "--async", "--json"],
        cwd=ROOT, env=ctx.env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"publish_items --async exited {done.returncode}: {done.stderr[-2000:]}")
    return json.loads(done.stdout)["jobId"], time.perf_counter() - started


def wait_finished(url: str, job_id: str, timeout: float) -> dict:
    """Poll the batch rows until none is pending or running; the job's figures."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FILTER (WHERE status IN ('pending', 'running')), "
                "count(*) FILTER (WHERE status = 'failed'), sum(changed), sum(unchanged), "
                "sum(failed), sum(attempts), "
                "extract(epoch FROM max(finished_at) - min(started_at)), "
                "extract(epoch FROM avg(finished_at - started_at)) "
                "FROM bulkjobs_bulkbatch WHERE job_id = %s",
                [job_id],
            ).fetchone()
            if row[0] == 0:
                return {
                    "batches_failed": row[1],
                    "published": int(row[2] or 0),
                    "unchanged": int(row[3] or 0),
                    "failed": int(row[4] or 0),
                    "attempts": int(row[5] or 0),
                    "seconds": float(row[6] or 0),
                    "batch_seconds": float(row[7] or 0),
                }
            time.sleep(0.1)
    raise RuntimeError(f"bulk job {job_id} did not finish in {timeout:.0f} s")


def measure(ctx: Context, slug: str, processes: int, items: int, batch_size: int) -> dict:
    clear_queue(ctx.database_url)
    workers = BulkWorkers(ctx)
    try:
        workers.start(processes)
        started = time.perf_counter()
        job_id, enqueue_seconds = enqueue(ctx, slug, batch_size)
        figures = wait_finished(ctx.database_url, job_id, timeout=120 + items / 50)
        wall = time.perf_counter() - started
    finally:
        workers.stop()
    batches = -(-items // batch_size)
    return {
        "processes": processes,
        "job_id": job_id,
        "batches": batches,
        "enqueue_seconds": round(enqueue_seconds, 2),
        "run_seconds": round(figures["seconds"], 2),
        "mean_batch_seconds": round(figures["batch_seconds"], 3),
        "wall_seconds": round(wall, 2),
        "items_per_second": round(items / figures["seconds"], 1) if figures["seconds"] else None,
        "items_per_second_wall": round(items / wall, 1),
        "all_published": figures["published"] == items
        and figures["failed"] == 0
        and figures["batches_failed"] == 0
        and figures["attempts"] == batches,
        **{k: figures[k] for k in ("published", "unchanged", "failed")},
    }


def run(ctx: Context) -> dict:
    n, batch_size = ctx.sizes.bulk_async_items, ctx.sizes.bulk_async_batch
    with psycopg.connect(ctx.database_url) as conn:
        accounts = seed.seed_accounts(conn, 3, prefix="async")
    orgs, owners = accounts.organizations, accounts.users
    log(f"bulk async: seeding 3 x {n:,} prompts")
    for k in range(3):
        seed.copy_prompts(ctx.database_url, orgs[k], owners[k], n, salt=20 + k)
    seed.settle(ctx.database_url)

    log(f"bulk async: floor, raw executemany upsert of {n:,} listings")
    floor_rows, floor_seconds = raw_upsert_floor(ctx.database_url, orgs[2])
    with psycopg.connect(ctx.database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM marketplace_listing WHERE organization_id = %s", [orgs[2]])
    seed.settle(ctx.database_url)
    floor_rate = round(floor_rows / floor_seconds, 1)

    runs = []
    for k, processes in enumerate((1, 2)):
        log(f"bulk async: publish_items --async over {n:,} prompts, {processes} worker(s)")
        runs.append(measure(ctx, f"bench-async-{k}", processes, n, batch_size))
        seed.settle(ctx.database_url)
    one, two = runs
    scaling = ratio(two["items_per_second"], one["items_per_second"])
    result = {
        "what": "publish_items --async on 1 and 2 worker processes vs a raw executemany upsert",
        "items": n,
        "batch_size": batch_size,
        "worker_concurrency": 1,
        "floor": {"rows": floor_rows, "seconds": round(floor_seconds, 2), "per_second": floor_rate},
        "runs": runs,
        "scaling_2_workers": scaling,
        "vs_floor": {
            "1_worker": ratio(one["items_per_second"], floor_rate),
            "2_workers": ratio(two["items_per_second"], floor_rate),
        },
        "targets": TARGETS,
        "met": {
            "scaling_2_workers": bool(scaling and scaling >= TARGETS["scaling_2_workers"]),
            "all_published": one["all_published"] and two["all_published"],
        },
    }
    ctx.write("bulk_async", result)
    print(
        f"bulk async of {n:,} items (batches of {batch_size}): 1 worker "
        f"{one['items_per_second']:,.0f}/s, 2 workers {two['items_per_second']:,.0f}/s, "
        f"scaling {scaling}; raw upsert floor {floor_rate:,.0f}/s (1 worker "
        f"{result['vs_floor']['1_worker']}, 2 workers {result['vs_floor']['2_workers']} of it)",
        flush=True,
    )
    return result


if __name__ == "__main__":
    from bench.run import main

    sys.exit(main([*sys.argv[1:], "--only", "bulk_async"]))
