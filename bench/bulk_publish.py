"""Issues 8 and 21 (speed): ``publish_items`` against a raw upsert floor and the naive loop.

Measured in **pairs** (3 in full mode, 2 quick), each on N fresh prompts (default 100,000) of an
organization of its own, so every pair does identical work on the same database:

1. the floor: a raw psycopg ``executemany`` upsert (``INSERT … ON CONFLICT (prompt_id, scope) DO
   UPDATE``) of one organization-scope listing per prompt, batch by batch like the command (read
   1,000 prompts by id, upsert their listings, commit), no Django. Its rows are then deleted (and
   vacuumed), so (2) inserts into the same table in the same state (each measurement starts after
   a VACUUM and a CHECKPOINT);
2. ``manage.py publish_items --organization … --all --scope organization --json`` over the same
   prompts, in its own process (its peak RSS comes from ``wait4``): items per second as the
   command reports them (its own clock, without interpreter start-up), and the wall clock. The
   command runs as an operator runs it, with its default ``--jobs 2``; one more pair runs it
   with ``--jobs 1`` (batches one after the other), reported beside it, not in the median.

The ratio (2)/(1) is the **median of the pairs' ratios**, with their range: floor and command run
back to back, so a burst of load from elsewhere falls on both (a ratio of two separate averages
does not resist it). Then, once, the naive baseline: ``marketplace.services.listing_publish``
once per item over 2,000 other prompts (one transaction per item).

Writes ``bench/results/bulk_publish.json``. Targets: (2)/(1) ≥ 0.5 (issue 21; issue 8 asked
0.25), (2)/naive ≥ 10, peak RSS < 500 MB (the largest of the pairs).

Run alone with ``python -m bench.bulk_publish [--quick]`` (it makes its own database, like
``make bench``), or as part of ``make bench``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import psycopg
from psycopg.types.json import Jsonb

from bench import seed
from bench.common import ROOT, Context, log, ratio

BATCH = 1000
UPSERT = """
INSERT INTO marketplace_listing (
    id, item_type, prompt_id, organization_id, publisher_id, scope, share_type,
    is_content_visible, allow_editable_references, name, description, usage_information,
    item_version, snapshot_name, snapshot_description, snapshot_body, snapshot_variables,
    snapshot_temperature, snapshot_type, snapshot_category, status, moderation_hold,
    moderation_reason, usage_count, featured, published_at, updated_at, version
) VALUES (
    %s, 'prompt', %s, %s, %s, 'organization', 'copy', true, false, %s, %s, '', 1, %s, %s, %s, %s,
    %s, '', '', 'active', false, '', 0, false, %s, %s, 1
)
ON CONFLICT (prompt_id, scope) DO UPDATE SET
    item_version = EXCLUDED.item_version, snapshot_name = EXCLUDED.snapshot_name,
    snapshot_description = EXCLUDED.snapshot_description,
    snapshot_body = EXCLUDED.snapshot_body, snapshot_variables = EXCLUDED.snapshot_variables,
    snapshot_temperature = EXCLUDED.snapshot_temperature, name = EXCLUDED.name,
    description = EXCLUDED.description, status = EXCLUDED.status,
    share_type = EXCLUDED.share_type, publisher_id = EXCLUDED.publisher_id,
    updated_at = EXCLUDED.updated_at
