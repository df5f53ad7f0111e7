"""Sync engine benchmarks on the real parts: PostgreSQL, Redis, a Celery worker, the simulated Odoo.

    .venv/bin/python bench/sync_bench.py                  # both parts, at 0 ms and 12 ms added latency
    .venv/bin/python bench/sync_bench.py --part push --latency-ms 12 --events 2000
    .venv/bin/python bench/sync_bench.py --part pull --latency-ms 12 --pos 10000

Push: portal messages on POs go through the outbox and Celery (4 worker processes) to the
simulated Odoo's chatter; beside it, in the same run, the way a typical integration script
does it: one odoorpc call per record, one after the other. Pull: 10,000 POs with about
50,000 lines into PostgreSQL, then a re-poll with nothing changed.

12 ms of added latency makes one simulated call cost about what the live Odoo 18 measured
(a one-record write about 15 ms, an 80-row search_read about 20-30 ms; see bench/odoo_latency.py).
Defaults: PostgreSQL database bench_portal on 127.0.0.1 (created if missing), Redis db 2.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_portal")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/2")
os.environ.setdefault("PORTAL_VAR_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("PORTAL_LOG_LEVEL", "WARNING")


def ensure_database() -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        return
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def make_tenant(sim, slug: str):
    from integrations.services.pull import tenant_pull
    from portal.models import Tenant

    tenant = Tenant.objects.create(
        name=slug, slug=slug, odoo_url=sim.url, odoo_database="sim", odoo_login="integration", odoo_transport="jsonrpc"
    )
    tenant.odoo_password = "integration"
    tenant.save()
    tenant_pull(tenant=tenant)
    return tenant


def push(latency_ms: float, events: int) -> dict:
    import odoorpc

    from integrations.models import EventStatus, OutboxEvent
    from integrations.odoo import OdooGateway
    from integrations.odoo_sim.process import SimProcess, free_port
    from integrations.worker_process import Worker, purge_queues
    from portal.models import Partner, Role, User
    from portal.services.memberships import membership_create
    from suppliers.models import PurchaseOrder
    from suppliers.services.po_messages import po_message_post

    with tempfile.TemporaryDirectory() as tmp:
        sim = SimProcess(port=free_port(), data=Path(tmp) / "push.sqlite3", version="18.0").start()
        try:
            admin = OdooGateway(sim.config(transport="jsonrpc", login="admin", password="admin"))
            ids = admin.create("purchase.order", [{"partner_id": 11, "partner_ref": f"B{i}"} for i in range(200)])
            admin.call("purchase.order", "button_confirm", ids)
            tenant = make_tenant(sim, f"push-{int(latency_ms)}-{int(time.time())}")
            user = User.objects.create_user(email=f"bench-{tenant.slug}@example.test")
            supplier = membership_create(
                tenant=tenant,
                user=user,
                role=Role.SUPPLIER_USER,
                partner=Partner.objects.get(tenant=tenant, odoo_id=11),
            )
            orders = list(PurchaseOrder.objects.filter(tenant=tenant, odoo_id__in=ids))
            sim.control("set", latency_ms=latency_ms)
            purge_queues()

            def produce(count: int, tag: str) -> list:
                return [
                    po_message_post(
                        membership=supplier, po_id=orders[i % len(orders)].pk, body=f"{tag} {i}"
                    ).outbox_event.pk
                    for i in range(count)
                ]

            def wait_done(ids: list) -> None:
                deadline = time.monotonic() + 1800
                while OutboxEvent.objects.filter(pk__in=ids).exclude(status=EventStatus.DONE).exists():
                    if time.monotonic() > deadline:
                        raise RuntimeError("push benchmark did not finish in 30 min")
                    time.sleep(0.2)

            # Live: events delivered while they are being produced (commit-to-Odoo latency).
            worker = Worker(concurrency=4, log=Path(tmp) / "worker.log").start()
            sim.control("clear_stats")
            try:
                started = time.perf_counter()
                live = produce(events, "live")
                produce_s = time.perf_counter() - started
                wait_done(live)
            finally:
                worker.stop()
            stats = sim.control("stats")["calls"]
            rpc = sum(n for key, n in stats.items() if not key.startswith("res.users"))
            rows = list(OutboxEvent.objects.filter(pk__in=live).values_list("created_at", "delivered_at"))
            latencies = [(done - made).total_seconds() * 1000 for made, done in rows]
            # Drain: a backlog of the same size, delivered by a fresh worker (the engine's throughput).
            backlog = produce(events, "drain")
            worker = Worker(concurrency=4, log=Path(tmp) / "worker.log").start()
            try:
                started = time.perf_counter()
                wait_done(backlog)
                drain_s = time.perf_counter() - started
            finally:
                worker.stop()
            # Baseline: a script that posts each message with its own odoorpc call, one after the other.
            odoo = odoorpc.ODOO("127.0.0.1", port=sim.port, timeout=60)
            odoo.login("sim", "integration", "integration")
            started = time.perf_counter()
            for i in range(events):
                odoo.execute_kw("purchase.order", "message_post", [[ids[i % len(ids)]]], {"body": f"script {i}"})
            baseline = time.perf_counter() - started
        finally:
            sim.stop()
    return {
        "latency_ms": latency_ms,
        "events": events,
        "produced_per_s": round(events / produce_s, 1),
        "commit_to_odoo_p50_ms": round(percentile(latencies, 50), 1),
        "commit_to_odoo_p95_ms": round(percentile(latencies, 95), 1),
        "engine_drain_events_per_s": round(events / drain_s, 1),
        "baseline_events_per_s": round(events / baseline, 1),
        "ratio_engine_vs_baseline": round((events / drain_s) / (events / baseline), 2),
        "rpc_per_event": round(rpc / events, 2),
        "rpc_minimum_per_event": 1,
    }


def pull(latency_ms: float, pos: int) -> dict:
    from integrations.odoo_sim.process import SimProcess, free_port
    from integrations.services.pull import tenant_pull
    from portal.models import Tenant
    from suppliers.models import PurchaseOrder, PurchaseOrderLine

    with tempfile.TemporaryDirectory() as tmp:
        sim = SimProcess(
            port=free_port(), data=Path(tmp) / "pull.sqlite3", version="18.0", args=["--scale", str(pos)]
        ).start()
        try:
            sim.control("set", latency_ms=latency_ms)
            tenant = Tenant.objects.create(
                name="pull",
                slug=f"pull-{int(latency_ms)}-{int(time.time())}",
                odoo_url=sim.url,
                odoo_database="sim",
                odoo_login="integration",
                odoo_transport="jsonrpc",
            )
            tenant.odoo_password = "integration"
            tenant.save()
            sim.control("clear_stats")
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started = time.perf_counter()
            tenant_pull(tenant=tenant)
            first = time.perf_counter() - started
            first_calls = sum(sim.control("stats")["calls"].values())
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            sim.control("clear_stats")
            started = time.perf_counter()
            results = tenant_pull(tenant=tenant)  # at once: the overlap window re-reads the import
            again = time.perf_counter() - started
            again_calls = sim.control("stats")["calls"]
            # Later, once the overlap has passed since the cursor was reached (moved back, not waited for).
            from datetime import timedelta

            from django.conf import settings as dj_settings
            from django.utils import timezone

            from integrations.models import PullCursor

            PullCursor.objects.filter(tenant=tenant).update(
                reached_at=timezone.now() - timedelta(seconds=dj_settings.PORTAL_PULL_OVERLAP_SECONDS + 1)
            )
            sim.control("clear_stats")
            started = time.perf_counter()
            settled_results = tenant_pull(tenant=tenant)
            settled = time.perf_counter() - started
            settled_calls = sim.control("stats")["calls"]
        finally:
            sim.stop()
    return {
        "latency_ms": latency_ms,
        "purchase_orders": PurchaseOrder.objects.filter(tenant=tenant).count(),
        "lines": PurchaseOrderLine.objects.filter(tenant=tenant).count(),
        "first_pull_s": round(first, 1),
        "first_pull_rpc_calls": first_calls,
        "peak_rss_mb": round(rss_after / 1024, 1),
        "rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
        "repoll_s": round(again, 2),
        "repoll_rpc_calls": sum(again_calls.values()),
        "repoll_calls_per_model": {r.model: r.calls for r in results},
        "settled_repoll_s": round(settled, 2),
        "settled_repoll_rpc_calls": sum(settled_calls.values()),
        "settled_repoll_calls_per_model": {r.model: r.calls for r in settled_results},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Sync engine benchmarks")
    parser.add_argument("--part", choices=["push", "pull", "all"], default="all")
    parser.add_argument("--latency-ms", type=float, default=None)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--pos", type=int, default=10000)
    args = parser.parse_args()
    if args.part == "all":
        for part in ("push", "pull"):
            for latency in (0, 12):
                command = [
                    sys.executable,
                    __file__,
                    "--part",
                    part,
                    "--latency-ms",
                    str(latency),
                    "--events",
                    str(args.events),
                    "--pos",
                    str(args.pos),
                ]
                out = subprocess.run(command, capture_output=True, text=True, check=False)
                print(out.stdout.strip() or out.stderr[-2000:], flush=True)
        return
    setup_django()
    latency = 0.0 if args.latency_ms is None else args.latency_ms
    result = push(latency, args.events) if args.part == "push" else pull(latency, args.pos)
    print(json.dumps({"part": args.part, **result}))


if __name__ == "__main__":
    main()
