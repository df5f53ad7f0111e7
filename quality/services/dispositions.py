"""Dispositions: what quality decides to do with an inspected lot, and the event that takes it to Odoo.

A signed inspection's lot is released, returned to the vendor, scrapped, held, or split between
them (``quality.models.Disposition``). Several decisions on one lot add up and can never decide
more than the lot size; what none decided stays held. Each decision that moves stock emits
``inspection.disposed`` in its transaction, with the PO as aggregate (the receipts of one PO share
their quality-control and storage transfers in Odoo, so their events are delivered in order) and
the summed quantities of every decided lot of that PO as payload (``disposition_payload``).

Who: inspectors and quality engineers who see the inspection's partner; anyone else gets
``NotInScope`` (404). Refusals are ``ValidationError`` keyed by field (``released``,
``returned``, ``scrapped``, ``reason``) or unkeyed for the inspection's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import translation
from django.utils.translation import gettext as _

from integrations import topics
from integrations.services.outbox import outbox_emit
from portal import l10n
from portal.models import Membership
from portal.services.audit import audit_record
from quality.models import Disposition, Inspection
from quality.services.recording import check_recorder
from suppliers.models import PurchaseOrder, Receipt

REASON_MAX = 2000
ZERO = Decimal(0)


@dataclass(frozen=True)
class LotTotals:
    """What has been decided for one lot (summed over its dispositions) and what is still held."""

    lot_size: Decimal
    released: Decimal = ZERO
    returned: Decimal = ZERO
    scrapped: Decimal = ZERO

    @property
    def decided(self) -> Decimal:
        return self.released + self.returned + self.scrapped

    @property
    def held(self) -> Decimal:
        return max(self.lot_size - self.decided, ZERO)


def lot_dispositions(inspection: Inspection):
    """Dispositions of the physical lot: every inspection (re-inspections, corrections) of it on that receipt line."""
    return Disposition.objects.filter(
        inspection__receipt_id=inspection.receipt_id,
        inspection__receipt_move_id=inspection.receipt_move_id,
        inspection__lot_name=inspection.lot_name,
    )


def _same_lot_inspections(inspection: Inspection):
    return Inspection.objects.filter(
        receipt_id=inspection.receipt_id, receipt_move_id=inspection.receipt_move_id, lot_name=inspection.lot_name
    )


def lot_key(inspection: Inspection) -> tuple:
    """The physical lot an inspection is of: (receipt, receipt line, lot name)."""
    return inspection.receipt_id, inspection.receipt_move_id, inspection.lot_name


def lot_totals_many(inspections: list[Inspection]) -> dict[int, LotTotals]:
    """Inspection id -> the summed decisions on its lot (every inspection of it) against the lot as
    received (its original inspection's size: a re-inspection may be of part of it). Two queries
    whatever the number of inspections; the caller passes inspections it may see."""
    if not inspections:
        return {}
    receipts = {i.receipt_id for i in inspections}
    sums = {
        (row["inspection__receipt_id"], row["inspection__receipt_move_id"], row["inspection__lot_name"]): row
        for row in Disposition.objects.filter(inspection__receipt_id__in=receipts)
        .values("inspection__receipt_id", "inspection__receipt_move_id", "inspection__lot_name")
        .annotate(r=Sum("released"), t=Sum("returned"), s=Sum("scrapped"))
        .order_by()
    }
    received = {
        (row["receipt_id"], row["receipt_move_id"], row["lot_name"]): row["lot_size"]
        for row in Inspection.objects.filter(receipt_id__in=receipts, sequence=1)
        .values("receipt_id", "receipt_move_id", "lot_name", "lot_size")
        .order_by()
    }
    totals = {}
    for inspection in inspections:
        row = sums.get(lot_key(inspection), {})
        totals[inspection.pk] = LotTotals(
            lot_size=received.get(lot_key(inspection), inspection.lot_size),
            released=row.get("r") or ZERO,
            returned=row.get("t") or ZERO,
            scrapped=row.get("s") or ZERO,
        )
    return totals


def lot_totals(inspection: Inspection) -> LotTotals:
    """The summed decisions on ``inspection``'s lot (``lot_totals_many`` for one)."""
    return lot_totals_many([inspection])[inspection.pk]


def disposition_kind(*, totals: LotTotals, released: Decimal, returned: Decimal, scrapped: Decimal) -> str:
    """The decision's name: ``hold`` (nothing moves), ``accept`` (all that was held released),
    ``reject`` (nothing released), else ``partial``."""
    if released == returned == scrapped == ZERO:
        return Disposition.Kind.HOLD
    if returned == scrapped == ZERO and released == totals.held:
        return Disposition.Kind.ACCEPT
    if released == ZERO:
        return Disposition.Kind.REJECT
    return Disposition.Kind.PARTIAL


# Odoo keeps stock quantities to the decimal precision "Product Unit of Measure": 0.01 for every unit in
# both reference servers (odoo19/DIFF.md, uom.uom reads). A finer quantity would be rounded away by Odoo
# on write, and the handler could never converge to it, so it is refused here.
ODOO_STEP = Decimal("0.01")


def _check_quantities(totals: LotTotals, quantities: dict[str, Decimal]) -> dict[str, str]:
    errors = {}
    for name, value in quantities.items():
        if not isinstance(value, Decimal) or not value.is_finite():
            errors[name] = _("Give a number.")
        elif value < 0:
            errors[name] = _("A quantity cannot be negative.")
        elif value % ODOO_STEP:
            errors[name] = _("Odoo counts stock to %(step)s: give at most two decimals, not %(value)s.") % {
                "step": ODOO_STEP,
                "value": f"{value.normalize():f}",
            }
    if errors:
        return errors
    asked = sum(quantities.values(), ZERO)
    if totals.held <= 0:
        errors["__all__"] = _("Everything in this lot is decided already: nothing is left to release, return or hold.")
    elif asked > totals.held:
        errors["__all__"] = _(
            "Only %(held)s of the lot's %(size)s are still to decide; these quantities add up to %(asked)s."
        ) % {
            "held": l10n.qty(totals.held),
            "size": l10n.qty(totals.lot_size),
            "asked": l10n.qty(asked),
        }
    return errors


def newest_of_lot(inspection: Inspection) -> Inspection | None:
    """The inspection that speaks for the lot now: the highest sequence (re-inspections), then the highest
    revision (corrections), cancelled ones left out; None when every one is cancelled."""
    return (
        _same_lot_inspections(inspection)
        .exclude(status=Inspection.Status.CANCELLED)
        .order_by("-sequence", "-revision", "-id")
        .first()
    )


def _check_state(inspection: Inspection) -> None:
    newest = newest_of_lot(inspection)
    if newest is not None and newest.pk != inspection.pk:
        if newest.corrects_id == inspection.pk:
            raise ValidationError(
                _(
                    "This inspection has a correction: decide on the lot once the correction is signed, or discard "
                    "the correction to decide from this version."
                )
            )
        raise ValidationError(
            _("This lot has a newer inspection (#%(sequence)s, %(status)s): decide from it.")
            % {"sequence": newest.sequence, "status": newest.get_status_display()}
        )
    if inspection.status == Inspection.Status.SKIPPED:
        raise ValidationError(_("This lot was released without inspection (skip-lot): there is nothing to decide."))
    if inspection.status != Inspection.Status.SIGNED:
        raise ValidationError(
            _("This inspection is “%(status)s”: sign it before deciding on the lot.")
            % {"status": inspection.get_status_display()}
        )


def _check_coverage(inspection: Inspection, totals: LotTotals, asked: Decimal) -> None:
    """A re-inspection of part of a lot decides that part at most: what it did not see stays held."""
    if inspection.lot_size >= totals.lot_size:
        return
    own = inspection.dispositions.aggregate(d=Sum(F("released") + F("returned") + F("scrapped")))["d"] or ZERO
    if own + asked > inspection.lot_size:
        raise ValidationError(
            _(
                "This inspection covers %(covered)s of the lot's %(size)s, and %(own)s are decided from it "
                "already: decide the rest from an inspection of it."
            )
            % {
                "covered": l10n.qty(inspection.lot_size),
                "size": l10n.qty(totals.lot_size),
                "own": l10n.qty(own),
            }
        )


def _check_review(claim, asked: Decimal) -> None:
    """A stock-moving decision on a lot an open NCR claims (``ncr_inspections.lot_claim``), from any inspection
    of it, that the NCR's material review would judge (its severity, or its value with the part of this
    decision the NCR still claims) is proposed on the NCR, where a second person signs it: deciding it at the
    dock would bypass the review. A hold moves nothing and stays allowed; an NCR that claims nothing (all of it
    disposed of, e.g. reworked) leaves the dock to decide."""
    if claim is None or asked <= 0:
        return
    from quality.services.ncr_dispositions import approval_needed

    value = (min(asked, claim.remaining) * claim.ncr.unit_price).quantize(Decimal("0.01"))
    why = approval_needed(claim.ncr, value=value)
    if why:
        raise ValidationError(
            _("This decision needs a material review (%(why)s): propose it on %(ncr)s, where a second person signs it.")
            % {"why": why, "ncr": claim.ncr.number}
        )


def _needs_reason(inspection: Inspection, kind: str) -> bool:
    return not (kind == Disposition.Kind.ACCEPT and inspection.verdict == Inspection.Verdict.ACCEPT)


@transaction.atomic
def disposition_record(
    *,
    membership: Membership,
    inspection: Inspection,
    released: Decimal = ZERO,
    returned: Decimal = ZERO,
    scrapped: Decimal = ZERO,
    reason: str = "",
) -> Disposition:
    """Decide on (part of) a signed inspection's lot: quantities in the product's unit, each >= 0.

    All zero is a hold, which needs a reason; so does anything but releasing the whole remainder of
    an accepted lot (a reject, a split, releasing from a rejected lot). The quantities together may
    not exceed what is still held (``lot_totals``). Emits ``inspection.disposed`` unless it is a hold.
    The open NCR that claims the lot (``lot_claim``: whatever the verdict of the inspection decided from)
    records the decision, up to what it claims (``ncr_record_dock_decision``); one its rules send to a
    material review is refused here and proposed on the NCR instead. Raises ``ValidationError`` (keyed as
    above, or unkeyed for an inspection not signed or corrected, or a decision that needs a review),
    ``NotInScope``.
    """
    check_recorder(membership, inspection)
    inspection = Inspection.objects.select_for_update(of=("self",)).get(pk=inspection.pk)
    _check_state(inspection)
    order = _lock_aggregate(inspection)
    totals = lot_totals(inspection)
    quantities = {"released": released, "returned": returned, "scrapped": scrapped}
    errors = _check_quantities(totals, quantities)
    if errors:
        raise ValidationError(errors)
    _check_coverage(inspection, totals, released + returned + scrapped)
    # The NCR services first: they load their opening module (ncr_inspections) at their end, an import cycle.
    import quality.services.ncrs  # noqa: F401
    from quality.services.ncr_inspections import lot_claim, ncr_record_dock_decision

    claim = lot_claim(inspection)
    _check_review(claim, released + returned + scrapped)
    kind = disposition_kind(totals=totals, released=released, returned=returned, scrapped=scrapped)
    reason = (reason or "").strip()
    if "\x00" in reason or len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": _("Write the reason in at most %(max)s characters of text.") % {"max": REASON_MAX}}
        )
    if not reason and _needs_reason(inspection, kind):
        raise ValidationError({"reason": _("Say why: a reject, a split or a hold needs a reason.")})
    disposition = _disposition_save(
        inspection=inspection, order=order, kind=kind, quantities=quantities, reason=reason, actor=membership.user
    )
    if claim is not None and disposition.kind != Disposition.Kind.HOLD:
        ncr_record_dock_decision(claim=claim, decision=disposition)
    if inspection.verdict == Inspection.Verdict.ACCEPT and (returned or scrapped):
        # Part of an accepted lot goes back or is scrapped: that is a nonconformance, so it gets its NCR.
        from quality.services.ncrs import ncr_open_from_inspection

        ncr_open_from_inspection(inspection=inspection)
    return disposition


