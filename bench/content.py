"""Issue 17: content items over HTTP, validation cost, list pages at scale, bulk migration.

One project holds a layout and 1,000 view components released in package 1.0.0, and content types
that allow-list 10 (``small``) or all 1,000 (``big``) of them, plus a ``migrating`` type. Items are
seeded set-based (``INSERT … SELECT generate_series``), never row by row.

1. **Against the floor**: ``POST /content`` (create a draft: validate the document) and
   ``POST /content/{id}/publish`` (draft → v1) under load, in rounds of floor, create, floor,
   publish on the same server; the ratio is the median of the rounds' paired ratios (each run
   over the floor run just before it), with their range; target >= 0.4.
2. **Validation flat in the number of items**: one client publishing drafts of the small type
   when the project holds ``content_scales[0]`` and then ``content_scales[-1]`` items: p50 ratio
   target <= 1.2. **Proportional to the document, not the schema**: the same document published
   under the small and the big type: p50 ratio target <= 1.5. At each size a sequential floor,
   the small type and the big type alternate in ``content_rounds`` rounds; the schema ratio is
   the median of the rounds' paired ratios, and the growth (the seeding separates the sizes)
   the ratio of the sizes' median publish/floor ratios, so that the machine's speed cancels.
3. **List pages** at the largest size: the first page (page numbers, with its total) and a cursor
   page about half way down (keyset; ``EXPLAIN`` of its query recorded): p95 target <= 50 ms.
4. **Bulk migration** of ``content_migrate`` items to the type's next version through
   ``content_migration_run`` (what the job runs): items/s and queries per batch (constant).
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import statistics
import time

from bench import seed
from bench.common import Context, log, ratio
from bench.ct_publish import COMPONENT_SCHEMA, LAYOUT_SCHEMA
from bench.http_publish import FLOOR_PATH, Feed, mint_token, succeeded
from bench.loadgen import measure_sequential, render, run_load, send

DOCUMENT = {
    "title": "Pancakes for a crowd",
    "body": [
        {
            "type": "View0000",
            "heading": "Flip them",
            "body": "Wait for the bubbles.",
            "tone": "warm",
        },
        {"type": "View0001", "heading": "Batter", "body": "Flour, eggs, milk, a pinch of salt."},
        {"type": "View0002", "heading": "Serve", "tone": "playful"},
    ],
}


LIST_BUDGET_SECONDS = 10.0


def _setup(organization_id: str, user_id: int) -> dict:
    from contenttypes_app import services
    from contenttypes_app.models import Component
    from publishing.models import Organization, User
    from publishing.tenancy import actor_for

    user = User.objects.get(pk=user_id)
    actor = actor_for(user, Organization.objects.get(pk=organization_id))
    project = services.project_create(actor=actor, name="Bench content", slug="bench-content")
    layout = Component(project=project, name="PageLayout", type="layout", schema=LAYOUT_SCHEMA)
    views = [
        Component(project=project, name=f"View{n:04d}", type="view", schema=COMPONENT_SCHEMA)
        for n in range(1000)
    ]
    Component.objects.bulk_create([layout, *views])
    services.package_create(actor=actor, project_id=project.pk, version="1.0.0")
    types = {}
    for name, allowed in (("small", views[:10]), ("big", views), ("migrating", views[:10])):
        definition = services.content_type_create(
            actor=actor,
            project_id=project.pk,
            name=f"Bench {name}",
            layout_component_id=layout.pk,
            component_ids_allow_list=[str(c.pk) for c in allowed],
            package_version="1.0.0",
        )
        services.content_type_publish(content_type_id=definition.pk, actor=actor)
        types[name] = definition.pk
    # One item through the service: the metadata every seeded row copies.
    sample = services.content_create(
        actor=actor, project_id=project.pk, type_id=types["small"], name="Sample", content=DOCUMENT
    )
    return {"actor": actor, "project": project.pk, "types": types, "metadata": sample.metadata}


def insert_items(
    url: str, setup: dict, type_name: str, start: int, stop: int, *, user_id: int
) -> None:
    """Drafts ``start … stop - 1`` of one type in one statement (the larger the number, the
    more recent its ``updated_at``)."""
    from contenttypes_app.models import ContentTypeVersion

    type_id = setup["types"][type_name]
    version_id = ContentTypeVersion.objects.get(definition_id=type_id, version=1).pk
    with seed.psycopg.connect(url) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute(
            "INSERT INTO contenttypes_app_content (id, project_id, type_id, type_version_id, name, "
            "description, status, version, last_published_version, withdrawn, is_template, "
            "content, tags, metadata, created_by_id, revision, created_at, updated_at) "
            "SELECT gen_random_uuid(), %(project)s, %(type)s, %(version)s, %(prefix)s || g, '', "
            "'draft', NULL, NULL, false, false, %(doc)s::jsonb, '{}', %(meta)s::jsonb, %(user)s, "
            "1, now() - interval '1 hour' + g * interval '1 microsecond', "
            "now() - interval '1 hour' + g * interval '1 microsecond' "
            "FROM generate_series(%(start)s, %(stop)s - 1) g",
            {
                "project": setup["project"],
                "type": type_id,
                "version": version_id,
                "prefix": f"{type_name} item ",
                "doc": json.dumps(DOCUMENT),
                "meta": json.dumps(setup["metadata"]),
                "user": user_id,
                "start": start,
                "stop": stop,
            },
        )


def newest_drafts(url: str, type_id, count: int) -> list[str]:
    with seed.psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT id FROM contenttypes_app_content WHERE type_id = %s AND status = 'draft' "
            "ORDER BY updated_at DESC, id DESC LIMIT %s",
            (type_id, count),
        ).fetchall()
    return [str(r[0]) for r in rows]


def _cursor(ordering: str, values: list[str]) -> str:
    """What ``ContentCursorPagination`` answers as ``nextCursor`` (config/pagination.py)."""
    raw = json.dumps([ordering, values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _p50(request, *, port: int, samples: int) -> float:
    """p50 (ms) of ``samples`` requests sent one at a time; ``request(i)`` renders the i-th."""
    figures, failures = measure_sequential(request, port=port, samples=samples, warmup=0)
    if failures:
        status, body = failures[0]
        raise RuntimeError(f"content: a sequential request failed: {status} {body[:200]!r}")
    return figures["p50_ms"]


def _spread(values: list[float | None]) -> dict:
    """Median of paired ratios and their range (what a noisy machine moves less than a mean)."""
    kept = sorted(v for v in values if v is not None)
    if not kept:
        return {"median": None, "min": None, "max": None, "rounds": values}
    return {
        "median": round(statistics.median(kept), 3),
        "min": kept[0],
        "max": kept[-1],
        "rounds": values,
    }


def alone_rounds(
    ctx: Context, token: str, base: str, series: dict[str, list[str]], floor_keys
) -> dict:
    """One client, one request at a time: a sequential floor and each series of publishes
    (``series``: name → draft ids), alternating in ``content_rounds`` rounds of equal size, so
    a slow moment of the shared machine falls on all of them. Each round's p50 of every series
    is paired with that round's floor and with the other series."""
    rounds = ctx.sizes.content_rounds
    per_round = min(len(ids) for ids in series.values()) // rounds
    out: dict[str, list] = {"floor": [], **{name: [] for name in series}}
    for number in range(rounds):
        floor = [next(floor_keys) for _ in range(per_round)]
        out["floor"].append(
            _p50(
                lambda i, keys=floor: render(
                    "POST", FLOOR_PATH, token=token, body={"key": keys[i]}, port=ctx.port
                ),
                port=ctx.port,
                samples=per_round,
            )
        )
        for name, ids in series.items():
            chunk = ids[number * per_round : (number + 1) * per_round]
            out[name].append(
                _p50(
                    lambda i, chunk=chunk: render(
                        "POST", f"{base}/content/{chunk[i]}/publish", token=token, port=ctx.port
                    ),
                    port=ctx.port,
                    samples=per_round,
                )
            )
    return {"rounds": rounds, "samples_per_round": per_round, "p50_ms_by_round": out}


