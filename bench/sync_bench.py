"""Sync engine benchmarks on the real parts: PostgreSQL, Redis, a Celery worker, the simulated Odoo (issue 15).

    .venv/bin/python bench/sync_bench.py                       # push and pull at 12 ms: goals table + JSON
    .venv/bin/python bench/sync_bench.py --quick               # smoke run: 300 events, 1,000 POs, 10 s live
    .venv/bin/python bench/sync_bench.py --part push --latency-ms 0 --concurrency 2 --prefetch 4
    .venv/bin/python bench/sync_bench.py --part pull --pos 10000

Push (bench/sync_bench_push.py): backlogs of notes on POs drained by a fresh Celery worker, beside a naive script
posting the same messages with one odoorpc call each: "shared" (10 notes per PO: calls can be shared) and "own"
(one note per PO); the overhead per event from the worker's delivery-batch log lines ("n/a" on an engine without
them, with an estimate beside); live commit -> Odoo latency while notes are produced at 25/s for 40 s.
Pull (bench/sync_bench_pull.py): 10,000 POs with about 50,000 lines into PostgreSQL, peak memory (VmHWM),
then quiet re-polls (calls per model). Each part runs in its own process; the output is a markdown table
(goal, figure, met / not met) and the JSON of every figure.

12 ms of added latency makes one simulated call cost about what the live Odoo 18 measured
(a one-record write about 15 ms, an 80-row search_read about 20-30 ms; see bench/odoo_latency.py).
Defaults: PostgreSQL database bench_portal on 127.0.0.1 (created if missing), Redis db 2 (DATABASE_URL and
CELERY_BROKER_URL override them).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

import sync_bench_common  # noqa: F401 - sets the environment before Django is imported

PARTS = ("push", "pull")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Sync engine benchmarks (issue 15's push and pull goals)")
    parser.add_argument("--part", choices=[*PARTS, "all"], default="all")
    parser.add_argument("--latency-ms", type=float, default=12.0, help="added latency per simulated call")
    parser.add_argument("--events", type=int, default=2000, help="events per push backlog (and POs of 'own')")
    parser.add_argument("--pos", type=int, default=10000, help="POs of the pull (about 5 lines each)")
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes")
    parser.add_argument("--prefetch", type=int, default=None, help="worker prefetch multiplier (default: settings)")
    parser.add_argument("--live-rate", type=float, default=25.0, help="live events produced per second")
    parser.add_argument("--live-seconds", type=float, default=40.0)
    parser.add_argument("--quick", action="store_true", help="smoke run: 300 events, 1,000 POs, 10 s live")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)  # one part, JSON on stdout
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.pos, args.live_seconds = 300, 1000, 10.0
    return args


def run_child(args: argparse.Namespace) -> dict:
    """Run one part in this process (Django set up here) and answer its figures."""
    from sync_bench_common import setup_django

    setup_django()
    if args.part == "push":
        from sync_bench_push import push

        return push(
            latency_ms=args.latency_ms,
            events=args.events,
            concurrency=args.concurrency,
            prefetch=args.prefetch,
            live_rate=args.live_rate,
            live_seconds=args.live_seconds,
        )
    from sync_bench_pull import pull

    return pull(latency_ms=args.latency_ms, pos=args.pos)


def run_part(part: str, args: argparse.Namespace) -> dict:
    """One part in a child process (its own memory peak); its JSON, or {"error": ...} when it failed."""
    command = [sys.executable, __file__, "--child", "--part", part, "--latency-ms", str(args.latency_ms)]
    command += ["--events", str(args.events), "--pos", str(args.pos), "--concurrency", str(args.concurrency)]
    command += ["--live-rate", str(args.live_rate), "--live-seconds", str(args.live_seconds)]
    if args.prefetch is not None:
        command += ["--prefetch", str(args.prefetch)]
    out = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    lines = out.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        return {"error": f"exit {out.returncode}: {out.stdout[-1000:]}"}


def met(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "not met")


def push_rows(p: dict) -> list[tuple[str, str, str]]:
    """Table rows (goal, figure, met) of the push part's figures."""
    rows = []
    for key, goal, label in (("shared", 10, "notes that can share calls"), ("own", 3, "notes needing own calls")):
        s = p[key]
        rows.append(
            (
                f"Push backlog, {label} ({s['events']} events on {s['records']} POs): >= {goal}x naive",
                f"engine {s['engine_events_per_s']} ev/s vs naive {s['naive_events_per_s']} ev/s = "
                f"**{s['ratio']}x** ({s['engine_rpc_per_event']} calls/event)",
                met(s["ratio"] >= goal),
            )
        )
    for key in ("shared", "own"):
        s = p[key]
        known = isinstance(s["overhead_pct"], int | float)
        figure = f"**{s['overhead_pct']} %**" if known else "n/a (no delivery-batch lines)"
        rows.append(
            (
                f"Overhead per event ({key}): <= 50 % of its Odoo time",
                f"{figure} (over the critical path on Odoo: {s.get('overhead_vs_critical_path_pct', 'n/a')} %); "
                f"estimated {s['overhead_lower_estimate_pct']}-{s['overhead_upper_estimate_pct']} %; "
                f"worker CPU {s['worker_cpu_ms_per_event']} ms/event; {s['batches']} batches",
                met(s["overhead_pct"] <= 50) if known else "n/a",
            )
        )
    live = p["live"]
    rows.append(
        (
            f"Live: commit -> Odoo p95 <= 1 s at {live['target_per_s']:g}/s produced",
            f"p50 {live['commit_to_odoo_p50_ms']} / **p95 {live['commit_to_odoo_p95_ms']}** / max "
            f"{live['commit_to_odoo_max_ms']} ms at {live['produced_per_s']}/s ({live['events']} events)",
            met(live["commit_to_odoo_p95_ms"] <= 1000 and live["produced_per_s"] >= 0.95 * live["target_per_s"]),
        )
    )
    return rows


