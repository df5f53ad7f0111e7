"""The NCR the system opens from a rejected lot, or from an accepted lot partly returned or scrapped, and the
claim an open NCR holds on a lot's stock.

Called from ``quality.services.recording.inspection_sign`` (any inspection of a lot signed rejected:
original, re-inspection or correction) and ``quality.services.dispositions.disposition_record`` (a return or
scrap from an accepted lot), inside their transactions; re-exported by ``quality.services.ncrs``.

The claim (``lot_claim``): an open NCR claims a lot's held stock while its lot there still has quantity
to dispose of (affected minus applied and awaiting dispositions; sorts counted through what is sorted, as
``committed_value`` does). While claimed, every stock-moving decision at the dock, from any inspection of
the lot, is judged by that NCR's material review and recorded on it; a second NCR may not name the lot.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from portal import l10n
from portal.services.audit import audit_record
from quality.models import DefectClass, Inspection, Ncr, NcrDisposition, NcrLot
from quality.models.rules import quality_rules_for
from quality.services.ncrs import TITLE_MAX, ZERO, _after_ncr, _number, _opening_changes


def _price(inspection: Inspection) -> tuple[Decimal, str]:
    order = inspection.receipt.order
    line = inspection.receipt_move.order_line if inspection.receipt_move else None
    if line is None and order is not None:
        line = order.lines.filter(product_id=inspection.product_id).order_by("sequence", "id").first()
    return (line.price_unit if line else ZERO), (order.currency_code if order else "")


# One whole line per defect class (no label lower-cased into an English frame); counted by the units sampled.
_DEFECTIVE_LINES = {
    DefectClass.CRITICAL: ngettext_lazy(
        "%(name)s (critical): %(units)s of %(of)s unit defective",
        "%(name)s (critical): %(units)s of %(of)s units defective",
        "of",
    ),
    DefectClass.MAJOR: ngettext_lazy(
        "%(name)s (major): %(units)s of %(of)s unit defective",
        "%(name)s (major): %(units)s of %(of)s units defective",
        "of",
    ),
    DefectClass.MINOR: ngettext_lazy(
        "%(name)s (minor): %(units)s of %(of)s unit defective",
        "%(name)s (minor): %(units)s of %(of)s units defective",
        "of",
    ),
}


def _defects_found(inspection: Inspection) -> tuple[str, str, list[int]]:
    """(description listing each characteristic with defective units and its class, the worst class found,
    the ids of the defect codes the failed characteristics name in their plan). The description is written
    in the active language: the NCR's callers write it in the tenant's (``_ncr_create_from``)."""
    from quality.services.recording import SIGNATURE_MEANINGS, characteristics_of, units_for

    found = {}
    for characteristic_id, unit in inspection.results.filter(superseded=False, defect=True).values_list(
        "characteristic_id", "unit"
    ):
        found.setdefault(characteristic_id, set()).add(unit)
    samplings = list(inspection.samplings.all())
    lines, classes, codes = [], [], []
    for ch in characteristics_of(inspection):
        if ch.pk in found:
            if ch.defect_code_id and ch.defect_code_id not in codes:
                codes.append(ch.defect_code_id)
            units = len(found[ch.pk])
            of = units_for(inspection, ch, samplings)
            values = {"name": ch.name, "units": units, "of": of}
            lines.append("- " + _DEFECTIVE_LINES[ch.defect_class] % values)
            classes.append(ch.defect_class)
    worst = next((c for c in DefectClass.values if c in classes), DefectClass.MAJOR)
    values = {"receipt": inspection.receipt.name}
    if inspection.verdict in SIGNATURE_MEANINGS:
        values["meaning"] = SIGNATURE_MEANINGS[inspection.verdict]
        head = _("Found at incoming inspection of %(receipt)s (%(meaning)s):") % values
    else:
        head = _("Found at incoming inspection of %(receipt)s (signed):") % values
    return ("\n".join([head, *lines]) if lines else head), worst, codes


def _lot_inspections(inspection: Inspection):
    return Inspection.objects.filter(
        receipt_id=inspection.receipt_id, receipt_move_id=inspection.receipt_move_id, lot_name=inspection.lot_name
    )


# --- the claim ------------------------------------------------------------------------------------

LIVE = (NcrDisposition.Status.APPLIED, NcrDisposition.Status.AWAITING_APPROVAL)
_COUNTED = Q(dispositions__status__in=LIVE) & ~Q(dispositions__kind=NcrDisposition.Kind.SORT)


@dataclass(frozen=True)
class LotClaim:
    """An open NCR's claim on a physical lot: its ``lot`` there and the quantity it still has to dispose of."""

    ncr: Ncr
    lot: NcrLot
    remaining: Decimal


