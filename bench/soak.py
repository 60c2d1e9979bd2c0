"""Load soak: serve the app with gunicorn on 127.0.0.1, drive mixed traffic from several clients
for a bounded time, then reconcile what the clients saw with what the database holds.

    python bench/soak.py                      # 2 minutes (make soak)
    python bench/soak.py --seconds 20         # the CI profile

Everything runs against a throwaway database: with ``DATABASE_URL`` set, a new database on that
server (dropped afterwards); without it, an embedded PostgreSQL in a temporary folder (removed
afterwards). gunicorn runs with production-like settings (DEBUG off, a real SECRET_KEY,
ALLOWED_HOSTS=127.0.0.1, no SSL redirect) and the rate limits off.

Traffic: publish (organization and marketplace scopes, the same items from several clients at
once), item edits, browse, search, listing details, acquire (from a consumer organization), and
content-type edits and publishes (several clients on the same types). Reconciliation: no response
5xx or unexpected, every successful write is in the database (created items, listings returned by
publish, acquisitions, content-type versions), and the unique invariants hold in SQL (one listing
per item and scope, one version per number, consecutive version numbers, usage counts equal to
acquisitions). Exits 1 if anything fails, 0 otherwise; gunicorn is stopped either way.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SEARCH_WORDS = ["triage", "welcome", "invoice", "refund", "summary", "missing", "alpha", "route"]


# --- configuration and the throwaway database -------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def production_env(extra: dict[str, str]) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RATE_LIMIT_", "PYTEST_", "SECURE_"))
        and k not in {"DEBUG", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "EMBEDDED_PG_DIR"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="soak-" + secrets.token_hex(24),
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
        JWT_ACCESS_MINUTES="120",
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONWARNINGS="ignore:No directory at",  # whitenoise: no collectstatic for a soak
        PYTHONPATH=str(BASE_DIR),
        **{f"RATE_LIMIT_{scope}": "off" for scope in ("ANON", "USER", "API_KEY", "AUTH")},
        RATE_LIMIT_PUBLISH="off",
    )
    env.update(extra)
    return env


class ThrowawayDatabase:
    """A database on the DATABASE_URL server, or an embedded PostgreSQL in a temp folder."""

    def __init__(self, server_url: str | None) -> None:
        self.server_url = server_url
        self.name = f"soak_{int(time.time())}_{os.getpid()}"
        self.folder: Path | None = None

    def env(self) -> dict[str, str]:
        if self.server_url:
            parts = urlsplit(self.server_url)
            return {"DATABASE_URL": urlunsplit(parts._replace(path="/" + quote(self.name)))}
        return {"EMBEDDED_PG_DIR": str(self.folder)}

    def create(self) -> None:
        if self.server_url:
            with self._admin() as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
        else:
            self.folder = Path(tempfile.mkdtemp(prefix="publishing-soak-pg-"))

    def drop(self) -> None:
        if self.server_url:
            with self._admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        elif self.folder is not None:
            from config import embedded_pg

            embedded_pg.release()  # stops the postmaster: we are its last user
            shutil.rmtree(self.folder, ignore_errors=True)

    def _admin(self):
        import psycopg

        parts = urlsplit(self.server_url)
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        return psycopg.connect(admin_url, autocommit=True)

    def describe(self) -> str:
        if self.server_url:
            return f"database {self.name} on {urlsplit(self.server_url).hostname}"
        return f"embedded PostgreSQL in {self.folder}"


# --- the world the clients work on ---------------------------------------------------------------
@dataclass
class Seed:
    publisher_tokens: list[str]
    consumer_tokens: list[str]
    items: list[tuple[str, str]]  # (itemType, id): shared by every client
    content_types: list[str]  # urls of content types, shared
    project_url: str


def seed(clients: int) -> Seed:
    from rest_framework_simplejwt.tokens import RefreshToken

    from contenttypes_app import services as ct
    from publishing import services as pub
    from publishing.models import Membership, Organization, User
    from publishing.tenancy import actor_for

    def user(email: str) -> User:
        account = User(email=email, full_name=email.split("@")[0])
        account.set_unusable_password()
        account.save()
        return account

    publishers = Organization.objects.create(name="Soak Publishers", slug="soak-publishers")
    consumers = Organization.objects.create(name="Soak Consumers", slug="soak-consumers")
    owner = user("owner@soak.test")
    Membership.objects.create(user=owner, organization=publishers, role="owner")
    publisher_tokens, consumer_tokens = [], []
    for n in range(clients):
        # Admins: every client may publish and edit every shared item.
        admin = user(f"admin{n}@soak.test")
        Membership.objects.create(user=admin, organization=publishers, role="admin")
        publisher_tokens.append(str(RefreshToken.for_user(admin).access_token))
        buyer = user(f"buyer{n}@soak.test")
        Membership.objects.create(user=buyer, organization=consumers, role="editor")
        consumer_tokens.append(str(RefreshToken.for_user(buyer).access_token))

    actor = actor_for(owner, publishers)
    items = []
    for n in range(40):
        word = SEARCH_WORDS[n % len(SEARCH_WORDS)]
        kind = "prompt" if n % 2 == 0 else "template"
        data = {"name": f"{word.title()} {n}", "body": f"Soak {word} {{{{name}}}} #{n}"}
        if kind == "template":
            data["type"] = "email"
        items.append((kind, pub.item_create(actor=actor, kind=kind, data=data).pk))

    project = ct.project_create(actor=actor, name="Soak site", slug="soak-site")
    layout = ct.component_create(
        actor=actor,
        project_id=project.pk,
        name="Page",
        type="layout",
        schema={"type": "object", "properties": {"body": {"type": "array", "x-slot": True}}},
    )
    views = [
        ct.component_create(
            actor=actor,
            project_id=project.pk,
            name=f"View{n}",
            type="view",
            schema={"type": "object", "properties": {"text": {"type": "string"}}},
        )
        for n in range(3)
    ]
    ct.package_create(actor=actor, project_id=project.pk, version="1.0.0")
    project_url = f"/v1/organizations/{publishers.pk}/projects/{project.pk}"
    content_types = []
    for n in range(4):
        definition = ct.content_type_create(
            actor=actor,
            project_id=project.pk,
            name=f"Type {n}",
            layout_component_id=layout.pk,
            component_ids_allow_list=[str(v.pk) for v in views],
            package_version="1.0.0",
        )
        content_types.append(f"{project_url}/content-types/{definition.pk}")
    return Seed(publisher_tokens, consumer_tokens, items, content_types, project_url)


# --- the clients ----------------------------------------------------------------------------------
@dataclass
class Ledger:
    """What the clients saw, merged after the run."""

    statuses: Counter = field(default_factory=Counter)  # (operation, status)
    unexpected: list[str] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    created_items: list[tuple[str, str]] = field(default_factory=list)
    published: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # listing, type, item, scope
    acquisitions: list[tuple[str, str]] = field(default_factory=list)  # acquisition id, listing id
    ct_versions: list[tuple[str, int]] = field(default_factory=list)  # content type id, version
    errors: list[str] = field(default_factory=list)

    def merge(self, other: Ledger) -> None:
        self.statuses.update(other.statuses)
        self.unexpected += other.unexpected
        for name, values in other.latencies.items():
            self.latencies[name] += values
        self.created_items += other.created_items
        self.published += other.published
        self.acquisitions += other.acquisitions
        self.ct_versions += other.ct_versions
        self.errors += other.errors


# Statuses an operation may answer under concurrency; anything else is a failure.
EXPECTED = {
    "publish": {200, 409},
    "create": {201},
    "edit": {200},
    "browse": {200},
    "search": {200},
    "detail": {200},
    "acquire": {200, 201},
    "ct-edit": {200},
    "ct-publish": {200, 409},
    "list": {200},  # bench/memory.py's item list
}
WEIGHTS = {
    "publish": 20,
    "create": 6,
    "edit": 10,
    "browse": 20,
    "search": 14,
    "detail": 10,
    "acquire": 10,
    "ct-edit": 5,
    "ct-publish": 5,
}


class Client(threading.Thread):
    def __init__(self, n: int, port: int, world: Seed, deadline: float, max_requests: int):
        super().__init__(name=f"client-{n}", daemon=True)
        self.port = port
        self.world = world
        self.deadline = deadline
        self.max_requests = max_requests
        self.random = random.Random(n)
        self.publisher = {"Authorization": f"Bearer {world.publisher_tokens[n]}"}
        self.consumer = {"Authorization": f"Bearer {world.consumer_tokens[n]}"}
        self.ledger = Ledger()
        self.listings: list[str] = []
        self.conn: http.client.HTTPConnection | None = None

    def request(self, op: str, method: str, path: str, headers: dict, body: Any = None):
        data = None if body is None else json.dumps(body).encode()
        headers = {**headers, "Content-Type": "application/json"} if data else dict(headers)
        started = time.perf_counter()
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt == 1:
                    self.ledger.errors.append(f"{op} {method} {path}: {exc!r}")
                    self.ledger.statuses[(op, "error")] += 1
                    return None, None
        self.ledger.latencies[op].append(time.perf_counter() - started)
        self.ledger.statuses[(op, response.status)] += 1
        if response.status not in EXPECTED[op]:
            self.ledger.unexpected.append(
                f"{op} {method} {path} -> {response.status} {raw[:300]!r}"
            )
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        return response.status, payload

    def run(self) -> None:
        operations, weights = zip(*WEIGHTS.items(), strict=True)
        done = 0
        try:
            while time.monotonic() < self.deadline and done < self.max_requests:
                op = self.random.choices(operations, weights)[0]
                getattr(self, "op_" + op.replace("-", "_"))()
                done += 1
        except Exception as exc:  # a bug in the driver must fail the soak, not hang it
            self.ledger.errors.append(f"{self.name} crashed: {exc!r}")
        finally:
            if self.conn is not None:
                self.conn.close()

    # --- operations -------------------------------------------------------------------------
    def op_publish(self) -> None:
        item_type, item_id = self.random.choice(self.world.items)
        scopes = {
            "organization": {"enabled": self.random.random() < 0.8, "shareType": "copy"},
            "marketplace": {
                "enabled": True,
                "shareType": self.random.choice(["copy", "reference"]),
            },
        }
        body = {"itemType": item_type, "itemId": item_id, "scopes": scopes}
        status, payload = self.request(
            "publish", "POST", "/api/marketplace/publish", self.publisher, body
        )
        if status == 200:
            for entry in payload["data"]["published"]:
                self.ledger.published.append((entry["id"], item_type, item_id, entry["scope"]))
                if entry["scope"] == "marketplace":
                    self.listings.append(entry["id"])

    def op_create(self) -> None:
        word = self.random.choice(SEARCH_WORDS)
        body = {"name": f"New {word}", "body": f"Fresh {word} {{{{who}}}}"}
        status, payload = self.request("create", "POST", "/api/prompts", self.publisher, body)
        if status == 201:
            self.ledger.created_items.append(("prompt", payload["data"]["id"]))

    def op_edit(self) -> None:
        item_type, item_id = self.random.choice(self.world.items)
        body = {"description": f"Edited {self.random.randrange(10**6)}"}
        self.request("edit", "PATCH", f"/api/{item_type}s/{item_id}", self.publisher, body)

    def op_browse(self) -> None:
        page = self.random.randint(1, 3)
        sort = self.random.choice(["newest", "popular", "name"])
        self.request("browse", "GET", f"/api/marketplace?page={page}&sort={sort}", self.consumer)

    def op_search(self) -> None:
        word = self.random.choice(SEARCH_WORDS)
        self.request("search", "GET", f"/api/marketplace?q={word}", self.consumer)

    def op_detail(self) -> None:
        if not self.listings:
            return self.op_browse()
        listing = self.random.choice(self.listings)
        self.request("detail", "GET", f"/api/marketplace/{listing}", self.consumer)
        return None

    def op_acquire(self) -> None:
        if not self.listings:
            return self.op_publish()
        listing = self.random.choice(self.listings)
        status, payload = self.request(
            "acquire", "POST", f"/api/marketplace/{listing}/acquire", self.consumer, {}
        )
        if status in (200, 201):
            self.ledger.acquisitions.append((payload["data"]["acquired"]["id"], listing))
        return None

    def op_ct_edit(self) -> None:
        url = self.random.choice(self.world.content_types)
        body = {"description": f"Soak edit {self.random.randrange(10**6)}"}
        self.request("ct-edit", "PUT", url, self.publisher, body)

    def op_ct_publish(self) -> None:
        url = self.random.choice(self.world.content_types)
        status, payload = self.request("ct-publish", "POST", url + "/publish", self.publisher)
        if status == 200:
            self.ledger.ct_versions.append((payload["id"], payload["version"]))


# --- reconciliation -------------------------------------------------------------------------------
def sql(query: str) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchall()


def reconcile(ledger: Ledger) -> list[str]:
    from django.db import connection

    from contenttypes_app.models import ContentTypeDefinition, ContentTypeVersion
    from marketplace.models import Acquisition, Listing
    from publishing.models import Prompt, PromptVersion, Template, TemplateVersion

    connection.close()  # a fresh connection sees everything the workers committed
    problems: list[str] = []
    errors_5xx = sum(
        n
        for (op, status), n in ledger.statuses.items()
        if isinstance(status, int) and status >= 500
    )
    if errors_5xx:
        problems.append(f"{errors_5xx} responses with status 5xx")
    problems += [f"unexpected: {line}" for line in ledger.unexpected[:20]]
    if len(ledger.unexpected) > 20:
        problems.append(f"... and {len(ledger.unexpected) - 20} more unexpected responses")
    problems += [f"client error: {line}" for line in ledger.errors[:20]]

    # Every successful write is in the database.
    models = {"prompt": Prompt, "template": Template}
    created = {i for _, i in ledger.created_items}
    found = set(Prompt.objects.filter(pk__in=created).values_list("pk", flat=True))
    if created - found:
        problems.append(f"created prompts missing: {sorted(created - found)[:5]}")
    listings = {
        pk: (item_type, prompt or template, scope)
        for pk, item_type, prompt, template, scope in Listing.objects.values_list(
            "pk", "item_type", "prompt_id", "template_id", "scope"
        )
    }
    for listing_id, item_type, item_id, scope in set(ledger.published):
        if listings.get(listing_id) != (item_type, item_id, scope):
            problems.append(
                f"published listing {listing_id} ({item_type} {item_id} {scope}) is "
                f"{listings.get(listing_id)}"
            )
    acquired = set(Acquisition.objects.values_list("pk", "listing_id"))
    missing = set(ledger.acquisitions) - acquired
    if missing:
        problems.append(f"acquisitions missing: {sorted(missing)[:5]}")
    versions = set(ContentTypeVersion.objects.values_list("definition_id", "version"))
    missing_versions = {(c, v) for c, v in ledger.ct_versions if (uuid.UUID(c), v) not in versions}
    if missing_versions:
        problems.append(f"content type versions missing: {sorted(missing_versions)[:5]}")

    # Unique invariants, in SQL.
    table = Listing._meta.db_table
    for column in ("prompt_id", "template_id"):
        rows = sql(
            f"SELECT {column}, scope, COUNT(*) FROM {table} WHERE {column} IS NOT NULL "
            f"GROUP BY {column}, scope HAVING COUNT(*) > 1"
        )
        if rows:
            problems.append(f"duplicate listings per ({column}, scope): {rows[:5]}")
    for model in (PromptVersion, TemplateVersion):
        t = model._meta.db_table
        if rows := sql(
            f"SELECT item_id, number FROM {t} GROUP BY item_id, number HAVING COUNT(*) > 1"
        ):
            problems.append(f"duplicate {model.__name__} numbers: {rows[:5]}")
        if rows := sql(
            f"SELECT item_id, COUNT(*), MAX(number) FROM {t} GROUP BY item_id "
            "HAVING COUNT(*) <> MAX(number) OR MIN(number) <> 1"
        ):
            problems.append(f"{model.__name__} numbers not consecutive: {rows[:5]}")
    for model in models.values():
        t, v = (
            model._meta.db_table,
            (PromptVersion if model is Prompt else TemplateVersion)._meta.db_table,
        )
        if rows := sql(
            f"SELECT i.id FROM {t} i LEFT JOIN {v} x ON x.item_id = i.id "
            f"GROUP BY i.id, i.latest_version HAVING COALESCE(MAX(x.number), 0) <> i.latest_version"
        ):
            problems.append(
                f"{model.__name__} latest_version differs from its versions: {rows[:5]}"
            )
    t = ContentTypeVersion._meta.db_table
    if rows := sql(
        f"SELECT definition_id, version FROM {t} "
        "GROUP BY definition_id, version HAVING COUNT(*) > 1"
    ):
        problems.append(f"duplicate content type versions: {rows[:5]}")
    if rows := sql(
        f"SELECT definition_id FROM {t} GROUP BY definition_id "
        "HAVING COUNT(*) <> MAX(version) OR MIN(version) <> 1"
    ):
        problems.append(f"content type versions not consecutive: {rows[:5]}")
    for definition in ContentTypeDefinition.objects.all():
        latest = max((v for d, v in versions if d == definition.pk), default=None)
        if definition.last_published_version != latest:
            problems.append(
                f"content type {definition.pk}: last_published_version "
                f"{definition.last_published_version} but versions up to {latest}"
            )
    a = Acquisition._meta.db_table
    if rows := sql(
        f"SELECT listing_id, organization_id FROM {a} GROUP BY 1, 2 HAVING COUNT(*) > 1"
    ):
        problems.append(f"duplicate acquisitions: {rows[:5]}")
    if rows := sql(
        f"SELECT l.id, l.usage_count, COUNT(a.id) FROM {table} l LEFT JOIN {a} a "
        "ON a.listing_id = l.id GROUP BY l.id HAVING l.usage_count <> COUNT(a.id)"
    ):
        problems.append(f"usage counts differ from acquisitions: {rows[:5]}")
    return problems


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000 if ordered else 0.0


def report(ledger: Ledger, seconds: float, clients: int) -> None:
    total = sum(ledger.statuses.values())
    print(
        f"\nsoak: {total} requests from {clients} clients in {seconds:.1f}s "
        f"({total / seconds:.0f} requests/s)"
    )
    by_op: dict[str, Counter] = defaultdict(Counter)
    for (op, status), n in ledger.statuses.items():
        by_op[op][status] += n
    print(f"  {'operation':<12}{'requests':>9}  {'p50 ms':>7}{'p95 ms':>8}  statuses")
    for op in WEIGHTS:
        counts = by_op.get(op, Counter())
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(counts.items(), key=str))
        lat = ledger.latencies.get(op, [])
        p50, p95 = percentile(lat, 0.5), percentile(lat, 0.95)
        print(f"  {op:<12}{sum(counts.values()):>9}  {p50:>7.1f}{p95:>8.1f}  {statuses}")
    classes = Counter()
    for (_, status), n in ledger.statuses.items():
        classes[f"{status // 100}xx" if isinstance(status, int) else status] += n
    print("  by class: " + ", ".join(f"{k}: {v}" for k, v in sorted(classes.items())))
    print(
        f"  writes seen by clients: {len(ledger.created_items)} items created, "
        f"{len(ledger.published)} listings published ({len(set(ledger.published))} distinct), "
        f"{len(set(ledger.acquisitions))} acquisitions, "
        f"{len(set(ledger.ct_versions))} content-type versions"
    )


# --- the run -------------------------------------------------------------------------------------
def wait_for_health(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/api/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError("gunicorn did not answer /api/health in time")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # graceful: workers finish their request
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def start_gunicorn(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "45",
            "--graceful-timeout",
            "20",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=env,
        start_new_session=True,  # its own process group: stopped as a whole
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="traffic duration (120)")
    parser.add_argument("--clients", type=int, default=6, help="concurrent clients (6)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument("--max-requests", type=int, default=100_000, help="per client, a bound")
    parser.add_argument(
        "--hosts",
        type=int,
        default=1,
        help="gunicorn instances (1); 2 or more run behind a round-robin HAProxy",
    )
    parser.add_argument(
        "--pgbouncer",
        action="store_true",
        help="gunicorn reaches PostgreSQL through PgBouncer in transaction pooling mode",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.seconds <= 3600 or not 1 <= args.clients <= 32 or not 1 <= args.hosts <= 4:
        parser.error("--seconds must be 1-3600, --clients 1-32 and --hosts 1-4")

    database = ThrowawayDatabase(os.environ.get("DATABASE_URL"))
    database.create()
    port = free_port()
    servers: list[subprocess.Popen] = []
    bouncer = None
    balancer = None
    try:
        env = production_env(database.env())
        os.environ.clear()
        os.environ.update(env)  # this process works on the same database, with the same settings
        sys.path.insert(0, str(BASE_DIR))
        import django
        from django.core.management import call_command

        django.setup()
        print(f"soak: {database.describe()}, gunicorn on {HOST}:{port} with {args.workers} workers")
        call_command("migrate", verbosity=0, interactive=False)
        world = seed(args.clients)
        from django.db import connection

        server_env = env
        if args.pgbouncer:
            from bench.pgbouncer import PgBouncer, app_env

            db = connection.settings_dict
            bouncer = PgBouncer(db["HOST"], db["PORT"], db["USER"]).start()
            server_env = {
                **{k: v for k, v in env.items() if k != "EMBEDDED_PG_DIR"},
                **app_env(bouncer, db["NAME"]),
            }
            print(f"soak: through PgBouncer (transaction pooling) on 127.0.0.1:{bouncer.port}")
        connection.close()
        ports = [port] + [free_port() for _ in range(args.hosts - 1)]
        if args.hosts > 1:
            server_env = {**server_env, "TRUSTED_PROXY_COUNT": "1"}
        servers = [start_gunicorn(p, args.workers, server_env) for p in ports]
        for p, server in zip(ports, servers, strict=True):
            wait_for_health(p, server)
        target = port
        if args.hosts > 1:
            from bench.balancer import Balancer

            balancer = Balancer(ports).start()
            target = balancer.port
            print(f"soak: {args.hosts} hosts {ports} behind HAProxy on 127.0.0.1:{target}")
        started = time.monotonic()
        clients = [
            Client(n, target, world, started + args.seconds, args.max_requests)
            for n in range(args.clients)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - started
        for server in servers:
            stop(server)
        ledger = Ledger()
        for client in clients:
            if client.is_alive():
                ledger.errors.append(f"{client.name} did not stop")
            ledger.merge(client.ledger)
        report(ledger, elapsed, args.clients)
        problems = reconcile(ledger)
        problems += [
            f"gunicorn on {p} exited with status {server.returncode}"
            for p, server in zip(ports, servers, strict=True)
            if server.returncode not in (0, None)
        ]
    except Exception as exc:
        problems = [f"soak could not run: {exc!r}"]
    finally:
        if balancer is not None:
            balancer.stop()
        for server in servers:
            stop(server)
        if bouncer is not None:
            bouncer.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django may not be set up when the database could not be created
            pass
        database.drop()
    if problems:
        print("\nSOAK FAILED:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("\nsoak passed: 0 responses 5xx, every write reconciled, unique invariants hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
