"""The quality engineer's NCR and SCAR pages, and the supplier's "Corrective actions", on a big tenant
(figures for closing notes; not part of the test suite).

On top of the inspection bench's tenant (``inspection_pages_bench.seed``: 50,000 inspections of 40 partners in
PostgreSQL ``bench_quality``), once: 5,000 NCRs of rejected lots (one lot each, a quarter with a disposition
awaiting a material review, a third closed) and 1,000 SCARs from them with their eight steps (D1-D3 answered,
some overdue). Then, through Django's test client, one request at a time: p50/p95/max in ms and the queries of
one request, for an engineer who sees every partner and a supplier user of one partner.

    .venv/bin/python bench/ncr_scar_pages_bench.py [--requests 100] [--reseed]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inspection_pages_bench import SLUG, measure, seed
from sync_bench_common import setup_django

NCRS, SCARS = 5_000, 1_000


def _ncrs(tenant, engineer) -> None:
    from quality.models import Inspection, Ncr, NcrDisposition, NcrLot

    rejected = list(Inspection.objects.filter(tenant=tenant, verdict="reject").order_by("id")[:NCRS])
    statuses = ["open", "contained", "closed"]
    ncrs = Ncr.objects.bulk_create(
        [
            Ncr(
                tenant=tenant,
                number=f"NCR-{i + 1:05d}",
                status=statuses[i % 3],
                source="inspection",
                partner_id=ins.partner_id,
                product_id=ins.product_id,
                inspection=ins,
                receipt_id=ins.receipt_id,
                title=f"Lot {ins.lot_name} rejected at incoming inspection",
                description="- Check 0 (major): 2 of 32 units defective",
                unit_price=Decimal("2.50"),
                currency_code="EUR",
            )
            for i, ins in enumerate(rejected)
        ],
        batch_size=2000,
    )
    lots = NcrLot.objects.bulk_create(
        [
            NcrLot(tenant=tenant, ncr=n, inspection=n.inspection, lot_name=n.inspection.lot_name, affected=500)
            for n in ncrs
        ],
        batch_size=2000,
    )
    NcrDisposition.objects.bulk_create(
        [
            NcrDisposition(
                tenant=tenant,
                ncr=lot.ncr,
                lot=lot,
                kind="return",
                quantity=500,
                status="awaiting_approval",
                value=1250,
                proposed_by=engineer.user,
            )
            for lot in lots[::4]
        ],
        batch_size=2000,
    )


def _scars(tenant, engineer) -> None:
    from django.utils import timezone

    from quality.models import STEP_CODES, Ncr, Scar, ScarAnswer, ScarStep

    today = timezone.localdate()
    ncrs = list(Ncr.objects.filter(tenant=tenant).order_by("id")[:SCARS])
    scars = Scar.objects.bulk_create(
        [
            Scar(
                tenant=tenant,
                number=f"SCAR-{i + 1:05d}",
                partner_id=n.partner_id,
                product_id=n.product_id,
                title=n.title,
            )
            for i, n in enumerate(ncrs)
        ],
        batch_size=1000,
    )
    Scar.ncrs.through.objects.bulk_create([Scar.ncrs.through(scar=s, ncr=n) for s, n in zip(scars, ncrs, strict=True)])
    steps = ScarStep.objects.bulk_create(
        [
            ScarStep(
                tenant=tenant,
                scar=scar,
                code=code,
                due_date=today + timedelta(days=(k * 5) - (i % 20)),
                status="answered" if k < 3 else "open",
            )
            for i, scar in enumerate(scars)
            for k, code in enumerate(STEP_CODES)
        ],
        batch_size=4000,
    )
    ScarAnswer.objects.bulk_create(
        [
            ScarAnswer(tenant=tenant, step=step, version=1, content={"what": "x"}, author=engineer.user)
            for step in steps
            if step.status == "answered"
        ],
        batch_size=4000,
    )


def _analyze() -> None:
    """Fresh statistics, as autovacuum would have them after a load (stale ones make nested loops of counts)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("ncr", "ncrlot", "ncrdisposition", "scar", "scar_ncrs", "scarstep", "scaranswer"):
            cursor.execute(f"VACUUM ANALYZE quality_{table}")


def people(tenant):
    """A quality engineer of every partner and a supplier user of the first partner (made once)."""
    from portal.models import Membership, Partner, Role, User
    from tests.factories import member

    emails = {key: f"{key}@{SLUG}.example.test" for key in ("engineer", "supplier")}
    found = {m.user.email: m for m in Membership.objects.filter(tenant=tenant, user__email__in=emails.values())}
    if emails["engineer"] not in found:
        member(tenant, Role.QUALITY_ENGINEER, user=User.objects.create(email=emails["engineer"]))
        partner = Partner.objects.filter(tenant=tenant).order_by("odoo_id").first()
        member(tenant, Role.SUPPLIER_USER, partner, user=User.objects.create(email=emails["supplier"]))
        found = {m.user.email: m for m in Membership.objects.filter(tenant=tenant, user__email__in=emails.values())}
    return found[emails["engineer"]], found[emails["supplier"]]


def cases(tenant, engineer, supplier) -> list[tuple[str, str, object]]:
    from quality.models import Ncr, Scar

    ncr = Ncr.objects.filter(tenant=tenant, dispositions__status="awaiting_approval").order_by("id").first()
    scar = Scar.objects.filter(tenant=tenant, partner=supplier.partner).order_by("id").first()
    base = f"/t/{SLUG}"
    return [
        ("NCR list (5,000), what needs action first", f"{base}/ncrs/", engineer),
        ("NCR list, search a lot", f"{base}/ncrs/?q={ncr.inspection.lot_name}", engineer),
        ("NCR page, a disposition awaiting review", f"{base}/ncrs/{ncr.pk}/", engineer),
        ("SCAR list (1,000)", f"{base}/scars/", engineer),
        ("SCAR page", f"{base}/scars/{scar.pk}/", engineer),
        ("SCAR step page (D2 answered)", f"{base}/scars/{scar.pk}/steps/D2/", engineer),
        ("supplier: Corrective actions", f"{base}/corrective-actions/", supplier),
        ("supplier: SCAR page", f"{base}/corrective-actions/{scar.pk}/", supplier),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="NCR and SCAR pages on 5,000 NCRs and 1,000 SCARs")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--reseed", action="store_true", help="load the data again")
    args = parser.parse_args()
    setup_django()
    from quality.models import Ncr

    tenant = seed(args.reseed)
    engineer, supplier = people(tenant)
    if not Ncr.objects.filter(tenant=tenant).exists():
        _ncrs(tenant, engineer)
        _scars(tenant, engineer)
        _analyze()
    for name, path, membership in cases(tenant, engineer, supplier):
        print(json.dumps(measure(name, path, membership, args.requests)), flush=True)


if __name__ == "__main__":
    main()