def _claiming_lots(inspection: Inspection):
    """The NCR lots of open NCRs on ``inspection``'s physical lot with quantity left to dispose of."""
    used = Coalesce(Sum("dispositions__quantity", filter=_COUNTED), Value(ZERO), output_field=DecimalField())
    return (
        NcrLot.objects.filter(ncr__status__in=Ncr.OPEN_STATUSES, inspection__in=_lot_inspections(inspection))
        .annotate(used=used)
        .filter(affected__gt=F("used"))
    )


def lot_claim(inspection: Inspection) -> LotClaim | None:
    """The open NCR (oldest first) that claims ``inspection``'s physical lot, or None. One query."""
    lot = _claiming_lots(inspection).select_related("ncr__tenant").order_by("ncr_id", "pk").first()
    if lot is None:
        return None
    return LotClaim(ncr=lot.ncr, lot=lot, remaining=lot.affected - lot.used)


def claims_lot(inspection: Inspection) -> Exists:
    """For an ``Ncr`` queryset: whether the NCR claims ``inspection``'s lot (``lot_claim``), as a subquery, so
    the inspection page reads the lot's NCR and its claim in one query."""
    return Exists(_claiming_lots(inspection).filter(ncr=OuterRef("pk")))


def claimed_errors(errors: dict, inspection: Inspection | None, rows: list[NcrLot]) -> None:
    """Refuse (into ``errors``, keyed ``inspection``, ``lots.N.inspection``) the lots a new NCR names that
    another open NCR claims (``claimed_refusal``)."""
    named = [("inspection", inspection), *((f"lots.{i}.inspection", row.inspection) for i, row in enumerate(rows))]
    for key, lot_inspection in named:
        if key not in errors and (why := claimed_refusal(lot_inspection)):
            errors[key] = why


def claimed_refusal(inspection: Inspection | None) -> str:
    """Why a new NCR may not name ``inspection``'s lot: another open NCR claims it (its review must hold)."""
    claim = lot_claim(inspection) if inspection is not None else None
    if claim is None:
        return ""
    return _("%(ncr)s is open for this lot: add what you found there.") % {"ncr": claim.ncr.number}


def _undocumented_rejects(inspection: Inspection) -> list:
    """The lot's inspection dispositions that returned or scrapped something and no NCR records yet."""
    from quality.services.dispositions import lot_dispositions

    return [
        d
        for d in lot_dispositions(inspection).filter(ncr_disposition__isnull=True).order_by("pk")
        if d.returned > 0 or d.scrapped > 0
    ]


def _record_rejects(ncr: Ncr, lot: NcrLot, rejects: list) -> None:
    """Record what the inspector already returned or scrapped as applied NCR dispositions, linked to
    the stock decision: the stock moved already, and a second return of it from the NCR would take
    the lot's held remainder (``stock`` is the link ``disposition_from_ncr`` checks). Each emits
    ``ncr.dispositioned`` as one applied on the NCR does (the buyer's To-Do for a return)."""
    for decision in rejects:
        rows = [(NcrDisposition.Kind.RETURN, decision.returned), (NcrDisposition.Kind.SCRAP, decision.scrapped)]
        lot.affected += _record_decision(ncr, lot, decision, rows, "Decided at incoming inspection")
    lot.save(update_fields=["affected"])


