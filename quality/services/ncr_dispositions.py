"""NCR dispositions: what happens to a quantity of a lot, the material review that approves it, and applying it.

Kinds: ``use_as_is`` (a concession until a future date), ``rework`` (with instructions), ``return``
(to the vendor), ``scrap``, ``sort`` (100 % inspection; the sorted quantities then get dispositions
of their own, ``sorted_from``). Quantities are > 0, to 0.01 (Odoo's stock precision); a lot's applied
and awaiting dispositions never exceed its affected quantity, nor sorted ones their sort.

A disposition whose NCR's severity reaches the tenant's threshold, or whose value together with the
NCR's other applied and awaiting dispositions reaches it (``approval_needed``: the NCR as a whole, so a
quantity split into small parts is reviewed all the same), waits for a second person's electronic
signature (quality engineer or tenant admin, not the author, password re-entered); otherwise it is
applied at once. Applying a use as is, return or scrap of a lot whose inspection still holds stock
writes an inspection ``Disposition`` (``disposition_from_ncr``), which takes the stock to Odoo by
``inspection.disposed``; then ``ncr.dispositioned`` carries the summary (chatter notes, the buyer's
activity) when the NCR names a receipt or PO in Odoo to note it on (none for an NCR found in
production). Applying the last disposition of a contained NCR moves it to dispositioned.

Who: ``quality.services.ncrs.ACTOR_ROLES``; anyone else gets ``NotInScope``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from integrations import topics
from integrations.services.outbox import outbox_emit
from portal import l10n
from portal.dates import tenant_today
from portal.models import Membership, Role
from portal.services.audit import audit_record
from quality.models import DefectClass, Ncr, NcrApproval, NcrDisposition, NcrLot
from quality.models.rules import quality_rules_for
from quality.services.dispositions import ODOO_STEP, disposition_from_ncr, lot_totals, lot_totals_many
from quality.services.ncr_inputs import text_refusal
from quality.services.ncr_states import lot_label
from quality.services.ncrs import check_actor, disposition_if_ready, ncr_locked
from suppliers.quantities import QUANTITY_MAX, plain

Kind = NcrDisposition.Kind
Status = NcrDisposition.Status
LIVE = (Status.APPLIED, Status.AWAITING_APPROVAL)
RANK = {DefectClass.MINOR: 1, DefectClass.MAJOR: 2, DefectClass.CRITICAL: 3}
# Why a material review is needed, by the NCR's severity: whole words per class, never a lower-cased label.
SEVERITY_REASONS = {
    DefectClass.CRITICAL: gettext_lazy("severity critical"),
    DefectClass.MAJOR: gettext_lazy("severity major"),
    DefectClass.MINOR: gettext_lazy("severity minor"),
}
INSTRUCTIONS_MAX = 2000
ZERO = Decimal(0)


def committed_value(dispositions, *, exclude: int | None = None) -> Decimal:
    """What the NCR's dispositions dispose of together, in PO currency: applied and awaiting ones (refused and
    withdrawn ones decide nothing), except sorts, whose quantity is counted again by the dispositions given
    after sorting; ``exclude``: a disposition's id left out (the one being judged)."""
    return sum(
        (d.value for d in dispositions if d.status in LIVE and d.kind != Kind.SORT and d.pk != exclude),
        ZERO,
    )


def approval_needed(ncr: Ncr, *, value: Decimal, others: Decimal | None = None, rules=None) -> str:
    """Why a disposition of ``value`` (PO currency) needs a material review, in words; "" when it does not.

    The value threshold counts the NCR as a whole: ``value`` plus ``others``, what its other applied and
    awaiting dispositions dispose of (``committed_value``; read now when None), so splitting a quantity into
    parts below the threshold never dodges the review. ``rules``: the tenant's ``QualityRules`` when read
    already. E.g. "severity critical", "value 1,250.00 EUR (625.00 with 625.00 of the NCR's other dispositions)
    >= 1,000.00".
    """
    rules = rules or quality_rules_for(ncr.tenant)
    reasons = []
    if rules.approval_severity in RANK and RANK.get(ncr.severity, 0) >= RANK[rules.approval_severity]:
        reasons.append(str(SEVERITY_REASONS[ncr.severity]))
    if rules.approval_value > 0:
        if others is None:
            others = committed_value(ncr.dispositions.filter(status__in=LIVE).only("value", "kind", "status"))
        total = value + others
        if total >= rules.approval_value:
            currency = f" {ncr.currency_code}" if ncr.currency_code else ""
            if others:
                text = _(
                    "value %(total)s%(currency)s (%(value)s with %(others)s of the NCR's other dispositions) "
                    ">= %(limit)s"
                )
            else:
                text = _("value %(total)s%(currency)s >= %(limit)s")
            reasons.append(
                text
                % {
                    "total": l10n.num(total, 2),
                    "currency": currency,
                    "value": l10n.num(value, 2),
                    "others": l10n.num(others, 2),
                    "limit": l10n.num(rules.approval_value, 2),
                }
            )
    return "; ".join(reasons)


