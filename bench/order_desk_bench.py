"""Order desk benchmarks (figures for closing notes; not part of the test suite).

``--part list``: 100,000 POs (two lines each) in PostgreSQL; gunicorn on loopback; wrk with 20
connections against the PO list endpoint and the PO list page (a supplier with 20,000 POs, a buyer
who sees all 100,000): p50/p95/p99 latency, requests per second, queries per request.

``--part asn``: ASNs created and submitted over the API (gunicorn) with a Celery worker running;
time from sending "submit" to the receipt in the simulated Odoo holding the lots (the delivery's
``delivered_at``), p50/p95, at 0 and 12 ms of added Odoo latency.

    .venv/bin/python bench/order_desk_bench.py [--part list|asn|all]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sync_bench_common import ROOT, percentile, setup_django

WRK_REPORT = Path(__file__).resolve().parent / "wrk_report.lua"
# The per-token throttle is a policy, not a capacity: lift it to measure the server.
os.environ.setdefault("PORTAL_API_RATE", "1000000/min")
os.environ.setdefault("PORTAL_WEB_RATE", "1000000/min")  # the pages' throttle (portal/web_limits.py), likewise
POS, LINES_PER_PO, PARTNERS, BIG_PARTNER_SHARE = 100_000, 2, 100, 20_000


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", "wrk"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    from integrations.odoo_sim.process import free_port as free

    return free()


class Gunicorn:
    def __init__(self, workers: int = 4) -> None:
        self.port = free_port()
        self.workers = workers
        self.proc = None

    def __enter__(self) -> Gunicorn:
        env = {**os.environ, "PORTAL_BASE_URL": f"http://127.0.0.1:{self.port}"}
        self.proc = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "portal.wsgi",
                "-w",
                str(self.workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        import httpx

        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def seed_orders():
    """The tenant with 100,000 POs (kept between runs: seeding takes a minute)."""
    from portal.models import Partner, Tenant
    from suppliers.models import AckStatus, Product, PurchaseOrder, PurchaseOrderLine

    tenant, created = Tenant.objects.get_or_create(slug="bench-orders", defaults={"name": "Bench Manufacturing"})
    if not created and PurchaseOrder.objects.filter(tenant=tenant).count() == POS:
        _due_dates(tenant)
        return _people(tenant)
    PurchaseOrder.objects.filter(tenant=tenant).delete()
    partners = [
        Partner.objects.get_or_create(tenant=tenant, odoo_id=1000 + i, defaults={"name": f"Supplier {i}"})[0]
        for i in range(PARTNERS)
    ]
    products = [
        Product.objects.get_or_create(
            tenant=tenant,
            odoo_id=5000 + i,
            defaults={"default_code": f"ITEM-{i:04d}", "name": f"Item {i}", "tracking": random.choice(["none", "lot"])},
        )[0]
        for i in range(500)
    ]
    rng = random.Random(7)
    now = datetime.now(UTC)
    statuses = [AckStatus.NONE, AckStatus.ACCEPTED, AckStatus.ACCEPTED, AckStatus.PENDING, AckStatus.OUTDATED]
    batch = []
    for i in range(POS):
        # The big supplier's orders are spread over time (every fifth), as a steady customer's are.
        big = i % (POS // BIG_PARTNER_SHARE) == 0
        partner = partners[0] if big else partners[1 + i % (PARTNERS - 1)]
        planned = now + timedelta(days=rng.randint(-60, 60))
        batch.append(
            PurchaseOrder(
                tenant=tenant,
                partner=partner,
                odoo_id=i + 1,
                name=f"P{i + 1:06d}",
                partner_ref=f"SO-{rng.randint(1, 99999)}",
                state=rng.choice(["purchase"] * 8 + ["done", "cancel"]),
                date_order=planned - timedelta(days=30),
                date_approve=planned - timedelta(days=29),
                date_planned=planned,
                amount_total=rng.randint(100, 90000),
                currency_code="EUR",
                receipt_status=rng.choice(["pending", "pending", "partial", "full"]),
                ack_status=rng.choice(statuses),
            )
        )
        if len(batch) == 5000:
            PurchaseOrder.objects.bulk_create(batch)
            batch = []
    ids = list(PurchaseOrder.objects.filter(tenant=tenant).values_list("pk", "date_planned"))
    lines = []
    for n, (pk, planned) in enumerate(ids):
        for j in range(LINES_PER_PO):
            qty = rng.randint(1, 500)
            lines.append(
                PurchaseOrderLine(
                    tenant=tenant,
                    order_id=pk,
                    odoo_id=n * LINES_PER_PO + j + 1,
                    product=rng.choice(products),
                    description=f"Item line {j}",
                    quantity=qty,
                    uom_name="Units",
                    price_unit=2,
                    date_planned=planned,
                    qty_received=rng.choice([0, 0, qty]),
                )
            )
        if len(lines) >= 10000:
            PurchaseOrderLine.objects.bulk_create(lines)
            lines = []
    PurchaseOrderLine.objects.bulk_create(lines)
    _due_dates(tenant)
    return _people(tenant)


def _people(tenant):
    from portal.models import Membership, Partner, Role
    from tests.factories import member

    if not Membership.objects.filter(tenant=tenant, role=Role.SUPPLIER_ADMIN).exists():
        member(tenant, Role.SUPPLIER_ADMIN, Partner.objects.get(tenant=tenant, odoo_id=1000), user=_user())
    if not Membership.objects.filter(tenant=tenant, role=Role.BUYER).exists():
        member(tenant, Role.BUYER, user=_user())
    return tenant


def _user():
    import uuid

    from portal.models import User

    return User.objects.create(email=f"bench-{uuid.uuid4().hex[:10]}@example.test")


def _due_dates(tenant) -> None:
    """What the pull keeps on each PO: the earliest date of a line with goods still to come."""
    from django.db.models import F, Min, OuterRef, Subquery

    from suppliers.models import PurchaseOrder, PurchaseOrderLine

    earliest = (
        PurchaseOrderLine.objects.filter(order=OuterRef("pk"), qty_received__lt=F("quantity"))
        .values("order")
        .annotate(d=Min("date_planned"))
        .values("d")
    )
    PurchaseOrder.objects.filter(tenant=tenant).update(open_due_date=Subquery(earliest))
    # bulk_create skips save(), which keeps the rank; the migration's statement does the same.
    from importlib import import_module

    migration = import_module("suppliers.migrations.0008_po_action_rank")
    from django.apps import apps

    migration.rank_existing(apps, None)
    from django.db import connection

    with connection.cursor() as cursor:
        # The updates above leave dead row versions; clean up and refresh statistics, as autovacuum would.
        cursor.execute("VACUUM ANALYZE suppliers_purchaseorder")
        cursor.execute("VACUUM ANALYZE suppliers_purchaseorderline")


def session_cookie(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def queries_for(path: str, *, user=None, token: str | None = None) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    if user is not None:
        client.force_login(user)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    client.get(path, **headers)  # warm caches (fields, sessions) as a running server has them
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured.captured_queries)


def wrk(wrk_bin: str, url: str, header: str, seconds: int = 15) -> dict:
    out = subprocess.run(
        [wrk_bin, "-t2", "-c20", f"-d{seconds}s", "--timeout", "10s", "-s", str(WRK_REPORT), "-H", header, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out[out.index("{") :])


def part_list() -> list[dict]:
    from portal.models import Membership, Role
    from portal.services.mfa import totp_ensure
    from portal.services.tokens import token_create

    wrk_bin = ensure_wrk()
    tenant = seed_orders()
    supplier = Membership.objects.filter(tenant=tenant, role=Role.SUPPLIER_ADMIN).first()
    buyer = Membership.objects.filter(tenant=tenant, role=Role.BUYER).first()
    totp_ensure(buyer.user)
    _, secret = token_create(actor=supplier, name="bench", scopes=["po:read"], expires_in_days=1)
    cases = [
        (
            "API list, supplier (20,000 POs)",
            "/api/v1/purchase-orders/",
            f"Authorization: Bearer {secret}",
            {"token": secret},
        ),
        (
            "API list, to acknowledge",
            "/api/v1/purchase-orders/?status=to_acknowledge",
            f"Authorization: Bearer {secret}",
            {"token": secret},
        ),
        (
            "page, supplier (20,000 POs)",
            f"/t/{tenant.slug}/orders/",
            f"Cookie: {session_cookie(supplier.user)}",
            {"user": supplier.user},
        ),
        (
            "page, buyer (100,000 POs)",
            f"/t/{tenant.slug}/orders/",
            f"Cookie: {session_cookie(buyer.user)}",
            {"user": buyer.user},
        ),
        (
            "page, buyer, late filter",
            f"/t/{tenant.slug}/orders/?status=late",
            f"Cookie: {session_cookie(buyer.user)}",
            {"user": buyer.user},
        ),
        (
            "page, buyer, search a product",
            f"/t/{tenant.slug}/orders/?q=ITEM-0042",
            f"Cookie: {session_cookie(buyer.user)}",
            {"user": buyer.user},
        ),
    ]
    results = []
    with Gunicorn(workers=4) as server:
        for name, path, header, who in cases:
            measured = wrk(wrk_bin, server.url + path, header)
            results.append({"case": name, **measured, "queries_per_request": queries_for(path, **who)})
            print(json.dumps(results[-1]), flush=True)
    return results


def part_asn(latency_ms: float, count: int = 40) -> dict:
    import httpx
    import odoorpc
    from sync_bench_common import make_tenant

    from integrations.models import OutboxEvent
    from integrations.odoo_sim.process import SimProcess
    from integrations.worker_process import Worker, purge_queues
    from portal.models import Partner, Role
    from portal.services.tokens import token_create
    from tests.factories import member

    purge_queues()
    with tempfile.TemporaryDirectory() as tmp:
        sim = SimProcess(port=free_port(), data=Path(tmp) / "asn.sqlite3", version="19.0").start()
        try:
            odoo = odoorpc.ODOO("127.0.0.1", port=sim.port, timeout=60)
            odoo.login("sim", "integration", "integration")
            products = {
                p["default_code"]: p["id"]
                for p in odoo.execute_kw(
                    "product.product",
                    "search_read",
                    [[["default_code", "in", ["M8-BOLT-50", "ALU-BRKT-7"]]]],
                    {"fields": ["default_code"]},
                )
            }
            for _ in range(count):
                po = odoo.execute_kw(
                    "purchase.order",
                    "create",
                    [
                        {
                            "partner_id": 11,
                            "order_line": [
                                [0, 0, {"product_id": products["M8-BOLT-50"], "product_qty": 1000}],
                                [0, 0, {"product_id": products["ALU-BRKT-7"], "product_qty": 40}],
                            ],
                        }
                    ],
                )
                odoo.execute_kw("purchase.order", "button_confirm", [[po]])
            sim.control("set", latency_ms=latency_ms)
            slug = f"bench-asn-{int(time.time())}"
            tenant = make_tenant(sim, slug)
            from suppliers.models import CollaborationRules

            CollaborationRules.objects.update_or_create(tenant=tenant, defaults={"gs1_company_prefix": "0614141"})
            partner = Partner.objects.get(tenant=tenant, odoo_id=11)
            admin = member(tenant, Role.SUPPLIER_ADMIN, partner, user=_user())
            _, secret = token_create(actor=admin, name="bench", scopes=["po:read", "asn:write"], expires_in_days=1)
            from suppliers.models import PurchaseOrder

            orders = list(
                PurchaseOrder.objects.filter(
                    tenant=tenant,
                    partner=partner,
                    state="purchase",
                    receipt_status="pending",
                    lines__product__default_code="ALU-BRKT-7",
                )
                .distinct()
                .order_by("-odoo_id")[:count]
            )
            worker = Worker(concurrency=4, log=Path(tmp) / "worker.log").start()
            sent, events, api_ms = {}, {}, []
            try:
                with (
                    Gunicorn(workers=2) as server,
                    httpx.Client(
                        base_url=server.url, headers={"Authorization": f"Bearer {secret}"}, timeout=30
                    ) as client,
                ):
                    for n, po in enumerate(orders):
                        bolt = po.lines.get(product__default_code="M8-BOLT-50")
                        bracket = po.lines.get(product__default_code="ALU-BRKT-7")
                        body = {
                            "orders": [po.pk],
                            "ship_date": datetime.now(UTC).date().isoformat(),
                            "eta": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
                            "carrier": "DHL",
                            "tracking_number": f"JD{n:08d}",
                            "packages": [{"kind": "pallet"}, {"kind": "carton"}],
                            "lines": [
                                {
                                    "order_line": bolt.pk,
                                    "quantity": "1000",
                                    "items": [{"quantity": "1000", "package": "1"}],
                                },
                                {
                                    "order_line": bracket.pk,
                                    "quantity": "40",
                                    "items": [
                                        {"lot_name": f"LA-{n}", "quantity": "25", "package": "1"},
                                        {"lot_name": f"LB-{n}", "quantity": "15", "package": "2"},
                                    ],
                                },
                            ],
                        }
                        asn = client.post("/api/v1/asns/", json=body).json()
                        started = time.time()
                        response = client.post(
                            f"/api/v1/asns/{asn['id']}/submit/", headers={"Idempotency-Key": f"s{n}"}
                        )
                        api_ms.append((time.time() - started) * 1000)
                        assert response.status_code == 200, response.text
                        sent[asn["id"]] = started
                        time.sleep(0.2)
                    from suppliers.models import Asn

                    deadline = time.time() + 300
                    while time.time() < deadline:
                        rows = dict(Asn.objects.filter(pk__in=sent).values_list("pk", "outbox_event_id"))
                        events = dict(
                            OutboxEvent.objects.filter(pk__in=rows.values(), status="done").values_list(
                                "pk", "delivered_at"
                            )
                        )
                        if len(events) == len(sent):
                            break
                        time.sleep(0.5)
            finally:
                worker.stop()
            latencies = [(events[rows[a]].timestamp() - t) * 1000 for a, t in sent.items() if rows[a] in events]
            lots = odoo.execute_kw("stock.move.line", "search_count", [[["lot_name", "like", "LA-"]]])
        finally:
            sim.stop()
    return {
        "latency_ms": latency_ms,
        "asns": len(sent),
        "delivered": len(latencies),
        "submit_api_p50_ms": round(percentile(api_ms, 50), 1),
        "submit_api_p95_ms": round(percentile(api_ms, 95), 1),
        "submit_to_receipt_p50_ms": round(percentile(latencies, 50), 1),
        "submit_to_receipt_p95_ms": round(percentile(latencies, 95), 1),
        "lot_lines_in_odoo": lots,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Order desk benchmarks")
    parser.add_argument("--part", choices=["list", "asn", "all"], default="all")
    args = parser.parse_args()
    setup_django()
    if args.part in ("list", "all"):
        part_list()
    if args.part in ("asn", "all"):
        for latency in (0, 12):
            print(json.dumps(part_asn(latency)), flush=True)


if __name__ == "__main__":
    main()
