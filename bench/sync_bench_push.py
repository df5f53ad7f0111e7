"""Push part of the sync benchmark: chatter notes on POs through the outbox and Celery, beside a naive script.

Scenarios (each a backlog produced with no worker running, then drained by a fresh worker):
  shared: notes on N/10 POs, 10 each (a batching engine can share calls between a PO's notes);
  own:    one note on each of N POs (no two events share a record: every event needs its own call).
Beside each, the naive script: the same messages, one odoorpc message_post per event, one after the other.
Live: notes produced at a paced rate while a worker runs; commit -> Odoo (delivered_at - created_at).
The simulated Odoo is reached only through recorded calls (create of a list, button_confirm, message_post).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sync_bench_common import batch_lines, make_tenant, percentile, process_group_cpu_s, rpc_calls

NOTES_PER_SHARED_PO = 10


@dataclass
class PushRig:
    """What the scenarios share: the simulator, the tenant, the supplier's membership, the POs and options."""

    sim: Any
    tmp: Path
    supplier: Any
    shared_orders: list = field(default_factory=list)  # portal PurchaseOrder rows, NOTES_PER_SHARED_PO notes each
    own_orders: list = field(default_factory=list)  # one note each
    concurrency: int = 4
    prefetch: int | None = None

    def worker(self, name: str):
        """A started Celery worker logging at INFO to its own file (the delivery-batch lines are INFO)."""
        from integrations.worker_process import Worker

        log = self.tmp / f"worker-{name}.log"
        return Worker(
            concurrency=self.concurrency, log=log, prefetch=self.prefetch, env={"PORTAL_LOG_LEVEL": "INFO"}
        ).start()


def _confirmed_pos(admin, count: int, tag: str) -> list[int]:
    """``count`` confirmed POs of vendor 11 in the simulated Odoo: one create of a list, one button_confirm."""
    ids = admin.create("purchase.order", [{"partner_id": 11, "partner_ref": f"{tag}{i}"} for i in range(count)])
    admin.call("purchase.order", "button_confirm", ids)
    return ids