def _record_decision(ncr: Ncr, lot: NcrLot, decision, rows, said: str) -> Decimal:
    """Applied NCR dispositions for the (kind, quantity) ``rows`` of a stock decision taken at the dock, the
    first linked to it; each emits ``ncr.dispositioned`` (``dispositioned_emit``). Answers the sum recorded."""
    from quality.services.ncr_dispositions import dispositioned_emit

    linked, recorded = False, ZERO
    for kind, quantity in rows:
        if quantity <= 0:
            continue
        row = NcrDisposition.objects.create(
            tenant_id=ncr.tenant_id,
            ncr=ncr,
            lot=lot,
            kind=kind,
            quantity=quantity,
            instructions=f"{said}: {decision.reason}"[:2000],
            status=NcrDisposition.Status.APPLIED,
            value=(quantity * ncr.unit_price).quantize(Decimal("0.01")),
            proposed_by=decision.decided_by,
            applied_at=decision.decided_at,
            stock=None if linked else decision,
        )
        if dispositioned_emit(ncr, row):
            row.save(update_fields=["outbox_event"])
        linked, recorded = True, recorded + quantity
    return recorded


@transaction.atomic
def ncr_open_from_inspection(*, inspection: Inspection) -> Ncr | None:
    """The system opens the NCR of a rejected lot, or of an accepted lot partly returned or scrapped.

    Rejected (signed, verdict reject; an original, a re-inspection or a correction): the NCR that claims
    the lot (``lot_claim``) is answered as it is; else the lot's open NCR whose quantity is all disposed of
    takes the held quantity found rejected again (what no awaiting disposition covers) on its lot; else a
    new NCR, ``affected`` = what the lot still holds (a correction finds the lot's NCR, whatever its state).
    Accepted with inspection dispositions that returned or scrapped part of it: ``affected`` = those
    quantities, recorded as applied NCR dispositions linked to their stock decisions (a later reject of the
    same lot is added to the open NCR). Prefilled: partner, product, receipt, PO, ASN, defects found
    (severity = worst class), unit price of the PO line, handling charge. Idempotent per lot (every
    inspection of it): answers the existing NCR, or None when the lot calls for none (accepted and nothing
    rejected, not signed).
    """
    inspection = Inspection.objects.select_for_update(of=("self",)).get(pk=inspection.pk)
    lot_ncrs = Ncr.objects.filter(source=Ncr.Source.INSPECTION, inspection__in=_lot_inspections(inspection))
    existing = lot_ncrs.order_by("-pk").first()
    if inspection.status != Inspection.Status.SIGNED:
        return existing
    if inspection.verdict == Inspection.Verdict.REJECT:
        found = _rejected_again(inspection, existing)
        if found is not None:
            return found
        ncr, lot = _ncr_create_from(inspection, "rejected")
        lot.affected = _held(inspection)
        lot.save(update_fields=["affected"])
        existing = None
    else:
        rejects = _undocumented_rejects(inspection)
        if not rejects or (existing is not None and existing.status not in Ncr.OPEN_STATUSES):
            return existing
        ncr = existing
        if ncr is None:
            ncr, lot = _ncr_create_from(inspection, "partly_rejected")
        else:
            ncr = Ncr.objects.select_for_update(of=("self",)).get(pk=ncr.pk)
            lot = ncr.lots.filter(inspection__in=_lot_inspections(inspection)).first() or NcrLot.objects.create(
                tenant_id=ncr.tenant_id, ncr=ncr, inspection=inspection, lot_name=inspection.lot_name
            )
        _record_rejects(ncr, lot, rejects)
    if existing is None:
        Ncr.lifecycle.start(ncr, actor=None, action="ncr.opened", changes=_opening_changes(ncr))
        _after_ncr(ncr)
    return ncr


