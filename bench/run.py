"""``make bench`` or ``python -m bench.run [--quick] [--only PHASE ...]``: every benchmark.

1. resolve a database of the bench's own (``bench.db``) and migrate it with the bench settings;
2. start the app under gunicorn with its production settings (``bench.server``);
3. browse and search at growing sizes (``bench.browse``), then, on that large database, publish
   over HTTP against the floor (``bench.http_publish``), content-type publish
   (``bench.ct_publish``), webhooks with real workers (``bench.webhooks``), content items
   (``bench.content``), bulk publishing (``bench.bulk_publish``), bulk jobs on 1 and 2
   workers (``bench.bulk_async``) and gunicorn worker memory over 50,000 mixed requests on a
   gunicorn of its own (``bench.memory``), and ``make run`` on a fresh clone to its first healthy
   answer (``bench.newcomer``, full mode only unless named);
4. write ``bench/results/*.json`` (``bench/results/quick/`` with ``--quick``) and print the table.

Nothing here fails on timing: targets are reported as met or not, and the exit status is non-zero
only when a phase could not run.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time
import traceback
from pathlib import Path

from bench.common import RESULTS, ROOT, Context, Sizes, log, machine

PHASES = (
    "browse",
    "http_publish",
    "ct_publish",
    "webhooks",
    "content",
    "bulk_publish",
    "bulk_async",
    "memory",
    "newcomer",
)
# Left out of a quick run unless named: it installs packages into a fresh virtualenv.
NOT_QUICK = ("newcomer",)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import logging
    import warnings

    import django

    # whitenoise warns that collectstatic has not run: this process serves no static files.
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers")
    django.setup()
    # Requests this process makes in-process (query counts, EXPLAIN) need no access log.
    logging.getLogger("config.request").setLevel(logging.WARNING)


def migrate(env: dict[str, str]) -> None:
    import subprocess

    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Small sizes (CI smoke, < 2 min).")
    parser.add_argument("--only", nargs="+", choices=PHASES, help="Run only these phases.")
    parser.add_argument("--results", type=Path, help="Results folder (default bench/results).")
    args = parser.parse_args(argv)
    quick = args.quick or os.environ.get("QUICK") in {"1", "true", "yes"}
    sizes = Sizes.for_mode(quick)
    phases = args.only or [p for p in PHASES if not (quick and p in NOT_QUICK)]
    results_dir = args.results or (RESULTS / "quick" if quick else RESULTS)

    from bench import report
    from bench.db import BenchDatabase, server_info
    from bench.server import Gunicorn, production_env

    started = time.monotonic()
    database = BenchDatabase()
    log(f"mode: {'quick' if quick else 'full'}; phases: {', '.join(phases)}")
    url = database.start()
    log(f"database: {database.kind} ({url.rsplit('@', 1)[-1]})")
    env = production_env(url)
    ctx = Context(sizes=sizes, database_url=url, port=free_port(), results_dir=results_dir, env=env)
    server = None
    outcomes: dict[str, dict] = {}
    failed: list[str] = []
    try:
        migrate(env)
        setup_django(env)
        needs_server = any(
            p in phases for p in ("browse", "http_publish", "ct_publish", "webhooks", "content")
        )
        if needs_server:
            results_dir.mkdir(parents=True, exist_ok=True)
            server = Gunicorn(env, port=ctx.port, log_path=results_dir / "gunicorn.log.tmp")
            server.start()
            log(f"gunicorn: {server.port}, workers as docs/operating.md recommends")
        for phase in phases:
            if phase in ("bulk_publish", "bulk_async", "memory", "newcomer") and server is not None:
                server.stop()  # bulk commands run without web traffic; memory starts its own
                server = None
            module = __import__(f"bench.{phase}", fromlist=["run"])
            phase_started = time.monotonic()
            try:
                outcomes[phase] = module.run(ctx)
            except Exception:  # a phase that cannot run is reported, the others still run
                traceback.print_exc()
                failed.append(phase)
            log(f"{phase}: {time.monotonic() - phase_started:.0f} s")
    finally:
        if server is not None:
            server.stop()
        info = server_info(url) if outcomes else {}
        database.stop()
    summary = {
        "mode": "quick" if quick else "full",
        "seconds": round(time.monotonic() - started, 1),
        "machine": machine(),
        "postgres": info,
        "database": database.kind,
        "phases": outcomes,
        "failed": failed,
    }
    table = report.table(summary)
    if not args.only:  # a partial run must not replace the summary of a full one
        ctx.write("summary", {k: v for k, v in summary.items() if k != "phases"})
        (results_dir / "table.md").write_text(table + "\n")
    print(table)
    log(f"done in {summary['seconds']:.0f} s; results in {results_dir}/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