def _rig(sim, tmp: Path, events: int, concurrency: int, prefetch: int | None) -> PushRig:
    """Make the POs in Odoo, a tenant that pulled them (at no added latency) and a supplier user."""
    from integrations.odoo import OdooGateway
    from portal.models import Partner, Role, User
    from portal.services.memberships import membership_create
    from suppliers.models import PurchaseOrder

    admin = OdooGateway(sim.config(transport="jsonrpc", login="admin", password="admin", timeout=300))
    shared_ids = _confirmed_pos(admin, max(1, events // NOTES_PER_SHARED_PO), "S")
    own_ids = _confirmed_pos(admin, events, "O")
    tenant = make_tenant(sim, f"push-{time.time_ns()}")
    user = User.objects.create_user(email=f"bench-{tenant.slug}@example.test")
    supplier = membership_create(
        tenant=tenant, user=user, role=Role.SUPPLIER_USER, partner=Partner.objects.get(tenant=tenant, odoo_id=11)
    )
    by_odoo_id = {po.odoo_id: po for po in PurchaseOrder.objects.filter(tenant=tenant)}
    return PushRig(
        sim=sim,
        tmp=tmp,
        supplier=supplier,
        shared_orders=[by_odoo_id[i] for i in shared_ids],
        own_orders=[by_odoo_id[i] for i in own_ids],
        concurrency=concurrency,
        prefetch=prefetch,
    )


def _produce_one(rig: PushRig, order, body: str):
    from suppliers.services.po_messages import po_message_post

    return po_message_post(membership=rig.supplier, po_id=order.pk, body=body).outbox_event_id


def _wait_finished(event_ids: list, timeout_s: float = 1800) -> dict[str, int]:
    """Wait until every event is done or dead; answers the count per status. Raises RuntimeError on timeout."""
    from django.db.models import Count

    from integrations.models import EventStatus, OutboxEvent

    deadline = time.monotonic() + timeout_s
    finished = (EventStatus.DONE, EventStatus.DEAD, EventStatus.CANCELLED)
    while OutboxEvent.objects.filter(pk__in=event_ids).exclude(status__in=finished).exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"push benchmark: events not delivered in {timeout_s:.0f} s")
        time.sleep(0.1)
    rows = OutboxEvent.objects.filter(pk__in=event_ids).values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def _naive(rig: PushRig, event_ids: list) -> float:
    """Seconds a script takes to post the same messages (body and marker) with one odoorpc call each."""
    import odoorpc

    from integrations.handlers.notes import marked, render_note
    from integrations.models import OutboxEvent

    messages = [
        (int(e.payload["po_odoo_id"]), marked(render_note("po_message.html", **_note_context(e.payload)), e))
        for e in OutboxEvent.objects.filter(pk__in=event_ids).order_by("created_at", "sequence")
    ]
    odoo = odoorpc.ODOO("127.0.0.1", port=rig.sim.port, timeout=60)
    odoo.login("sim", "integration", "integration")
    kwargs = {"body_is_html": True, "message_type": "comment", "subtype_xmlid": "mail.mt_note"}
    started = time.perf_counter()
    for po_id, body in messages:
        odoo.execute_kw("purchase.order", "message_post", [[po_id]], {"body": body, **kwargs})
    return time.perf_counter() - started


def _note_context(payload: dict) -> dict[str, str]:
    return {"author": str(payload["author"]), "text": str(payload["body"])}


def _overhead(
    batches: list[dict], *, drain_s: float, cpu_s: float, calls: int, naive_s: float, events: int, concurrency: int
) -> dict:
    """Overhead (Celery + database + portal) as % of the Odoo time, for a drain of ``events``.

    From the worker's delivery-batch lines: the portal's time in a batch (total_ms - odoo_ms, the critical path
    on Odoo) over the events' Odoo time (odoo_sum_ms: every call's duration); "n/a" without them. Beside it,
    the same over the critical path alone (stricter: threads overlap the calls).
    Estimates, always given, with Odoo seconds = the drain's calls x the naive script's seconds per call:
    upper bound (drain seconds x worker processes - Odoo seconds) / Odoo seconds (idle processes count);
    lower bound: the worker processes' CPU seconds / Odoo seconds (PostgreSQL's and Redis's time not counted).
    """
    odoo_est_s = calls * naive_s / events if events else 0.0
    upper = (drain_s * concurrency - odoo_est_s) / odoo_est_s * 100 if odoo_est_s else None
    result: dict[str, Any] = {
        "overhead_pct": "n/a",
        "overhead_upper_estimate_pct": round(upper, 1) if upper is not None else "n/a",
        "overhead_lower_estimate_pct": round(cpu_s / odoo_est_s * 100, 1) if odoo_est_s else "n/a",
        "batches": len(batches) or "n/a",
    }
    odoo_ms = sum(b.get("odoo_ms", 0.0) for b in batches)  # critical path: the longest thread's wait per batch
    # The events' Odoo time: every call's duration (a shared call's shared among its events); older engines
    # logged only the critical path.
    odoo_sum_ms = sum(b.get("odoo_sum_ms", b.get("odoo_ms", 0.0)) for b in batches)
    if batches and odoo_ms:
        other_ms = sum(b.get("total_ms", 0.0) - b.get("odoo_ms", 0.0) for b in batches)
        result.update(
            overhead_pct=round(other_ms / odoo_sum_ms * 100, 1),
            overhead_vs_critical_path_pct=round(other_ms / odoo_ms * 100, 1),
            batch_odoo_sum_ms=round(odoo_sum_ms, 1),
            batch_odoo_ms=round(odoo_ms, 1),
            batch_other_ms=round(other_ms, 1),
            batch_claim_ms=round(sum(b.get("claim_ms", 0.0) for b in batches), 1),
            batch_finish_ms=round(sum(b.get("finish_ms", 0.0) for b in batches), 1),
            events_per_batch=round(sum(b.get("events", 0.0) for b in batches) / len(batches), 1),
        )
    return result


def scenario(rig: PushRig, name: str, orders: list, events: int) -> dict:
    """Drain a backlog of ``events`` notes on ``orders`` (round robin) with a fresh worker, then the naive script."""
    from integrations.worker_process import purge_queues

    purge_queues()
    started = time.perf_counter()
    backlog = [_produce_one(rig, orders[i % len(orders)], f"{name} {i}") for i in range(events)]
    produce_s = time.perf_counter() - started
    rig.sim.control("clear_stats")
    worker = rig.worker(name)
    try:
        cpu_before = process_group_cpu_s(worker.process.pid)
        started = time.perf_counter()
        statuses = _wait_finished(backlog)
        drain_s = time.perf_counter() - started
        cpu_s = process_group_cpu_s(worker.process.pid) - cpu_before
    finally:
        worker.stop()
    calls = rpc_calls(rig.sim.control("stats")["calls"])
    naive_s = _naive(rig, backlog)
    engine_rate, naive_rate = events / drain_s, events / naive_s
    log = (rig.tmp / f"worker-{name}.log").read_text()
    return {
        "records": len(orders),
        "events": events,
        "produced_per_s": round(events / produce_s, 1),
        "engine_events_per_s": round(engine_rate, 1),
        "naive_events_per_s": round(naive_rate, 1),
        "ratio": round(engine_rate / naive_rate, 2),
        "engine_rpc_per_event": round(calls / events, 3),
        "naive_rpc_per_event": 1,
        "worker_cpu_ms_per_event": round(cpu_s * 1000 / events, 2),
        "statuses": statuses,
        "log_delivery_event_lines": log.count("delivery event="),  # 0: the worker's INFO lines are not logged
        **_overhead(
            batch_lines(log),
            drain_s=drain_s,
            cpu_s=cpu_s,
            calls=calls,
            naive_s=naive_s,
            events=events,
            concurrency=rig.concurrency,
        ),
    }


def live(rig: PushRig, rate: float, seconds: float) -> dict:
    """Notes produced at ``rate``/s for ``seconds`` (one per PO of the own set, round robin) while a worker runs."""
    from integrations.models import OutboxEvent
    from integrations.worker_process import purge_queues

    purge_queues()
    count = max(1, round(rate * seconds))
    worker = rig.worker("live")
    try:
        ids, started = [], time.perf_counter()
        for i in range(count):
            time.sleep(max(0.0, started + i / rate - time.perf_counter()))
            ids.append(_produce_one(rig, rig.own_orders[i % len(rig.own_orders)], f"live {i}"))
        produce_s = time.perf_counter() - started
        statuses = _wait_finished(ids)
    finally:
        worker.stop()
    rows = OutboxEvent.objects.filter(pk__in=ids, delivered_at__isnull=False).values_list("created_at", "delivered_at")
    latencies = [(done - made).total_seconds() * 1000 for made, done in rows] or [float("nan")]
    return {
        "events": count,
        "target_per_s": rate,
        "produced_per_s": round(count / produce_s, 1),
        "commit_to_odoo_p50_ms": round(percentile(latencies, 50), 1),
        "commit_to_odoo_p95_ms": round(percentile(latencies, 95), 1),
        "commit_to_odoo_max_ms": round(max(latencies), 1),
        "statuses": statuses,
    }


def push(
    *, latency_ms: float, events: int, concurrency: int, prefetch: int | None, live_rate: float, live_seconds: float
) -> dict:
    """Every push figure of one run at ``latency_ms`` of added latency per simulated call (a JSON-able dict)."""
    from integrations.odoo_sim.process import SimProcess, free_port

    with tempfile.TemporaryDirectory() as tmp:
        sim = SimProcess(port=free_port(), data=Path(tmp) / "push.sqlite3", version="18.0").start()
        try:
            rig = _rig(sim, Path(tmp), events, concurrency, prefetch)
            sim.control("set", latency_ms=latency_ms)
            return {
                "latency_ms": latency_ms,
                "concurrency": concurrency,
                "prefetch": prefetch if prefetch is not None else "settings",
                "shared": scenario(rig, "shared", rig.shared_orders, events),
                "own": scenario(rig, "own", rig.own_orders, events),
                "live": live(rig, live_rate, live_seconds),
            }
        finally:
            sim.stop()