def _load(ctx: Context, feed, check) -> dict:
    sizes = ctx.sizes
    return run_load(
        feed,
        port=ctx.port,
        concurrency=sizes.concurrency,
        seconds=sizes.load_seconds,
        warmup=sizes.load_warmup,
        ok=check,
    ).summary()


def against_floor(ctx: Context, token: str, base: str, setup: dict, floor_feed) -> dict:
    """Create and publish under load, each run right after a floor run, in
    ``content_load_rounds`` rounds (floor, create, floor, publish): the ratio is the median of
    the rounds' paired ratios, with their range."""
    sizes = ctx.sizes
    small = str(setup["types"]["small"])
    counter = iter(range(10**9))

    def create_requests():
        for n in counter:
            body = {"typeId": small, "name": f"Created {n}", "content": DOCUMENT}
            yield render("POST", f"{base}/content", token=token, body=body, port=ctx.port)

    drafts = newest_drafts(ctx.database_url, setup["types"]["small"], 20_000)
    feeds = {
        "create": Feed(create_requests()),
        "publish": Feed(
            render("POST", f"{base}/content/{i}/publish", token=token, port=ctx.port)
            for i in drafts
        ),
    }
    created = lambda status, body: status == 201  # noqa: E731
    published = lambda status, body: status == 200 and b'"status":"published"' in body  # noqa: E731
    checks = {"create": created, "publish": published}
    rounds: dict[str, list[dict]] = {"create": [], "publish": []}
    for number in range(1, sizes.content_load_rounds + 1):
        for name in ("create", "publish"):
            log(f"content: round {number}, floor then {name}, {sizes.load_seconds:.0f} s each")
            floor = _load(ctx, floor_feed, succeeded)
            run = _load(ctx, feeds[name], checks[name])
            rounds[name].append(
                {"floor": floor, name: run, "ratio": ratio(run["rps"], floor["rps"])}
            )
    out = {}
    for name, pairs in rounds.items():
        spread = _spread([pair["ratio"] for pair in pairs])
        errors = sum(pair[name]["errors"] for pair in pairs)
        value = spread["median"]
        out[name] = {
            "rps": round(statistics.median(p[name]["rps"] for p in pairs), 1),
            "p50_ms": round(statistics.median(p[name]["p50_ms"] for p in pairs), 2),
            "p99_ms": round(statistics.median(p[name]["p99_ms"] for p in pairs), 2),
            "errors": errors,
            "requests": sum(pair[name]["requests"] for pair in pairs),
            "error_samples": [s for pair in pairs for s in pair[name]["error_samples"]][:2],
            "floor_rps": round(statistics.median(p["floor"]["rps"] for p in pairs), 1),
            "ratio": value,
            "ratio_range": [spread["min"], spread["max"]],
            "round_ratios": spread["rounds"],
            "target_ratio": 0.4,
            "met": bool(value and value >= 0.4 and errors == 0),
            "rounds": pairs,
        }
    return out


