"""Dispositions to Odoo's stock (figures for closing notes; not part of the test suite).

K receipts in the simulated Odoo (warehouse in three steps, the lab's lot-tracked LAB-LOT-001: a PO of
10 received as lot A x 6 and lot B x 4), mirrored in the portal with their inspections signed; then,
with a Celery worker running and the simulator slowed to live-like latency, one decision after the
other, cycling release / return / scrap / partial on lot A (lot B released each time):

- release: A released 6;  return: A returned 6;  scrap: A scrapped 6;
- partial: A released 4, scrapped 1, then, as a second decision, returned 1.

Per disposition: the time from its commit to its ``inspection.disposed`` event DONE (the event's
``created_at`` to ``delivered_at``), and to the stock read back in Odoo as decided (stock.quant of
the lot: WH/Stock = released, the scrap location = scrapped, the vendor location = returned - lot
size), p50/p95/max; and the simulator's calls per disposition. PostgreSQL database ``bench_quality``
on 127.0.0.1 (created if missing), Redis db 3 as the broker (override with DATABASE_URL and
CELERY_BROKER_URL).

    .venv/bin/python bench/disposition_bench.py [--receipts 24] [--latency-ms 12] [--series 18.0|19.0]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_quality")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/3")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from sync_bench_common import percentile, setup_django

LOT_SIZES = {"A": 6, "B": 4}
# The decisions of a receipt's lot A, in order (each a dict of quantities); lot B is released whole first.
PATTERNS = {
    "release": [{"released": 6}],
    "return": [{"returned": 6}],
    "scrap": [{"scrapped": 6}],
    "partial": [{"released": 4, "scrapped": 1}, {"returned": 1}],
}
TIMEOUT_S = 300


def receive(gw, lots: dict[str, str]) -> dict:
    """A confirmed PO of 10 LAB-LOT-001, its receipt validated with lot A x 6 and lot B x 4 (flow 3)."""
    from tests.contract.conftest import new_confirmed_po, product

    po = new_confirmed_po(gw, [("LAB-LOT-001", 10)], ref="BENCH")
    order = gw.read("purchase.order", [po], ["name", "picking_ids"])[0]
    [receipt] = order["picking_ids"]
    picking = gw.read("stock.picking", [receipt], ["name", "move_ids", "location_id", "location_dest_id"])[0]
    [move] = gw.read("stock.move", picking["move_ids"], ["product_id", "move_line_ids"])
    gw.write("stock.move.line", [move["move_line_ids"][0]], {"lot_name": lots["A"], "quantity": LOT_SIZES["A"]})
    gw.create(
        "stock.move.line",
        {
            "move_id": move["id"],
            "picking_id": receipt,
            "product_id": product(gw, "LAB-LOT-001"),
            "location_id": picking["location_id"][0],
            "location_dest_id": picking["location_dest_id"][0],
            "lot_name": lots["B"],
            "quantity": LOT_SIZES["B"],
            "product_uom_id": 1,
        },
    )
    assert gw.call("stock.picking", "button_validate", [receipt]) is True
    return {"po": po, "po_name": order["name"], "receipt": receipt, "receipt_name": picking["name"], "move": move["id"]}


def mirror(tenant, partner, item, odoo: dict, lots: dict[str, str]) -> dict:
    """The portal's copy of the done receipt (as the pull writes it) and its inspections, signed as accepted.

    Recording and signing are measured elsewhere (tests/quality); here they are set as signed, the way
    tests/integrations/test_dispositions_to_odoo.py does.
    """
    from quality.models import Inspection
    from quality.services.inspections import inspections_from_receipt
    from suppliers.models import Receipt
    from tests.factories.suppliers import PurchaseOrderFactory, ReceiptFactory, ReceiptMoveFactory

    order = PurchaseOrderFactory(partner=partner, odoo_id=odoo["po"], name=odoo["po_name"])
    receipt = ReceiptFactory(order=order, odoo_id=odoo["receipt"], name=odoo["receipt_name"], state=Receipt.State.DONE)
    ReceiptMoveFactory(
        receipt=receipt,
        product=item,
        odoo_id=odoo["move"],
        quantity_done=sum(LOT_SIZES.values()),
        lots=[{"lot": lots[key], "quantity": float(size)} for key, size in LOT_SIZES.items()],
        state="done",
        order_line__product=item,
    )
    made = inspections_from_receipt(receipt=receipt)
    Inspection.objects.filter(pk__in=[i.pk for i in made]).update(
        status=Inspection.Status.SIGNED, verdict=Inspection.Verdict.ACCEPT
    )
    by_lot = {i.lot_name: Inspection.objects.get(pk=i.pk) for i in made}
    return {key: by_lot[name] for key, name in lots.items()}


def setup(sim, count: int):
    """The tenant pointed at the simulator, and ``count`` received, mirrored receipts (at 0 ms latency)."""
    from integrations.odoo import OdooGateway
    from portal.models import Role
    from suppliers.models import Product
    from tests.contract.conftest import product
    from tests.factories import PartnerFactory, member
    from tests.factories.portal import UserFactory, odoo_tenant
    from tests.factories.suppliers import ProductFactory

    tenant = odoo_tenant(sim, f"bench-disp-{uuid.uuid4().hex[:6]}", transport="jsonrpc")
    gw = OdooGateway(tenant.odoo_config())
    partner = PartnerFactory(tenant=tenant, name="Wood Corner")
    item = ProductFactory(tenant=tenant, odoo_id=product(gw, "LAB-LOT-001"), tracking=Product.Tracking.LOT)
    receipts = []
    for k in range(count):
        lots = {key: f"BQ{k:03d}{key}-{uuid.uuid4().hex[:4]}" for key in LOT_SIZES}
        odoo = receive(gw, lots)
        receipts.append({"lots": lots, "inspections": mirror(tenant, partner, item, odoo, lots)})
    inspector = member(tenant, Role.INSPECTOR, user=UserFactory(email=f"inspector@{tenant.slug}.example.test"))
    return gw, inspector, receipts


def stock_of(gw, lot: str, series: int) -> dict[str, float]:
    """The lot's quants that the decisions move, read over the protocol (flow 4 call 39)."""
    from tests.contract.conftest import SCRAP_LOCATION, VENDOR_LOCATION

    rows = gw.search_read(
        "stock.quant", [["lot_id.name", "=", lot], ["quantity", "!=", 0]], ["location_id", "quantity"]
    )
    at = {row["location_id"][1]: row["quantity"] for row in rows}
    return {
        "stock": at.get("WH/Stock", 0.0),
        "scrapped": at.get(SCRAP_LOCATION[series], 0.0),
        "vendor": at.get(VENDOR_LOCATION[series], 0.0),
    }


