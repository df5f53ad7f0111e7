"""The inspector's pages on a big tenant (figures for closing notes; not part of the test suite).

50,000 inspections in PostgreSQL (database ``bench_quality`` on 127.0.0.1, created if missing;
loaded once, reused on the next run): 12,500 POs of 40 partners, one done receipt each with two
lot-tracked moves of two lots; most inspections signed, a few thousand waiting, some in progress,
without a plan, skipped or cancelled; one sampling each (a second for a third of them); 32 units x 4
characteristics of results for 5,000 signed ones, and one 100 % inspection of 1,250 units (5,000
results) whose grid is paged. Then, through Django's test client (the full middleware stack, one
request at a time): the inspector's list with and without a scan, and inspection pages, each
``--requests`` times: p50/p95/max in ms and the queries of one request (CaptureQueriesContext), for
an inspector who sees every partner and one scoped to three.

    .venv/bin/python bench/inspection_pages_bench.py [--requests 100] [--reseed]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_quality")
os.environ.setdefault("PORTAL_WEB_RATE", "1000000/min")  # the pages' throttle is a policy, not a capacity
sys.path.insert(0, str(Path(__file__).resolve().parent))
from sync_bench_common import percentile, setup_django

SLUG = "bench-quality"
INSPECTIONS, PARTNERS, PRODUCTS, MEASURED = 50_000, 40, 300, 5_000
UNITS, CHARACTERISTICS, BIG_SAMPLE = 32, 4, 1_250
# Status shares, per 1,000 inspections: most signed; a few thousand waiting at the dock.
STATUS_SHARES = [
    ("signed", 880),
    ("waiting", 70),
    ("in_progress", 6),
    ("no_plan", 10),
    ("discontinued", 4),
    ("skipped", 20),
    ("cancelled", 10),
]


def _tenant_objects(tenant):
    """Partners, lot-tracked products, and a plan version of four characteristics per product."""
    from portal.models import Partner
    from quality.models import Characteristic, DefectClass, InspectionPlan, InspectionPlanVersion
    from suppliers.models import Product

    partners = Partner.objects.bulk_create(
        [Partner(tenant=tenant, odoo_id=2000 + i, name=f"Supplier {i}") for i in range(PARTNERS)]
    )
    products = Product.objects.bulk_create(
        [
            Product(tenant=tenant, odoo_id=7000 + i, default_code=f"PART-{i:04d}", name=f"Part {i}", tracking="lot")
            for i in range(PRODUCTS)
        ]
    )
    plans = InspectionPlan.objects.bulk_create([InspectionPlan(tenant=tenant, product=p) for p in products])
    versions = InspectionPlanVersion.objects.bulk_create(
        [InspectionPlanVersion(tenant=tenant, plan=plan, number=1) for plan in plans]
    )
    kinds = [("measured", DefectClass.MAJOR), ("measured", DefectClass.MAJOR), ("measured", DefectClass.MINOR)]
    kinds.append(("visual", DefectClass.MINOR))
    Characteristic.objects.bulk_create(
        [
            Characteristic(
                tenant=tenant,
                version=v,
                position=j,
                kind=kind,
                name=f"Check {j}",
                defect_class=cls,
                nominal=Decimal("10") if kind == "measured" else None,
                lower_tolerance=Decimal("-0.1") if kind == "measured" else None,
                upper_tolerance=Decimal("0.2") if kind == "measured" else None,
                unit="mm" if kind == "measured" else "",
            )
            for v in versions
            for j, (kind, cls) in enumerate(kinds)
        ]
    )
    return partners, products, {v.plan.product_id: v for v in versions}


def _orders_and_receipts(tenant, partners, products, rng):
    """One confirmed PO per receipt, one done receipt with two moves of two lots each (4 lots)."""
    from suppliers.models import PurchaseOrder, Receipt, ReceiptMove

    now = datetime.now(UTC)
    count = INSPECTIONS // 4
    orders = PurchaseOrder.objects.bulk_create(
        [
            PurchaseOrder(
                tenant=tenant,
                partner=partners[i % PARTNERS],
                odoo_id=100_000 + i,
                name=f"PQ{i + 1:06d}",
                state="purchase",
                date_order=now - timedelta(days=400),
                date_planned=now - timedelta(days=rng.randint(0, 365)),
                amount_total=1000,
                currency_code="EUR",
                receipt_status="full",
            )
            for i in range(count)
        ],
        batch_size=5000,
    )
    receipts = Receipt.objects.bulk_create(
        [
            Receipt(tenant=tenant, partner_id=o.partner_id, order=o, odoo_id=200_000 + i, name=f"WH/IN/Q{i:06d}")
            for i, o in enumerate(orders)
        ],
        batch_size=5000,
    )
    moves = []
    for i, receipt in enumerate(receipts):
        for j in range(2):
            product = products[rng.randrange(PRODUCTS)]
            lots = [{"lot": f"L{i:06d}-{j}{k}", "quantity": 500.0} for k in range(2)]
            moves.append(
                ReceiptMove(
                    tenant=tenant,
                    receipt=receipt,
                    odoo_id=300_000 + 2 * i + j,
                    product=product,
                    quantity_expected=1000,
                    quantity_done=1000,
                    state="done",
                    lots=lots,
                )
            )
    Receipt.objects.filter(tenant=tenant).update(state="done", date_done=now)
    return ReceiptMove.objects.bulk_create(moves, batch_size=5000)


def _inspections(tenant, moves, versions, rng) -> list[int]:
    from quality.models import Inspection

    statuses = [status for status, share in STATUS_SHARES for _ in range(share)]
    rows = []
    for move in moves:
        for lot in move.lots:
            status = rng.choice(statuses)
            signed = status == "signed"
            rows.append(
                Inspection(
                    tenant=tenant,
                    partner_id=move.receipt.partner_id,
                    product_id=move.product_id,
                    receipt_id=move.receipt_id,
                    receipt_move=move,
                    lot_name=lot["lot"],
                    lot_size=Decimal(500),
                    plan_version=None if status == "no_plan" else versions[move.product_id],
                    severity="normal",
                    status=status,
                    verdict=("accept" if rng.random() < 0.95 else "reject") if signed else "",
                    signed_at=datetime.now(UTC) if signed else None,
                    signature_meaning="Inspected as recorded" if signed else "",
                )
            )
    made = Inspection.objects.bulk_create(rows, batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:  # created_at is auto_now_add: spread it over a year, as a dock's are
        cursor.execute(
            "UPDATE quality_inspection SET created_at = now() - (id %% 365) * interval '1 day' - (id %% 1440) "
            "* interval '1 minute' WHERE tenant_id = %s",
            [tenant.pk],
        )
    return [i.pk for i in made]


def _samplings_and_results(tenant, ids, rng) -> None:
    from quality.models import InspectionSampling

    rows = []
    for pk in ids:
        rows.append(
            InspectionSampling(
                tenant=tenant,
                inspection_id=pk,
                defect_class="major",
                mode="aql",
                level="II",
                aql=Decimal("1.0"),
                code_letter="H",
                sample_size=UNITS,
                accept=1,
                reject=2,
                source="ISO 2859-1 table II-A, H",
            )
        )
        if pk % 3 == 0:
            rows.append(
                InspectionSampling(
                    tenant=tenant,
                    inspection_id=pk,
                    defect_class="minor",
                    mode="aql",
                    level="II",
                    aql=Decimal("2.5"),
                    code_letter="H",
                    sample_size=UNITS,
                    accept=2,
                    reject=3,
                    source="table II-A",
                )
            )
    InspectionSampling.objects.bulk_create(rows, batch_size=10000)
    _results(tenant, rng)


def _results(tenant, rng) -> None:
    """32 units x 4 characteristics for 5,000 signed inspections; 1,250 units for the first (100 %)."""
    from quality.models import Characteristic, Inspection, InspectionResult, InspectionSampling

    signed = list(
        Inspection.objects.filter(tenant=tenant, status="signed").order_by("id").values_list("pk", "plan_version_id")
    )
    chars = {}
    for c in Characteristic.objects.filter(tenant=tenant).order_by("position"):
        chars.setdefault(c.version_id, []).append(c)
    measured = rng.sample(signed, MEASURED)
    big_pk = measured[0][0]
    InspectionSampling.objects.filter(inspection_id=big_pk).update(
        sample_size=BIG_SAMPLE, mode="hundred_percent", hundred_percent=True, accept=0, reject=1
    )
    batch = []
    for pk, version in measured:
        for unit in range(1, (BIG_SAMPLE if pk == big_pk else UNITS) + 1):
            for c in chars[version]:
                measured_value = c.kind == "measured"
                batch.append(
                    InspectionResult(
                        tenant=tenant,
                        inspection_id=pk,
                        unit=unit,
                        characteristic=c,
                        client_key=f"{unit}-{c.pk}",
                        value=Decimal("10.05") if measured_value else None,
                        passed=None if measured_value else True,
                    )
                )
        if len(batch) >= 20000:
            InspectionResult.objects.bulk_create(batch)
            batch = []
    InspectionResult.objects.bulk_create(batch)


def _dispositions(tenant) -> None:
    """The signed lots released (or returned, when rejected), as the quality engineers decided them;
    one in a hundred is still undecided (held), for the list's "to decide" section."""
    from quality.models import Disposition, Inspection

    rows = [
        Disposition(
            tenant=tenant,
            inspection_id=pk,
            kind="accept" if verdict == "accept" else "reject",
            released=500 if verdict == "accept" else 0,
            returned=0 if verdict == "accept" else 500,
            reason="" if verdict == "accept" else "Rejected at incoming inspection",
        )
        for pk, verdict in Inspection.objects.filter(tenant=tenant, status="signed").values_list("pk", "verdict")
        if pk % 100 != 1
    ]
    Disposition.objects.bulk_create(rows, batch_size=10000)
    # What the disposition service keeps: a lot decided whole is no longer undecided.
    Inspection.objects.filter(tenant=tenant, dispositions__isnull=False).update(undecided=False)
    Inspection.objects.filter(tenant=tenant, status="skipped").update(undecided=False)