def list_pages(ctx: Context, token: str, base: str, setup: dict, total: int) -> dict:
    from django.db import connection

    samples = ctx.sizes.browse_samples
    depth = total // 2
    with seed.psycopg.connect(ctx.database_url) as conn:
        updated_at, pk = conn.execute(
            "SELECT updated_at, id FROM contenttypes_app_content WHERE project_id = %s "
            "AND status <> 'deleted' ORDER BY updated_at DESC, id DESC OFFSET %s LIMIT 1",
            (setup["project"], depth),
        ).fetchone()
    cursor = _cursor("-updated_at,-id", [updated_at.isoformat(), str(pk)])
    figures = {}
    for name, path in (
        ("first_page", f"{base}/content?limit=20"),
        ("cursor_page", f"{base}/content?limit=20&cursor={cursor}"),
        ("offset_page", f"{base}/content?limit=20&page={depth // 20}"),
    ):
        request = render("GET", path, token=token, port=ctx.port)
        # A page that costs seconds at 1M (OFFSET, or the page total) gets fewer samples: at
        # most about LIST_BUDGET_SECONDS of them, and at least 5.
        began = time.perf_counter()
        send(request, port=ctx.port)
        probe = time.perf_counter() - began
        count = max(5, min(samples, int(LIST_BUDGET_SECONDS / max(probe, 1e-3))))
        result, failures = measure_sequential(
            lambda i, r=request: r, port=ctx.port, samples=count, warmup=2 if count > 10 else 0
        )
        result["failures"] = [f"{s}: {b[:200]!r}" for s, b in failures[:2]]
        if name != "offset_page":
            result["target_p95_ms"] = 50
            result["met"] = bool(result["p95_ms"] <= 50 and not result["errors"])
        figures[name] = result
    figures["offset_page"]["note"] = f"page {depth // 20} by number (OFFSET), for comparison"
    figures["cursor_page"]["depth"] = depth
    # The plan of the cursor page's query (the index range the keyset reads).
    with connection.cursor() as cur:
        cur.execute(
            "EXPLAIN SELECT id FROM contenttypes_app_content WHERE project_id = %s "
            "AND NOT (status = 'deleted') AND updated_at <= %s AND (updated_at < %s OR "
            "(updated_at = %s AND id < %s)) ORDER BY updated_at DESC, id DESC LIMIT 21",
            [setup["project"], updated_at, updated_at, updated_at, pk],
        )
        plan = [row[0] for row in cur.fetchall()]
    figures["cursor_plan"] = plan
    figures["cursor_uses_index"] = any("ct_content_updated_idx" in line for line in plan)
    return figures


