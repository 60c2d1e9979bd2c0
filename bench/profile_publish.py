"""Profile ``POST /api/marketplace/publish`` (or ``POST …/content``) and the floor in-process,
through the WSGI app.

``python -m bench.profile_publish [--subject publish|content] [--requests N] [--rate-limits on]
[--top N]``. It is not a
benchmark (nothing here is compared with a target): it says where a publish request spends its
CPU and which statements it sends, so a fix starts from a measurement. Each request is built as
gunicorn builds it (a WSGI environ with a JSON body and a bearer token) and handed to
``config.wsgi.application``, so every middleware, the access log (to a null stream), DRF and the
service run as in production. Reports, for the publish and for the floor: CPU per request, the
statements of one request, the time inside each layer (cumulative over the profiled run), and
cProfile's top functions.

The database is a fresh sibling ``<name>_profile`` of ``DATABASE_URL`` (dropped at the end), like
the bench's own; rate limits are off as in the bench unless ``--rate-limits on`` (production's
defaults with the local-memory cache).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import time
from typing import Any

from bench import seed
from bench.common import ROOT
from bench.server import production_env


def layers() -> list[tuple[str, Any]]:
    """(label, function): the cumulative time of each is the cost of that layer."""
    from corsheaders.middleware import CorsMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.core.handlers.wsgi import WSGIHandler
    from django.db.backends.utils import CursorWrapper
    from django.db.models.sql.compiler import SQLCompiler, SQLInsertCompiler
    from django.middleware.csrf import CsrfViewMiddleware
    from django.urls.resolvers import URLResolver
    from rest_framework import views
    from rest_framework.request import Request
    from rest_framework.response import Response
    from rest_framework.serializers import ListSerializer, Serializer
    from rest_framework_simplejwt.authentication import JWTAuthentication

    from bench.floorapp.views import FloorView
    from config import middleware, renderers, serializers
    from contenttypes_app import content_schema
    from contenttypes_app.api.views.content import ContentListView, locked_content_response
    from contenttypes_app.services import content as content_services
    from marketplace.api.views import PublishView
    from marketplace.services import publish
    from publishing import authentication, tenancy
    from publishing.services import audit, items
    from webhooks import events

    return [
        ("whole request (WSGIHandler.__call__)", WSGIHandler.__call__),
        ("MetricsMiddleware (incl. inside)", middleware.MetricsMiddleware.__call__),
        ("RequestIdMiddleware (incl. inside)", middleware.RequestIdMiddleware.__call__),
        ("  access log line", middleware._log_request),
        ("CorsMiddleware (incl. inside)", CorsMiddleware.__call__),
        ("BodySizeLimitMiddleware (incl. inside)", middleware.BodySizeLimitMiddleware.__call__),
        ("SessionMiddleware.process_response", SessionMiddleware.process_response),
        ("CsrfViewMiddleware.process_view", CsrfViewMiddleware.process_view),
        ("URL resolve", URLResolver.resolve),
        ("DRF dispatch", views.APIView.dispatch),
        ("  initialize_request", views.APIView.initialize_request),
        ("  initial (auth, permissions, throttles)", views.APIView.initial),
        ("    authentication", Request._authenticate),
        ("      JWT validate", JWTAuthentication.get_validated_token),
        ("      user + memberships query", authentication.BearerJWTAuthentication.get_user),
        ("      API key (not a key)", authentication.APIKeyAuthentication.authenticate),
        ("    throttles", views.APIView.check_throttles),
        ("  request.data (parse)", Request._load_data_and_files),
        ("  publish view (incl. idempotency)", PublishView.post),
        ("    actor_from_request", tenancy.actor_from_request),
        ("    input validation", serializers.validated_input),
        ("    listing_publish (service, incl. tx)", publish.listing_publish),
        ("      item_lock", items.item_lock),
        ("      publish_locked_items", publish.publish_locked_items),
        ("        audit_record_many", audit.audit_record_many),
        ("          events_emit", events.events_emit),
        ("    output serializer .data (list)", ListSerializer.data.fget),
        ("    output serializer .data", Serializer.data.fget),
        ("  content create view", ContentListView.post),
        ("    content_create (service, incl. tx)", content_services.content_create),
        ("      schema validation", content_schema.require_valid),
        ("      content_audit", content_services.content_audit),
        ("    locked_content_response (serializer)", locked_content_response),
        ("  floor view", FloorView.post),
        ("  finalize_response", views.APIView.finalize_response),
        ("render (Response.rendered_content)", Response.rendered_content.fget),
        ("  JSONRenderer.render", renderers.JSONRenderer.render),
        ("SQL execute (all)", CursorWrapper._execute),
        ("SQL compile (select as_sql, all)", SQLCompiler.as_sql),
        ("SQL compile (insert as_sql, all)", SQLInsertCompiler.as_sql),
    ]


def environ(path: str, token: str, body: bytes) -> dict[str, Any]:
    """What gunicorn hands the app for one POST with a JSON body."""
    return {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_ACCEPT": "application/json",
        "HTTP_CONNECTION": "close",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def call(app, path: str, token: str, payload: dict) -> tuple[str, bytes]:
    status = []

    def start_response(line, headers, exc_info=None):
        status.append(line)

    chunks = app(environ(path, token, json.dumps(payload).encode()), start_response)
    body = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return status[0], body


def layer_table(stats: pstats.Stats, requests: int) -> list[tuple[str, float, float]]:
    rows = []
    for label, function in layers():
        code = getattr(function, "__wrapped__", function).__code__
        key = (code.co_filename, code.co_firstlineno, code.co_name)
        entry = stats.stats.get(key)
        if entry:
            _cc, nc, _tt, ct, _callers = entry
            rows.append((label, ct / requests * 1000, nc / requests))
    return rows


def profile(
    app, path: str, token: str, payloads: list[dict], top: int, dump: str | None = None
) -> dict:
    from django.db import connection

    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    # Every payload is used once: a publish of a never-published item (the bench's request).
    warm, first, rest = payloads[:20], payloads[20], payloads[21:]
    timed, profiled = rest[: len(rest) // 2], rest[len(rest) // 2 :]
    for payload in warm:
        status, body = call(app, path, token, payload)
        assert status.startswith("20"), (status, body[:300])
    with connection.execute_wrapper(record):
        call(app, path, token, first)
    one_request = list(statements)

    cpu0, wall0 = time.process_time(), time.perf_counter()
    for payload in timed:
        call(app, path, token, payload)
    cpu_plain = (time.process_time() - cpu0) / len(timed) * 1000
    wall_plain = (time.perf_counter() - wall0) / len(timed) * 1000

    profiler = cProfile.Profile(time.process_time)  # CPU, not waits
    profiler.enable()
    for payload in profiled:
        call(app, path, token, payload)
    profiler.disable()
    if dump:
        profiler.dump_stats(dump)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    return {
        "cpu_ms_per_request": round(cpu_plain, 3),
        "wall_ms_per_request": round(wall_plain, 3),
        "statements": one_request,
        "layers": layer_table(stats, len(profiled)),
        "top": out.getvalue(),
        "profiled_requests": len(profiled),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--rate-limits", choices=("on", "off"), default="off")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument(
        "--subject",
        choices=("publish", "content"),
        default="publish",
        help="publish: POST /api/marketplace/publish; content: POST …/content (a draft).",
    )
    parser.add_argument("--dump", help="Write each profile to DUMP-<publish|floor>.prof (pstats).")
    args = parser.parse_args(argv)

    from bench.db import BenchDatabase, _database_name, _with_database

    base = os.environ["DATABASE_URL"]
    os.environ["BENCH_DATABASE_URL"] = _with_database(base, f"{_database_name(base)}_profile")
    database = BenchDatabase()
    url = database.start()  # dropped and created anew
    env = production_env(url)
    if args.rate_limits == "on":
        for scope in ("ANON", "USER", "API_KEY", "AUTH", "PUBLISH"):
            env.pop(f"RATE_LIMIT_{scope}", None)
            os.environ.pop(f"RATE_LIMIT_{scope}", None)
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip
        os.environ.update(env)
        import logging

        from bench.http_publish import mint_token, publish_body
        from config.wsgi import application  # sets Django up (and its logging)

        # The access log runs (it is part of the cost) but writes to nowhere.
        null = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(null)
        if args.rate_limits == "on":
            from django.conf import settings

            # Production limits would refuse a profiling loop; keep them on but far away.
            settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, "1000000/minute")

        count = args.requests
        with seed.psycopg.connect(url) as conn:
            accounts = seed.seed_accounts(conn, 1, prefix="profile")
        org, user = accounts.organizations[0], accounts.users[0]
        items = seed.copy_prompts(url, org, user, count * 2 + 21, salt=7)
        seed.copy_floor_rows(url, len(items))
        seed.settle(url)
        token = mint_token(user)
        if args.subject == "content":
            from bench.content import DOCUMENT, _setup

            setup = _setup(org, user)
            path = f"/v1/organizations/{org}/projects/{setup['project']}/content"
            small = str(setup["types"]["small"])
            payloads = [
                {"typeId": small, "name": f"Item {n}", "content": DOCUMENT}
                for n in range(len(items))
            ]
        else:
            path, payloads = "/api/marketplace/publish", [publish_body(i) for i in items]
        results = {
            args.subject: profile(
                application, path, token, payloads, args.top,
                args.dump and f"{args.dump}-{args.subject}.prof",
            ),
            "floor": profile(
                application, "/bench/floor", token,
                [{"key": k} for k in range(len(items))], args.top,
                args.dump and f"{args.dump}-floor.prof",
            ),
        }  # fmt: skip
    finally:
        from django.db import connections

        connections.close_all()
        admin = _with_database(url, "postgres")
        with seed.psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{_database_name(url)}" WITH (FORCE)')

    print(f"rate limits: {args.rate_limits}; {count} requests each (20 warm-up)")
    for name, result in results.items():
        print(f"\n=== {name}: CPU {result['cpu_ms_per_request']} ms/request, wall "
              f"{result['wall_ms_per_request']} ms/request, "
              f"{len(result['statements'])} statements")  # fmt: skip
        for sql in result["statements"]:
            print("   ", sql[:150])
        profiled = result["profiled_requests"]
        print(f"  layers (cumulative CPU ms per request, under cProfile, {profiled} requests):")
        for label, ms, calls in result["layers"]:
            print(f"    {ms:8.3f} ms  x{calls:<4.1f} {label}")
        print(result["top"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