def _held(inspection: Inspection) -> Decimal:
    from quality.services.dispositions import lot_totals

    return lot_totals(inspection).held


def _rejected_again(inspection: Inspection, existing: Ncr | None) -> Ncr | None:
    """The NCR a rejected inspection of the lot finds, or None when it calls for a new one (none yet, or the
    lot's NCR is past deciding: dispositioned, closed, cancelled, and this is no correction of its lot)."""
    claim = lot_claim(inspection)
    if claim is not None:
        return claim.ncr
    if existing is None:
        return None
    if existing.status in (Ncr.Status.OPEN, Ncr.Status.CONTAINED):
        ncr = Ncr.objects.select_for_update(of=("self",)).get(pk=existing.pk)
        lot = ncr.lots.filter(inspection__in=_lot_inspections(inspection)).order_by("pk").first()
        if lot is not None:
            _claim_again(ncr, lot, inspection)
        return ncr
    if inspection.corrects_id is not None or existing.inspection_id == inspection.pk:
        return existing
    return None


def _claim_again(ncr: Ncr, lot: NcrLot, inspection: Inspection) -> None:
    """The lot's NCR claims nothing (all of it applied or awaiting) and the lot is rejected again: what it still
    holds beyond its awaiting dispositions (e.g. the rest of an accepted lot partly returned) is added."""
    awaiting = lot.dispositions.filter(status=NcrDisposition.Status.AWAITING_APPROVAL).exclude(
        kind=NcrDisposition.Kind.SORT
    )
    extra = _held(inspection) - (awaiting.aggregate(q=Sum("quantity"))["q"] or ZERO)
    if extra <= 0:
        return
    before = lot.affected
    lot.affected += extra
    lot.save(update_fields=["affected"])
    audit_record(
        tenant=ncr.tenant,
        actor=None,
        action="ncr.lot_rejected_again",
        obj=ncr,
        changes={"affected": [str(before), str(lot.affected)], "inspection": [None, inspection.pk]},
    )


# The title of an NCR the system opens, by (what happened to the lot, whether the lot has a name).
_TITLES = {
    ("rejected", True): gettext_lazy("Lot %(lot)s of %(item)s rejected at incoming inspection"),
    ("rejected", False): gettext_lazy("%(item)s on %(receipt)s rejected at incoming inspection"),
    ("partly_rejected", True): gettext_lazy("Lot %(lot)s of %(item)s partly rejected after incoming inspection"),
    ("partly_rejected", False): gettext_lazy("%(item)s on %(receipt)s partly rejected after incoming inspection"),
}


# Why an NCR's severity may not go below what its inspection found, one sentence per class found.
_FOUND_WORSE = {
    DefectClass.CRITICAL: gettext_lazy(
        "The inspection found a critical defect: %(ncr)s cannot be less than critical (the material review "
        "depends on it)."
    ),
    DefectClass.MAJOR: gettext_lazy(
        "The inspection found a major defect: %(ncr)s cannot be less than major (the material review depends on it)."
    ),
    DefectClass.MINOR: gettext_lazy(
        "The inspection found a minor defect: %(ncr)s cannot be less than minor (the material review depends on it)."
    ),
}


def _ncr_create_from(inspection: Inspection, what: str) -> tuple[Ncr, NcrLot]:
    receipt = inspection.receipt
    unit_price, currency = _price(inspection)
    item = inspection.product.default_code or inspection.product.name
    values = {"lot": inspection.lot_name, "item": item, "receipt": receipt.name}
    # The NCR is the tenant's record, read by all its people: written in the tenant's language.
    with translation.override(l10n.tenant_language(inspection.tenant)):
        description, severity, codes = _defects_found(inspection)
        title = _TITLES[(what, bool(inspection.lot_name))] % values
    ncr = Ncr.objects.create(
        tenant_id=inspection.tenant_id,
        number=_number(inspection.tenant),
        source=Ncr.Source.INSPECTION,
        partner_id=inspection.partner_id,
        product_id=inspection.product_id,
        inspection=inspection,
        receipt=receipt,
        order_id=receipt.order_id,
        asn=receipt.asns.filter(partner_id=inspection.partner_id).order_by("pk").first(),
        title=title[:TITLE_MAX],
        description=description,
        severity=severity,
        unit_price=unit_price,
        currency_code=currency,
        handling_charge=quality_rules_for(inspection.tenant).handling_charge,
    )
    # Coded from the plan: the SCAR effectiveness check (run after opening) then sees a repeated defect.
    ncr.defect_codes.set(codes)
    lot = NcrLot.objects.create(
        tenant_id=ncr.tenant_id, ncr=ncr, inspection=inspection, lot_name=inspection.lot_name, affected=ZERO
    )
    return ncr, lot