def migration(ctx: Context, setup: dict, user_id: int) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from contenttypes_app import services

    count = ctx.sizes.content_migrate
    actor, type_id = setup["actor"], setup["types"]["migrating"]
    insert_items(ctx.database_url, setup, "migrating", 0, count, user_id=user_id)
    seed.settle(ctx.database_url)
    services.content_type_update(
        actor=actor, content_type_id=type_id, changes={"description": "v2"}
    )
    services.content_type_publish(content_type_id=type_id, actor=actor)
    started = services.content_migration_start(actor=actor, content_type_id=type_id, to_version=2)
    log(f"content: migrating {count} items (batches of {settings.CONTENT_MIGRATION_BATCH_SIZE})")
    began = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        done = services.content_migration_run(started.pk)
    seconds = time.perf_counter() - began
    # Each batch is one transaction: split the captured statements at its BEGIN, count the SQL.
    per_batch: list[int] = []
    for query in queries.captured_queries:
        sql = query["sql"].strip().upper()
        if sql == "BEGIN":
            per_batch.append(0)
        elif sql != "COMMIT" and per_batch:
            per_batch[-1] += 1
    # The first batch also loads the type version's schema (the validator cache's one miss);
    # the last finds fewer items (or none) and writes nothing.
    full = per_batch[1:-1] or per_batch
    return {
        "items": count,
        "migrated": done.migrated if done else None,
        "status": done.status if done else None,
        "seconds": round(seconds, 2),
        "items_per_second": round(count / seconds, 1),
        "batch_size": settings.CONTENT_MIGRATION_BATCH_SIZE,
        "batches": len(per_batch),
        "queries_per_batch": sorted(set(full)),
        "first_batch_queries": per_batch[0] if per_batch else None,
        "last_batch_queries": per_batch[-1] if per_batch else None,
        "expected_batches": math.floor(count / settings.CONTENT_MIGRATION_BATCH_SIZE) + 1,
        "queries_constant": len(set(full)) == 1,
        "per_batch": per_batch,
    }


def validation_figures(at_first: dict, at_last: dict, first: int, last: int, samples: int) -> dict:
    """The one-client figures of both stages: the same document under the big vs the small
    type (paired within each round, at both sizes), and the small type's growth from ``first``
    to ``last`` items. Seeding separates the stages, so growth is read two ways: the ratio of
    the stages' median p50s, and the ratio of their median publish/floor ratios (each paired
    with the sequential floor of its own round, so a change of machine speed between the
    stages cancels out); the target is judged on the second."""
    a, b = at_first["p50_ms_by_round"], at_last["p50_ms_by_round"]

    def median(values: list[float]) -> float:
        return round(statistics.median(values), 2)

    def pairs(x: list[float], y: list[float]) -> list[float | None]:
        return [ratio(p, q) for p, q in zip(x, y, strict=True)]

    schema_first = _spread(pairs(a["big"], a["small"]))
    schema_last = _spread(pairs(b["big"], b["small"]))
    to_floor_first = _spread(pairs(a["small"], a["floor"]))
    to_floor_last = _spread(pairs(b["small"], b["floor"]))
    raw_growth = ratio(median(b["small"]), median(a["small"]))
    growth = ratio(to_floor_last["median"], to_floor_first["median"])
    schema = schema_first["median"]
    return {
        "publish_alone_p50_ms": {str(first): median(a["small"]), str(last): median(b["small"])},
        "floor_alone_p50_ms": {str(first): median(a["floor"]), str(last): median(b["floor"])},
        "publish_to_floor": {str(first): to_floor_first, str(last): to_floor_last},
        "item_growth_p50": growth,
        "item_growth_raw_p50": raw_growth,
        "item_growth_target": 1.2,
        "item_growth_met": bool(growth and growth <= 1.2),
        "schema_10_p50_ms": median(a["small"]),
        "schema_1000_p50_ms": median(a["big"]),
        "schema_growth_p50": schema,
        "schema_growth_range": [schema_first["min"], schema_first["max"]],
        "schema_growth_rounds": schema_first["rounds"],
        "schema_growth_at_last": schema_last,
        "schema_growth_target": 1.5,
        "schema_growth_met": bool(schema and schema <= 1.5),
        "samples": samples,
        "details": {str(first): at_first, str(last): at_last},
    }


