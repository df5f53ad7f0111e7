"""What a change made in Odoo means for the supplier: a new order, a cancellation, or an
acknowledgement that no longer matches the order."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from portal.models import Tenant
from suppliers.models import Acknowledgement, AcknowledgementLine, AckStatus, PurchaseOrder
from suppliers.selectors import po_counts_changed
from suppliers.services.acknowledgements import local_date
from suppliers.services.notifications import notify_on_commit

LIVE = (Acknowledgement.Status.PENDING, Acknowledgement.Status.ACCEPTED, Acknowledgement.Status.APPROVED)


def ack_differences(order: PurchaseOrder, ack: Acknowledgement) -> list[str]:
    """What the order asks now that the acknowledgement did not answer, in plain words.

    A line counts as unchanged when Odoo now holds either what was asked or what the
    supplier promised (the portal itself writes the promised dates back).
    """
    tenant = order.tenant
    answered = {line.line_odoo_id: line for line in ack.lines.all()}
    current = {line.odoo_id: line for line in order.lines.all()}
    out = []
    if order.state == PurchaseOrder.State.CANCEL:
        out.append("The order was cancelled.")
    for odoo_id, line in current.items():
        was: AcknowledgementLine | None = answered.get(odoo_id)
        name = line.description.splitlines()[0][:60] if line.description else f"line {odoo_id}"
        if was is None:
            out.append(f"New line: {name}, {line.quantity.normalize():f} {line.uom_name}.")
            continue
        if line.quantity not in (was.requested_qty, was.promised_qty):
            out.append(f"{name}: quantity {was.requested_qty.normalize():f} → {line.quantity.normalize():f}.")
        day = local_date(line.date_planned, tenant)
        if day and day not in (was.requested_date, was.promised_date):
            out.append(f"{name}: date {was.requested_date or '—'} → {day}.")
    for odoo_id, was in answered.items():
        if odoo_id not in current:
            out.append(f"Line removed: {was.description.splitlines()[0][:60]}.")
    return out


def on_po_changed(*, tenant: Tenant, order: PurchaseOrder, changes: dict) -> None:
    with transaction.atomic():
        order = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
        ack = order.acknowledgements.filter(status__in=LIVE).prefetch_related("lines").first()
        cancelled = "state" in changes and order.state == PurchaseOrder.State.CANCEL
        if ack is not None and order.ack_status != AckStatus.OUTDATED:
            differences = ack_differences(order, ack)
            if differences:
                ack.outdated_at = timezone.now()
                ack.outdated_changes = {"changes": differences}
                ack.save(update_fields=["outdated_at", "outdated_changes"])
                order.ack_status = AckStatus.OUTDATED
                order.save(update_fields=["ack_status"])
                po_counts_changed(tenant.pk)
                if not cancelled:
                    notify_on_commit("po_changed", order.pk)
        elif ack is None and not cancelled and {"lines", "amount_total"} & set(changes):
            notify_on_commit("po_changed", order.pk)
        if cancelled:
            notify_on_commit("po_cancelled", order.pk)


def on_po_published(*, tenant: Tenant, order: PurchaseOrder) -> None:
    notify_on_commit("po_published", order.pk)


def on_receipt_done(*, tenant: Tenant, receipt) -> None:
    """Goods of an ASN's orders arrived: the ASN is received, fully or in part."""
    from suppliers.models import Asn

    if receipt.order_id is None:
        return
    with transaction.atomic():
        asns = (
            Asn.objects.select_for_update(of=("self",))
            .filter(tenant=tenant, orders=receipt.order_id, status__in=Asn.OPEN_STATUSES)
            .order_by("submitted_at")
        )
        for asn in asns:
            lines = list(asn.lines.select_related("order_line"))
            arrived = [min(line.order_line.qty_received - line.received_before, line.quantity) for line in lines]
            if lines and all(got >= line.quantity for got, line in zip(arrived, lines, strict=True)):
                status = Asn.Status.RECEIVED
            elif any(got > 0 for got in arrived):
                status = Asn.Status.PARTIAL
            else:
                continue
            if status != asn.status:
                asn.status = status
                asn.save(update_fields=["status", "updated_at"])


def connect() -> None:
    from suppliers.signals import po_changed, po_published, receipt_done

    po_changed.connect(
        lambda sender, tenant, order, changes, **kw: on_po_changed(tenant=tenant, order=order, changes=changes),
        weak=False,
        dispatch_uid="suppliers.ack_outdated",
    )
    receipt_done.connect(
        lambda sender, tenant, receipt, **kw: on_receipt_done(tenant=tenant, receipt=receipt),
        weak=False,
        dispatch_uid="suppliers.asn_received",
    )
    po_published.connect(
        lambda sender, tenant, order, **kw: on_po_published(tenant=tenant, order=order),
        weak=False,
        dispatch_uid="suppliers.po_published",
    )
