"""The scorecards' batch run on a big tenant (figures for closing notes; not part of the test suite).

PostgreSQL database ``bench_scorecards`` on 127.0.0.1 (created if missing; ``DATABASE_URL`` overrides), one
tenant per size, loaded once with COPY and reused: ``--partners`` partners (500) with ``--lines`` PO lines
(1,000,000) over ``--months`` months (24): POs of five lines, each PO acknowledged (one line in five with a
later promised date), received on one done receipt, every tenth PO's first line split with a backorder
receipt; inspections of one receipt move in five (200,000), 2.5 % of them rejected with an NCR (5,000).
Receipts are late, early or short in proportions that differ per partner, so scores spread.

Then, each in a fresh process (so the peak RSS, ``VmHWM``, is the run's, not the loader's): the full
``scorecards_compute`` from no stored period (wall time without tracemalloc, the peak RSS and its growth over
the process's baseline after Django setup, what it wrote; ``--tracemalloc`` adds an untimed traced run),
one day's changes (``--day-moves`` receipt moves of today, ``--day-inspections``, ``--day-ncrs``), and the
incremental run after them. A table at the end.

    .venv/bin/python bench/scorecard_bench.py [--partners 500] [--months 24] [--lines 1000000] [--reseed]
    .venv/bin/python bench/scorecard_bench.py --partners 50 --lines 100000     # a few minutes in all
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_scorecards")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from sync_bench_common import setup_django

LINES_PER_PO = 5
CHUNK = 5_000  # POs per COPY round (25,000 lines): the loader's memory stays small
PRODUCTS = 2_000
ODOO_BASE = 1_000_000  # Odoo ids of the bench's rows start above it; each table its own range


def _slug(args) -> str:
    return f"bench-sc-{args.partners}-{args.months}-{args.lines}"


# --- loading with COPY ---------------------------------------------------------------------------------


class Copier:
    """COPY rows of one model: every concrete column, the ones a row leaves out at the field's default
    (``auto_now``/``auto_now_add`` at ``now``). Rows are dicts by attname; ids are given, so the loader can
    point foreign keys at rows it has not written yet; sequences are moved past them at the end."""

    def __init__(self, model, now: datetime) -> None:
        from django.db import models

        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.GeneratedField)]
        self.defaults = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            elif not f.primary_key:
                self.defaults[f.attname] = f.get_default()
        self.json = {f.attname for f in self.fields if isinstance(f, models.JSONField)}

    def next_id(self) -> int:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.model._meta.db_table}")  # noqa: S608 - a model's table
            return cursor.fetchone()[0] + 1

    def write(self, rows) -> int:
        from django.db import connection

        names = [f.attname for f in self.fields]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        table = self.model._meta.db_table
        count = 0
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([self._value(name, row) for name in names])
                    count += 1
            # After ids given by hand, the sequence must not hand them out again.
            top = f"SELECT COALESCE(MAX(id), 1) FROM {table}"  # noqa: S608 - a model's table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), ({top}))")
        return count

    def _value(self, name: str, row: dict):
        value = row[name] if name in row else self.defaults.get(name)
        if name in self.json and value is not None:
            return json.dumps(value)
        return value


def _month_starts(months: int, now: datetime) -> list[datetime]:
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    out = [first]
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
        out.append(first)
    return out[::-1]


def _done_at(month: datetime, now: datetime, rng: random.Random) -> datetime:
    """A moment in the month, before now."""
    end = min((month + timedelta(days=32)).replace(day=1), now - timedelta(hours=1))
    span = max(int((end - month).total_seconds()), 3600)
    return month + timedelta(seconds=rng.randrange(span))


def _basics(tenant, args):
    """Partners, products and a user (bulk_create: a few thousand rows)."""
    from portal.models import Partner, User
    from suppliers.models import Product

    partners = Partner.objects.bulk_create(
        [Partner(tenant=tenant, odoo_id=ODOO_BASE + i, name=f"Supplier {i:04d}") for i in range(args.partners)]
    )
    products = Product.objects.bulk_create(
        [
            Product(tenant=tenant, odoo_id=ODOO_BASE + i, default_code=f"PART-{i:05d}", name=f"Part {i}")
            for i in range(PRODUCTS)
        ],
        batch_size=2000,
    )
    user, _ = User.objects.get_or_create(email=f"supplier@{tenant.slug}.example.test")
    return [p.pk for p in partners], [p.pk for p in products], user.pk


def _profile(partner_index: int) -> tuple[float, float, float]:
    """(late share, short share, reject share) of a partner: most are good, some are not."""
    band = partner_index % 10
    return (0.03 + 0.04 * band, 0.01 + 0.01 * band, 0.01 + 0.005 * band)


def load(tenant, args, *, now: datetime, day_only: bool = False) -> dict:
    """The tenant's POs, lines, acknowledgements, receipts, moves, inspections and NCRs, into COPY in chunks
    of ``CHUNK`` POs (one transaction; the foreign keys are checked at commit). ``day_only``: the day's
    changes (``--day-moves`` moves, ``--day-inspections``, ``--day-ncrs``), done today."""
    from django.db import transaction

    from portal.models import Partner, User
    from suppliers.models import Product

    partners = list(Partner.objects.filter(tenant=tenant).order_by("odoo_id").values_list("pk", flat=True))
    products = list(Product.objects.filter(tenant=tenant).values_list("pk", flat=True))
    user = User.objects.get(email=f"supplier@{tenant.slug}.example.test").pk
    copiers = {m: Copier(m, now) for m in _models()}
    state = {"ids": {m: c.next_id() for m, c in copiers.items()}, "moves": 0, "ncrs": 0}
    rng = random.Random(int(now.timestamp()) if day_only else 7)
    if day_only:
        orders = args.day_moves // LINES_PER_PO
        state.update(inspect_every=max(1, args.day_moves // max(args.day_inspections, 1)), ncr_share=1.0)
        state["ncrs_wanted"] = args.day_ncrs
        months = [now.replace(hour=0, minute=0, second=0, microsecond=0)]
    else:
        orders = args.lines // LINES_PER_PO
        # About 8 % of the inspected lots are rejected (the profiles' mean): an NCR for a share of them.
        state.update(inspect_every=5, ncrs_wanted=args.lines // 200)
        state["ncr_share"] = min(1.0, state["ncrs_wanted"] / max(1.0, args.lines / 5 * 0.08))
        months = _month_starts(args.months, now)
    plan = _plan(orders, partners, products, months, now, rng, day_only=day_only)
    counts = {m.__name__: 0 for m in copiers}
    started = time.perf_counter()
    with transaction.atomic():
        for first in range(0, len(plan), CHUNK):
            rows = _rows(tenant.pk, plan[first : first + CHUNK], state, user, now, rng)
            for model, items in rows.items():
                counts[model.__name__] += copiers[model].write(items)
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def _models() -> tuple:
    from quality.models import Inspection, Ncr, NcrLot
    from suppliers.models import (
        Acknowledgement,
        AcknowledgementLine,
        PurchaseOrder,
        PurchaseOrderLine,
        Receipt,
        ReceiptMove,
    )

    return (
        PurchaseOrder,
        PurchaseOrderLine,
        Acknowledgement,
        AcknowledgementLine,
        Receipt,
        ReceiptMove,
        Inspection,
        Ncr,
        NcrLot,
    )


def _plan(orders, partners, products, months, now, rng, *, day_only):
    """Per PO: (partner index, partner id, done at, its five products)."""
    plan = []
    for i in range(orders):
        index = i % len(partners)
        month = months[(i * len(months)) // orders]
        done = now - timedelta(minutes=rng.randrange(1, 600)) if day_only else _done_at(month, now, rng)
        plan.append((index, partners[index], done, [rng.choice(products) for _ in range(LINES_PER_PO)]))
    return plan


def _rows(tenant_id, plan, state, user, now, rng) -> dict:
    """Every table's rows for a chunk of the plan; ``state`` carries the next ids and counters over chunks."""
    PurchaseOrder, _lines, Acknowledgement, _ack_lines, Receipt, *_rest = _models()
    out = {m: [] for m in _models()}
    n = state["ids"]
    for po_index, (pindex, partner, done, items) in enumerate(plan):
        late, short, reject = _profile(pindex)
        po_id, ack_id, receipt_id = n[PurchaseOrder], n[Acknowledgement], n[Receipt]
        n[PurchaseOrder] += 1
        n[Acknowledgement] += 1
        n[Receipt] += 1
        approved = done - timedelta(days=20)
        is_late = rng.random() < late
        promised = done - timedelta(days=rng.randint(3, 9)) if is_late else done + timedelta(days=rng.randint(0, 2))
        out[PurchaseOrder].append(
            {
                "id": po_id, "tenant_id": tenant_id, "partner_id": partner, "odoo_id": ODOO_BASE + po_id,
                "name": f"PB{po_id:07d}", "state": "purchase", "date_order": approved, "date_approve": approved,
                "date_planned": promised, "amount_total": Decimal(500), "currency_code": "EUR",
                "receipt_status": "full", "ack_status": "accepted", "action_rank": 3,
            }
        )  # fmt: skip
        ack_hours = rng.choice((2, 5, 20, 30, 60, 100)) if pindex % 3 == 0 else rng.choice((2, 5, 20))
        out[Acknowledgement].append(
            {
                "id": ack_id, "tenant_id": tenant_id, "order_id": po_id, "version": 1, "status": "accepted",
                "created_by_id": user, "created_at": approved + timedelta(hours=ack_hours),
            }
        )  # fmt: skip
        out[Receipt].append(
            {
                "id": receipt_id, "tenant_id": tenant_id, "partner_id": partner, "order_id": po_id,
                "odoo_id": ODOO_BASE + receipt_id, "name": f"WH/IN/B{receipt_id:07d}", "state": "done",
                "scheduled_date": promised, "date_done": done,
            }
        )  # fmt: skip
        po = {
            "tenant_id": tenant_id, "po_id": po_id, "ack_id": ack_id, "receipt_id": receipt_id, "partner": partner,
            "promised": promised, "done": done, "backorder": po_index % 10 == 0, "short": short, "reject": reject,
        }  # fmt: skip
        for k, product in enumerate(items):
            _line(out, state, po, k, product, now, rng)
    _ncrs(out, state, tenant_id, now, rng)
    return out


