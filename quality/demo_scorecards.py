"""Scorecards in the demo tenant: a year of deliveries and inspections, so the ranking and the charts have
something to show at the first start, and Nordic Fasteners slips into a warning standing.

The simulated Odoo's demo data holds a handful of open POs and one receipt; a scorecard needs a year. The
history here is written in the portal only, as rows Odoo would have given it (done POs, their
acknowledgements, done receipts and moves) and the quality records the portal owns (signed inspections, two
closed NCRs). Its Odoo ids start at ``HISTORY_ODOO_ID``, far above the simulator's, so pulls never meet them
(a pull only touches the records Odoo answers, and reconcilers only the records of events); its names say
"history" (POs ``HNF-2506-1``, receipts ``WH/IN/H…``, NCRs ``NCR-H0001``), so the walk-through's live
``NCR-00001`` keeps its number.

Nordic Fasteners is good for nine months, then late, short and rejected in the last three (the tenant's
standing window): its score lands in a warning standing. The demo tenant pushes purchase warnings, so the
engine's ``scorecard.standing_changed`` event sets the warning on res.partner 11 in the simulated Odoo
once the worker delivers it. Precision Castings stays on time and accepted.

Run by ``integrations.tasks.demo_scorecards_task`` (queued by ``manage.py seed_demo --check-odoo``) once the
tenant's first pull brought the products the history needs; not as a demo step, because the walk-through's
tests run the demo steps and count its NCRs and inspections.
Idempotent: a tenant holding the history is left as it is (the engine still runs).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from integrations.demo_warehouse import demo_contact_rights_grant
from portal.dates import tenant_zone
from portal.demo import DEMO_PARTNERS
from portal.models import Membership, Partner, Tenant
from quality.models import DefectClass, DefectCode, Disposition, Inspection, Ncr, NcrLot
from quality.models.scorecards import ScorecardRules
from quality.scorecards.months import add_months, current_month
from quality.services.recording import signature_meaning
from suppliers.models import (
    Acknowledgement,
    AcknowledgementLine,
    AckStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptMove,
)

log = logging.getLogger(__name__)

# Far above the simulator's ids (tens at demo size, a few thousand with --scale), so no pull meets them.
HISTORY_ODOO_ID = 880_000
HISTORY_MONTHS = 12
CURRENCY = "EUR"

# Per partner key: its products (default code, price, lot-tracked) and, per month from the oldest, what
# happened to each of its PO lines: "ok" on time and complete, "late" 6 days late, "split" 70 % on time
# and the backorder 9 days late, "short" 88 % delivered on time, "slow" acknowledged after 4 days;
# "reject" marks the line's lot rejected at inspection (an NCR follows). Nordic turns bad in the last three.
NORDIC_GOOD = ("ok", "ok", "ok", "ok+slow")
NORDIC_BAD = (
    ("late", "split+reject", "ok+slow", "short"),
    ("late+slow", "ok", "late+reject", "ok"),
    ("late", "ok+slow", "short", "split"),
)
PROFILES = {
    "nordic": {
        "products": (("M8-BOLT-50", "0.18", False), ("ALU-BRKT-7", "4.20", True), ("M8-NUT", "0.05", False)),
        "months": (
            *[NORDIC_GOOD] * 4,
            ("ok", "late", "ok", "ok"),
            *[NORDIC_GOOD] * 4,
            *NORDIC_BAD,
        ),
    },
    "precision": {
        "products": (("CAST-HSG-200", "38.00", True), ("CAST-CVR-201", "54.50", False), ("SER-100", "129.00", False)),
        "months": tuple(("ok", "ok", "late" if i % 4 == 2 else "ok", "ok") for i in range(HISTORY_MONTHS)),
    },
}
QUANTITIES = (1000, 400, 2500, 600)


@dataclass
class _Ids:
    """The run's time, the next history Odoo id and the NCR counter (one run writes every partner's rows)."""

    now: dt.datetime
    next_id: int = HISTORY_ODOO_ID
    ncrs: int = 0

    def take(self) -> int:
        self.next_id += 1
        return self.next_id


def demo_scorecards_seed(*, tenant: Tenant, now: dt.datetime | None = None) -> bool | None:
    """Write the demo's year of history once, turn on the tenant's purchase-warning push, and run the
    scorecards (``engine.scorecards_compute``): True when the history was written now, False when it was
    there. None, doing nothing, until the first pull brought the demo's partners and products (or while
    the demo's people are missing)."""
    now = now or timezone.now()
    people = _people(tenant)
    partners = {p.odoo_id: p for p in Partner.objects.filter(tenant=tenant)}
    products = {p.default_code: p for p in Product.objects.filter(tenant=tenant)}
    wanted = {code for profile in PROFILES.values() for code, _price, _lot in profile["products"]}
    keys = [DEMO_PARTNERS[key]["odoo_id"] for key in PROFILES]
    if people is None or any(k not in partners for k in keys) or not wanted <= products.keys():
        log.info("demo scorecards: waiting for the first pull of %s", tenant.slug)
        return None
    written = False
    with transaction.atomic():
        ScorecardRules.objects.get_or_create(tenant=tenant, defaults={"push_purchase_warning": True})
        if not PurchaseOrder.objects.filter(tenant=tenant, odoo_id__gt=HISTORY_ODOO_ID).exists():
            ids = _Ids(now=now)
            for key, profile in PROFILES.items():
                partner = partners[DEMO_PARTNERS[key]["odoo_id"]]
                _partner_history(tenant, partner, profile, products, people, ids, now)
            written = True
    # The warning and its note need the contact rights; the demo warehouse gave them already, unless the
    # simulator was reset since (integrations.demo_warehouse).
    demo_contact_rights_grant(tenant=tenant)
    from quality.scorecards.engine import scorecards_compute

    scorecards_compute(tenant=tenant)
    return written