def ncr_record_dock_decision(*, claim: LotClaim, decision) -> None:
    """Record a decision taken at the dock on a claimed lot (``decision``: the inspection ``Disposition``, which
    the tenant's material review let through) on the claiming NCR's lot, as applied dispositions, up to what
    the NCR still claims (anything beyond is the lot's own): returned goes back, scrapped is scrapped, released
    is used as is, in that order. The lot's affected quantity already counts them, so only the NCR's account
    of them is added; a contained NCR whose lots are all disposed of moves on. The caller
    (``disposition_record``) holds the transaction."""
    from quality.services.ncrs import disposition_if_ready, ncr_locked

    ncr = ncr_locked(claim.ncr)
    left, rows = claim.remaining, []
    for kind, quantity in (
        (NcrDisposition.Kind.RETURN, decision.returned),
        (NcrDisposition.Kind.SCRAP, decision.scrapped),
        (NcrDisposition.Kind.USE_AS_IS, decision.released),
    ):
        taken = min(quantity, left)
        rows.append((kind, taken))
        left -= taken
    _record_decision(ncr, claim.lot, decision, rows, "Decided at the dock")
    disposition_if_ready(ncr, decision.decided_by)


def severity_refusal(ncr: Ncr, severity: str) -> str:
    """Why ``severity`` may not replace the NCR's, lowering it below what the material review judges: a system
    NCR's severity is the worst defect class its inspection found (never lower); one opened by hand keeps its
    severity once a disposition is applied or awaiting review. "" when allowed."""
    rank = {DefectClass.MINOR: 1, DefectClass.MAJOR: 2, DefectClass.CRITICAL: 3}
    if rank.get(severity, 0) >= rank.get(ncr.severity, 0):
        return ""
    if ncr.source == Ncr.Source.INSPECTION and ncr.inspection_id is not None:
        found = _defects_found(ncr.inspection)[1]
        if rank.get(severity, 0) < rank[found]:
            return _FOUND_WORSE[found] % {"ncr": ncr.number}
        return ""
    if ncr.dispositions.filter(status__in=LIVE).exists():
        return _(
            "%(ncr)s has dispositions applied or awaiting review: its severity can no longer be lowered "
            "(the material review depends on it)."
        ) % {"ncr": ncr.number}
    return ""


def hand_links(product, inspection, lots, receipt, order) -> tuple:
    """What an NCR opened by hand takes from the inspection it names (its own, else its first lot's) when given
    no receipt or PO: (receipt, order, unit_price, currency); the price is the PO line of the inspection's
    receipt move, as the system's NCR reads it, so an NCR by hand is priced like the lot's own NCR."""
    inspection = inspection or next((row.inspection for row in lots if row.inspection is not None), None)
    if inspection is not None and receipt is None and order is None:
        receipt = inspection.receipt
    order = order or (receipt.order if receipt else None)
    if inspection is not None and order is not None and inspection.receipt.order_id == order.pk:
        return (receipt, order, *_price(inspection))
    line = order.lines.filter(product=product).order_by("sequence", "id").first() if order else None
    return receipt, order, (line.price_unit if line else ZERO), (order.currency_code if order else "")