def _line(out, state, po: dict, k: int, product: int, now: datetime, rng) -> None:
    """One PO line: its acknowledgement line (the first of five), its moves (a backorder on every tenth
    PO's first line) and the inspections of one move in ``inspect_every``."""
    (_po, PurchaseOrderLine, _ack, AcknowledgementLine, Receipt, ReceiptMove, *_rest) = _models()
    n = state["ids"]
    tenant_id, po_id, ack_id, receipt_id = po["tenant_id"], po["po_id"], po["ack_id"], po["receipt_id"]
    partner, promised, done = po["partner"], po["promised"], po["done"]
    line_id = n[PurchaseOrderLine]
    n[PurchaseOrderLine] += 1
    ordered = Decimal(rng.choice((100, 250, 500, 1000)))
    received = (ordered * Decimal("0.9")).quantize(Decimal(1)) if rng.random() < po["short"] else ordered
    requested = promised - timedelta(days=3) if k == 0 else promised
    out[PurchaseOrderLine].append(
        {
            "id": line_id, "tenant_id": tenant_id, "order_id": po_id, "odoo_id": ODOO_BASE + line_id,
            "sequence": k, "product_id": product, "description": f"Part line {k}", "quantity": ordered,
            "uom_name": "Units", "price_unit": Decimal("1.5"), "date_planned": requested,
            "qty_received": received,
        }
    )  # fmt: skip
    if k == 0:  # one line in five promised later than asked
        out[AcknowledgementLine].append(
            {
                "id": n[AcknowledgementLine], "tenant_id": tenant_id, "acknowledgement_id": ack_id,
                "order_line_id": line_id, "line_odoo_id": ODOO_BASE + line_id, "description": "Part",
                "decision": "change", "requested_qty": ordered, "requested_date": requested.date(),
                "promised_qty": ordered, "promised_date": promised.date(), "within_tolerance": True,
            }
        )  # fmt: skip
        n[AcknowledgementLine] += 1
    parts = [(receipt_id, received)]
    if k == 0 and po["backorder"]:  # a backorder: 60 % now, the rest four days later
        first = (received * Decimal("0.6")).quantize(Decimal(1))
        back_id = n[Receipt]
        n[Receipt] += 1
        back_done = min(done + timedelta(days=4), now - timedelta(minutes=5))
        out[Receipt].append(
            {
                "id": back_id, "tenant_id": tenant_id, "partner_id": partner, "order_id": po_id,
                "odoo_id": ODOO_BASE + back_id, "name": f"WH/IN/B{back_id:07d}", "state": "done",
                "scheduled_date": promised, "date_done": back_done,
                "backorder_of_odoo_id": ODOO_BASE + receipt_id,
            }
        )  # fmt: skip
        parts = [(receipt_id, first), (back_id, received - first)]
    for rid, quantity in parts:
        move_id = n[ReceiptMove]
        n[ReceiptMove] += 1
        lot = f"L{move_id:08d}"
        out[ReceiptMove].append(
            {
                "id": move_id, "tenant_id": tenant_id, "receipt_id": rid, "odoo_id": ODOO_BASE + move_id,
                "product_id": product, "order_line_id": line_id, "quantity_expected": quantity,
                "quantity_done": quantity, "state": "done", "lots": [{"lot": lot, "quantity": float(quantity)}],
            }
        )  # fmt: skip
        if state["moves"] % state["inspect_every"] == 0:
            _inspection(out, n, tenant_id, partner, product, rid, move_id, lot, quantity, done, rng, po["reject"])
        state["moves"] += 1


