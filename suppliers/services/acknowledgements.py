"""Acknowledging a purchase order, and the buyer's decision on changes beyond tolerance.

Within the tenant's tolerances an acknowledgement goes to Odoo at once; beyond
them (or with a rejected line) it waits for a buyer, and only an approval sends
it. Every version is kept; a newer one supersedes the older.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from integrations.services.outbox import outbox_emit
from portal import dates
from portal.models import Membership, Role, Tenant
from portal.services.audit import audit_record
from suppliers.models import Acknowledgement, AcknowledgementLine, AckStatus, PurchaseOrder, PurchaseOrderLine
from suppliers.quantities import NumberError, check_quantity, parse_number, plain
from suppliers.selectors import po_counts_changed, po_get

Decision = AcknowledgementLine.Decision
DECIDERS = {Role.BUYER, Role.TENANT_ADMIN}


@dataclass
class LineAnswer:
    line_id: int
    decision: str = Decision.ACCEPT
    promised_date: dt.date | str | None = None
    promised_qty: Decimal | str | None = None
    reason: str = ""


# The rules of days (portal.dates): a requested day is the tenant-zone day of Odoo's
# date_planned; a promised day goes to Odoo as noon in the tenant's zone.
local_date = dates.day_of
odoo_noon = dates.odoo_noon


def _parse_date(value, field: str, errors: dict) -> dt.date | None:
    try:
        return dates.parse_day(value)
    except dates.DateInputError as exc:
        errors[field] = str(exc)
        return None


def _parse_qty(value, field: str, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:  # the digits every path agrees on (suppliers.quantities); the page hands over plain numbers
        qty = parse_number(value, decimal_mark=".")
        if qty <= 0:
            raise NumberError(f"Promise a quantity above 0 (got {plain(qty)}).")
        return check_quantity(qty)
    except NumberError as exc:
        errors[field] = str(exc)
        return None


def _within(tenant: Tenant, line: AcknowledgementLine) -> bool:
    if line.decision == Decision.REJECT:
        return False
    if line.decision == Decision.ACCEPT:
        return True
    delta = line.date_delta_days
    if delta is not None and (delta < -tenant.ack_days_early or delta > tenant.ack_days_late):
        return False
    if line.promised_qty is not None and line.requested_qty:
        pct = (line.promised_qty - line.requested_qty) / line.requested_qty * 100
        if pct > tenant.ack_qty_over_pct or -pct > tenant.ack_qty_under_pct:
            return False
    return True


def _build_lines(
    po: PurchaseOrder, po_lines: list[PurchaseOrderLine], answers: list[LineAnswer]
) -> list[AcknowledgementLine]:
    errors: dict[str, str] = {}
    by_id = {line.pk: line for line in po_lines}
    given = {}
    for index, answer in enumerate(answers):
        try:
            line_id = int(answer.line_id)
        except (TypeError, ValueError):
            line_id = None
        if line_id not in by_id:
            errors[f"lines.{index}.line_id"] = f"Line {answer.line_id} is not a line of {po.name}."
        elif line_id in given:
            errors[f"lines.{index}.line_id"] = "This line is answered twice."
        else:
            given[line_id] = (index, answer)
    for line in po_lines:
        if line.pk not in given and not errors:
            errors["lines"] = f"Answer every line of {po.name}: “{line.description[:60]}” has no answer."
    built = []
    for line_id, (index, answer) in given.items():
        line = by_id[line_id]
        prefix = f"lines.{index}"
        decision = answer.decision or Decision.ACCEPT
        if decision not in Decision.values:
            errors[f"{prefix}.decision"] = f"Choose one of {', '.join(Decision.values)} (got “{decision}”)."
            continue
        requested_date = local_date(line.date_planned, po.tenant)
        promised_date = _parse_date(answer.promised_date, f"{prefix}.promised_date", errors)
        promised_qty = _parse_qty(answer.promised_qty, f"{prefix}.promised_qty", errors)
        reason = (answer.reason or "").strip()
        if decision == Decision.CHANGE:
            if (
                promised_date is None
                and promised_qty is None
                and not {
                    f"{prefix}.promised_date",
                    f"{prefix}.promised_qty",
                }
                & set(errors)
            ):
                errors[f"{prefix}.promised_date"] = "Give the date or the quantity you can deliver."
            if promised_date and promised_date < dates.tenant_today(po.tenant) - dt.timedelta(days=1):
                errors[f"{prefix}.promised_date"] = f"{promised_date:%Y-%m-%d} is in the past; promise a coming day."
            promised_date = promised_date or requested_date
            promised_qty = promised_qty or line.quantity
            if promised_qty < line.qty_received:
                # Odoo refuses to order less than it has received ("create a return first").
                unit = f" {line.uom_name}" if line.uom_name else ""
                errors[f"{prefix}.promised_qty"] = (
                    f"{line.qty_received.normalize():f}{unit} of this line are received already; promise at least that."
                )
            if promised_date == requested_date and promised_qty == line.quantity:
                decision = Decision.ACCEPT
        elif decision == Decision.REJECT:
            if not reason:
                errors[f"{prefix}.reason"] = "Say why you cannot deliver this line."
            promised_date, promised_qty = None, None
        if decision == Decision.ACCEPT:
            promised_date, promised_qty = requested_date, line.quantity
        if len(reason) > 500:
            errors[f"{prefix}.reason"] = f"Keep the reason under 500 characters (this one has {len(reason)})."
        built.append(
            AcknowledgementLine(
                tenant=po.tenant,
                order_line=line,
                line_odoo_id=line.odoo_id,
                description=line.description,
                decision=decision,
                requested_qty=line.quantity,
                requested_date=requested_date,
                promised_qty=promised_qty,
                promised_date=promised_date,
                reason=reason,
                uom_name=line.uom_name,
            )
        )
    if errors:
        raise ValidationError(errors)
    return built


def ack_submit(
    *,
    membership: Membership,
    po_id: int,
    answers: list[LineAnswer],
    supplier_ref: str = "",
    comment: str = "",
    source: str = Acknowledgement.Source.WEB,
) -> Acknowledgement:
    """Record the supplier's answer; within tolerance it goes to Odoo, beyond it waits for a buyer."""
    po = po_get(membership=membership, pk=po_id)  # 404 outside the caller's scope
    if not membership.is_supplier_role:
        raise ValidationError({"__all__": "Only the supplier acknowledges its orders."})
    supplier_ref, comment = (supplier_ref or "").strip(), (comment or "").strip()
    errors = {}
    if len(supplier_ref) > 120:
        errors["supplier_ref"] = f"Keep the reference under 120 characters (this one has {len(supplier_ref)})."
    if len(comment) > 4000:
        errors["comment"] = f"Keep the comment under 4000 characters (this one has {len(comment)})."
    with transaction.atomic():
        po = PurchaseOrder.objects.select_for_update().get(pk=po.pk)
        if not po.is_open:
            errors["__all__"] = f"{po.name} is {po.get_state_display().lower()}; only open orders are acknowledged."
        try:
            lines = _build_lines(po, list(po.lines.order_by("sequence", "id")), answers)
        except ValidationError as exc:
            errors.update(exc.message_dict if hasattr(exc, "error_dict") else {"lines": exc.messages})
            errors = {k: " ".join(v) if isinstance(v, list) else v for k, v in errors.items()}
        if errors:
            raise ValidationError(errors)
        for line in lines:
            line.within_tolerance = _within(po.tenant, line)
        previous = po.acknowledgements.exclude(status=Acknowledgement.Status.SUPERSEDED).first()
        if previous and previous.status == Acknowledgement.Status.PENDING:
            previous.status = Acknowledgement.Status.SUPERSEDED
            previous.save(update_fields=["status"])
        last_version = po.acknowledgements.order_by("-version").values_list("version", flat=True).first() or 0
        within = all(line.within_tolerance for line in lines)
        ack = Acknowledgement.objects.create(
            tenant=po.tenant,
            order=po,
            version=last_version + 1,
            status=Acknowledgement.Status.ACCEPTED if within else Acknowledgement.Status.PENDING,
            supplier_ref=supplier_ref,
            comment=comment,
            has_changes=any(line.decision == Decision.CHANGE for line in lines),
            has_rejections=any(line.decision == Decision.REJECT for line in lines),
            source=source,
            created_by=membership.user,
        )
        for line in lines:
            line.acknowledgement = ack
        AcknowledgementLine.objects.bulk_create(lines)
        po.ack_status = AckStatus.ACCEPTED if within else AckStatus.PENDING
        po.save(update_fields=["ack_status"])
        if within:
            _emit_to_odoo(ack, lines)
        else:
            ack.outbox_event = outbox_emit(
                tenant=po.tenant, topic="po.ack_review_requested", aggregate=po, payload=_review_payload(ack, lines)
            )
            ack.save(update_fields=["outbox_event"])
        po_counts_changed(po.tenant_id)
        audit_record(
            tenant=po.tenant,
            actor=membership.user,
            action="po.acknowledged",
            obj=ack,
            changes={"status": [None, ack.status], "supplier_ref": [None, supplier_ref]},
        )
    from suppliers.services.notifications import notify_on_commit

    if not within or ack.has_changes:
        notify_on_commit("ack_submitted", ack.pk)
    return ack


