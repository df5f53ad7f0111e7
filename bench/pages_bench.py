"""Page benchmarks (figures for closing notes; not part of the test suite).

``--part supplier``: a supplier with 2,000 POs (three lines each, a few messages on the PO shown);
gunicorn on loopback; the PO list and a PO page: p50/p95 of sequential requests (one client, one
after the other, milliseconds), requests per second under 20 clients (wrk), queries per request.

``--part search``: the buyer's product search (``?q=ITEM-0042``) over the order desk bench's
100,000 POs (``order_desk_bench.seed_orders``), under 20 clients: p50/p95/p99 and requests/s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_pages \\
        .venv/bin/python bench/pages_bench.py [--part supplier|search|all] [--workers 4]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from order_desk_bench import Gunicorn, ensure_wrk, queries_for, seed_orders, session_cookie, wrk
from sync_bench_common import percentile, setup_django

SUPPLIER_POS, LINES_PER_PO, SEQUENTIAL = 2_000, 3, 300


def seed_supplier():
    """A tenant whose one supplier has 2,000 POs (kept between runs); returns (supplier, buyer, po)."""
    from portal.models import Membership, Partner, Role, Tenant
    from suppliers.models import PurchaseOrder
    from tests.factories import member

    tenant, _ = Tenant.objects.get_or_create(slug="bench-pages", defaults={"name": "Bench Pages"})
    partner, _ = Partner.objects.get_or_create(tenant=tenant, odoo_id=1, defaults={"name": "Pinewood Parts"})
    if PurchaseOrder.objects.filter(tenant=tenant).count() != SUPPLIER_POS:
        _seed_orders(tenant, partner)
    supplier = Membership.objects.filter(tenant=tenant, role=Role.SUPPLIER_ADMIN).first()
    supplier = supplier or member(tenant, Role.SUPPLIER_ADMIN, partner, user=_user())
    buyer = Membership.objects.filter(tenant=tenant, role=Role.BUYER).first()
    buyer = buyer or member(tenant, Role.BUYER, user=_user())
    po = PurchaseOrder.objects.filter(tenant=tenant, state="purchase").order_by("pk")[SUPPLIER_POS // 2]
    _messages(po, supplier, buyer)
    return supplier, buyer, po


def _seed_orders(tenant, partner) -> None:
    """2,000 POs of ``partner`` with three lines each, statuses and dates spread as a steady customer's."""
    from suppliers.models import AckStatus, Product, PurchaseOrder, PurchaseOrderLine

    PurchaseOrder.objects.filter(tenant=tenant).delete()
    products = [
        Product.objects.get_or_create(
            tenant=tenant, odoo_id=100 + i, defaults={"default_code": f"PART-{i:03d}", "name": f"Part {i}"}
        )[0]
        for i in range(200)
    ]
    rng, now = random.Random(11), datetime.now(UTC)
    statuses = [AckStatus.NONE, AckStatus.ACCEPTED, AckStatus.ACCEPTED, AckStatus.PENDING, AckStatus.OUTDATED]
    orders = []
    for i in range(SUPPLIER_POS):
        planned = now + timedelta(days=rng.randint(-60, 60))
        orders.append(
            PurchaseOrder(
                tenant=tenant,
                partner=partner,
                odoo_id=i + 1,
                name=f"P{i + 1:05d}",
                partner_ref=f"SO-{rng.randint(1, 99999)}",
                state=rng.choice(["purchase"] * 8 + ["done", "cancel"]),
                date_order=planned - timedelta(days=30),
                date_approve=planned - timedelta(days=29),
                date_planned=planned,
                open_due_date=planned,
                amount_total=rng.randint(100, 90000),
                currency_code="EUR",
                receipt_status=rng.choice(["pending", "pending", "partial", "full"]),
                ack_status=rng.choice(statuses),
            )
        )
    PurchaseOrder.objects.bulk_create(orders, batch_size=1000)
    made = PurchaseOrder.objects.filter(tenant=tenant).values_list("pk", "date_planned")
    lines = [
        PurchaseOrderLine(
            tenant=tenant,
            order_id=pk,
            odoo_id=n * LINES_PER_PO + j + 1,
            product=rng.choice(products),
            description=f"Part line {j}",
            quantity=100,
            uom_name="Units",
            price_unit=2,
            date_planned=planned,
        )
        for n, (pk, planned) in enumerate(made)
        for j in range(LINES_PER_PO)
    ]
    PurchaseOrderLine.objects.bulk_create(lines, batch_size=5000)
    _rank(tenant)