def _inspection(out, n, tenant_id, partner, product, receipt_id, move_id, lot, quantity, done, rng, reject) -> None:
    from quality.models import Inspection

    rejected = rng.random() < reject * 2.5
    out[Inspection].append(
        {
            "id": n[Inspection], "tenant_id": tenant_id, "partner_id": partner, "product_id": product,
            "receipt_id": receipt_id, "receipt_move_id": move_id, "lot_name": lot, "lot_size": quantity,
            "sequence": 1, "severity": "normal", "status": "signed", "created_at": done,
            "verdict": "reject" if rejected else "accept", "signed_at": done + timedelta(minutes=30),
            "signature_meaning": "Inspected as recorded", "revision": 1, "undecided": False,
        }
    )  # fmt: skip
    n[Inspection] += 1


def _ncrs(out, state, tenant_id, now: datetime, rng) -> None:
    """NCRs of a share of the chunk's rejected inspections (spread over the months), one lot each, until
    ``ncrs_wanted``."""
    from quality.models import Inspection, Ncr, NcrLot

    n = state["ids"]
    for ins in out[Inspection]:
        if ins["verdict"] != "reject" or state["ncrs"] >= state["ncrs_wanted"] or rng.random() > state["ncr_share"]:
            continue
        state["ncrs"] += 1
        ncr_id = n[Ncr]
        n[Ncr] += 1
        affected = (ins["lot_size"] * Decimal("0.05")).quantize(Decimal(1))
        out[Ncr].append(
            {
                "id": ncr_id, "tenant_id": tenant_id, "number": f"NCR-B{ncr_id:07d}", "status": "closed",
                "source": "inspection", "partner_id": ins["partner_id"], "product_id": ins["product_id"],
                "inspection_id": ins["id"], "receipt_id": ins["receipt_id"], "title": "Rejected at inspection",
                "severity": ("minor", "major", "critical")[ncr_id % 3], "unit_price": Decimal("1.5"),
                "currency_code": "EUR", "handling_charge": Decimal(50), "created_at": ins["signed_at"],
                "updated_at": now,
            }
        )  # fmt: skip
        out[NcrLot].append(
            {
                "id": n[NcrLot], "tenant_id": tenant_id, "ncr_id": ncr_id, "inspection_id": ins["id"],
                "lot_name": ins["lot_name"], "affected": affected, "suspect": Decimal(0),
            }
        )  # fmt: skip
        n[NcrLot] += 1