def seed(reseed: bool = False):
    """The tenant with 50,000 inspections (kept between runs: loading takes a few minutes)."""
    from django.db import connection

    from portal.models import Tenant
    from quality.models import Inspection

    tenant, created = Tenant.objects.get_or_create(slug=SLUG, defaults={"name": "Bench Quality"})
    if not created and not reseed and Inspection.objects.filter(tenant=tenant).count() == INSPECTIONS:
        return tenant
    if not created:
        Tenant.objects.filter(pk=tenant.pk).update(slug=f"{SLUG}-old-{int(time.time())}")  # PROTECTed rows stay
        tenant = Tenant.objects.create(slug=SLUG, name="Bench Quality")
    rng = random.Random(12)
    started = time.perf_counter()
    partners, products, versions = _tenant_objects(tenant)
    moves = _orders_and_receipts(tenant, partners, products, rng)
    ids = _inspections(tenant, moves, versions, rng)
    _samplings_and_results(tenant, ids, rng)
    _dispositions(tenant)
    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would have them
        for table in ("quality_inspection", "quality_inspectionsampling", "quality_inspectionresult"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("VACUUM ANALYZE quality_disposition")
        cursor.execute("VACUUM ANALYZE suppliers_receipt")
        cursor.execute("VACUUM ANALYZE suppliers_purchaseorder")
    print(json.dumps({"seeded_inspections": len(ids), "seconds": round(time.perf_counter() - started)}), flush=True)
    return tenant


def people(tenant):
    """An inspector who sees every partner, and one scoped to three partners (made once)."""
    from portal.models import Membership, Partner, Role, User
    from portal.services.memberships import membership_scope_set
    from tests.factories import member

    found = {m.user.email: m for m in Membership.objects.filter(tenant=tenant).select_related("user")}
    emails = {key: f"{key}@{SLUG}.example.test" for key in ("inspector", "scoped", "admin")}
    if emails["scoped"] not in found:
        admin = member(tenant, Role.TENANT_ADMIN, user=User.objects.create(email=emails["admin"]))
        everyone = member(tenant, Role.INSPECTOR, user=User.objects.create(email=emails["inspector"]))
        scoped = member(tenant, Role.INSPECTOR, user=User.objects.create(email=emails["scoped"]))
        partners = Partner.objects.filter(tenant=tenant).order_by("odoo_id")[:3]
        membership_scope_set(actor=admin, membership=scoped, all_partners=False, partners=partners)
        return everyone, Membership.objects.get(pk=scoped.pk)
    return found[emails["inspector"]], found[emails["scoped"]]


def signers(tenant, user) -> None:
    """Who signed the signed inspections and decided their lots (one inspector; a no-op once set)."""
    from quality.models import Disposition, Inspection

    Inspection.objects.filter(tenant=tenant, status="signed", signed_by=None).update(signed_by=user)
    Disposition.objects.filter(tenant=tenant, decided_by=None).update(decided_by=user)


def cases(tenant, everyone, scoped) -> list[tuple[str, str, object]]:
    """(name, path, membership) of each measured request."""
    from django.db.models import Count

    from quality.models import Inspection

    mine = Inspection.objects.filter(tenant=tenant, partner__odoo_id=2000)
    signed = mine.filter(status="signed").annotate(k=Count("results")).filter(k=UNITS * 4).order_by("id").first()
    big = Inspection.objects.filter(tenant=tenant, samplings__sample_size=BIG_SAMPLE).distinct().get()
    waiting = mine.filter(status="waiting").order_by("id").first()
    lot = mine.filter(status="waiting").order_by("-id").first()
    base = f"/t/{SLUG}/inspections/"
    return [
        ("list, all partners", base, everyone),
        ("list, scoped to 3 partners", base, scoped),
        ("scan a lot (one found: redirect)", f"{base}?scan={lot.lot_name}", everyone),
        ("scan a PO (4 lots listed)", f"{base}?scan={lot.receipt.order.name}", everyone),
        ("scan a receipt (4 lots listed)", f"{base}?scan={lot.receipt.name}", everyone),
        ("scan, nothing found", f"{base}?scan=NO-SUCH-LOT", everyone),
        ("scan a lot, scoped", f"{base}?scan={lot.lot_name}", scoped),
        ("inspection waiting (n=32, no results)", f"{base}{waiting.pk}/", everyone),
        ("inspection signed (32 x 4 results, released)", f"{base}{signed.pk}/", everyone),
        ("inspection signed, scoped", f"{base}{signed.pk}/", scoped),
        ("100 % sample of 1,250, first page", f"{base}{big.pk}/", everyone),
        ("100 % sample of 1,250, units 601-650", f"{base}{big.pk}/?units=601-650", everyone),
        ("100 % sample of 1,250, last page", f"{base}{big.pk}/?units=1201-1250", everyone),
    ]


def measure(name: str, path: str, membership, requests: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(membership.user)
    client.get(path)  # warm caches (sessions, templates) as a running server has them
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code in (200, 302), (path, response.status_code)
    # Read now: each request's start clears the connection's query log (django.db.reset_queries).
    queries = list(captured.captured_queries)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    slowest = max(queries, key=lambda q: float(q["time"]))
    return {
        "case": name,
        "status": response.status_code,
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "max_ms": round(max(times), 1),
        "queries": len(queries),
        "slowest_query_ms": round(float(slowest["time"]) * 1000, 1),
        "slowest_query": slowest["sql"][:160],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="The inspector's pages on 50,000 inspections")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--reseed", action="store_true", help="load the data again")
    args = parser.parse_args()
    setup_django()
    tenant = seed(args.reseed)
    everyone, scoped = people(tenant)
    signers(tenant, everyone.user)
    for name, path, membership in cases(tenant, everyone, scoped):
        print(json.dumps(measure(name, path, membership, args.requests)), flush=True)


if __name__ == "__main__":
    main()