def ack_decide(*, membership: Membership, ack_id: int, approve: bool, note: str = "") -> Acknowledgement:
    """A buyer approves (sends to Odoo) or declines (asks the supplier again) a pending acknowledgement."""
    ack = Acknowledgement.objects.visible_to(membership).filter(pk=ack_id).select_related("order").first()
    if ack is None or membership.role not in DECIDERS:
        from portal.services.errors import NotInScope

        raise NotInScope()
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": "Tell the supplier why the changes are declined."})
    with transaction.atomic():
        po = PurchaseOrder.objects.select_for_update().get(pk=ack.order_id)
        ack = Acknowledgement.objects.select_for_update().get(pk=ack.pk)
        if ack.status != Acknowledgement.Status.PENDING:
            raise ValidationError({"__all__": f"Version {ack.version} is {ack.get_status_display().lower()} already."})
        if po.ack_status == AckStatus.OUTDATED:
            raise ValidationError(
                {
                    "__all__": f"{po.name} changed in Odoo after version {ack.version}; "
                    "the supplier is asked to answer again."
                }
            )
        ack.status = Acknowledgement.Status.APPROVED if approve else Acknowledgement.Status.DECLINED
        ack.decided_by, ack.decided_at, ack.decision_note = membership.user, timezone.now(), note
        ack.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        po.ack_status = AckStatus.ACCEPTED if approve else AckStatus.DECLINED
        po.save(update_fields=["ack_status"])
        if approve:
            _emit_to_odoo(ack, list(ack.lines.select_related("order_line")), approved_by=membership)
        po_counts_changed(po.tenant_id)
        audit_record(
            tenant=po.tenant,
            actor=membership.user,
            action="po.ack_approved" if approve else "po.ack_declined",
            obj=ack,
            changes={"status": [Acknowledgement.Status.PENDING, ack.status], "note": [None, note]},
        )
    from suppliers.services.notifications import notify_on_commit

    notify_on_commit("ack_decided", ack.pk)
    return ack


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


