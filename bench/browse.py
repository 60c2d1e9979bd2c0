"""Issue 9 §3-4: browse, search and detail at 10k, 100k and 1M listings, and how they grow.

At each size one client (no queueing) sends the requests below round-robin, so a noisy moment
hits all of them alike, and the p50/p95/p99 of each are reported next to the read floor (an
authenticated ``GET`` that reads one row by primary key). Then every SQL statement behind each
request is run again under ``EXPLAIN (ANALYZE, BUFFERS)`` and kept in the results, with the
indexes it used, to show that none of them reads the listing table from end to end.

The consumer is the owner of organization 0: it sees every active marketplace listing plus its
own organization's. Depth is 10,000 items (at most half of what it can see at small sizes).
10% of the seeded listings are scheduled to go live later (``seed.SCHEDULED_SHARE``, issue 19):
every read leaves them out by comparing with the database clock.
"""

from __future__ import annotations

import re
import time

from bench import seed
from bench.common import Context, log, ratio, slope
from bench.http_publish import mint_token
from bench.loadgen import percentile, render, send

LIMIT = 20
TARGETS_MS = {"first_page": 50, "deep_cursor": 50, "detail": 50, "search_common": 100,
              "search_rare": 100, "search_rare_newest": 100}  # fmt: skip
LABELS = {
    "floor": "read floor (GET, one row by pk)",
    "first_page": "first page",
    "deep_cursor": "deep page by cursor",
    "deep_page": "same depth by page number",
    "search_common": f"search, common word ({seed.COMMON_WORD!r})",
    "search_rare": f"search, rare word ({seed.RARE_WORD!r})",
    # Newest first, a rare word walked the newest-first index to the end (seconds at 1M; found
    # by the memory phase): the search now sorts the few matches' ids instead.
    "search_rare_newest": f"search, rare word, newest first ({seed.RARE_WORD!r})",
    "detail": "detail",
}