def run(ctx: Context) -> dict:
    sizes = ctx.sizes
    with seed.psycopg.connect(ctx.database_url) as conn:
        accounts = seed.seed_accounts(conn, 1, prefix="contentitems")
    organization_id, user_id = accounts.organizations[0], accounts.users[0]
    log("content: seeding 1,000 components, 3 published types")
    setup = _setup(organization_id, user_id)
    token = mint_token(user_id)
    base = f"/v1/organizations/{organization_id}/projects/{setup['project']}"
    seed.copy_floor_rows(ctx.database_url, 100_000)
    floor_feed = Feed(
        render("POST", FLOOR_PATH, token=token, body={"key": k}, port=ctx.port)
        for k in range(100_000)
    )
    single = sizes.content_single
    first, last = sizes.content_scales[0], sizes.content_scales[-1]
    log(f"content: seeding {first:,} drafts of the small type and {2 * single} of the big one")
    began = time.perf_counter()
    insert_items(ctx.database_url, setup, "small", 0, first, user_id=user_id)
    insert_items(ctx.database_url, setup, "big", 0, 2 * single, user_id=user_id)
    seed.settle(ctx.database_url)
    seed_seconds = time.perf_counter() - began

    result: dict = {"against_floor": against_floor(ctx, token, base, setup, floor_feed)}

    floor_keys = itertools.cycle(range(100_000))
    small_type, big_type = setup["types"]["small"], setup["types"]["big"]

    def stage() -> dict:
        """Floor, the small type and the big type, one client, alternating in rounds."""
        return alone_rounds(
            ctx,
            token,
            base,
            {
                "small": newest_drafts(ctx.database_url, small_type, single),
                "big": newest_drafts(ctx.database_url, big_type, single),
            },
            floor_keys,
        )

    log(f"content: one client at {first:,} items ({sizes.content_rounds} rounds)")
    at_first = stage()
    log(f"content: seeding up to {last:,} items")
    began = time.perf_counter()
    step = 250_000
    for start in range(first, last, step):
        insert_items(ctx.database_url, setup, "small", start, min(last, start + step),
                     user_id=user_id)  # fmt: skip
    seed.settle(ctx.database_url)
    seed_seconds += time.perf_counter() - began
    log(f"content: one client at {last:,} items ({sizes.content_rounds} rounds)")
    at_last = stage()
    result["validation"] = validation_figures(at_first, at_last, first, last, single)
    with seed.psycopg.connect(ctx.database_url) as conn:
        total = conn.execute(
            "SELECT count(*) FROM contenttypes_app_content WHERE project_id = %s",
            (setup["project"],),
        ).fetchone()[0]
    log(f"content: list pages at {total:,} items")
    result["list"] = {"items": total, **list_pages(ctx, token, base, setup, total)}
    result["migration"] = migration(ctx, setup, user_id)
    result["seed_seconds"] = round(seed_seconds, 1)
    f, v, lp, m = result["against_floor"], result["validation"], result["list"], result["migration"]
    result["summary"] = {
        "create_ratio": f["create"]["ratio"],
        "publish_ratio": f["publish"]["ratio"],
        "item_growth_p50": v["item_growth_p50"],
        "schema_growth_p50": v["schema_growth_p50"],
        "first_page_p95_ms": lp["first_page"]["p95_ms"],
        "cursor_page_p95_ms": lp["cursor_page"]["p95_ms"],
        "migration_items_per_second": m["items_per_second"],
        "migration_queries_per_batch": m["queries_per_batch"],
    }
    result["what"] = "content create/publish vs floor; validation growth; list pages; migration"
    result["type_ids"] = {k: str(v) for k, v in setup["types"].items()}
    ctx.write("content", result)
    return result
