"""What a change made in Odoo means for the supplier: a new order, a cancellation, or an
acknowledgement that no longer matches the order."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from portal import l10n
from portal.models import Tenant
from portal.services.audit import audit_record
from suppliers.models import Acknowledgement, AcknowledgementLine, AckStatus, Asn, PurchaseOrder, Receipt, rules_for
from suppliers.selectors import po_counts_changed
from suppliers.services.acknowledgements import local_date
from suppliers.services.notifications import notify_on_commit

LIVE = (Acknowledgement.Status.PENDING, Acknowledgement.Status.ACCEPTED, Acknowledgement.Status.APPROVED)


def ack_differences(order: PurchaseOrder, ack: Acknowledgement) -> list[str]:
    """What the order asks now that the acknowledgement did not answer, in plain words (the active
    language's; stored in the portal's default language, shown in the reader's: ``ack_changes``).

    A line counts as unchanged when Odoo now holds either what was asked or what the
    supplier promised (the portal itself writes the promised dates and quantities back,
    and a rejected line's quantity down to what was received).
    """
    tenant = order.tenant
    answered = {line.line_odoo_id: line for line in ack.lines.all()}
    current = {line.odoo_id: line for line in order.lines.all()}
    out = []
    if order.state == PurchaseOrder.State.CANCEL:
        out.append(gettext("The order was cancelled."))
    for odoo_id, line in current.items():
        was: AcknowledgementLine | None = answered.get(odoo_id)
        name = line.description.splitlines()[0][:60] if line.description else gettext("line %(id)s") % {"id": odoo_id}
        if was is None:
            out.append(
                gettext("New line: %(line)s, %(qty)s %(uom)s.")
                % {"line": name, "qty": l10n.qty(line.quantity), "uom": line.uom_name}
            )
            continue
        answered_qty = (was.requested_qty, was.promised_qty)
        if was.decision == AcknowledgementLine.Decision.REJECT:
            answered_qty += (line.qty_received,)  # an approved rejection orders only what arrived
        if line.quantity not in answered_qty:
            out.append(
                gettext("%(line)s: quantity %(was)s → %(now)s.")
                % {"line": name, "was": l10n.qty(was.requested_qty), "now": l10n.qty(line.quantity)}
            )
        day = local_date(line.date_planned, tenant)
        if day and day not in (was.requested_date, was.promised_date):
            out.append(
                gettext("%(line)s: date %(was)s → %(now)s.")
                % {
                    "line": name,
                    "was": l10n.day(was.requested_date) if was.requested_date else "—",
                    "now": l10n.day(day),
                }
            )
    for odoo_id, was in answered.items():
        if odoo_id not in current:
            out.append(gettext("Line removed: %(line)s.") % {"line": was.description.splitlines()[0][:60]})
    return out


def on_po_changed(*, tenant: Tenant, order: PurchaseOrder, changes: dict) -> None:
    with transaction.atomic():
        order = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
        ack = order.acknowledgements.filter(status__in=LIVE).prefetch_related("lines").first()
        cancelled = "state" in changes and order.state == PurchaseOrder.State.CANCEL
        notified = False
        if ack is not None and order.ack_status != AckStatus.OUTDATED:
            with translation.override(settings.LANGUAGE_CODE):  # stored words: one language, whoever pulled
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
                    notified = True
        elif ack is None and not cancelled and {"lines", "amount_total"} & set(changes):
            notify_on_commit("po_changed", order.pk)
            notified = True
        if cancelled:
            notify_on_commit("po_cancelled", order.pk)
        # Shipments announced on it say what changed; when nothing above told the supplier (an
        # acknowledgement already outdated, say), the PO notification goes for them, naming them.
        if asn_order_changes_refresh(order=order) and not (notified or cancelled):
            notify_on_commit("po_changed", order.pk)


def on_po_published(*, tenant: Tenant, order: PurchaseOrder) -> None:
    notify_on_commit("po_published", order.pk)


def on_receipt_done(*, tenant: Tenant, receipt) -> None:
    """Goods arrived in Odoo: the ASNs they belong to are received, fully or in part (decided from the
    receipt's lots and quantities, see ``asn_receipts``), and what they warn about is brought up to date."""
    from suppliers.services.asn_receipts import asn_receipt_allocate

    asn_receipt_allocate(tenant=tenant, receipt=receipt)
    if receipt.order_id is not None:
        asn_order_changes_refresh(order=receipt.order)


def _line_name(line) -> str:
    return (line.description.splitlines()[0] if line.description else str(line.product or line.odoo_id))[:60]


def asn_order_notices(asn: Asn) -> list[str]:
    """What the orders of a draft or open ASN no longer agree with, in plain words (empty when all is well),
    in the active language (stored in the portal's default language; shown in the reader's: ``asn_changes``).

    An order cancelled (or back to a request for quotation) in Odoo; a line gone from the order or cut
    below what the open shipments of that line still announce (beyond the tenant's over-shipment
    tolerance), with this shipment's part.
    """
    from suppliers.services.asn_checks import on_asns

    notices = []
    orders = sorted(asn.orders.all(), key=lambda o: o.name)
    for order in orders:
        if order.state == PurchaseOrder.State.CANCEL:
            notices.append(
                gettext("%(po)s was cancelled in Odoo: nothing of this shipment is expected on it any more.")
                % {"po": order.name}
            )
        elif order.state not in (PurchaseOrder.State.PURCHASE, PurchaseOrder.State.DONE):
            notices.append(
                gettext(
                    "%(po)s is back to a request for quotation in Odoo: it is not expected until the buyer "
                    "confirms it again."
                )
                % {"po": order.name}
            )
    cancelled = {o.pk for o in orders if o.state not in (PurchaseOrder.State.PURCHASE, PurchaseOrder.State.DONE)}
    lines = [
        line
        for line in asn.lines.select_related("order_line__order", "order_line__product")
        if line.order_line.order_id not in cancelled and line.quantity_open > 0
    ]
    others = on_asns([line.order_line for line in lines], exclude=asn)
    tolerance = 1 + rules_for(asn.tenant).asn_qty_over_pct / 100
    for line in lines:
        po_line = line.order_line
        mine = line.quantity_open
        if po_line.quantity <= 0:
            notices.append(
                gettext(
                    "%(po)s: %(line)s is no longer on the order in Odoo (removed or set to 0); this shipment "
                    "still announces %(qty)s %(uom)s."
                )
                % {"po": po_line.order.name, "line": _line_name(po_line), "qty": l10n.qty(mine), "uom": line.uom_name}
            )
            continue
        still_open = max(po_line.quantity - po_line.qty_received, Decimal(0))
        announced = mine + others.get(po_line.pk, Decimal(0))
        if announced > still_open * tolerance:
            said = {
                "po": po_line.order.name,
                "line": _line_name(po_line),
                "open": l10n.qty(still_open),
                "uom": line.uom_name,
                "announced": l10n.qty(announced),
                "mine": l10n.qty(mine),
            }
            if announced != mine:
                text = gettext(
                    "%(po)s: %(line)s now asks %(open)s %(uom)s more; open shipments announce %(announced)s "
                    "(this one %(mine)s)."
                )
            else:
                text = gettext(
                    "%(po)s: %(line)s now asks %(open)s %(uom)s more; open shipments announce %(announced)s."
                )
            notices.append(text % said)
    return notices


def asn_order_changes_refresh(*, order: PurchaseOrder) -> list[Asn]:
    """Bring the order-change notices of every draft and open ASN of the order up to date; answers the
    ASNs that have a new notice (the supplier is told by the PO notification, the buyer sees the ASN)."""
    with transaction.atomic():
        asns = (
            Asn.objects.select_for_update(of=("self",))
            .filter(tenant_id=order.tenant_id, orders=order, status__in=(Asn.Status.DRAFT, *Asn.OPEN_STATUSES))
            .select_related("tenant")
            .order_by("pk")
        )
        news = []
        for asn in asns:
            with translation.override(settings.LANGUAGE_CODE):  # stored words: one language, whoever pulled
                notices = asn_order_notices(asn)
            if notices == asn.order_changes:
                continue
            if set(notices) - set(asn.order_changes):
                news.append(asn)
            audit_record(
                tenant=asn.tenant,
                actor=None,
                action="asn.order_changed",
                obj=asn,
                changes={"order_changes": [asn.order_changes, notices]},
            )
            asn.order_changes = notices
            asn.save(update_fields=["order_changes", "updated_at"])
    return news


# --- reactions to what the pull found in Odoo (integrations.handoffs) -------------------------------
# Each runs in the transaction that marks it done, so its e-mails (sent on commit) go once.


def po_changed_react(*, handoff) -> None:
    """``po.changed``: an acknowledgement the change outdates, the supplier told, open ASNs' notices."""
    order = _aggregate(PurchaseOrder, handoff)
    on_po_changed(tenant=handoff.tenant, order=order, changes=handoff.data.get("changes", {}))


def po_published_react(*, handoff) -> None:
    """``po.published``: the supplier's people hear of the new order."""
    on_po_published(tenant=handoff.tenant, order=_aggregate(PurchaseOrder, handoff))


def receipt_done_react(*, handoff) -> None:
    """``receipt.done``: the receipt's goods given to the ASNs they belong to (idempotent, see asn_receipts)."""
    on_receipt_done(tenant=handoff.tenant, receipt=_aggregate(Receipt, handoff))


def _aggregate(model, handoff):
    """The record a hand-off names. The pull never deletes orders or receipts, so one that is gone is a
    fault a person must see: raising keeps the reaction retried and then listed on the sync monitor."""
    found = model.objects.filter(tenant_id=handoff.tenant_id, pk=handoff.aggregate_id).first()
    if found is None:
        raise LookupError(
            f"{model._meta.verbose_name} #{handoff.aggregate_id} of tenant #{handoff.tenant_id} is gone: "
            f"nothing to react to {handoff.kind}."
        )
    return found


def register_reactions() -> None:
    """Sign the supplier side up for the pull's hand-offs (from ``SuppliersConfig.ready``)."""
    from integrations import handoffs

    handoffs.register_reaction(handoffs.PO_CHANGED, "suppliers.ack_outdated", po_changed_react)
    handoffs.register_reaction(handoffs.RECEIPT_DONE, "suppliers.asn_received", receipt_done_react)
    handoffs.register_reaction(handoffs.PO_PUBLISHED, "suppliers.po_published", po_published_react)