# What an NCR disposition moves in the lot's stock; rework and sort leave it held.
NCR_STOCK_FIELDS = {"use_as_is": "released", "return": "returned", "scrap": "scrapped"}


def disposition_from_ncr(*, ncr_disposition, actor) -> Disposition | None:
    """Move an applied NCR disposition's quantity in its lot's held stock: use as is -> released, return ->
    returned, scrap -> scrapped, as an inspection ``Disposition`` (reason "NCR-00001: <kind>") that emits
    ``inspection.disposed`` like any other. Answers None when the lot has no inspection or holds nothing
    any more (released or decided earlier): the NCR records the disposition without moving stock.
    Run inside the NCR service's transaction, which checked who acts. Raises ``ValidationError`` (keyed
    ``quantity``) when the lot holds some, but less than the quantity, or its inspection cannot be
    decided from now (an open correction or re-inspection)."""
    field = NCR_STOCK_FIELDS.get(ncr_disposition.kind)
    lot = ncr_disposition.lot
    if field is None or lot.inspection_id is None:
        return None
    inspection = newest_of_lot(lot.inspection) or lot.inspection
    inspection = Inspection.objects.select_for_update(of=("self",)).get(pk=inspection.pk)
    order = _lock_aggregate(inspection)
    totals = lot_totals(inspection)
    quantity = ncr_disposition.quantity
    if totals.held <= 0:
        return None
    if totals.held < quantity:
        raise ValidationError(
            {
                "quantity": _(
                    "Only %(held)s of this lot are still held in stock (the rest was decided at the inspection): "
                    "give at most %(held)s here, or dispose of the held quantity first."
                )
                % {"held": l10n.qty(totals.held)}
            }
        )
    _check_state(inspection)
    _check_coverage(inspection, totals, quantity)
    _check_other_claim(inspection, ncr_disposition.ncr)
    quantities = {"released": ZERO, "returned": ZERO, "scrapped": ZERO, field: quantity}
    kind = disposition_kind(totals=totals, **quantities)
    # Kept on the disposition and sent to Odoo: in the tenant's language, whoever's request decides.
    with translation.override(l10n.tenant_language(inspection.tenant)):
        reason = f"{ncr_disposition.ncr.number}: {ncr_disposition.get_kind_display()}"
    return _disposition_save(
        inspection=inspection, order=order, kind=kind, quantities=quantities, reason=reason, actor=actor
    )


