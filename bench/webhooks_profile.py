"""Where a webhook delivery and a hooked publish spend their statements and CPU (issue 16).

Not a phase of ``bench.run``: a tool to run by hand before changing the delivery path, against a
throwaway database that is already migrated::

    DATABASE_URL=postgres://…/scratch .venv/bin/python -m bench.webhooks_profile [--deliveries N]

1. **Delivery**: ``N`` events for one endpoint on a local receiver are queued in one
   transaction, then a procrastinate worker runs in this process (``wait=False``: it stops when
   the queue is empty) under cProfile: one profiler for the event loop (procrastinate's fetch,
   finish, heartbeats) and one per job thread (the ``webhooks.deliver`` task), merged. Every
   statement sent by psycopg (sync and async cursors, both the task's Django connection and the
   worker's pool) is counted and grouped, and so are new connections.
2. **Publish**: ``POST /api/marketplace/publish`` through Django's test client, in-process, for an
   organization with one endpoint and for one without: statements per publish, grouped, and
   the cProfile of the hooked publishes.

Prints statements per delivery and per publish, CPU per delivery (process time over all
threads), and the top of each profile by own and cumulative time.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import io
import os
import pstats
import re
import threading
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-profile-" + uuid.uuid4().hex)
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
os.environ.setdefault("WEBHOOKS_ALLOW_PRIVATE_TARGETS", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")
for _name in ("ANON", "USER", "API_KEY", "AUTH", "PUBLISH"):
    os.environ.setdefault(f"RATE_LIMIT_{_name}", "off")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402

STATEMENTS: collections.Counter[str] = collections.Counter()
CONNECTS: collections.Counter[str] = collections.Counter()
_lock = threading.Lock()


def _kind(query) -> str:
    """A short name for a statement: its verb and first table or function."""
    if isinstance(query, bytes):
        text = query.decode()
    elif isinstance(query, str):
        text = query
    else:
        text = query.as_string(None)  # psycopg.sql.Composed
    text = re.sub(r'"s\d+_x\d+"', "<savepoint>", " ".join(text.split()))
    verb = text.split(" ", 1)[0].upper() if text else "?"
    match = re.search(r"procrastinate_\w+", text)
    if match and verb == "SELECT":
        return f"SELECT {match.group(0)}"
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', text, re.IGNORECASE)
    return f"{verb} {table.group(1) if table else text[:40]}"


def _count(query) -> None:
    where = "loop" if threading.current_thread() is threading.main_thread() else "job"
    with _lock:
        STATEMENTS[f"{where}: {_kind(query)}"] += 1


def _instrument() -> None:
    # ClientCursor (Django's) inherits Cursor.execute: patching Cursor counts both once.
    original = psycopg.Cursor.execute

    def execute(self, query, params=None, *a, **kw):
        _count(query)
        return original(self, query, params, *a, **kw)

    psycopg.Cursor.execute = execute
    original_async = psycopg.AsyncCursor.execute

    async def execute_async(self, query, params=None, *a, **kw):
        _count(query)
        return await original_async(self, query, params, *a, **kw)

    psycopg.AsyncCursor.execute = execute_async
    # BEGIN, COMMIT and ROLLBACK go through the connection, not a cursor.
    base = psycopg._connection_base.BaseConnection
    original_command = base._exec_command

    def exec_command(self, command, *a, **kw):
        _count(command)
        return original_command(self, command, *a, **kw)

    base._exec_command = exec_command
    for cls in (psycopg.Connection, psycopg.AsyncConnection):
        original_connect = cls.__dict__["connect"].__func__

        def connect(klass, *a, __original=original_connect, __name=cls.__name__, **kw):
            with _lock:
                CONNECTS[__name] += 1
            return __original(klass, *a, **kw)

        cls.connect = classmethod(connect)


def _top(stats: pstats.Stats, key: str, lines: int) -> str:
    out = io.StringIO()
    stats.stream = out
    stats.sort_stats(key).print_stats(lines)
    text = out.getvalue()
    return text[text.find("   ncalls") :]


def _report(title: str, per: int, statements: collections.Counter) -> None:
    print(f"\n== {title}: statements per unit over {per} ==")
    for name, count in sorted(statements.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {count / per:6.2f}  {name}")
    print(f"  {sum(statements.values()) / per:6.2f}  total")


def _fixtures(endpoint_url: str | None) -> dict:
    from bench.http_publish import mint_token
    from publishing.models import Membership, Organization, Prompt, User
    from webhooks.models import WebhookEndpoint

    tag = uuid.uuid4().hex[:10]
    org = Organization.objects.create(name=f"Profile {tag}", slug=f"profile-{tag}")
    user = User.objects.create_user(email=f"{tag}@profile.bench", password=None)
    Membership.objects.create(user=user, organization=org, role="owner")
    if endpoint_url:
        WebhookEndpoint.objects.create(organization=org, url=endpoint_url, event_types=["*"])
    return {"org": org, "user": user, "token": mint_token(user.pk), "prompt": Prompt}


def profile_deliveries(
    count: int, concurrency: int, receiver_url: str, lines: int, *, profile: bool = True
) -> None:
    from django.db import connection, transaction
    from procrastinate.contrib.django import app

    from webhooks.events import EventDraft, events_emit

    with connection.cursor() as cursor:  # a throwaway database: leftovers of an earlier run go
        cursor.execute("TRUNCATE procrastinate_jobs CASCADE")
    fx = _fixtures(receiver_url)
    drafts = [
        EventDraft(fx["org"].pk, "listing.published", {"itemId": f"p-{n}"}) for n in range(count)
    ]
    with transaction.atomic():
        events_emit(drafts)
    task = app.tasks["webhooks.deliver"]
    original = task.func
    job_stats: list[cProfile.Profile] = []
    local = threading.local()

    def profiled(*args, **kwargs):
        profiler = getattr(local, "profiler", None)
        if profiler is None:
            profiler = local.profiler = cProfile.Profile(time.thread_time)
            with _lock:
                job_stats.append(profiler)
        profiler.enable()
        try:
            return original(*args, **kwargs)
        finally:
            profiler.disable()

    if profile:
        task.func = profiled
    STATEMENTS.clear()
    CONNECTS.clear()
    loop_profiler = cProfile.Profile(time.thread_time)
    cpu, wall = time.process_time(), time.perf_counter()
    with app.replace_connector(app.connector.get_worker_connector()):

        async def work() -> None:
            async with app.open_async():
                if profile:
                    loop_profiler.enable()
                await app.run_worker_async(
                    queues=["webhooks"], concurrency=concurrency, wait=False,
                    install_signal_handlers=False, listen_notify=False,
                )  # fmt: skip
                loop_profiler.disable()

        asyncio.run(work())
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    task.func = original
    per = cpu * 1000 / count
    print(
        f"\n### {count} deliveries, concurrency {concurrency}: {wall:.2f} s wall, "
        f"{count / wall:.0f}/s, CPU {per:.2f} ms per delivery (all threads)"
    )
    _report("delivery", count, STATEMENTS)
    print(f"  new connections: {dict(CONNECTS)}")
    if not profile:
        return
    jobs = pstats.Stats(job_stats[0])
    for extra in job_stats[1:]:
        jobs.add(extra)
    print("\n-- job threads, by own time --\n" + _top(jobs, "tottime", lines))
    print("-- job threads, cumulative --\n" + _top(jobs, "cumulative", lines))
    loop = pstats.Stats(loop_profiler)
    print("-- event loop, by own time --\n" + _top(loop, "tottime", lines))


def profile_publishes(count: int, receiver_url: str, lines: int) -> None:
    import json

    from django.test import Client

    from bench.http_publish import PUBLISH_PATH, publish_body

    for label, url in (("without an endpoint", None), ("with one endpoint", receiver_url)):
        fx = _fixtures(url)
        prompts = [
            fx["prompt"]
            .objects.create(
                organization=fx["org"], owner=fx["user"], name=f"P{n}", body="Hello {{name}}"
            )
            .pk
            for n in range(count + 5)
        ]
        client = Client(headers={"authorization": f"Bearer {fx['token']}"})

        def post(item: str) -> None:
            response = client.post(  # noqa: B023 - used at once
                PUBLISH_PATH, json.dumps(publish_body(item)), content_type="application/json"
            )
            assert response.status_code in (200, 201), response.content[:300]

        for item in prompts[:5]:
            post(item)  # warm-up
        STATEMENTS.clear()
        profiler = cProfile.Profile(time.thread_time)
        cpu = time.process_time()
        profiler.enable()
        for item in prompts[5:]:
            post(item)
        profiler.disable()
        cpu = time.process_time() - cpu
        print(f"\n### publish {label}: CPU {cpu * 1000 / count:.2f} ms per publish")
        _report(f"publish {label}", count, STATEMENTS)
        stats = pstats.Stats(profiler)
        out = io.StringIO()
        stats.stream = out
        # What the webhooks app adds to a publish: events_emit and what it calls.
        stats.sort_stats("cumulative").print_callees(r"events_emit|_queue_deliveries|defer_jobs")
        print(f"-- publish {label}: events_emit and its callees --")
        print(out.getvalue()[out.getvalue().find("Function ") :])
        if url:
            print("-- hooked publish, cumulative --\n" + _top(stats, "cumulative", lines))


def main() -> None:
    from bench.webhooks import Receiver

    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--publishes", type=int, default=200)
    parser.add_argument("--lines", type=int, default=25)
    parser.add_argument("--skip", choices=["delivery", "publish"], action="append", default=[])
    parser.add_argument(
        "--no-profile", action="store_true", help="CPU per delivery without cProfile's overhead"
    )
    args = parser.parse_args()
    _instrument()
    receiver = Receiver()
    try:
        if "delivery" not in args.skip:
            profile_deliveries(
                args.deliveries,
                args.concurrency,
                receiver.url,
                args.lines,
                profile=not args.no_profile,
            )
        if "publish" not in args.skip:
            profile_publishes(args.publishes, receiver.url, args.lines)
    finally:
        receiver.stop()


if __name__ == "__main__":
    main()