def _people(tenant: Tenant) -> dict | None:
    emails = {
        "supplier": "orders@nordic-fasteners.example",
        "supplier_pc": "sales@precision-castings.example",
        "inspector": "inspector@acme.example",
        "engineer": "quality@acme.example",
    }
    found = {
        m.user.email: m.user
        for m in Membership.objects.filter(tenant=tenant, user__email__in=emails.values()).select_related("user")
    }
    if len(found) < len(emails):
        return None
    return {role: found[email] for role, email in emails.items()}


def _month_days(tenant: Tenant, month: dt.date, now: dt.datetime) -> list[dt.datetime] | None:
    """When the month's four lines arrive: spread over a past month; in the current month, over the hours
    already gone (none in its first six hours)."""
    tz = tenant_zone(tenant)
    start = dt.datetime.combine(month, dt.time(10), tzinfo=tz)
    if month < current_month(tenant, now.astimezone(tz).date()):
        return [start + dt.timedelta(days=d) for d in (4, 11, 18, 24)]
    gone = now - start
    if gone < dt.timedelta(hours=6):
        return None
    return [start + gone * f for f in (0.2, 0.4, 0.6, 0.8)]


def _partner_history(tenant, partner, profile, products, people, ids: _Ids, now) -> None:
    """One PO per month and line outcome, its acknowledgement, receipts, inspections and NCRs."""
    today = current_month(tenant, now.astimezone(tenant_zone(tenant)).date())
    first = add_months(today, -(HISTORY_MONTHS - 1))
    supplier = people["supplier"] if partner.odoo_id == DEMO_PARTNERS["nordic"]["odoo_id"] else people["supplier_pc"]
    for index, outcomes in enumerate(profile["months"]):
        month = add_months(first, index)
        arrivals = _month_days(tenant, month, now)
        if arrivals is None:
            continue
        for n, (outcome, arrival) in enumerate(zip(outcomes, arrivals, strict=True)):
            code, price, lot_tracked = profile["products"][n % len(profile["products"])]
            line = _order(
                tenant, partner, month, n, products[code], Decimal(price), QUANTITIES[n], outcome, arrival, ids
            )
            _acknowledge(line, supplier, outcome)
            moves = _receive(line, outcome, arrival, lot_tracked, ids)
            for i, move in enumerate(moves):
                _inspect(move, people, "reject" in outcome and i == len(moves) - 1, ids)