def _check_other_claim(inspection: Inspection, ncr) -> None:
    """Another open NCR claims the lot's stock: its material review decides it, not this NCR's."""
    import quality.services.ncrs  # noqa: F401  (loads ncr_inspections in its turn: see disposition_record)
    from quality.services.ncr_inspections import lot_claim

    claim = lot_claim(inspection)
    if claim is not None and claim.ncr.pk != ncr.pk:
        raise ValidationError(
            {"quantity": _("%(ncr)s is open for this lot: its stock is disposed of there.") % {"ncr": claim.ncr.number}}
        )


def _disposition_save(*, inspection, order, kind, quantities, reason, actor) -> Disposition:
    disposition = Disposition.objects.create(
        tenant=inspection.tenant, inspection=inspection, kind=kind, reason=reason, decided_by=actor, **quantities
    )
    if kind != Disposition.Kind.HOLD:
        disposition.outbox_event = outbox_emit(
            tenant=inspection.tenant,
            topic=topics.INSPECTION_DISPOSED,
            aggregate=order or inspection.receipt,
            payload=disposition_payload(disposition),
        )
        disposition.save(update_fields=["outbox_event"])
    if lot_totals(inspection).held <= 0:
        _same_lot_inspections(inspection).update(undecided=False)
    audit_record(
        tenant=inspection.tenant,
        actor=actor,
        action=f"inspection.disposed.{kind}",
        obj=inspection,
        changes={name: [None, str(value)] for name, value in quantities.items() if value} | {"reason": [None, reason]},
    )
    return disposition


