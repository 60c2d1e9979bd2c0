"""What every benchmark phase shares: the run's context, results files, machine facts, maths."""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# The environment the bench was started with, before any phase adds its settings (the
# newcomer phase runs `make run` as the user's own shell would).
USER_ENV = dict(os.environ)


@dataclass
class Sizes:
    """Default sizes (``make bench``) or the smoke-test ones (``--quick``)."""

    quick: bool
    # HTTP publish vs floor
    publish_prompts: int = 40_000
    publish_rounds: int = 6
    load_seconds: float = 4.0
    load_warmup: float = 1.0
    concurrency: int = 10
    # content types
    ct_sizes: tuple[int, ...] = (10, 100, 1000)
    ct_drafts: int = 1000
    ct_single: int = 40
    ct_rounds: int = 5  # the one-client publishes: sizes take turns in rounds
    ct_seconds: float = 5.0
    # browse and search
    browse_scales: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    browse_orgs: int = 1000
    browse_samples: int = 150
    browse_depth: int = 10_000
    # bulk publish (issue 8)
    bulk_items: int = 100_000
    bulk_sample: int = 2000
    bulk_pairs: int = 3  # floor + command pairs, each on fresh prompts (issue 21)
    # bulk jobs on 1 and 2 worker processes (issue 20)
    bulk_async_items: int = 100_000
    bulk_async_batch: int = 1000
    # webhooks (issue 16)
    webhook_rate: int = 50
    webhook_latency_seconds: float = 10.0
    webhook_drain: int = 3000
    # content items (issue 17)
    content_scales: tuple[int, ...] = (10_000, 1_000_000)
    content_single: int = 80  # one-client publishes per type and size, split into rounds
    content_rounds: int = 5  # rounds alternating floor, small type, big type (one client)
    content_load_rounds: int = 4  # rounds of floor, create, floor, publish (under load)
    content_migrate: int = 100_000
    # gunicorn worker memory (issue 21): total requests at the warm-up and the two readings
    memory_checkpoints: tuple[int, int, int] = (1000, 10_000, 50_000)

    @classmethod
    def for_mode(cls, quick: bool) -> Sizes:
        if not quick:
            return cls(quick=False)
        return cls(
            quick=True,
            publish_prompts=3000,
            publish_rounds=1,
            load_seconds=2.5,
            load_warmup=0.5,
            ct_sizes=(10, 100),
            ct_drafts=80,
            ct_single=6,
            ct_rounds=2,
            ct_seconds=1.5,
            browse_scales=(1000, 5000),
            browse_orgs=50,
            browse_samples=15,
            browse_depth=1000,
            bulk_items=3000,
            bulk_sample=100,
            bulk_pairs=2,
            bulk_async_items=2000,
            bulk_async_batch=100,
            webhook_latency_seconds=3.0,
            webhook_drain=300,
            content_scales=(2000, 20_000),
            content_single=15,
            content_rounds=3,
            content_load_rounds=2,
            content_migrate=3000,
            memory_checkpoints=(300, 1000, 3000),
        )


@dataclass
class Context:
    sizes: Sizes
    database_url: str
    port: int
    results_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    def write(self, name: str, data: dict[str, Any]) -> Path:
        self.results_dir.mkdir(parents=True, exist_ok=True)
        path = self.results_dir / f"{name}.json"
        path.write_text(json.dumps(data, indent=2, default=str) + "\n")
        return path


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 3)


def slope(points: list[tuple[int, float]]) -> float | None:
    """Log-log slope between the first and last (size, cost) points: 0 is flat, 1 linear."""
    points = [(n, v) for n, v in points if v and v > 0]
    if len(points) < 2 or points[0][0] == points[-1][0]:
        return None
    (n0, v0), (n1, v1) = points[0], points[-1]
    return round(math.log(v1 / v0) / math.log(n1 / n0), 3)


def machine() -> dict[str, Any]:
    """What the figures were measured on (they only mean something next to this)."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "os": platform.platform(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "git_commit": commit,
    }