def _analyze() -> None:
    """Fresh statistics, as autovacuum would have them after a load."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- measuring -----------------------------------------------------------------------------------------


def _status_kib(name: str) -> int:
    """A ``/proc/self/status`` memory line (``VmRSS``, ``VmHWM``) in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise LookupError(name)


def measure(slug: str, label: str, *, traced: bool = False) -> dict:
    """One ``scorecards_compute`` of the tenant, in this (fresh) process. Timed runs have no tracemalloc
    (it slows Python several times): wall time, the process's peak RSS (``VmHWM``) and its growth over the
    RSS after Django setup. ``ru_maxrss`` is not used: Linux carries it across ``execve``, so a child
    reports its parent's (the loader's) peak. ``traced``: an untimed run under tracemalloc for its peak."""
    import tracemalloc

    from django.db import connection

    from portal.models import Tenant
    from quality.scorecards.engine import scorecards_compute

    tenant = Tenant.objects.get(slug=slug)
    baseline = _status_kib("VmRSS")
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    queries = []  # a count, not the statements: keeping the SQL of 24 upserts would weigh in the peak

    def counted(execute, sql, params, many, context):
        queries.append(None)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        summary = scorecards_compute(tenant=tenant)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else None
    tracemalloc.stop()
    maxrss = _status_kib("VmHWM")
    return {
        "run": label,
        "seconds": "untimed" if traced else round(seconds, 2),
        "peak_rss_mb": round(maxrss / 1024, 1),
        "rss_growth_mb": round((maxrss - baseline) / 1024, 1),
        "tracemalloc_peak_mb": "-" if peak is None else round(peak / 2**20, 1),
        "queries": len(queries),
        **{k: getattr(summary, k) for k in ("periods_written", "periods_unchanged", "periods_deleted")},
        **{k: getattr(summary, k) for k in ("partners_scored", "standing_changes")},
    }


