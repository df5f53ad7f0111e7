"""Scoped reads of inspection outcomes for a supplier: its own lots' signed inspections, what they
found, what was decided, and the photos quality chose to share. The pages
(``quality.views.supplier``) and the API (``quality.api.inspections``) read through these only.

What a supplier sees is an outcome: a signed inspection (one waiting or in progress has none yet),
and of a corrected one only the newest signed revision. Never the notes of results or photos, nor
who inspected or decided (the pages say "Quality"), nor the reasons of dispositions: those are
written to justify a reject inside the company, and the NCR issue adds a text meant for the
supplier. Other partners' and tenants' inspections are outside ``visible_to`` and answer 404.

Every function takes a supplier membership (a supplier user, admin or API token); any other role
reads nothing (``NotInScope``, 404): staff have the inspection pages.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet

from portal.models import Membership
from portal.services.errors import NotInScope
from quality.models import Characteristic, Disposition, Inspection, InspectionPhoto, InspectionResult
from quality.services.dispositions import LotTotals, lot_totals_many

# Measured values of defective units listed per characteristic; the count is always complete.
VALUES_SHOWN = 50
# The longest filter text read (a lot, a PO number, a product code or name).
FILTER_MAX = 100
RESULT_FILTERS = (Inspection.Verdict.ACCEPT.value, Inspection.Verdict.REJECT.value)


def _check_supplier(membership: Membership | None) -> None:
    if membership is None or not membership.is_supplier_role:
        raise NotInScope()


def _outcomes(membership: Membership) -> QuerySet[Inspection]:
    """Signed inspections ``membership`` sees, less those a signed correction replaced."""
    return (
        Inspection.objects.visible_to(membership)
        .filter(status=Inspection.Status.SIGNED)
        .exclude(corrected_by__status=Inspection.Status.SIGNED)
    )


def _clean(text: str) -> str:
    return (text or "").replace("\x00", "").strip()[:FILTER_MAX]


def supplier_results(
    *, membership: Membership, result: str = "", po: str = "", product: str = "", lot: str = ""
) -> QuerySet[Inspection]:
    """The outcomes of ``membership``'s partner's lots, newest signature first, filtered by
    ``result`` (``accept`` / ``reject``; anything else filters nothing: callers check it against
    ``RESULT_FILTERS``), ``po`` (the PO number, part of it, any case), ``product`` (its internal
    reference or name, part of it) and ``lot`` (part of the lot number).

    Rows have ``product``, ``receipt`` and ``receipt.order`` loaded (one query for any page).
    Raises ``NotInScope`` for a membership that is not a supplier's."""
    _check_supplier(membership)
    rows = _outcomes(membership).select_related("product", "receipt__order")
    if result in RESULT_FILTERS:
        rows = rows.filter(verdict=result)
    if po := _clean(po):
        rows = rows.filter(receipt__order__name__icontains=po)
    if product := _clean(product):
        rows = rows.filter(Q(product__default_code__icontains=product) | Q(product__name__icontains=product))
    if lot := _clean(lot):
        rows = rows.filter(lot_name__icontains=lot)
    return rows.order_by("-signed_at", "-id")


def supplier_result_get(*, membership: Membership, pk: int) -> Inspection:
    """One outcome of ``membership``'s partner, with product, receipt and PO loaded.

    Raises ``NotInScope`` (404) for another partner's or tenant's inspection, one not signed, a
    revision a signed correction replaced, or a membership that is not a supplier's."""
    _check_supplier(membership)
    found = _outcomes(membership).select_related("product", "receipt__order").filter(pk=pk).first()
    if found is None:
        raise NotInScope()
    return found


def lot_totals_of(*, membership: Membership, inspections: list[Inspection]) -> dict[int, LotTotals]:
    """Inspection id -> its lot's totals (``quality.services.dispositions.lot_totals_many``) for
    inspections the supplier sees; refuses (``NotInScope``) anyone but a supplier."""
    _check_supplier(membership)
    return lot_totals_many(inspections)


def supplier_dispositions(*, membership: Membership, inspection: Inspection) -> list[Disposition]:
    """The decisions on the inspection's lot, oldest first: read ``kind``, the quantities and
    ``decided_at`` only (``reason`` and ``decided_by`` stay inside the company, see the module)."""
    _check_supplier(membership)
    return list(
        Disposition.objects.visible_to(membership)
        .filter(
            inspection__receipt_id=inspection.receipt_id,
            inspection__receipt_move_id=inspection.receipt_move_id,
            inspection__lot_name=inspection.lot_name,
        )
        .order_by("decided_at", "id")
    )