def _check_quantity(quantity, lot: NcrLot, sorted_from: NcrDisposition | None) -> None:
    if not isinstance(quantity, Decimal) or not quantity.is_finite():
        raise ValidationError({"quantity": _("Give a number.")})
    if quantity <= 0:
        raise ValidationError({"quantity": _("Give a quantity above 0 (got %(value)s).") % {"value": plain(quantity)}})
    # The bound first: Decimal arithmetic on an absurd number (1E+30 % 0.01) raises, not refuses.
    if quantity > QUANTITY_MAX:
        raise ValidationError({"quantity": _("The largest quantity is %(max)s.") % {"max": l10n.num(QUANTITY_MAX)}})
    if quantity % ODOO_STEP:
        raise ValidationError(
            {"quantity": _("Odoo counts stock to %(step)s: give at most two decimals.") % {"step": ODOO_STEP}}
        )
    left = _open_quantity(lot, sorted_from)
    if quantity > left:
        if sorted_from:
            text = _("Only %(left)s of the sort of %(quantity)s are left to dispose of.")
            quantity_of = l10n.qty(sorted_from.quantity)
        else:
            text = _("Only %(left)s of %(lot)s's %(quantity)s are left to dispose of.")
            quantity_of = l10n.qty(lot.affected)
        left_text = l10n.qty(max(left, ZERO))
        raise ValidationError({"quantity": text % {"left": left_text, "lot": lot_label(lot), "quantity": quantity_of}})


def _check_kind(ncr: Ncr, kind: str, instructions: str, concession_until, sorted_from) -> dict[str, str]:
    errors = {}
    if kind not in Kind.values:
        errors["kind"] = _("Choose one of %(values)s.") % {"values": ", ".join(Kind.values)}
    if refusal := text_refusal(instructions):
        errors["instructions"] = refusal
    elif len(instructions) > INSTRUCTIONS_MAX:
        errors["instructions"] = _("Write the instructions in at most %(max)s characters of text.") % {
            "max": INSTRUCTIONS_MAX
        }
    elif kind == Kind.REWORK and not instructions:
        errors["instructions"] = _("Say how the rework is done.")
    if kind == Kind.USE_AS_IS:
        if not isinstance(concession_until, date):
            errors["concession_until"] = _("A concession needs the date it ends.")
        elif concession_until <= tenant_today(ncr.tenant):  # the tenant's day, not the server's
            errors["concession_until"] = _("A concession ends in the future, not on %(day)s.") % {
                "day": f"{concession_until:%Y-%m-%d}"
            }
    if sorted_from is not None and kind == Kind.SORT:
        errors["kind"] = _("Sorted quantities get a disposition of their own: use as is, rework, return or scrap.")
    return errors


def _open_quantity(lot: NcrLot, sorted_from: NcrDisposition | None) -> Decimal:
    """What is left to dispose of: of the lot (top-level dispositions), or of the sort (its sorted ones)."""
    live = NcrDisposition.objects.filter(status__in=LIVE)
    if sorted_from is None:
        used = live.filter(lot=lot, sorted_from__isnull=True).aggregate(q=Sum("quantity"))["q"] or ZERO
        return lot.affected - used
    used = live.filter(sorted_from=sorted_from).aggregate(q=Sum("quantity"))["q"] or ZERO
    return sorted_from.quantity - used


# English here (tests and callers compare them); ``stock_notes`` translates them when it answers.
NOT_HELD = gettext_noop("Nothing moves in Odoo: the lot is no longer held by the portal.")
NEVER_HELD = gettext_noop(
    "Nothing moves in Odoo: the portal holds no stock of this lot (no incoming inspection of it)."
)