def _user():
    import uuid

    from portal.models import User

    return User.objects.create(email=f"bench-{uuid.uuid4().hex[:10]}@example.test")


def _rank(tenant) -> None:
    """bulk_create skips save(), which keeps the action rank; the migration's statement does it."""
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    import_module("suppliers.migrations.0008_po_action_rank").rank_existing(apps, None)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE suppliers_purchaseorder")
        cursor.execute("VACUUM ANALYZE suppliers_purchaseorderline")


def _messages(po, supplier, buyer) -> None:
    """Four messages on the PO shown, as a page with a conversation has (made once)."""
    from suppliers.models import PurchaseOrderMessage
    from suppliers.services.po_messages import po_message_post

    if PurchaseOrderMessage.objects.filter(order=po).exists():
        return
    for n in range(4):
        po_message_post(membership=supplier if n % 2 == 0 else buyer, po_id=po.pk, body=f"Bench message {n}")


def sequential(url: str, cookie: str, count: int = SEQUENTIAL) -> dict:
    """p50/p95 in ms of ``count`` requests one after the other (after 20 to warm up)."""
    import httpx

    times = []
    with httpx.Client(headers={"Cookie": cookie}, timeout=30) as client:
        for n in range(count + 20):
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (url, response.status_code)
            if n >= 20:
                times.append(elapsed)
    return {"p50_ms": round(percentile(times, 50), 1), "p95_ms": round(percentile(times, 95), 1)}


def part_supplier(workers: int) -> list[dict]:
    wrk_bin = ensure_wrk()
    supplier, _buyer, po = seed_supplier()
    cookie = session_cookie(supplier.user)
    cases = [
        ("PO list, supplier (2,000 POs)", f"/t/{po.tenant.slug}/orders/"),
        ("PO page, supplier", f"/t/{po.tenant.slug}/orders/{po.pk}/"),
    ]
    results = []
    with Gunicorn(workers=workers) as server:
        for name, path in cases:
            row = {"case": name, "sequential": sequential(server.url + path, cookie)}
            row["20_clients"] = wrk(wrk_bin, server.url + path, f"Cookie: {cookie}")
            row["queries_per_request"] = queries_for(path, user=supplier.user)
            results.append(row)
            print(json.dumps(row), flush=True)
    return results


def part_search(workers: int) -> dict:
    from portal.models import Membership, Role
    from portal.services.mfa import totp_ensure

    wrk_bin = ensure_wrk()
    tenant = seed_orders()
    buyer = Membership.objects.filter(tenant=tenant, role=Role.BUYER).first()
    totp_ensure(buyer.user)
    path = f"/t/{tenant.slug}/orders/?q=ITEM-0042"
    cookie = session_cookie(buyer.user)
    with Gunicorn(workers=workers) as server:
        row = {"case": "buyer's product search (100,000 POs)", "sequential": sequential(server.url + path, cookie, 60)}
        row["20_clients"] = wrk(wrk_bin, server.url + path, f"Cookie: {cookie}")
        row["queries_per_request"] = queries_for(path, user=buyer.user)
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description="Page benchmarks")
    parser.add_argument("--part", choices=["supplier", "search", "all"], default="all")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    setup_django()
    if args.part in ("supplier", "all"):
        part_supplier(args.workers)
    if args.part in ("search", "all"):
        part_search(args.workers)


if __name__ == "__main__":
    main()
