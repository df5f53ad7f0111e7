"""Which shipments a receipt done in Odoo brought, decided from what arrived.

A receipt knows PO lines, lots and quantities, not ASN numbers; several open
ASNs of one PO line may wait on it (truck A and truck B), and a partial receipt
with a backorder brings only some of them. So the goods of each done receipt
are given, per PO line, to the open ASNs they belong to:

1. lots and serial numbers go to the ASN items of that name (oldest submission
   first when two shipments carry the same lot);
2. what is left (untracked goods, and lots no ASN named) goes first to ASNs
   whose lots came on this receipt, then to one that announced exactly that
   quantity, then to the oldest.

Packages are not part of it: Odoo's recorded models hold no package of a
receipt line (``stock.quant.package`` is not in the reference), so the portal
cannot read them back. An ASN is received when each of its lines arrived in
full, partly received when anything did; what is still expected of open ASNs
goes to the receipt that is left (the backorder) again.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from django.db import transaction

from integrations import topics
from integrations.services.outbox import outbox_emit
from portal.models import Tenant
from suppliers.models import Asn, AsnItem, AsnLine, Receipt
from suppliers.services.asn_submission import asn_payload

ZERO = Decimal(0)


def _arrived(receipt: Receipt) -> dict[int, tuple[Counter, Decimal]]:
    """Per PO line: the lots that arrived (name -> quantity) and the total quantity."""
    out: dict[int, tuple[Counter, Decimal]] = {}
    for move in receipt.moves.filter(order_line__isnull=False, state="done"):
        lots, total = out.get(move.order_line_id, (Counter(), ZERO))
        for lot in move.lots or []:
            if lot.get("lot"):
                lots[lot["lot"]] += Decimal(str(lot.get("quantity") or 0))
        out[move.order_line_id] = (lots, total + move.quantity_done)
    return out


def asn_receipt_allocate(*, tenant: Tenant, receipt: Receipt) -> list[Asn]:
    """Give a done receipt's goods to the open ASNs they belong to; answers the ASNs it changed.

    Runs once per receipt (when the pull first sees it done); a receipt already given out is skipped.
    """
    arrived = _arrived(receipt)
    if not arrived or Asn.receipts.through.objects.filter(receipt=receipt).exists():
        return []  # nothing of a PO line, or given out already
    with transaction.atomic():
        asn_ids = list(
            AsnLine.objects.filter(
                tenant=tenant, order_line_id__in=arrived, asn__status__in=Asn.OPEN_STATUSES
            ).values_list("asn_id", flat=True)
        )
        asns = {
            asn.pk: asn
            for asn in Asn.objects.select_for_update(of=("self",))
            .filter(pk__in=set(asn_ids), status__in=Asn.OPEN_STATUSES)
            .order_by("pk")
        }
        if not asns:
            return []
        lines = list(
            AsnLine.objects.filter(asn_id__in=asns, order_line_id__in=arrived)
            .prefetch_related("items")
            .order_by("asn__submitted_at", "asn_id", "id")
        )
        changed_lines, changed_items = _give_out(arrived, lines)
        if changed_items:
            AsnItem.objects.bulk_update(changed_items, ["quantity_received"])
        if changed_lines:
            AsnLine.objects.bulk_update(list(changed_lines), ["quantity_received"])
        changed = [_brought(asns[asn_id], receipt) for asn_id in sorted({line.asn_id for line in changed_lines})]
        _expect_the_rest(tenant, receipt, arrived)
    return changed


def _give_out(arrived: dict[int, tuple[Counter, Decimal]], lines: list[AsnLine]) -> tuple[set[AsnLine], list[AsnItem]]:
    """Add what arrived to the lines (and items) it belongs to; answers the lines and items changed."""
    evidence: set[int] = set()
    changed_lines: set[AsnLine] = set()
    changed_items: list[AsnItem] = []
    left: dict[int, Decimal] = {}
    # 1. Lots and serials: the name says whose they are.
    for po_line_id, (lots, total) in arrived.items():
        for line in (x for x in lines if x.order_line_id == po_line_id):
            for item in line.items.all():
                want = item.quantity - item.quantity_received
                take = min(want, lots.get(item.lot_name, ZERO)) if item.lot_name else ZERO
                if take <= 0:
                    continue
                lots[item.lot_name] -= take
                total -= take
                item.quantity_received += take
                line.quantity_received += take
                changed_items.append(item)
                changed_lines.add(line)
                evidence.add(line.asn_id)
        left[po_line_id] = total
    # 2. The rest by quantity: shipments already seen on this receipt, an exact match, the oldest.
    for po_line_id, total in left.items():
        waiting = [x for x in lines if x.order_line_id == po_line_id and x.quantity_open > 0]
        while total > 0 and waiting:
            # Recomputed at each step: "exactly that quantity" is what is left to give out.
            line = min(waiting, key=lambda x: (x.asn_id not in evidence, x.quantity_open != total))
            waiting.remove(line)
            take = min(line.quantity_open, total)
            total -= take
            line.quantity_received += take
            changed_lines.add(line)
    return changed_lines, changed_items


def _brought(asn: Asn, receipt: Receipt) -> Asn:
    """The receipt brought goods of ``asn``: noted, and its status follows (through ``Asn.lifecycle``)."""
    asn.receipts.add(receipt)
    status = _status(asn)
    if status != asn.status:
        Asn.lifecycle.move(
            asn,
            "receive" if status == Asn.Status.RECEIVED else "receive_part",
            actor=None,  # the pull: Odoo's receipt, no person of the portal
            changes={"receipt": [None, receipt.name]},
        )
        if status == Asn.Status.RECEIVED:
            asn.order_changes = []  # everything arrived: nothing left to warn about
        asn.save(update_fields=["status", "order_changes", "updated_at"])
    return asn


def _status(asn: Asn) -> str:
    lines = list(asn.lines.all())
    if lines and all(line.quantity_received >= line.quantity for line in lines):
        return Asn.Status.RECEIVED
    if any(line.quantity_received > 0 for line in lines):
        return Asn.Status.PARTIAL
    return asn.status


def _expect_the_rest(tenant: Tenant, receipt: Receipt, arrived: dict) -> None:
    """Open ASNs of the received PO lines still expect goods: their lots go to the receipt that is
    left (Odoo's backorder starts without them), or, when none is left, the ASN says so."""
    ids = set(
        AsnLine.objects.filter(tenant=tenant, order_line_id__in=arrived, asn__status__in=Asn.OPEN_STATUSES).values_list(
            "asn_id", flat=True
        )
    )
    for asn in Asn.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"):
        if not any(line.quantity_open > 0 for line in asn.lines.all()):
            continue
        payload = {**asn_payload(asn, still_expected=True), "after_receipt": receipt.name}
        asn.outbox_event = outbox_emit(tenant=tenant, topic=topics.ASN_SUBMITTED, aggregate=asn, payload=payload)
        asn.save(update_fields=["outbox_event", "updated_at"])