def disposition_release_skipped(*, inspection: Inspection) -> Disposition:
    """The system releases a skip-lot lot without inspecting it (the caller holds the transaction)."""
    order = _lock_aggregate(inspection)
    totals = lot_totals(inspection)
    return _disposition_save(
        inspection=inspection,
        order=order,
        kind=Disposition.Kind.SKIPPED,
        quantities={"released": totals.held, "returned": ZERO, "scrapped": ZERO},
        reason=_skipped_reason(inspection),
        actor=None,
    )


def _skipped_reason(inspection: Inspection) -> str:
    """The reason kept on a skip-lot release (read by everyone, sent to Odoo): in the tenant's language."""
    with translation.override(l10n.tenant_language(inspection.tenant)):
        return _("Skip-lot: this lot was not drawn for inspection and is released without one.")


def _lock_aggregate(inspection: Inspection) -> PurchaseOrder | None:
    """Lock the PO (the event's aggregate) so that two decisions on its lots take sequence numbers in turn."""
    order_id = inspection.receipt.order_id
    if order_id is None:
        Receipt.objects.select_for_update().filter(pk=inspection.receipt_id).exists()
        return None
    return PurchaseOrder.objects.select_for_update().get(pk=order_id)


def _move_order(inspection: Inspection) -> int:
    return inspection.receipt_move.odoo_id if inspection.receipt_move else 0