def _order(tenant, partner, month, n, product, price, quantity, outcome, arrival, ids: _Ids) -> PurchaseOrderLine:
    """A done PO of one line, published 20 days before the arrival; its requested date is the promised one
    (or two days earlier, where the supplier promised later), so a late line arrives after its promise."""
    late = 9 if "split" in outcome else 6 if "late" in outcome else 0
    promised = arrival - dt.timedelta(days=late)
    published = arrival - dt.timedelta(days=20)
    odoo_id = ids.take()
    order = PurchaseOrder.objects.create(
        tenant=tenant,
        partner=partner,
        odoo_id=odoo_id,
        name=f"H{partner.ref.split('-')[0]}-{month:%y%m}-{n + 1}",
        state=PurchaseOrder.State.DONE,
        partner_ref=f"{partner.ref.split('-')[0]}-SO-H{month:%y%m}{n + 1}",
        date_order=published - dt.timedelta(days=1),
        date_approve=published,
        date_planned=promised,
        amount_total=(price * quantity).quantize(Decimal("0.01")),
        currency_code=CURRENCY,
        receipt_status=PurchaseOrder.ReceiptStatus.FULL,
        buyer_name="Mitchell Admin",
        ack_status=AckStatus.ACCEPTED,
        supplier_seen_at=published + dt.timedelta(hours=2),
    )
    return PurchaseOrderLine.objects.create(
        tenant=tenant,
        order=order,
        odoo_id=ids.take(),
        product=product,
        description=f"[{product.default_code}] {product.name}",
        quantity=quantity,
        uom_name=product.uom_name or "Units",
        price_unit=price,
        date_planned=promised - dt.timedelta(days=2) if n % 2 else promised,
        qty_received=quantity,
    )


def _acknowledge(line: PurchaseOrderLine, supplier, outcome: str) -> None:
    """Version 1, accepted: the requested date as it was, or a later promise; after 4 days when "slow"."""
    order = line.order
    ack = Acknowledgement.objects.create(
        tenant=order.tenant,
        order=order,
        version=1,
        status=Acknowledgement.Status.ACCEPTED,
        supplier_ref=order.partner_ref,
        has_changes=line.date_planned != order.date_planned,
        created_by=supplier,
    )
    hours = 96 if "slow" in outcome else 5
    Acknowledgement.objects.filter(pk=ack.pk).update(created_at=order.date_approve + dt.timedelta(hours=hours))
    requested = line.date_planned.date()
    promised = order.date_planned.date()
    AcknowledgementLine.objects.create(
        tenant=order.tenant,
        acknowledgement=ack,
        order_line=line,
        line_odoo_id=line.odoo_id,
        description=line.description,
        decision=AcknowledgementLine.Decision.CHANGE if promised != requested else AcknowledgementLine.Decision.ACCEPT,
        requested_qty=line.quantity,
        requested_date=requested,
        promised_qty=line.quantity if promised != requested else None,
        promised_date=promised if promised != requested else None,
        uom_name=line.uom_name,
    )


def _receive(line, outcome: str, arrival: dt.datetime, lot_tracked: bool, ids: _Ids) -> list[ReceiptMove]:
    """The line's done receipts: one, or on "split" 70 % on time and the backorder 9 days later (the
    backorder may fall in the next month, as real ones do); "short" delivers 88 % and closes the line."""
    order = line.order
    if "split" in outcome:
        first = (line.quantity * Decimal("0.7")).quantize(Decimal(1))
        parts = [(arrival - dt.timedelta(days=9), first), (arrival, line.quantity - first)]
    elif "short" in outcome:
        parts = [(arrival, (line.quantity * Decimal("0.88")).quantize(Decimal(1)))]
    else:
        parts = [(arrival, line.quantity)]
    moves = []
    backorder_of = None
    for done_at, quantity in parts:
        odoo_id = ids.take()
        receipt = Receipt.objects.create(
            tenant=order.tenant,
            partner=order.partner,
            order=order,
            odoo_id=odoo_id,
            name=f"WH/IN/H{odoo_id - HISTORY_ODOO_ID:05d}",
            state=Receipt.State.DONE,
            scheduled_date=order.date_planned,
            date_done=done_at,
            destination="WH/Input",
            backorder_of_odoo_id=backorder_of,
        )
        backorder_of = odoo_id
        lot = f"{order.partner_ref}-{len(moves) + 1}" if lot_tracked else ""
        moves.append(
            ReceiptMove.objects.create(
                tenant=order.tenant,
                receipt=receipt,
                odoo_id=ids.take(),
                product=line.product,
                order_line=line,
                quantity_expected=quantity,
                quantity_done=quantity,
                state="done",
                lots=[{"lot": lot, "quantity": float(quantity)}] if lot else [],
            )
        )
    line.qty_received = sum(m.quantity_done for m in moves)
    line.save(update_fields=["qty_received"])
    return moves