def expected(size: int, totals: dict[str, float]) -> dict[str, float]:
    return {
        "stock": float(totals["released"]),
        "scrapped": float(totals["scrapped"]),
        "vendor": float(totals["returned"] - size),
    }


def decisions(receipts: list[dict]):
    """(receipt, lot key, kind, quantities) in the order they are made: per receipt, B released, then A's pattern."""
    kinds = list(PATTERNS)
    for k, receipt in enumerate(receipts):
        yield receipt, "B", "release", {"released": LOT_SIZES["B"]}
        kind = kinds[k % len(kinds)]
        for quantities in PATTERNS[kind]:
            yield receipt, "A", kind, quantities


def one_decision(sim, gw, inspector, receipt, key, quantities, totals) -> dict:
    """Record one disposition, wait for its event DONE, then for the lot's stock to read as decided."""
    from integrations.models import EventStatus, OutboxEvent
    from quality.services.dispositions import disposition_record

    sim.control("clear_stats")
    disposition = disposition_record(
        membership=inspector,
        inspection=receipt["inspections"][key],
        reason="Sorted at the dock",
        **{name: Decimal(qty) for name, qty in quantities.items()},
    )
    committed = time.perf_counter()  # disposition_record is atomic: it has committed on return
    for name, qty in quantities.items():
        totals[name] += qty
    deadline = committed + TIMEOUT_S
    event = OutboxEvent.objects.get(pk=disposition.outbox_event_id)
    while event.status not in (EventStatus.DONE, EventStatus.DEAD) and time.perf_counter() < deadline:
        time.sleep(0.005)
        event.refresh_from_db(fields=["status", "delivered_at", "last_error"])
    done_at = time.perf_counter()
    calls = sim.control("stats")["calls"]
    want = expected(LOT_SIZES[key], totals)
    seen = None
    while event.status == EventStatus.DONE and time.perf_counter() < deadline:
        if stock_of(gw, receipt["lots"][key], gw.dialect.series) == want:
            seen = time.perf_counter()
            break
        time.sleep(0.02)
    return {
        "status": event.status,
        "error": event.last_error[:200] if event.status != EventStatus.DONE else "",
        "to_done_ms": (event.delivered_at - event.created_at).total_seconds() * 1000 if event.delivered_at else None,
        "wall_to_done_ms": (done_at - committed) * 1000,
        "to_stock_ms": (seen - committed) * 1000 if seen else None,
        "calls": sum(n for name, n in calls.items() if not name.startswith("res.users")),
        "call_kinds": calls,
    }