def disposition_payload(disposition: Disposition) -> dict:
    """The event's payload: the decision, and the summed quantities of every decided lot of the same PO.

    Shape: ``{"disposition_id", "kind", "reason", "decided_by", "po_odoo_id", "po_name", "partner",
    "receipt_odoo_id", "receipt_name", "lots": [{"receipt_odoo_id", "receipt_name", "move_odoo_id",
    "product_odoo_id", "product", "tracking", "lot_name", "lot_size", "released", "returned",
    "scrapped"}]}``, quantities as floats in the product's unit. The handler converges Odoo to these
    sums, so a late or repeated delivery of any event of the PO ends in the same stock.
    """
    inspection = disposition.inspection
    receipt = inspection.receipt
    order = receipt.order
    decided = Inspection.objects.filter(tenant_id=disposition.tenant_id).exclude(dispositions__isnull=True).distinct()
    decided = decided.filter(receipt__order=order) if order else decided.filter(receipt=receipt)
    # One inspection per lot stands for it; the sums and the size as received are the lot's (lot_totals_many).
    one_per_lot = {}
    for candidate in decided.select_related("receipt", "receipt_move", "product").order_by("pk"):
        one_per_lot.setdefault(lot_key(candidate), candidate)
    totals = lot_totals_many(list(one_per_lot.values()))
    lots = [
        {
            "receipt_odoo_id": i.receipt.odoo_id,
            "receipt_name": i.receipt.name,
            "move_odoo_id": i.receipt_move.odoo_id if i.receipt_move else None,
            "product_odoo_id": i.product.odoo_id,
            "product": i.product.name,
            "tracking": i.product.tracking,
            "lot_name": i.lot_name,
            "lot_size": float(totals[i.pk].lot_size),
            "released": float(totals[i.pk].released),
            "returned": float(totals[i.pk].returned),
            "scrapped": float(totals[i.pk].scrapped),
        }
        for i in sorted(one_per_lot.values(), key=lambda i: (i.receipt.odoo_id, _move_order(i), i.lot_name))
        if totals[i.pk].decided > 0  # a lot only held moves nothing
    ]
    return {
        "disposition_id": disposition.pk,
        "kind": disposition.kind,
        "reason": disposition.reason,
        "decided_by": disposition.decided_by.get_full_name() if disposition.decided_by else "",
        "po_odoo_id": order.odoo_id if order else None,
        "po_name": order.name if order else "",
        "partner": inspection.partner.name,
        "receipt_odoo_id": receipt.odoo_id,
        "receipt_name": receipt.name,
        "lots": lots,
    }
