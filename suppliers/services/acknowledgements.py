"""Acknowledging a purchase order, and the buyer's decision on changes beyond tolerance.

Within the tenant's tolerances an acknowledgement goes to Odoo at once; beyond
them (or with a rejected line) it waits for a buyer, and only an approval sends
it. Every version is kept; a newer one supersedes the older. Status changes go
through ``Acknowledgement.lifecycle`` (``portal.lifecycle``), which audits them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from portal import dates, l10n
from portal.dates import Refused
from portal.models import Membership, Role, Tenant
from portal.services.errors import NotInScope
from suppliers.models import Acknowledgement, AcknowledgementLine, AckStatus, PurchaseOrder, PurchaseOrderLine
from suppliers.models.rules import rules_for
from suppliers.quantities import NumberError, check_quantity, plain
from suppliers.selectors import po_counts_changed, po_get
from suppliers.services.acknowledgement_payloads import emit_review_request, emit_to_odoo
from suppliers.services.asn_inputs import accepted

Decision = AcknowledgementLine.Decision
Status = Acknowledgement.Status
DECIDERS = {Role.BUYER, Role.TENANT_ADMIN}


@dataclass
class LineAnswer:
    """The supplier's answer for one PO line, as the page's form or the API's serializer read it.

    A value they could not read is ``Refused`` (reported with the other errors of the answer).
    """

    line_id: int
    decision: str = Decision.ACCEPT
    promised_date: dt.date | Refused | None = None
    promised_qty: Decimal | Refused | None = None
    reason: str = ""


# A requested day is the tenant-zone day of Odoo's date_planned (portal.dates).
local_date = dates.day_of


def _promised_qty(value: Decimal | Refused | None, field: str, errors: dict) -> Decimal | None:
    number = accepted(value, field, errors)
    if number is None:
        return None
    try:  # the digits every path agrees on (suppliers.quantities)
        if number <= 0:
            raise NumberError(gettext("Promise a quantity above 0 (got %(got)s).") % {"got": plain(number)})
        return check_quantity(number)
    except NumberError as exc:
        errors[field] = str(exc)
        return None


def _within(tenant: Tenant, line: AcknowledgementLine) -> bool:
    if line.decision == Decision.REJECT:
        return False
    if line.decision == Decision.ACCEPT:
        return True
    rules = rules_for(tenant)
    delta = line.date_delta_days
    if delta is not None and (delta < -rules.ack_days_early or delta > rules.ack_days_late):
        return False
    if line.promised_qty is not None and line.requested_qty:
        pct = (line.promised_qty - line.requested_qty) / line.requested_qty * 100
        if pct > rules.ack_qty_over_pct or -pct > rules.ack_qty_under_pct:
            return False
    return True


def _build_lines(
    po: PurchaseOrder, po_lines: list[PurchaseOrderLine], answers: Sequence[LineAnswer]
) -> list[AcknowledgementLine]:
    """One answer per PO line, each checked; raises ``ValidationError`` keyed ``lines.N.field``."""
    errors: dict[str, str] = {}
    by_id = {line.pk: line for line in po_lines}
    given: dict[int, tuple[int, LineAnswer]] = {}
    for index, answer in enumerate(answers):
        if answer.line_id not in by_id:
            errors[f"lines.{index}.line_id"] = gettext("Line %(line)s is not a line of %(po)s.") % {
                "line": answer.line_id,
                "po": po.name,
            }
        elif answer.line_id in given:
            errors[f"lines.{index}.line_id"] = gettext("This line is answered twice.")
        else:
            given[answer.line_id] = (index, answer)
    for line in po_lines:
        if line.pk not in given and not errors:
            errors["lines"] = gettext("Answer every line of %(po)s: “%(line)s” has no answer.") % {
                "po": po.name,
                "line": line.description[:60],
            }
    built = []
    for line_id, (index, answer) in given.items():
        built_line = _answer_line(po, by_id[line_id], answer, f"lines.{index}", errors)
        if built_line is not None:
            built.append(built_line)
    if errors:
        raise ValidationError(errors)
    return built


def _answer_line(
    po: PurchaseOrder, line: PurchaseOrderLine, answer: LineAnswer, prefix: str, errors: dict
) -> AcknowledgementLine | None:
    """The acknowledgement line for one answer: what is promised, by the decision's rules."""
    decision = answer.decision or Decision.ACCEPT
    if decision not in Decision.values:
        errors[f"{prefix}.decision"] = gettext("Choose one of %(choices)s (got “%(got)s”).") % {
            "choices": ", ".join(Decision.values),
            "got": decision,
        }
        return None
    requested_date = local_date(line.date_planned, po.tenant)
    promised_date = accepted(answer.promised_date, f"{prefix}.promised_date", errors)
    promised_qty = _promised_qty(answer.promised_qty, f"{prefix}.promised_qty", errors)
    reason = (answer.reason or "").strip()
    if decision == Decision.CHANGE:
        promised_date, promised_qty = _change(po, line, requested_date, promised_date, promised_qty, prefix, errors)
        if promised_date == requested_date and promised_qty == line.quantity:
            decision = Decision.ACCEPT
    elif decision == Decision.REJECT:
        if not reason:
            errors[f"{prefix}.reason"] = gettext("Say why you cannot deliver this line.")
        promised_date, promised_qty = None, None
    if decision == Decision.ACCEPT:
        promised_date, promised_qty = requested_date, line.quantity
    if len(reason) > 500:
        errors[f"{prefix}.reason"] = gettext("Keep the reason under %(limit)s characters (this one has %(count)s).") % {
            "limit": 500,
            "count": len(reason),
        }
    return AcknowledgementLine(
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


def _change(
    po: PurchaseOrder,
    line: PurchaseOrderLine,
    requested_date: dt.date | None,
    promised_date: dt.date | None,
    promised_qty: Decimal | None,
    prefix: str,
    errors: dict,
) -> tuple[dt.date | None, Decimal]:
    """A promise of another date and/or quantity: checked, and completed with what was asked."""
    unread = {f"{prefix}.promised_date", f"{prefix}.promised_qty"} & set(errors)
    if promised_date is None and promised_qty is None and not unread:
        errors[f"{prefix}.promised_date"] = gettext("Give the date or the quantity you can deliver.")
    if promised_date and promised_date < dates.tenant_today(po.tenant) - dt.timedelta(days=1):
        errors[f"{prefix}.promised_date"] = gettext("%(day)s is in the past; promise a coming day.") % {
            "day": l10n.day(promised_date)
        }
    promised_date = promised_date or requested_date
    promised_qty = promised_qty or line.quantity
    if promised_qty < line.qty_received:
        # Odoo refuses to order less than it has received ("create a return first").
        received = f"{l10n.qty(line.qty_received)} {line.uom_name}".strip()
        errors[f"{prefix}.promised_qty"] = gettext(
            "%(received)s of this line are received already; promise at least that."
        ) % {"received": received}
    return promised_date, promised_qty


def _header_errors(supplier_ref: str, comment: str) -> dict[str, str]:
    errors = {}
    if len(supplier_ref) > 120:
        errors["supplier_ref"] = gettext("Keep the reference under %(limit)s characters (this one has %(count)s).") % {
            "limit": 120,
            "count": len(supplier_ref),
        }
    if len(comment) > 4000:
        errors["comment"] = gettext("Keep the comment under %(limit)s characters (this one has %(count)s).") % {
            "limit": l10n.num(4000),
            "count": len(comment),
        }
    return errors


def ack_submit(
    *,
    membership: Membership,
    po_id: int,
    answers: Sequence[LineAnswer],
    supplier_ref: str = "",
    comment: str = "",
    source: str = Acknowledgement.Source.WEB,
) -> Acknowledgement:
    """Record the supplier's answer; within tolerance it goes to Odoo, beyond it waits for a buyer.

    Raises ``NotInScope`` for another partner's PO, ``ValidationError`` (keyed ``lines.N.field``,
    ``supplier_ref``, ``comment`` or ``__all__``) with every error at once.
    """
    po = po_get(membership=membership, pk=po_id)  # 404 outside the caller's scope
    if not membership.is_supplier_role:
        raise ValidationError({"__all__": gettext("Only the supplier acknowledges its orders.")})
    supplier_ref, comment = (supplier_ref or "").strip(), (comment or "").strip()
    errors = _header_errors(supplier_ref, comment)
    with transaction.atomic():
        po = PurchaseOrder.objects.select_for_update().get(pk=po.pk)
        if not po.is_open:
            errors["__all__"] = gettext("%(po)s is “%(state)s”; only open orders are acknowledged.") % {
                "po": po.name,
                "state": po.get_state_display(),
            }
        try:
            lines = _build_lines(po, list(po.lines.order_by("sequence", "id")), answers)
        except ValidationError as exc:
            errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
        if errors:
            raise ValidationError(errors)
        ack = _record(po, lines, membership, supplier_ref=supplier_ref, comment=comment, source=source)
    from suppliers.services.notifications import notify_on_commit

    if ack.status == Status.PENDING or ack.has_changes:
        notify_on_commit("ack_submitted", ack.pk)
    return ack


def _record(
    po: PurchaseOrder,
    lines: list[AcknowledgementLine],
    membership: Membership,
    *,
    supplier_ref: str,
    comment: str,
    source: str,
) -> Acknowledgement:
    """The new version, superseding a pending one; sent to Odoo or to a buyer's review."""
    for line in lines:
        line.within_tolerance = _within(po.tenant, line)
    previous = po.acknowledgements.exclude(status=Status.SUPERSEDED).first()
    if previous and previous.status == Status.PENDING:
        Acknowledgement.lifecycle.move(previous, "supersede", actor=membership.user)
        previous.save(update_fields=["status"])
    last_version = po.acknowledgements.order_by("-version").values_list("version", flat=True).first() or 0
    within = all(line.within_tolerance for line in lines)
    ack = Acknowledgement.objects.create(
        tenant=po.tenant,
        order=po,
        version=last_version + 1,
        status=Status.ACCEPTED if within else Status.PENDING,
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
        emit_to_odoo(ack, lines)
    else:
        emit_review_request(ack, lines)
    po_counts_changed(po.tenant_id)
    Acknowledgement.lifecycle.start(
        ack, actor=membership.user, action="po.acknowledged", changes={"supplier_ref": [None, supplier_ref]}
    )
    return ack


def ack_decide(*, membership: Membership, ack_id: int, approve: bool, note: str = "") -> Acknowledgement:
    """A buyer approves (sends to Odoo) or declines (asks the supplier again) a pending acknowledgement.

    Raises ``NotInScope`` for anyone but a buyer or tenant admin in scope, ``ValidationError``
    when the version is decided already, Odoo changed the PO since, or a decline has no note.
    """
    ack = Acknowledgement.objects.visible_to(membership).filter(pk=ack_id).select_related("order").first()
    if ack is None or membership.role not in DECIDERS:
        raise NotInScope()
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": gettext("Tell the supplier why the changes are declined.")})
    move = "approve" if approve else "decline"
    with transaction.atomic():
        po = PurchaseOrder.objects.select_for_update().get(pk=ack.order_id)
        ack = Acknowledgement.objects.select_for_update().get(pk=ack.pk)
        refused = gettext("Version %(version)s is “%(status)s” already.") % {
            "version": ack.version,
            "status": ack.get_status_display(),
        }
        Acknowledgement.lifecycle.check(ack, move, refused=refused)
        if po.ack_status == AckStatus.OUTDATED:
            raise ValidationError(
                {
                    "__all__": gettext(
                        "%(po)s changed in Odoo after version %(version)s; the supplier is asked to answer again."
                    )
                    % {"po": po.name, "version": ack.version}
                }
            )
        Acknowledgement.lifecycle.move(ack, move, actor=membership.user, changes={"note": [None, note]})
        ack.decided_by, ack.decided_at, ack.decision_note = membership.user, timezone.now(), note
        ack.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        po.ack_status = AckStatus.ACCEPTED if approve else AckStatus.DECLINED
        po.save(update_fields=["ack_status"])
        if approve:
            emit_to_odoo(ack, list(ack.lines.select_related("order_line")), approved_by=membership)
        po_counts_changed(po.tenant_id)
    from suppliers.services.notifications import notify_on_commit

    notify_on_commit("ack_decided", ack.pk)
    return ack
