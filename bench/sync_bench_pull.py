"""Pull part of the sync benchmark: a first pull of a large simulated Odoo into PostgreSQL, then quiet re-polls.

The simulator's --scale N adds N POs with 3-7 lines each (about 5 N lines), written straight to its tables: they
have no receipts, so the receipts, moves and lots figures are those of the simulator's demo data (a few rows).
Peak memory is this process's VmHWM (the pull runs in it, as in a worker); run it in its own process.
"""

from __future__ import annotations

import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sync_bench_common import make_tenant, vm_hwm_mb

RECEIPT_MODELS = ("stock.picking", "stock.move", "stock.lot", "stock.move.line")


def _timed_pull(sim, tenant) -> tuple[float, list, dict[str, int]]:
    """(seconds, PullResult list, simulator calls per "model.method") of one tenant_pull."""
    from integrations.services.pull import tenant_pull

    sim.control("clear_stats")
    started = time.perf_counter()
    results = tenant_pull(tenant=tenant)
    seconds = time.perf_counter() - started
    return seconds, results, sim.control("stats")["calls"]


def pull(*, latency_ms: float, pos: int) -> dict:
    """First pull of ``pos`` POs, an immediate re-poll and a settled one; answers a JSON-able dict."""
    from django.conf import settings
    from django.utils import timezone

    from integrations.models import PullCursor
    from integrations.odoo_sim.process import SimProcess, free_port
    from suppliers.models import PurchaseOrder, PurchaseOrderLine

    with tempfile.TemporaryDirectory() as tmp:
        sim = SimProcess(
            port=free_port(), data=Path(tmp) / "pull.sqlite3", version="18.0", args=["--scale", str(pos)]
        ).start()
        try:
            sim.control("set", latency_ms=latency_ms)
            tenant = make_tenant(sim, f"pull-{time.time_ns()}", pull=False)
            hwm_before = vm_hwm_mb()
            first_s, first, first_calls = _timed_pull(sim, tenant)
            hwm_after = vm_hwm_mb()
            again_s, again, again_calls = _timed_pull(sim, tenant)  # at once: the overlap window re-reads
            # Later, once the overlap has passed since the cursor was reached (moved back, not waited for).
            PullCursor.objects.filter(tenant=tenant).update(
                reached_at=timezone.now() - timedelta(seconds=settings.PORTAL_PULL_OVERLAP_SECONDS + 1)
            )
            settled_s, settled, settled_calls = _timed_pull(sim, tenant)
        finally:
            sim.stop()
    return {
        "latency_ms": latency_ms,
        "purchase_orders": PurchaseOrder.objects.filter(tenant=tenant).count(),
        "lines": PurchaseOrderLine.objects.filter(tenant=tenant).count(),
        "first_pull_s": round(first_s, 1),
        "first_pull_rpc_calls": sum(first_calls.values()),
        "first_pull_rows_per_model": {r.model: r.rows_seen for r in first},
        "receipts_pull": {r.model: {"calls": r.calls, "rows": r.rows_seen} for r in first if r.model in RECEIPT_MODELS},
        "peak_rss_mb": hwm_after,
        "rss_growth_mb": round(hwm_after - hwm_before, 1),
        "repoll_s": round(again_s, 2),
        "repoll_rpc_calls": sum(again_calls.values()),
        "repoll_calls_per_model": {r.model: r.calls for r in again},
        "settled_repoll_s": round(settled_s, 2),
        "settled_repoll_rpc_calls": sum(settled_calls.values()),
        "settled_repoll_calls_per_model": {r.model: r.calls for r in settled},
    }