def _summary(ack: Acknowledgement, lines: list[AcknowledgementLine]) -> list[str]:
    out = []
    for line in lines:
        name = line.description.splitlines()[0][:80] if line.description else f"line {line.line_odoo_id}"
        unit = f" {line.uom_name}" if line.uom_name else ""
        if line.decision == Decision.REJECT:
            out.append(f"{name}: rejected ({line.reason})")
        elif line.decision == Decision.CHANGE:
            parts = []
            if line.promised_date != line.requested_date:
                parts.append(f"promised {line.promised_date:%Y-%m-%d} instead of {line.requested_date:%Y-%m-%d}")
            if line.promised_qty != line.requested_qty:
                parts.append(f"{line.promised_qty.normalize():f} of {line.requested_qty.normalize():f}{unit}")
            out.append(f"{name}: {', '.join(parts)}")
        else:
            out.append(f"{name}: accepted")
    return out


def _emit_to_odoo(ack: Acknowledgement, lines: list[AcknowledgementLine], *, approved_by: Membership | None = None):
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
            str(line.line_odoo_id): odoo_noon(line.promised_date, tenant)
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
        "summary": _summary(ack, lines),
        "comment": ack.comment,
    }
    ack.outbox_event = outbox_emit(
        tenant=tenant, topic="po.acknowledged", aggregate=po, payload=payload, payload_version=2
    )
    ack.save(update_fields=["outbox_event"])


def _review_payload(ack: Acknowledgement, lines: list[AcknowledgementLine]) -> dict:
    po = ack.order
    return {
        "po_odoo_id": po.odoo_id,
        "ack_id": ack.pk,
        "version": ack.version,
        "summary": _summary(ack, [line for line in lines if not line.within_tolerance]),
        "comment": ack.comment,
        "supplier": po.partner.name,
    }