def _inspect(move: ReceiptMove, people: dict, rejected: bool, ids: _Ids) -> None:
    """The lot's original inspection, signed an hour after arrival: accepted and released, or (the last
    lot of a "reject" line) rejected with an NCR whose sorting found 3 % of the lot defective."""
    receipt = move.receipt
    signed_at = receipt.date_done + dt.timedelta(hours=1)
    inspection = Inspection.objects.create(
        tenant=receipt.tenant,
        partner=receipt.partner,
        product=move.product,
        receipt=receipt,
        receipt_move=move,
        lot_name=move.lots[0]["lot"] if move.lots else "",
        lot_size=move.quantity_done,
        severity="normal",
        status=Inspection.Status.SIGNED,
        verdict=Inspection.Verdict.REJECT if rejected else Inspection.Verdict.ACCEPT,
        signed_by=people["inspector"],
        signed_at=signed_at,
        # The same whole sentence a real sign-off records, in the tenant's language.
        signature_meaning=signature_meaning(
            receipt.tenant, Inspection.Verdict.REJECT if rejected else Inspection.Verdict.ACCEPT
        ),
        # Decided long ago: history holds nothing in the warehouse (the hold check must not look for it).
        undecided=False,
    )
    Inspection.objects.filter(pk=inspection.pk).update(created_at=receipt.date_done)
    if not rejected:
        release = Disposition.objects.create(
            tenant=receipt.tenant,
            inspection=inspection,
            kind=Disposition.Kind.ACCEPT,
            released=move.quantity_done,
            decided_by=people["inspector"],
        )
        Disposition.objects.filter(pk=release.pk).update(decided_at=signed_at)
        return
    _ncr(inspection, move, people, ids)


def _ncr(inspection: Inspection, move: ReceiptMove, people: dict, ids: _Ids) -> None:
    ids.ncrs += 1
    affected = (move.quantity_done * Decimal("0.03")).quantize(Decimal(1))
    line = move.order_line
    ncr = Ncr.objects.create(
        tenant=inspection.tenant,
        number=f"NCR-H{ids.ncrs:04d}",
        status=Ncr.Status.CLOSED,
        source=Ncr.Source.INSPECTION,
        partner=inspection.partner,
        product=inspection.product,
        inspection=inspection,
        receipt=inspection.receipt,
        order=line.order,
        title=f"{line.product.default_code}: hole spacing out of tolerance",
        description=f"Hole spacing (major): sorting found {affected} of {move.quantity_done} defective.",
        severity=DefectClass.MAJOR,
        unit_price=line.price_unit,
        currency_code=CURRENCY,
        handling_charge=Decimal(50),
        created_by=people["engineer"],
        closed_at=min(inspection.signed_at + dt.timedelta(days=12), ids.now),
    )
    Ncr.objects.filter(pk=ncr.pk).update(created_at=inspection.signed_at)
    NcrLot.objects.create(
        tenant=ncr.tenant, ncr=ncr, inspection=inspection, lot_name=inspection.lot_name, affected=affected
    )
    ncr.defect_codes.set(DefectCode.objects.filter(tenant=ncr.tenant, code="DIM-HOLE"))