def pull_rows(p: dict) -> list[tuple[str, str, str]]:
    """Table rows (goal, figure, met) of the pull part's figures."""
    settled = p["settled_repoll_calls_per_model"]
    receipts = ", ".join(f"{m}: {v['rows']} rows in {v['calls']} calls" for m, v in p["receipts_pull"].items())
    return [
        (
            f"First pull of {p['purchase_orders']} POs / {p['lines']} lines: <= 20 s",
            f"**{p['first_pull_s']} s**, {p['first_pull_rpc_calls']} RPC calls",
            met(p["first_pull_s"] <= 20),
        ),
        ("Peak memory of the pull: <= 300 MB", f"**{p['peak_rss_mb']} MB** VmHWM", met(p["peak_rss_mb"] <= 300)),
        (
            "Quiet re-poll: one call per model",
            ", ".join(f"{m} {n}" for m, n in settled.items()) + f" (at once: {p['repoll_rpc_calls']} calls)",
            met(all(n <= 1 for n in settled.values())),
        ),
        ("Receipts pull (no receipts at --scale: demo data)", receipts or "n/a", "n/a"),
    ]


def table(results: dict[str, dict], latency_ms: float) -> str:
    """The markdown table of the goals beside the figures."""
    lines = [f"Sync benchmark at {latency_ms:g} ms added latency per call", "", "| goal | figure | met |"]
    lines.append("| --- | --- | --- |")
    for part, rows_of in (("push", push_rows), ("pull", pull_rows)):
        if part not in results:
            continue
        if "error" in results[part]:
            lines.append(f"| {part} | failed: {results[part]['error'][-200:]!r} | not met |")
            continue
        lines += [f"| {goal} | {figure} | {ok} |" for goal, figure, ok in rows_of(results[part])]
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    if args.child:
        print(json.dumps({"part": args.part, **run_child(args)}), flush=True)
        return
    results: dict[str, Any] = {}
    for part in PARTS if args.part == "all" else (args.part,):
        results[part] = run_part(part, args)
    print(table(results, args.latency_ms))
    print()
    print(json.dumps(results, indent=1))
    if any("error" in r for r in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