@dataclass
class CharacteristicDefects:
    """One characteristic checked: how many sample units were defective on it, and (measured
    ones) the values of up to ``VALUES_SHOWN`` of them, as ``(unit, value)`` in ``uom``."""

    name: str
    defect_class: str
    defect_class_label: str
    uom: str
    defective: int = 0
    values: list[tuple[int, Decimal]] = field(default_factory=list)


def defects_by_characteristic(*, membership: Membership, inspection: Inspection) -> list[CharacteristicDefects]:
    """Every characteristic of the inspection's plan, in plan order, with its defective units;
    two queries whatever the sample size (the values listed are bounded)."""
    _check_supplier(membership)
    characteristics = Characteristic.objects.filter(version_id=inspection.plan_version_id).order_by("position", "id")
    found = {
        c.pk: CharacteristicDefects(
            name=c.name,
            defect_class=c.defect_class,
            defect_class_label=c.get_defect_class_display(),
            uom=c.unit if c.kind == Characteristic.Kind.MEASURED else "",
        )
        for c in characteristics
    }
    defective: dict[int, list[tuple[int, Decimal | None]]] = defaultdict(list)
    rows = (
        InspectionResult.objects.visible_to(membership)
        .filter(inspection=inspection, superseded=False, defect=True)
        .order_by("characteristic_id", "unit")
        .values_list("characteristic_id", "unit", "value")
    )
    for characteristic_id, unit, value in rows:
        defective[characteristic_id].append((unit, value))
    for characteristic_id, units in defective.items():
        entry = found.get(characteristic_id)
        if entry is None:
            continue
        entry.defective = len(units)
        entry.values = [(unit, value) for unit, value in units if value is not None][:VALUES_SHOWN]
    return list(found.values())


def _revisions(inspection: Inspection) -> Q:
    """The inspection and the revisions it corrects (one lot, sequence; earlier revisions)."""
    return Q(
        inspection__receipt_id=inspection.receipt_id,
        inspection__receipt_move_id=inspection.receipt_move_id,
        inspection__lot_name=inspection.lot_name,
        inspection__sequence=inspection.sequence,
        inspection__revision__lte=inspection.revision,
    )


def shared_photos(*, membership: Membership, inspection: Inspection) -> list[InspectionPhoto]:
    """The photos quality shared (``shared_with_supplier``) of this outcome and of the revisions it
    corrects (a correction copies results, not photos), oldest first. Read ``unit``,
    ``content_type``, ``size`` and ``uploaded_at``; never ``note`` nor ``uploaded_by``."""
    _check_supplier(membership)
    return list(
        InspectionPhoto.objects.visible_to(membership)
        .filter(_revisions(inspection), shared_with_supplier=True)
        .order_by("uploaded_at", "id")
    )


def shared_photo_get(*, membership: Membership, inspection_id: int, photo_id: int) -> InspectionPhoto:
    """One shared photo of one of ``membership``'s outcomes. Raises ``NotInScope`` (404) for a
    photo not shared, of another inspection, or of an inspection the supplier does not see."""
    inspection = supplier_result_get(membership=membership, pk=inspection_id)
    photo = (
        InspectionPhoto.objects.visible_to(membership)
        .filter(_revisions(inspection), pk=photo_id, shared_with_supplier=True)
        .first()
    )
    if photo is None:
        raise NotInScope()
    return photo


@dataclass
class SupplierOutcome:
    """Everything a supplier sees of one signed inspection of its lot (the page and the API show the same)."""

    inspection: Inspection
    totals: LotTotals
    classes: list
    characteristics: list
    dispositions: list[Disposition]
    photos: list[InspectionPhoto]

    @property
    def rejected(self):
        return self.totals.returned + self.totals.scrapped


def supplier_outcome(*, membership: Membership, pk: int) -> SupplierOutcome:
    """The outcome of one signed inspection of the supplier's lot; ``NotInScope`` for anything else."""
    from quality.services.recording import inspection_verdict

    inspection = supplier_result_get(membership=membership, pk=pk)
    return SupplierOutcome(
        inspection=inspection,
        totals=lot_totals_of(membership=membership, inspections=[inspection])[inspection.pk],
        classes=inspection_verdict(inspection).classes,
        characteristics=defects_by_characteristic(membership=membership, inspection=inspection),
        dispositions=supplier_dispositions(membership=membership, inspection=inspection),
        photos=shared_photos(membership=membership, inspection=inspection),
    )