def stock_notes(lots) -> dict[int, str]:
    """Lot id -> what a disposition of it will not do in Odoo (``NOT_HELD``, ``NEVER_HELD``); lots whose
    stock the portal still holds are left out. Two queries whatever the number of lots."""
    inspected = [lot for lot in lots if lot.inspection_id is not None]
    totals = lot_totals_many([lot.inspection for lot in inspected])
    notes = {lot.pk: _(NEVER_HELD) for lot in lots if lot.inspection_id is None}
    notes.update({lot.pk: _(NOT_HELD) for lot in inspected if totals[lot.inspection_id].held <= 0})
    return notes


def _check_stock(lot: NcrLot, kind: str, quantity: Decimal) -> None:
    """Early word that the lot's held stock cannot take it (``disposition_from_ncr`` checks again when applied)."""
    if kind not in (Kind.USE_AS_IS, Kind.RETURN, Kind.SCRAP) or lot.inspection_id is None:
        return
    held = lot_totals(lot.inspection).held
    if 0 < held < quantity:
        raise ValidationError(
            {
                "quantity": _(
                    "Only %(held)s of %(lot)s are still held in stock: give at most %(held)s here, or dispose of "
                    "the held quantity first."
                )
                % {"held": l10n.qty(held), "lot": lot_label(lot)}
            }
        )


def _check_open(ncr: Ncr) -> None:
    if ncr.status not in (Ncr.Status.OPEN, Ncr.Status.CONTAINED):
        raise ValidationError(
            _("%(ncr)s is “%(status)s”: no more dispositions.")
            % {"ncr": ncr.number, "status": ncr.get_status_display()}
        )


@transaction.atomic
def ncr_disposition_propose(
    *,
    membership: Membership,
    ncr: Ncr,
    lot: NcrLot,
    kind: str,
    quantity: Decimal,
    instructions: str = "",
    concession_until: date | None = None,
    sorted_from: NcrDisposition | None = None,
) -> NcrDisposition:
    """Propose a disposition of ``quantity`` (product's unit) of one NCR lot; applied at once unless
    ``approval_needed``, else awaiting a material review. ``sorted_from``: an applied sort of the same
    lot the quantity was sorted from. Raises ``ValidationError`` (``lot``, ``kind``, ``quantity``,
    ``instructions``, ``concession_until``, ``sorted_from``, ``__all__`` for the NCR's state), ``NotInScope``.
    """
    check_actor(membership, ncr)
    ncr = ncr_locked(ncr)
    _check_open(ncr)
    if lot is None or lot.ncr_id != ncr.pk:
        raise ValidationError({"lot": _("Choose a lot of %(ncr)s.") % {"ncr": ncr.number}})
    lot = NcrLot.objects.get(pk=lot.pk)
    instructions = (instructions or "").strip()
    errors = _check_kind(ncr, kind, instructions, concession_until, sorted_from)
    if sorted_from is not None:
        sorted_from = NcrDisposition.objects.filter(pk=sorted_from.pk, lot=lot).first()
        if sorted_from is None or sorted_from.kind != Kind.SORT or sorted_from.status != Status.APPLIED:
            errors["sorted_from"] = _("Sorted quantities come from an applied sort of the same lot.")
    if errors:
        raise ValidationError(errors)
    _check_quantity(quantity, lot, sorted_from)
    _check_stock(lot, kind, quantity)
    value = (quantity * ncr.unit_price).quantize(Decimal("0.01"))
    why = approval_needed(ncr, value=value)
    disposition = NcrDisposition.objects.create(
        tenant_id=ncr.tenant_id,
        ncr=ncr,
        lot=lot,
        kind=kind,
        quantity=quantity,
        instructions=instructions,
        concession_until=concession_until if kind == Kind.USE_AS_IS else None,
        sorted_from=sorted_from,
        status=Status.AWAITING_APPROVAL if why else Status.APPLIED,
        value=value,
        proposed_by=membership.user,
    )
    audit_record(
        tenant=ncr.tenant,
        actor=membership.user,
        action="ncr.disposition_proposed",
        obj=ncr,
        changes={"disposition": [None, disposition_words(disposition)], "material_review": [None, why or "not needed"]},
    )
    if not why:
        _apply(ncr, disposition, actor=membership.user)
    return disposition


