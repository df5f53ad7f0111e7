"""An ASN's way after its draft: submitted (to Odoo's receipt), on its way, or cancelled.

Every status change goes through ``Asn.lifecycle`` (``portal.lifecycle``), which refuses a move
its table does not hold and writes the audit entry; the Odoo side gets an outbox event
(``integrations.topics``) in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from integrations import topics
from integrations.services.outbox import outbox_emit
from portal import dates
from portal.models import Membership, Partner
from suppliers.models import Asn, AsnLine, PurchaseOrderLine
from suppliers.selectors import asn_get
from suppliers.services.asn_inputs import supplier_only


def asn_submit(*, membership: Membership, asn_id: int) -> Asn:
    """Submit a draft: checked (``asn_problems``), then on its way to Odoo's receipt.

    It is in transit at once when its ship date is today or past (the tenant's today), else
    submitted. Raises ``ValidationError`` with every problem, keyed as the draft is stored.
    """
    supplier_only(membership)
    with transaction.atomic():
        asn = asn_get(membership=membership, asn_id=asn_id, lock=True)
        # Lock the PO lines it ships from, so two ASNs cannot both take the last open quantity.
        list(PurchaseOrderLine.objects.select_for_update().filter(asn_lines__asn=asn).values_list("pk", flat=True))
        today = dates.tenant_today(asn.tenant)  # the ship date is a day where the tenant is
        on_its_way = asn.ship_date and asn.ship_date <= today
        Asn.lifecycle.move(
            asn,
            "submit",
            to=Asn.Status.IN_TRANSIT if on_its_way else Asn.Status.SUBMITTED,
            actor=membership.user,
            refused=_refusal(asn, "submit"),
        )
        lines = list(asn.lines.select_related("order_line"))
        for line in lines:
            line.received_before = line.order_line.qty_received
        AsnLine.objects.bulk_update(lines, ["received_before"], batch_size=500)  # one query, not one per line
        asn.submitted_at = timezone.now()
        asn.outbox_event = outbox_emit(
            tenant=asn.tenant, topic=topics.ASN_SUBMITTED, aggregate=asn, payload=asn_payload(asn)
        )
        asn.save(update_fields=["status", "submitted_at", "outbox_event", "updated_at"])
    return asn


def asn_mark_shipped(*, membership: Membership, asn_id: int) -> Asn:
    """A submitted ASN has left the supplier: in transit."""
    supplier_only(membership)
    with transaction.atomic():
        asn = asn_get(membership=membership, asn_id=asn_id, lock=True)
        Asn.lifecycle.move(asn, "ship", actor=membership.user, refused=_refusal(asn, "ship"))
        asn.save(update_fields=["status", "updated_at"])
    return asn


def asn_cancel(*, membership: Membership, asn_id: int, reason: str = "") -> Asn:
    """Cancel a draft, or what of a submitted shipment has not arrived; the buyer is told why.

    ``reason`` (at most 500 characters kept) is required once the ASN left the draft.
    """
    supplier_only(membership)
    reason = (reason or "").strip()
    with transaction.atomic():
        asn = asn_get(membership=membership, asn_id=asn_id, lock=True)
        refused = _refusal(asn, "cancel")
        Asn.lifecycle.check(asn, "cancel", refused=refused)
        # A partly received ASN can be cancelled: what arrived stays received, the rest is no longer expected.
        was = asn.status
        if was != Asn.Status.DRAFT and not reason:
            raise ValidationError({"reason": gettext("Tell the buyer why the shipment is cancelled.")})
        Asn.lifecycle.move(asn, "cancel", actor=membership.user, changes={"reason": [None, reason]}, refused=refused)
        asn.cancelled_at, asn.cancel_reason = timezone.now(), reason[:500]
        if was != Asn.Status.DRAFT:
            asn.outbox_event = outbox_emit(
                tenant=asn.tenant,
                topic=topics.ASN_CANCELLED,
                aggregate=asn,
                payload={**asn_payload(asn), "reason": asn.cancel_reason},
            )
        asn.save()
    return asn


def _refusal(asn: Asn, move: str) -> str:
    """Why ``Asn.lifecycle`` refuses ``move`` ("submit", "ship", "cancel") from the ASN's status."""
    said = {"asn": asn.number, "status": asn.get_status_display()}  # the label as it is: German nouns
    if asn.status == Asn.Status.CANCELLED:
        if move == "cancel":
            return gettext("%(asn)s is already cancelled.") % said
        return gettext("%(asn)s is cancelled.") % said
    if move == "submit":
        return gettext("%(asn)s is “%(status)s” already; only a draft is submitted.") % said
    if move == "ship":
        if asn.status == Asn.Status.DRAFT:
            return gettext("%(asn)s is a draft; submit it first.") % said
        return gettext("%(asn)s is “%(status)s” already; only a submitted shipment is marked as shipped.") % said
    return gettext("%(asn)s is “%(status)s”; goods on a receipt cannot be un-announced.") % said


def asn_payload(asn: Asn, *, still_expected: bool = False) -> dict[str, Any]:
    """Everything the Odoo handler needs, frozen when the event is written.

    ``still_expected``: only what no done receipt has brought yet (the lines and lots a backorder
    should hold after a partial receipt). The handler converges the receipt to every open ASN of a
    PO line, read when it runs; these lines say which PO lines, and what the chatter note lists.
    """
    lines = asn.lines.select_related("order_line__order", "order_line__product").prefetch_related("items__package")
    if still_expected:
        lines = [line for line in lines if line.quantity_open > 0]
    partner: Partner = asn.partner

    def qty(row) -> float:
        return float(row.quantity - row.quantity_received) if still_expected else float(row.quantity)

    return {
        "asn_id": asn.pk,
        "number": asn.number,
        "partner": partner.name,
        "eta": dates.to_odoo(asn.eta),
        "time_zone": asn.tenant.time_zone,  # the zone of its days (ship, expiry) in Odoo and in the note
        "ship_date": asn.ship_date.isoformat() if asn.ship_date else None,
        "carrier": asn.carrier,
        "tracking_number": asn.tracking_number,
        "lines": [
            {
                "po_odoo_id": line.order_line.order.odoo_id,
                "po_name": line.order_line.order.name,
                "po_line_odoo_id": line.order_line.odoo_id,
                "product_odoo_id": line.order_line.product.odoo_id if line.order_line.product else None,
                "product": str(line.order_line.product or line.order_line.description[:60]),
                "quantity": qty(line),
                "uom": line.uom_name,
                "lots": [
                    {
                        "name": item.lot_name,
                        "quantity": qty(item),
                        "expiry_date": item.expiry_date.isoformat() if item.expiry_date else None,
                        "sscc": item.package.sscc if item.package else None,
                    }
                    for item in line.items.all()
                    if item.lot_name and qty(item) > 0
                ],
            }
            for line in lines
        ],
        "certificates": [
            {"id": c.pk, "name": c.filename, "kind": c.get_kind_display()} for c in asn.certificates.all()
        ],
        "packages": [p.sscc for p in asn.packages.all()],
    }
