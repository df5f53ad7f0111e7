"""What an acknowledgement tells Odoo: the answer as it stands, or the request for a buyer's review.

Written into the outbox event in the service's transaction (``integrations.topics``), frozen
there: the handler sends what the payload says, whatever changes later.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext

from integrations import topics
from integrations.services.outbox import outbox_emit
from portal import dates, l10n
from portal.models import Membership
from suppliers.models import Acknowledgement, AcknowledgementLine

Decision = AcknowledgementLine.Decision


def _person(user, company: str) -> str:
    """“Anna Berg (Nordic Fasteners AB)”; an API token's user is named after its token."""
    return f"{user.get_full_name() or user.email} ({company})"


def approved_qty(line: AcknowledgementLine) -> Decimal | None:
    """The quantity Odoo's PO line must order once this answer stands, or None when it keeps its own.

    A changed quantity is the promised one; a rejected line orders only what has arrived
    already (usually 0: Odoo's way of taking a line off a confirmed order, and its receipt
    follows). An accepted line, or a change of date alone, leaves the quantity as it is.
    """
    if line.decision == Decision.REJECT:
        received = line.order_line.qty_received if line.order_line is not None else Decimal(0)
        return received if received != line.requested_qty else None
    if line.decision == Decision.CHANGE and line.promised_qty is not None and line.promised_qty != line.requested_qty:
        return line.promised_qty
    return None


def _summary(lines: list[AcknowledgementLine], tenant) -> list[str]:
    """One sentence per line for the chatter note: accepted, rejected (why) or what changed.

    Written in the tenant's language (the buyers read the note in Odoo), with its days and numbers;
    frozen into the payload like the rest of it.
    """
    out = []
    with translation.override(l10n.tenant_language(tenant)):
        for line in lines:
            name = (
                line.description.splitlines()[0][:80]
                if line.description
                else gettext("line %(id)s") % {"id": line.line_odoo_id}
            )
            if line.decision == Decision.REJECT:
                out.append(gettext("%(line)s: rejected (%(reason)s)") % {"line": name, "reason": line.reason})
            elif line.decision == Decision.CHANGE:
                out.append(f"{name}: {'; '.join(_changes(line))}")
            else:
                out.append(gettext("%(line)s: accepted") % {"line": name})
    return out


def _changes(line: AcknowledgementLine) -> list[str]:
    parts = []
    if line.promised_date != line.requested_date:
        parts.append(
            gettext("promised %(promised)s instead of %(requested)s")
            % {"promised": l10n.day(line.promised_date), "requested": l10n.day(line.requested_date)}
        )
    if line.promised_qty != line.requested_qty:
        quantities = {"promised": l10n.qty(line.promised_qty), "requested": l10n.qty(line.requested_qty)}
        text = gettext("%(promised)s of %(requested)s %(unit)s") % {**quantities, "unit": line.uom_name}
        parts.append(text.strip())
    return parts


def emit_to_odoo(ack: Acknowledgement, lines: list[AcknowledgementLine], *, approved_by: Membership | None = None):
    """The answer as it stands (within tolerance, or as the buyer approved it) goes to Odoo.

    Payload v2: the supplier who acknowledged and the buyer who approved are told apart
    (v1 had one ``author``: whoever sent it), and the approved quantities travel with the
    dates. The confirmed date is the earliest promised one of this version, the one
    Odoo's vendor confirmation must carry.
    """
    po, tenant = ack.order, ack.tenant
    dated = [line for line in lines if line.decision != Decision.REJECT and line.promised_date]
    quantities = {line.line_odoo_id: approved_qty(line) for line in lines}
    payload = {
        "po_odoo_id": po.odoo_id,
        "ack_id": ack.pk,
        "version": ack.version,
        "supplier_ref": ack.supplier_ref,
        # Only dates that differ from Odoo's are written: an accepted line needs no write.
        "line_dates": {
            str(line.line_odoo_id): dates.odoo_noon(line.promised_date, tenant)
            for line in dated
            if line.promised_date != line.requested_date
        },
        # Decimal strings: exact in the payload; Odoo's product_qty is a float, converted at the write.
        "line_qtys": {str(odoo_id): f"{qty.normalize():f}" for odoo_id, qty in quantities.items() if qty is not None},
        "confirmed_date": min(line.promised_date for line in dated).isoformat() if dated else None,
        "acknowledged_by": _person(ack.created_by, po.partner.name),
        "via_api": ack.source == Acknowledgement.Source.API,
        "approved_by": _person(approved_by.user, tenant.name) if approved_by else "",
        "approved": approved_by is not None,
        "decision_note": ack.decision_note if approved_by else "",
        "summary": _summary(lines, tenant),
        "comment": ack.comment,
    }
    ack.outbox_event = outbox_emit(
        tenant=tenant, topic=topics.PO_ACKNOWLEDGED, aggregate=po, payload=payload, payload_version=2
    )
    ack.save(update_fields=["outbox_event"])


def emit_review_request(ack: Acknowledgement, lines: list[AcknowledgementLine]) -> None:
    """Beyond the tolerances: Odoo gets a To-Do for the buyer, listing what goes beyond them."""
    po = ack.order
    payload = {
        "po_odoo_id": po.odoo_id,
        "ack_id": ack.pk,
        "version": ack.version,
        "summary": _summary([line for line in lines if not line.within_tolerance], po.tenant),
        "comment": ack.comment,
        "supplier": po.partner.name,
    }
    ack.outbox_event = outbox_emit(
        tenant=po.tenant, topic=topics.PO_ACK_REVIEW_REQUESTED, aggregate=po, payload=payload
    )
    ack.save(update_fields=["outbox_event"])