def disposition_words(d: NcrDisposition) -> str:
    """What the disposition does, in words: "return 30 of lot L-1 to the vendor"."""
    # Words in the active language: the page shows them, and a signature records what its signer read.
    params = {"quantity": l10n.qty(d.quantity), "lot": lot_label(d.lot)}
    if d.kind == Kind.USE_AS_IS and d.concession_until:
        return _("use %(quantity)s of %(lot)s as is until %(day)s") % {
            **params,
            "day": f"{d.concession_until:%Y-%m-%d}",
        }
    texts = {
        Kind.REWORK: _("rework %(quantity)s of %(lot)s"),
        Kind.RETURN: _("return %(quantity)s of %(lot)s to the vendor"),
        Kind.SCRAP: _("scrap %(quantity)s of %(lot)s"),
        Kind.SORT: _("sort %(quantity)s of %(lot)s (100 %% inspection)"),
    }
    return texts.get(d.kind, _("use %(quantity)s of %(lot)s as is")) % params


def _apply(ncr: Ncr, disposition: NcrDisposition, *, actor, approved_by=None) -> None:
    """Move the stock (when the lot holds it), mark applied, emit ``ncr.dispositioned``; the NCR is locked."""
    stock = disposition_from_ncr(ncr_disposition=disposition, actor=actor)
    disposition.stock = stock
    disposition.status = Status.APPLIED
    disposition.applied_at = timezone.now()
    noted = dispositioned_emit(ncr, disposition, approved_by=approved_by)
    disposition.save(update_fields=["stock", "status", "applied_at", "outbox_event"])
    changes = {"disposition": [None, disposition_words(disposition)], "stock_moved": [None, stock is not None]}
    changes["odoo_note"] = [None, "on the receipt and the PO" if noted else "none: no receipt or PO in Odoo"]
    audit_record(tenant=ncr.tenant, actor=actor, action="ncr.disposition_applied", obj=ncr, changes=changes)
    disposition_if_ready(ncr, actor)


def dispositioned_emit(ncr: Ncr, disposition: NcrDisposition, *, approved_by=None) -> bool:
    """Emit ``ncr.dispositioned`` for an applied disposition (set on ``disposition.outbox_event``, not saved)
    when the NCR names a receipt or PO in Odoo; answers whether it did. Also used for the dispositions the
    dock's decisions record (``ncr_inspections``), so Odoo hears of every applied one alike."""
    payload = ncr_disposition_payload(ncr, disposition, approved_by=approved_by)
    # The note goes on the receipt and the PO in Odoo: an NCR naming neither (found in production, at a
    # customer) has nowhere to post it, and an event the handler must refuse would only end dead.
    noted = payload["receipt_odoo_id"] is not None or payload["po_odoo_id"] is not None
    if noted:
        disposition.outbox_event = outbox_emit(
            tenant=ncr.tenant, topic=topics.NCR_DISPOSITIONED, aggregate=ncr, payload=payload
        )
    return noted


def _kind_label_for_odoo(ncr: Ncr, d: NcrDisposition) -> str:
    with translation.override(l10n.tenant_language(ncr.tenant)):
        return str(d.get_kind_display())


def ncr_disposition_payload(ncr: Ncr, d: NcrDisposition, *, approved_by=None) -> dict:
    """The ``ncr.dispositioned`` payload (see the agreed shape in the module docstring of the handler):
    the NCR, its receipt and PO, and the disposition (quantity as a float in the product's unit;
    ``stock_moved``: whether it moved held stock through ``inspection.disposed``)."""
    receipt, order = ncr.receipt, ncr.order
    return {
        "ncr_id": ncr.pk,
        "ncr_number": ncr.number,
        "title": ncr.title,
        "severity": ncr.severity,
        "partner": ncr.partner.name,
        "product": str(ncr.product),
        "defect_codes": sorted(ncr.defect_codes.values_list("code", flat=True)),
        "receipt_odoo_id": receipt.odoo_id if receipt else None,
        "receipt_name": receipt.name if receipt else "",
        "po_odoo_id": order.odoo_id if order else None,
        "po_name": order.name if order else "",
        "disposition": {
            "id": d.pk,
            "kind": d.kind,
            # The handler names the kind by its code in the tenant's language; this label (in it too) is
            # what an older handler reads.
            "kind_label": _kind_label_for_odoo(ncr, d),
            "lot_name": d.lot.lot_name,
            "quantity": float(d.quantity),
            "uom": ncr.product.uom_name,
            "instructions": d.instructions,
            "concession_until": d.concession_until.isoformat() if d.concession_until else None,
            "proposed_by": (d.proposed_by.get_full_name() or d.proposed_by.email) if d.proposed_by else "",
            "approved_by": (approved_by.get_full_name() or approved_by.email) if approved_by else None,
            "stock_moved": d.stock_id is not None,
        },
    }