def _child(slug: str, label: str, *, traced: bool = False) -> dict:
    """``measure`` in a new interpreter (its peak RSS is the run's alone)."""
    done = subprocess.run(
        [sys.executable, __file__, "--measure", slug, "--label", label, *(["--traced"] if traced else [])],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _reset_scores(tenant) -> None:
    from quality.models import PartnerScore, ScorecardPeriod, StandingChange

    for model in (StandingChange, PartnerScore, ScorecardPeriod):
        model.objects.filter(tenant=tenant).delete()


def prepare(args):
    """The tenant of this size, loaded (once; ``--reseed`` drops it first)."""
    from django.db import connection

    from portal.models import Tenant
    from suppliers.models import ReceiptMove

    slug = _slug(args)
    tenant = Tenant.objects.filter(slug=slug).first()
    loaded = tenant is not None and ReceiptMove.objects.filter(tenant=tenant).exists()
    if tenant is not None and (args.reseed or not loaded):  # a load that stopped halfway starts again
        with connection.cursor() as cursor:  # cascades through every tenant-owned table
            cursor.execute("TRUNCATE portal_tenant CASCADE")
        tenant = None
    if tenant is not None:
        return tenant, None
    tenant = Tenant.objects.create(name=slug, slug=slug)
    _basics(tenant, args)
    counts = load(tenant, args, now=datetime.now(UTC))
    _analyze()
    return tenant, counts


def main() -> None:
    parser = argparse.ArgumentParser(description="scorecards_compute on a big tenant (PostgreSQL)")
    parser.add_argument("--partners", type=int, default=500)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--lines", type=int, default=1_000_000, help="PO lines (receipt moves: about 2 %% more)")
    parser.add_argument("--day-moves", type=int, default=2_000)
    parser.add_argument("--day-inspections", type=int, default=400)
    parser.add_argument("--day-ncrs", type=int, default=10)
    parser.add_argument("--reseed", action="store_true", help="drop the bench tenants and load again")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--label", default="", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--tracemalloc", action="store_true", help="add an untimed full run under tracemalloc, for its peak"
    )
    args = parser.parse_args()
    setup_django()
    if args.measure:
        print(json.dumps(measure(args.measure, args.label, traced=args.traced)), flush=True)
        return
    _main(args)


def _main(args) -> None:
    from quality.models import Inspection, Ncr
    from suppliers.models import ReceiptMove

    tenant, counts = prepare(args)
    print(f"tenant {tenant.slug}: " + ("loaded " + json.dumps(counts) if counts else "reused"), flush=True)
    sizes = {
        "receipt moves": ReceiptMove.objects.filter(tenant=tenant).count(),
        "inspections": Inspection.objects.filter(tenant=tenant).count(),
        "NCRs": Ncr.objects.filter(tenant=tenant).count(),
    }
    print(json.dumps(sizes), flush=True)
    _reset_scores(tenant)
    results = [_child(tenant.slug, "full run (no stored periods)")]
    results.append(_child(tenant.slug, "again, nothing changed"))
    day = load(tenant, args, now=datetime.now(UTC), day_only=True)
    print("day's changes: " + json.dumps(day), flush=True)
    results.append(_child(tenant.slug, "after one day's changes"))
    if args.tracemalloc:  # apart, so that no timed run pays for it
        _reset_scores(tenant)
        results.append(_child(tenant.slug, "full run under tracemalloc", traced=True))
    _table(results)


def _table(results: list[dict]) -> None:
    columns = [
        ("run", 30), ("seconds", 8), ("peak_rss_mb", 10), ("rss_growth_mb", 10), ("tracemalloc_peak_mb", 10),
        ("queries", 8),
        ("periods_written", 8), ("periods_unchanged", 9), ("periods_deleted", 8), ("partners_scored", 8),
        ("standing_changes", 8),
    ]  # fmt: skip
    heads = ["run", "s", "peak RSS MB", "growth MB", "tracemalloc MB", "queries"]
    heads += ["written", "unchanged", "deleted", "scored", "changes"]
    print(" | ".join(h.ljust(w) for h, (_k, w) in zip(heads, columns, strict=True)))
    print("-+-".join("-" * w for _k, w in columns))
    for row in results:
        print(" | ".join(str(row[k]).ljust(w) for k, w in columns), flush=True)


if __name__ == "__main__":
    main()
