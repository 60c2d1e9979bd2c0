"""The ``make bench`` table (Markdown), from the phases' results.

``python -m bench.report [results folder]`` prints it again from the JSON files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.common import RESULTS


def _yes(flag: object) -> str:
    return "yes" if flag else "**no**"


def _range(values: list | None) -> str:
    """`` (range a to b)`` of paired ratios, or nothing for results that predate ranges."""
    if not values or None in values:
        return ""
    return f" (range {values[0]} to {values[1]})"


def _n(value: object, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _ms(value: object) -> str:
    return "-" if value is None else f"{value:,.1f} ms"


def _pct(value: object) -> str:
    return "-" if value is None else f"{value:+}%"


def table(summary: dict) -> str:
    phases = summary.get("phases", {})
    m = summary.get("machine", {})
    pg = summary.get("postgres", {})
    lines = [
        f"Measured {summary.get('mode', '')} mode in {summary.get('seconds', 0):.0f} s on "
        f"{m.get('cpu', '?')}, {m.get('cores', '?')} cores, {m.get('memory_gib', '?')} GiB, "
        f"PostgreSQL {pg.get('version', '?')} ({summary.get('database', '?')}), "
        f"load average at the end {m.get('load_average', '?')}, commit {m.get('git_commit', '')}.",
        "",
        "| benchmark | measured | floor / baseline (same run) | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    http = phases.get("http_publish", {}).get("summary")
    if http:
        p, f = http["publish"], http["floor"]
        lines.append(
            f"| HTTP publish, {phases['http_publish']['concurrency']} concurrent | "
            f"{_n(p['rps'])} req/s, p50 {_ms(p['p50_ms'])}, p99 {_ms(p['p99_ms'])}, "
            f"{p['errors']} errors / {_n(p['requests'])} | floor {_n(f['rps'])} req/s, "
            f"p50 {_ms(f['p50_ms'])} | {http['ratio']} (median of rounds "
            f"{', '.join(str(r) for r in http.get('round_ratios', []))}) | "
            f"≥ {http.get('target_ratio', 0.4)}, 0 errors | "
            f"{_yes(http['met'])} |"
        )
    ct = phases.get("ct_publish")
    if ct:
        s = ct["summary"]
        for size, r in ct["by_allow_list_size"].items():
            alone = r.get("one_client", {}).get("p50_ms")
            lines.append(
                f"| content-type publish, allow-list {int(size):,} | {_n(r['rps'])} req/s, "
                f"p50 {_ms(r['p50_ms'])}, p99 {_ms(r['p99_ms'])} ({_ms(alone)} alone), "
                f"{r['queries_per_publish']} queries, {r['errors']} errors, response "
                f"{_n(r.get('response_bytes', 0) / 1000)} kB | floor {_n(r['floor']['rps'])} "
                "req/s | "
                f"{r['ratio_to_floor']} | ≤ 12 queries | {_yes(r['queries_per_publish'] <= 12)} |"
            )
        flat = s.get("one_client_growth_p50")
        target = s.get("one_client_growth_target", 1.5)
        lines.append(
            f"| content-type publish growth {min(map(int, ct['by_allow_list_size'])):,} → "
            f"{max(map(int, ct['by_allow_list_size'])):,} | p50 x {flat}"
            f"{_range(s.get('one_client_growth_range'))} alone "
            f"({s.get('marginal_us_per_component', '-')} µs per component; response x "
            f"{s.get('response_growth', '-')}), x {s['latency_growth_p50']} loaded; queries "
            f"{s['query_counts']} | | | nearly flat (alone ≤ {target} x); constant queries | "
            f"{_yes(flat is not None and flat <= target)} (time), "
            f"{_yes(s['query_count_constant'])} (queries) |"
        )
    browse = phases.get("browse")
    if browse:
        largest = str(browse["summary"]["at"])
        figures = browse["by_size"][largest]["figures"]
        depth = browse["by_size"][largest]["depth"]
        floor = figures["floor"]
        for name, f in figures.items():
            if name == "floor":
                continue
            label = f["label"] + (f" ({depth:,} deep)" if name.startswith("deep") else "")
            target = f"p95 ≤ {f['target_p95_ms']} ms" if "target_p95_ms" in f else "(none)"
            lines.append(
                f"| {label} @ {int(largest):,} listings | p50 {_ms(f['p50_ms'])}, "
                f"p95 {_ms(f['p95_ms'])}, p99 {_ms(f['p99_ms'])} | read floor p50 "
                f"{_ms(floor['p50_ms'])} | {f['p50_vs_floor']} | {target} | "
                f"{_yes(f['met']) if 'met' in f else '-'} |"
            )
        sizes = sorted(int(s) for s in browse["by_size"])
        span = f"{sizes[0]:,} → {sizes[-1]:,}"
        for name, g in browse["growth"].items():
            if name == "floor":
                continue
            points = ", ".join(f"{_ms(v)}" for v in g["p50_ms"].values())
            want = "sub-linear (< 1)" if name.startswith("search") else "flat (≈ 0)"
            if name == "deep_page":
                want = "(none: grows with depth)"
            ok = g["slope_p50"] is not None and (
                g["slope_p50"] < 1 if name.startswith("search") else g["slope_p50"] < 0.15
            )
            lines.append(
                f"| growth {span}: {figures[name]['label']} | p50 {points} | | slope "
                f"{g['slope_p50']} | {want} | {'-' if name == 'deep_page' else _yes(ok)} |"
            )
    hooks = phases.get("webhooks")
    if hooks:
        t, lat, d = hooks["throughput"], hooks["latency"], hooks["drain"]
        lines += [
            f"| webhooks: publish with 1 endpoint | {_n(t['hooked_rps'])} req/s, "
            f"{t['errors']} errors | no endpoint {_n(t['plain_rps'])} req/s | {t['ratio']} | "
            f"≥ 0.9 | {_yes(t['met'])} |",
            f"| webhooks: publish → receipt at {lat['rate_per_second']}/s, 1 worker | p50 "
            f"{_ms(lat['p50_ms'])}, p95 {_ms(lat['p95_ms'])}, {lat['delivered']}/"
            f"{lat['publishes']} delivered | | | p95 ≤ 1000 ms | {_yes(lat['met'])} |",
            f"| webhooks: drain {d[0]['deliveries']:,} deliveries | 1 worker "
            f"{_n(d[0]['per_second'])}/s, 2 workers {_n(d[1]['per_second'])}/s | | "
            f"{hooks['drain_scaling']} (2 vs 1) | (reported) | - |",
        ]
    content = phases.get("content")
    if content:
        f, v, lp, m = (content[k] for k in ("against_floor", "validation", "list", "migration"))
        for name, label in (("create", "POST /content"), ("publish", "POST /content/{id}/publish")):
            r = f[name]
            lines.append(
                f"| content: {label} | {_n(r['rps'])} req/s, p50 {_ms(r['p50_ms'])}, "
                f"{r['errors']} errors | floor {_n(r['floor_rps'])} req/s | {r['ratio']}"
                f"{_range(r.get('ratio_range'))} | ≥ 0.4 | {_yes(r['met'])} |"
            )
        grown = ", ".join(f"{int(n):,}: {_ms(p)}" for n, p in v["publish_alone_p50_ms"].items())
        lines += [
            f"| content: publish alone by items in the project | p50 {grown} | | "
            f"{v['item_growth_p50']}"
            + (
                f" (over the floor; raw {v['item_growth_raw_p50']})"
                if "item_growth_raw_p50" in v
                else ""
            )
            + f" | ≤ 1.2 | {_yes(v['item_growth_met'])} |",
            f"| content: same document, schema of 1,000 vs 10 components | p50 "
            f"{_ms(v['schema_1000_p50_ms'])} | {_ms(v['schema_10_p50_ms'])} | "
            f"{v['schema_growth_p50']}{_range(v.get('schema_growth_range'))} | ≤ 1.5 | "
            f"{_yes(v['schema_growth_met'])} |",
        ]
        for name, label in (
            ("first_page", "first page (page=1, with total)"),
            ("cursor_page", f"cursor page {lp['cursor_page']['depth']:,} deep"),
        ):
            r = lp[name]
            lines.append(
                f"| content list: {label} @ {lp['items']:,} items | p50 {_ms(r['p50_ms'])}, "
                f"p95 {_ms(r['p95_ms'])} | | | p95 ≤ 50 ms | {_yes(r['met'])} |"
            )
        lines.append(
            f"| content: bulk migration of {m['items']:,} items | {_n(m['items_per_second'])} "
            f"items/s, queries per batch {m['queries_per_batch']} (first {m['first_batch_queries']}"
            f", last {m['last_batch_queries']}) | | | constant queries | "
            f"{_yes(m['queries_constant'])} |"
        )
    bulk = phases.get("bulk_publish")
    if bulk:
        r, q, met = bulk["rates_items_per_second"], bulk["ratios"], bulk["met"]
        spread = q.get("vs_floor_range")
        paired = (
            f" (median of {len(q['vs_floor_pairs'])} pairs, range {spread[0]} to {spread[1]})"
            if spread
            else ""
        )
        peak = bulk.get("peak_rss_mb", bulk.get("publish_items", {}).get("peak_rss_mb"))
        lines += [
            f"| bulk: publish_items, {bulk['items']:,} items | {_n(r['publish_items'])} items/s "
            f"({_n(r['publish_items_wall'])}/s wall) | raw upsert floor "
            f"{_n(r['floor_raw_upsert'])} items/s | {q['vs_floor']}{paired} | "
            f"≥ {bulk['targets']['vs_floor']} | {_yes(met['vs_floor'])} |",
            *(
                [
                    f"| bulk: publish_items --jobs 1 (one pair) | "
                    f"{_n(serial['publish_items']['summary']['itemsPerSecond'])} items/s | raw "
                    f"upsert floor {_n(serial['floor']['per_second'])} items/s | "
                    f"{serial['ratio']} | (the default is --jobs 2) | |"
                ]
                if (serial := bulk.get("jobs_1_pair"))
                else []
            ),
            f"| bulk: vs naive loop ({bulk['naive_sample']:,} items) | "
            f"{_n(r['publish_items'])} items/s | naive {_n(r['naive_loop'])} items/s | "
            f"{q['vs_naive']} | ≥ 10 | {_yes(met['vs_naive'])} |",
            f"| bulk: peak RSS of publish_items | {peak} MB | | | "
            f"< 500 MB | {_yes(met['peak_rss_mb'])} |",
        ]
    async_bulk = phases.get("bulk_async")
    if async_bulk:
        one, two = async_bulk["runs"]
        lines += [
            f"| bulk: publish_items --async, {async_bulk['items']:,} items, 1 worker | "
            f"{_n(one['items_per_second'])} items/s | raw upsert floor "
            f"{_n(async_bulk['floor']['per_second'])} items/s | "
            f"{async_bulk['vs_floor']['1_worker']} | | |",
            f"| bulk: publish_items --async, 2 workers | {_n(two['items_per_second'])} items/s | "
            f"1 worker {_n(one['items_per_second'])} items/s | "
            f"{async_bulk['scaling_2_workers']} | ≥ 1.6 | "
            f"{_yes(async_bulk['met']['scaling_2_workers'])} |",
        ]
    memory = phases.get("memory")
    if memory:
        warm, first, last = memory["checkpoints"]
        rss, uss, t = memory["growth_pct"]["rss"], memory["growth_pct"]["uss"], memory["traffic"]
        mb = {k: (first["sum"].get(k), last["sum"].get(k)) for k in ("rss_mb", "uss_mb")}
        per_worker = ", ".join(_pct(g) for g in rss["per_worker"]) or "-"
        broken = f" **broken: {'; '.join(memory['problems'])}**" if memory["broken"] else ""
        lines.append(
            f"| gunicorn memory, {memory['server']['workers']} sync workers, "
            f"{first['requests']:,} → {last['requests']:,} mixed requests | RSS (sum) "
            f"{mb['rss_mb'][0]} → {mb['rss_mb'][1]} MB ({_pct(rss['sum'])}; per worker "
            f"{per_worker}), USS {mb['uss_mb'][0]} → {mb['uss_mb'][1]} MB ({_pct(uss['sum'])}); "
            f"{_n(t['rps'])} req/s, {t['non_2xx']} non-2xx, {t['errors_5xx']} 5xx{broken} | "
            f"after {warm['requests']:,} warm-up: RSS {warm['sum']['rss_mb']} MB | "
            f"{_pct(rss['sum'])} | ≤ {memory['target_growth_pct']}% (RSS, each worker and the "
            f"sum) | {_yes(memory['met'])} |"
        )
    newcomer = phases.get("newcomer")
    if newcomer:
        for one in newcomer["runs"]:
            left = one["processes_left"] or one["port_still_open"]
            lines.append(
                f"| `make run` on a fresh clone to the first healthy answer (pip cache "
                f"{one['pip_cache']}) | {one['make_run_to_healthy_s']} s; demo prompts "
                f"listed: {one['demo_prompts_listed']}; stopped by Ctrl-C in {one['stop_s']} s"
                f"{', **processes left**' if left else ', nothing left'} | clone "
                f"{one['clone_s']} s | | ≤ {newcomer['target_s']:.0f} s | {_yes(newcomer['met'])} |"
            )
    if summary.get("failed"):
        lines += ["", f"Phases that could not run: {', '.join(summary['failed'])}."]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else RESULTS
    summary = json.loads((folder / "summary.json").read_text())
    summary["phases"] = {
        name: json.loads((folder / f"{name}.json").read_text())
        for name in (
            "http_publish",
            "ct_publish",
            "browse",
            "bulk_publish",
            "bulk_async",
            "memory",
            "newcomer",
        )
        if (folder / f"{name}.json").exists()
    }
    print(table(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