# --- material review ----------------------------------------------------------------------------


def _awaiting(membership: Membership, disposition: NcrDisposition) -> tuple[Ncr, NcrDisposition]:
    check_actor(membership, disposition.ncr)
    ncr = ncr_locked(disposition.ncr)
    disposition = NcrDisposition.objects.select_related("lot", "proposed_by").get(pk=disposition.pk)
    if disposition.status != Status.AWAITING_APPROVAL:
        raise ValidationError(
            _("This disposition is “%(status)s”: there is nothing to review.")
            % {"status": disposition.get_status_display()}
        )
    return ncr, disposition


def _sign(membership, ncr, disposition, *, decision: str, password: str, comment: str) -> NcrApproval:
    user = membership.user
    if membership.role not in (Role.QUALITY_ENGINEER, Role.TENANT_ADMIN):
        raise ValidationError(_("A material review is signed by a quality engineer or a tenant admin."))
    if disposition.proposed_by_id == user.pk:
        raise ValidationError(_("The author of a disposition cannot approve it: a second person signs the review."))
    if not password or not user.check_password(password):
        raise ValidationError({"password": _("That is not your password: the signature was not recorded.")})
    comment = (comment or "").strip()
    if refusal := text_refusal(comment):
        raise ValidationError({"comment": refusal})
    if len(comment) > INSTRUCTIONS_MAX:
        raise ValidationError(
            {"comment": _("Write the comment in at most %(max)s characters of text.") % {"max": INSTRUCTIONS_MAX}}
        )
    if decision == NcrApproval.Decision.REFUSE and not comment:
        raise ValidationError({"comment": _("Say why the disposition is refused.")})
    label = NcrApproval.Decision(decision).label
    approval = NcrApproval.objects.create(
        tenant_id=ncr.tenant_id,
        ncr=ncr,
        disposition=disposition,
        decision=decision,
        signer=user,
        signer_role=membership.role,
        meaning=f"{label}: {disposition_words(disposition)}"[:300],
        comment=comment,
        signed_at=timezone.now(),
    )
    audit_record(
        tenant=ncr.tenant,
        actor=user,
        action=f"ncr.disposition_{'approved' if decision == NcrApproval.Decision.APPROVE else 'refused'}",
        obj=ncr,
        changes={"signature": [None, approval.meaning], "comment": [None, comment]},
    )
    return approval


@transaction.atomic
def ncr_disposition_approve(
    *, membership: Membership, disposition: NcrDisposition, password: str, comment: str = ""
) -> NcrDisposition:
    """Sign the material review "Approved: <what>" (password re-entered, server time) and apply the disposition.
    Raises ``ValidationError`` (the author, a wrong ``password``, not awaiting, the lot's stock), ``NotInScope``."""
    ncr, disposition = _awaiting(membership, disposition)
    _sign(membership, ncr, disposition, decision=NcrApproval.Decision.APPROVE, password=password, comment=comment)
    _apply(ncr, disposition, actor=membership.user, approved_by=membership.user)
    return disposition


@transaction.atomic
def ncr_disposition_refuse(
    *, membership: Membership, disposition: NcrDisposition, password: str, comment: str
) -> NcrDisposition:
    """Sign "Refused: <what>" with a comment; the quantity is free to dispose of again. Raises as approve."""
    ncr, disposition = _awaiting(membership, disposition)
    _sign(membership, ncr, disposition, decision=NcrApproval.Decision.REFUSE, password=password, comment=comment)
    disposition.status = Status.REFUSED
    disposition.save(update_fields=["status"])
    return disposition


@transaction.atomic
def ncr_disposition_withdraw(*, membership: Membership, disposition: NcrDisposition) -> NcrDisposition:
    """Withdraw a disposition awaiting review: its author, or any quality engineer or tenant admin who may act
    on the NCR (``ACTOR_ROLES``, checked by ``_awaiting``). Raises ``ValidationError`` (not awaiting),
    ``NotInScope``."""
    ncr, disposition = _awaiting(membership, disposition)
    disposition.status = Status.WITHDRAWN
    disposition.save(update_fields=["status"])
    audit_record(
        tenant=ncr.tenant,
        actor=membership.user,
        action="ncr.disposition_withdrawn",
        obj=ncr,
        changes={"disposition": [disposition_words(disposition), "withdrawn"]},
    )
    return disposition