"""
TARGETS = {"vs_floor": 0.5, "vs_naive": 10.0, "peak_rss_mb": 500.0}


def _object_id() -> str:
    return int(time.time()).to_bytes(4, "big").hex() + os.urandom(8).hex()


def raw_upsert_floor(url: str, organization: str) -> tuple[int, float]:
    """Upsert one organization-scope listing per prompt of ``organization``; (rows, seconds)."""
    started = time.perf_counter()
    rows = 0
    last = ""
    with psycopg.connect(url) as conn:
        while True:
            prompts = conn.execute(
                "SELECT id, name, description, body, variables, temperature, owner_id "
                "FROM publishing_prompt WHERE organization_id = %s AND id > %s "
                "ORDER BY id LIMIT %s",
                [organization, last, BATCH],
            ).fetchall()
            if not prompts:
                break
            last = prompts[-1][0]
            now = time.time()
            stamp = conn.execute("SELECT to_timestamp(%s)", [now]).fetchone()[0]
            with conn.cursor() as cur:
                cur.executemany(
                    UPSERT,
                    [
                        (_object_id(), pid, organization, owner, name, description, name,
                         description, body, Jsonb(variables), temperature, stamp, stamp)
                        for pid, name, description, body, variables, temperature, owner in prompts
                    ],
                )  # fmt: skip
            conn.commit()
            rows += len(prompts)
    return rows, time.perf_counter() - started


def publish_items(env: dict[str, str], slug: str, *extra: str) -> dict:
    """Run the command in its own process: its JSON summary, wall seconds and peak RSS (MB)."""
    command = [
        sys.executable, "manage.py", "publish_items", "--organization", slug, "--all",
        "--scope", "organization", "--json", *extra,
    ]  # fmt: skip
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        # wait4 reports the resource usage of this child alone, peak resident set included.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise RuntimeError(f"publish_items exited {process.returncode}: {stderr[-2000:]}")
    return {
        "summary": json.loads(stdout)["summary"],
        "wall_seconds": round(wall, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux reports KiB
    }


def naive_loop(organization: str, owner: int, ids: list[str]) -> float:
    """The single-item service once per item; returns seconds."""
    from marketplace.services import ListingMetadata, ScopeSettings, listing_publish
    from publishing.models import Organization, User
    from publishing.tenancy import actor_for

    actor = actor_for(User.objects.get(pk=owner), Organization.objects.get(pk=organization))
    scopes = {"organization": ScopeSettings("copy")}
    started = time.perf_counter()
    for item_id in ids:
        listing_publish(
            actor=actor,
            item_type="prompt",
            item_id=item_id,
            scopes=scopes,
            metadata=ListingMetadata(),
        )
    return time.perf_counter() - started


def _pair(ctx: Context, number: int, owner: int, org: str, slug: str, *extra: str) -> dict:
    """Seed N fresh prompts for ``org``; the floor over them, then the command (with the
    arguments ``extra``) over them."""
    n = ctx.sizes.bulk_items
    log(f"bulk publish: pair {number}, seeding {n:,} prompts")
    seed.copy_prompts(ctx.database_url, org, owner, n, salt=10 + number)
    seed.settle(ctx.database_url)
    log(f"bulk publish: pair {number}, floor: raw executemany upsert of {n:,} listings")
    floor_rows, floor_seconds = raw_upsert_floor(ctx.database_url, org)
    with psycopg.connect(ctx.database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM marketplace_listing WHERE organization_id = %s", [org])
    seed.settle(ctx.database_url)
    log(f"bulk publish: pair {number}, {' '.join(['publish_items', *extra])} over {n:,} prompts")
    command = publish_items(ctx.env, slug, *extra)
    floor_rate = round(floor_rows / floor_seconds, 1)
    rate = command["summary"]["itemsPerSecond"]
    return {
        "floor": {"rows": floor_rows, "seconds": round(floor_seconds, 2), "per_second": floor_rate},
        "publish_items": command,
        "ratio": ratio(rate, floor_rate),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _spread(values: list[float]) -> dict:
    return {
        "median": round(statistics.median(values), 3),
        "min": min(values),
        "max": max(values),
        "values": values,
    }


def run(ctx: Context) -> dict:
    sizes = ctx.sizes
    n, sample, count = sizes.bulk_items, sizes.bulk_sample, sizes.bulk_pairs
    with psycopg.connect(ctx.database_url) as conn:
        accounts = seed.seed_accounts(conn, count + 2, prefix="bulk")
    *pair_orgs, serial_org, naive_org = accounts.organizations
    *pair_owners, serial_owner, naive_owner = accounts.users
    naive_ids = seed.copy_prompts(ctx.database_url, naive_org, naive_owner, sample, salt=6)

    pairs = [
        _pair(ctx, number, owner, org, f"bench-bulk-{number}")
        for number, (org, owner) in enumerate(zip(pair_orgs, pair_owners, strict=True))
    ]
    # One more pair with the batches one after the other: what the default --jobs 2 adds.
    serial = _pair(ctx, count, serial_owner, serial_org, f"bench-bulk-{count}", "--jobs", "1")
    seed.settle(ctx.database_url)
    log(f"bulk publish: naive loop over {sample:,} prompts")
    naive_seconds = naive_loop(naive_org, naive_owner, naive_ids)

    ratios_floor = [p["ratio"] for p in pairs if p["ratio"] is not None]
    command_rates = [p["publish_items"]["summary"]["itemsPerSecond"] for p in pairs]
    floor_rates = [p["floor"]["per_second"] for p in pairs]
    walls = [p["publish_items"]["wall_seconds"] for p in pairs]
    peak_rss = max(p["publish_items"]["peak_rss_mb"] for p in pairs)
    rates = {
        "publish_items": round(statistics.median(command_rates), 1),
        "publish_items_wall": round(n / statistics.median(walls), 1),
        "floor_raw_upsert": round(statistics.median(floor_rates), 1),
        "naive_loop": round(sample / naive_seconds, 1),
    }
    vs_floor = _spread(ratios_floor) if ratios_floor else None
    ratios = {
        "vs_floor": vs_floor["median"] if vs_floor else None,
        "vs_floor_range": [vs_floor["min"], vs_floor["max"]] if vs_floor else None,
        "vs_floor_pairs": ratios_floor,
        "vs_naive": ratio(rates["publish_items"], rates["naive_loop"]),
        "jobs_1_vs_floor": serial["ratio"],
    }
    met = {
        "vs_floor": bool(ratios["vs_floor"] and ratios["vs_floor"] >= TARGETS["vs_floor"]),
        "vs_naive": bool(ratios["vs_naive"] and ratios["vs_naive"] >= TARGETS["vs_naive"]),
        "peak_rss_mb": peak_rss < TARGETS["peak_rss_mb"],
        "all_published": all(
            p["publish_items"]["summary"]["published"] == n
            and p["publish_items"]["summary"]["failed"] == 0
            for p in pairs
        ),
    }
    result = {
        "what": "publish_items vs a raw psycopg executemany upsert (paired runs) vs "
        "listing_publish in a loop",
        "items": n,
        "pairs_count": count,
        "naive_sample": sample,
        "batch_size": BATCH,
        "pairs": pairs,
        "jobs_1_pair": serial,
        "peak_rss_mb": peak_rss,
        "naive": {"items": sample, "seconds": round(naive_seconds, 2)},
        "rates_items_per_second": rates,
        "ratios": ratios,
        "targets": TARGETS,
        "met": met,
    }
    ctx.write("bulk_publish", result)
    print(
        f"bulk publish of {n:,} items, {count} pairs: publish_items {rates['publish_items']:,.0f}/s"
        f" (median), raw upsert floor {rates['floor_raw_upsert']:,.0f}/s, naive loop "
        f"{rates['naive_loop']:,.0f}/s; command/floor = {ratios['vs_floor']} (median of "
        f"{ratios_floor}), command/naive = {ratios['vs_naive']}; peak RSS {peak_rss} MB",
        flush=True,
    )
    return result


if __name__ == "__main__":
    from bench.run import main

    sys.exit(main([*sys.argv[1:], "--only", "bulk_publish"]))