def _consumer_requests(user_id: int, organization_id: str, depth: int, samples: int) -> dict:
    """Paths of every measured request at the current size."""
    from marketplace import selectors
    from marketplace.api.browse import encode_cursor
    from marketplace.models import Listing
    from publishing.models import Organization, User
    from publishing.tenancy import actor_for

    actor = actor_for(User.objects.get(pk=user_id), Organization.objects.get(pk=organization_id))
    ordered = selectors.listing_browse(actor=actor, params=selectors.BrowseParams())
    visible = selectors.listing_browse_matches(actor=actor, params=selectors.BrowseParams())
    depth = min(depth, visible.count() // 2 // LIMIT * LIMIT)
    anchor = ordered[depth - 1]  # the last item of the page before: the cursor points past it
    cursor = encode_cursor("newest", selectors.cursor_values(anchor, "newest"))
    detail_ids = list(
        Listing.objects.filter(status="active", scope="marketplace")
        .order_by("?")
        .values_list("pk", flat=True)[: max(samples, 20)]
    )
    return {
        "depth": depth,
        "paths": {
            "floor": lambda i: "/bench/floor?key=1",
            "first_page": lambda i: "/api/marketplace",
            "deep_cursor": lambda i: f"/api/marketplace?cursor={cursor}",
            "deep_page": lambda i: f"/api/marketplace?page={depth // LIMIT + 1}",
            "search_common": lambda i: f"/api/marketplace?q={seed.COMMON_WORD}",
            "search_rare": lambda i: f"/api/marketplace?q={seed.RARE_WORD}",
            "search_rare_newest": lambda i: f"/api/marketplace?q={seed.RARE_WORD}&sort=newest",
            "detail": lambda i: f"/api/marketplace/{detail_ids[i % len(detail_ids)]}",
        },
    }


def _measure(ctx: Context, token: str, paths: dict, samples: int) -> dict:
    """Round-robin over the requests so that noise is shared; one client, no queueing."""

    def request(name: str, i: int) -> bytes:
        return render("GET", paths[name](i), token=token, port=ctx.port)

    for name in paths:  # warm the workers and the caches
        for i in range(5):
            send(request(name, i), port=ctx.port)
    latencies: dict[str, list[float]] = {name: [] for name in paths}
    errors: dict[str, list[str]] = {name: [] for name in paths}
    for i in range(samples):
        for name in paths:
            payload = request(name, i)
            began = time.perf_counter()
            status, body = send(payload, port=ctx.port)
            latencies[name].append((time.perf_counter() - began) * 1000)
            if status != 200:
                errors[name].append(f"{status}: {body[:200]!r}")
    out = {}
    for name, values in latencies.items():
        ordered = sorted(values)
        out[name] = {
            "label": LABELS[name],
            "samples": len(ordered),
            "p50_ms": round(percentile(ordered, 0.50), 2),
            "p95_ms": round(percentile(ordered, 0.95), 2),
            "p99_ms": round(percentile(ordered, 0.99), 2),
            "max_ms": round(ordered[-1], 2),
            "errors": len(errors[name]),
            "error_samples": errors[name][:3],
        }
    floor = out["floor"]["p50_ms"]
    for name, figure in out.items():
        figure["p50_vs_floor"] = ratio(figure["p50_ms"], floor)
        if name in TARGETS_MS:
            figure["target_p95_ms"] = TARGETS_MS[name]
            figure["met"] = figure["p95_ms"] <= TARGETS_MS[name] and not figure["errors"]
    return out


_INDEX = re.compile(
    r"(?:Index Scan|Index Only Scan)(?: Backward)? using (\S+)|Bitmap Index Scan on (\S+)"
)


def _explain(token: str, paths: dict) -> dict:
    """Every statement behind each request, under EXPLAIN (ANALYZE, BUFFERS)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    plans = {}
    for name, path in paths.items():
        if name == "floor":
            continue
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path(0), HTTP_HOST="127.0.0.1")
        statements = []
        for query in captured.captured_queries:
            sql = query["sql"]
            if "marketplace_listing" not in sql or sql.startswith("EXPLAIN"):
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            statements.append(
                {
                    "sql": sql,
                    "plan": plan,
                    "indexes": sorted({a or b for a, b in _INDEX.findall(plan)}),
                    "seq_scan_on_listing": bool(
                        re.search(r"Seq Scan on marketplace_listing\b", plan)
                    ),
                }
            )
        plans[name] = {"path": path(0), "status": response.status_code, "statements": statements}
    return plans


def run(ctx: Context) -> dict:
    sizes = ctx.sizes
    with seed.psycopg.connect(ctx.database_url) as conn:
        accounts = seed.seed_accounts(conn, sizes.browse_orgs)
    token = mint_token(accounts.users[0])
    by_size = {}
    seeded = 0
    for scale in sizes.browse_scales:
        log(f"browse: seeding listings {seeded:,} → {scale:,}")
        timings = seed.bulk_load(
            ctx.database_url, seeded, scale, accounts, rebuild=scale - seeded >= 500_000
        )
        seeded = scale
        seed.settle(ctx.database_url)
        requests = _consumer_requests(
            accounts.users[0], accounts.organizations[0], sizes.browse_depth, sizes.browse_samples
        )
        log(f"browse: measuring at {scale:,} listings ({sizes.browse_samples} samples each)")
        began = time.monotonic()
        figures = _measure(ctx, token, requests["paths"], sizes.browse_samples)
        by_size[str(scale)] = {
            "listings": scale,
            "seed_seconds": {k: round(v, 1) for k, v in timings.items()},
            "depth": requests["depth"],
            "measure_seconds": round(time.monotonic() - began, 1),
            "figures": figures,
            "explain": _explain(token, requests["paths"]),
        }
    growth = {}
    for name in LABELS:
        points = [(int(s), v["figures"][name]["p50_ms"]) for s, v in by_size.items()]
        floor_points = [(int(s), v["figures"][name]["p50_vs_floor"]) for s, v in by_size.items()]
        growth[name] = {
            "p50_ms": {str(n): v for n, v in points},
            "slope_p50": slope(points),
            "slope_p50_vs_floor": slope(floor_points),
        }
    largest = by_size[str(max(sizes.browse_scales))]["figures"]
    result = {
        "what": "GET /api/marketplace (browse, search, paging) and /api/marketplace/{id}",
        "limit": LIMIT,
        "by_size": by_size,
        "growth": growth,
        "summary": {
            "at": max(sizes.browse_scales),
            "targets": {
                name: {"p95_ms": largest[name]["p95_ms"], "target": t, "met": largest[name]["met"]}
                for name, t in TARGETS_MS.items()
            },
        },
    }
    ctx.write("browse", result)
    return result
