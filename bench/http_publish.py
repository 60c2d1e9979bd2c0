"""Issue 9 §1: ``POST /api/marketplace/publish`` over HTTP against the floor endpoint.

Both run on the same gunicorn server in the same run, alternating (floor, publish, floor, …) so
slow and fast moments of a shared machine fall on both; the reported ratio is the median of the
rounds' paired ratios (publish req/s over the floor's just before). Every publish request
publishes a different, never-published prompt with the reference request body (organization
scope, copy, display metadata), so each one writes a version, a listing and an audit row.
"""

from __future__ import annotations

import statistics
import threading

from bench import seed
from bench.common import Context, log, ratio
from bench.loadgen import render, run_load

PUBLISH_PATH = "/api/marketplace/publish"
TARGET_RATIO = 0.6  # issue 21 (issue 9 asked for 0.4)
FLOOR_PATH = "/bench/floor"


def publish_body(item_id: str) -> dict:
    """The reference request (tests/marketplace/conftest.py ``reference_request``)."""
    return {
        "itemType": "prompt",
        "itemId": item_id,
        "scopes": {
            "organization": {
                "enabled": True,
                "shareType": "copy",
                "isContentVisible": True,
                "allowEditableReferences": False,
            },
            "marketplace": {
                "enabled": False,
                "shareType": "reference",
                "isContentVisible": False,
                "allowEditableReferences": False,
            },
        },
        "metadata": {
            "name": "Acme Inbound Triage Prompt",
            "description": "Routes inbound SMS to the right department.",
            "usageInformation": "Set the {{org_name}} variable before applying.",
        },
    }


def succeeded(status: int, body: bytes) -> bool:
    return status == 200 and b'"success":true' in body


def mint_token(user_id: int) -> str:
    from rest_framework_simplejwt.tokens import RefreshToken

    from publishing.models import User

    return str(RefreshToken.for_user(User.objects.get(pk=user_id)).access_token)


class Feed:
    """Thread-safe supply of pre-rendered requests, one per work item, never repeated."""

    def __init__(self, requests) -> None:
        self._iterator = iter(requests)
        self._lock = threading.Lock()

    def __call__(self) -> bytes | None:
        with self._lock:
            return next(self._iterator, None)


def run(ctx: Context) -> dict:
    sizes = ctx.sizes
    with seed.psycopg.connect(ctx.database_url) as conn:
        accounts = seed.seed_accounts(conn, 1, prefix="publish")
    org, user = accounts.organizations[0], accounts.users[0]
    log(f"http publish: seeding {sizes.publish_prompts} prompts and floor rows")
    item_ids = seed.copy_prompts(ctx.database_url, org, user, sizes.publish_prompts, salt=3)
    seed.copy_floor_rows(ctx.database_url, sizes.publish_prompts)
    seed.settle(ctx.database_url)
    token = mint_token(user)

    # Render lazily: the feeds are consumed across rounds, each item and floor row once.
    publish_feed = Feed(
        render("POST", PUBLISH_PATH, token=token, body=publish_body(i), port=ctx.port)
        for i in item_ids
    )
    floor_feed = Feed(
        render("POST", FLOOR_PATH, token=token, body={"key": k}, port=ctx.port)
        for k in range(sizes.publish_prompts)
    )
    rounds = []
    for number in range(1, sizes.publish_rounds + 1):
        pair = {}
        for name, feed, ok in (
            ("floor", floor_feed, succeeded),
            ("publish", publish_feed, succeeded),
        ):
            log(f"http publish: round {number}, {name} for {sizes.load_seconds:.0f} s")
            result = run_load(
                feed,
                port=ctx.port,
                concurrency=sizes.concurrency,
                seconds=sizes.load_seconds,
                warmup=sizes.load_warmup,
                ok=ok,
            )
            pair[name] = result.summary()
        pair["ratio"] = ratio(pair["publish"]["rps"], pair["floor"]["rps"])
        rounds.append(pair)

    def mean(name: str, key: str) -> float | None:
        values = [r[name][key] for r in rounds if r[name][key] is not None]
        return round(statistics.fmean(values), 2) if values else None

    summary = {
        name: {
            "rps": mean(name, "rps"),
            "p50_ms": mean(name, "p50_ms"),
            "p99_ms": mean(name, "p99_ms"),
            "errors": sum(r[name]["errors"] for r in rounds),
            "requests": sum(r[name]["requests"] for r in rounds),
        }
        for name in ("floor", "publish")
    }
    # Each round pairs a floor run with the publish run right after it; the median of those
    # paired ratios resists a burst of load from elsewhere better than a ratio of averages.
    paired = sorted(r["ratio"] for r in rounds if r["ratio"] is not None)
    summary["ratio"] = round(statistics.median(paired), 3) if paired else None
    summary["round_ratios"] = [r["ratio"] for r in rounds]
    summary["ratio_of_mean_rps"] = ratio(summary["publish"]["rps"], summary["floor"]["rps"])
    summary["target_ratio"] = TARGET_RATIO
    summary["met"] = bool(
        summary["ratio"] and summary["ratio"] >= TARGET_RATIO and summary["publish"]["errors"] == 0
    )
    result = {
        "what": "POST /api/marketplace/publish vs the floor (lock one row + insert one row)",
        "concurrency": sizes.concurrency,
        "seconds_per_run": sizes.load_seconds,
        "warmup_seconds": sizes.load_warmup,
        "rounds": rounds,
        "summary": summary,
    }
    ctx.write("http_publish", result)
    return result