def run(args) -> dict:
    from integrations.odoo_sim.process import SimProcess, free_port
    from integrations.worker_process import Worker, purge_queues

    purge_queues()
    with tempfile.TemporaryDirectory() as tmp:
        sim = SimProcess(port=free_port(), data=Path(tmp) / "disposition.sqlite3", version=args.series).start()
        try:
            started = time.perf_counter()
            gw, inspector, receipts = setup(sim, args.receipts)
            setup_s = time.perf_counter() - started
            sim.control("set", latency_ms=args.latency_ms)
            worker = Worker(concurrency=4, log=Path(tmp) / "worker.log").start()
            rows = []
            try:
                totals = {}
                for receipt, key, kind, quantities in decisions(receipts):
                    lot = totals.setdefault(receipt["lots"][key], {"released": 0, "returned": 0, "scrapped": 0})
                    row = one_decision(sim, gw, inspector, receipt, key, quantities, lot)
                    rows.append({"kind": kind, "lot": key, **row})
            finally:
                worker.stop()
        finally:
            sim.stop()
    return summary(args, rows, setup_s)


def summary(args, rows: list[dict], setup_s: float) -> dict:
    ok = [r for r in rows if r["to_stock_ms"] is not None]
    by_kind = {}
    for kind in ["release", *PATTERNS]:
        mine = [r for r in ok if r["kind"] == kind and (kind == "release" or r["lot"] == "A")]
        if mine:
            by_kind[kind] = {
                "n": len(mine),
                "to_done_p50_ms": round(percentile([r["to_done_ms"] for r in mine], 50), 1),
                "calls_p50": percentile([r["calls"] for r in mine], 50),
            }
    methods: dict[str, int] = {}
    for r in rows:
        for name, n in r["call_kinds"].items():
            methods[name] = methods.get(name, 0) + n

    def figures(key: str) -> dict:
        values = [r[key] for r in ok]
        return {f"{key}_{p}": round(percentile(values, n), 1) for p, n in (("p50", 50), ("p95", 95))} | {
            f"{key}_max": round(max(values), 1)
        }

    return {
        "series": args.series,
        "latency_ms": args.latency_ms,
        "receipts": args.receipts,
        "setup_s": round(setup_s, 1),
        "dispositions": len(rows),
        "stock_as_decided": len(ok),
        "failed": [{"kind": r["kind"], "status": r["status"], "error": r["error"]} for r in rows if r not in ok][:5],
        **figures("to_done_ms"),
        **figures("to_stock_ms"),
        "calls_per_disposition_mean": round(sum(r["calls"] for r in rows) / len(rows), 1),
        "calls_per_disposition_max": max(r["calls"] for r in rows),
        "by_kind": by_kind,
        "calls_by_method": dict(sorted(methods.items(), key=lambda item: -item[1])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Dispositions to Odoo's stock")
    parser.add_argument("--receipts", type=int, default=24)
    parser.add_argument("--latency-ms", type=float, default=12.0)
    parser.add_argument("--series", choices=["18.0", "19.0"], default="18.0")
    args = parser.parse_args()
    setup_django()
    print(json.dumps(run(args)), flush=True)


if __name__ == "__main__":
    main()
