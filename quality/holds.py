"""Quality's hold source (``integrations.holds``): the lots quality has not released.

A lot is held while its current inspection (the newest re-inspection or correction of it) is open
(no plan, discontinued, waiting, in progress) or signed with some quantity still undecided; and
while a decision to return or scrap part of it has not reached Odoo yet. What is released may be
usable stock; nothing else of the lot may (issue 12, "the hold holds").
Registered from ``quality.entries``.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from integrations.holds import REJECTED, UNDECIDED, HeldLot
from integrations.models import EventStatus
from portal.models import Tenant
from quality.models import Disposition, Inspection

SOURCE = "quality.inspection"
ZERO = Decimal(0)
_QTY = DecimalField(max_digits=20, decimal_places=6)


def _same_lot(tenant_id: int) -> QuerySet[Disposition]:
    """Dispositions of the outer inspection's physical lot (every inspection of it on that receipt line)."""
    return Disposition.objects.filter(
        tenant_id=tenant_id,
        inspection__receipt_id=OuterRef("receipt_id"),
        inspection__receipt_move_id=OuterRef("receipt_move_id"),
        inspection__lot_name=OuterRef("lot_name"),
    )


def current_inspections(tenant_id: int) -> QuerySet[Inspection]:
    """The tenant's inspections that speak for their lot now (open or signed, neither corrected nor
    re-inspected), annotated with ``decided`` and ``rejected`` (sums over the lot's dispositions) and
    ``rejected_unsynced`` (a return or scrap whose event has not reached Odoo)."""
    lot = _same_lot(tenant_id)

    def summed(expression) -> Coalesce:
        sums = lot.values("inspection__receipt_id").annotate(s=Sum(expression)).values("s")[:1]
        return Coalesce(Subquery(sums, output_field=_QTY), Value(ZERO), output_field=_QTY)

    unsynced = lot.exclude(returned=0, scrapped=0).exclude(outbox_event__status=EventStatus.DONE)
    original = Inspection.objects.filter(
        receipt_id=OuterRef("receipt_id"),
        receipt_move_id=OuterRef("receipt_move_id"),
        lot_name=OuterRef("lot_name"),
        sequence=1,
    ).values("lot_size")[:1]
    return (
        Inspection.objects.filter(tenant_id=tenant_id, status__in=(*Inspection.OPEN_STATUSES, Inspection.Status.SIGNED))
        # A cancelled correction or re-inspection hands the lot back to the one before it.
        .exclude(Exists(Inspection.objects.filter(corrects=OuterRef("pk")).exclude(status=Inspection.Status.CANCELLED)))
        .exclude(
            Exists(
                Inspection.objects.filter(reinspection_of=OuterRef("pk")).exclude(status=Inspection.Status.CANCELLED)
            )
        )
        .annotate(
            decided=summed(F("released") + F("returned") + F("scrapped")),
            rejected=summed(F("returned") + F("scrapped")),
            rejected_unsynced=Exists(unsynced),
            # The lot as received (a re-inspection may be of part of it).
            received=Coalesce(Subquery(original, output_field=_QTY), F("lot_size"), output_field=_QTY),
        )
    )


def undecided_inspections(tenant_id: int) -> QuerySet[Inspection]:
    """Current inspections whose lot still has a quantity nobody decided on (the lots held without a disposition).

    Filtered on the stored ``Inspection.undecided`` (kept by the disposition service), so the
    database reads the few held lots instead of summing dispositions for every signed inspection.
    """
    return current_inspections(tenant_id).filter(undecided=True)


def held_inspections(tenant_id: int) -> QuerySet[Inspection]:
    """Current inspections whose lot is held: something undecided, or a return or scrap not yet in Odoo."""
    unsynced_moves = (
        Disposition.objects.filter(tenant_id=tenant_id)
        .exclude(returned=0, scrapped=0)
        .exclude(outbox_event__status=EventStatus.DONE)
        .values("inspection__receipt_move_id")
    )
    candidates = Q(undecided=True) | Q(receipt_move_id__in=Subquery(unsynced_moves))
    return current_inspections(tenant_id).filter(candidates).filter(Q(undecided=True) | Q(rejected_unsynced=True))


def _released_by_lot(tenant_id: int, lot_names: set[str]) -> dict[tuple[int, str], Decimal]:
    """What quality released of each (product's Odoo id, lot name), over every inspection of the lot name."""
    rows = (
        Disposition.objects.filter(tenant_id=tenant_id, inspection__lot_name__in=lot_names)
        .values("inspection__product__odoo_id", "inspection__lot_name")
        .annotate(r=Sum("released"))
    )
    return {(row["inspection__product__odoo_id"], row["inspection__lot_name"]): row["r"] or ZERO for row in rows}


def quality_held_lots(tenant: Tenant) -> Iterator[HeldLot]:
    """The hold source: one ``HeldLot`` per held lot of a receipt line, named by its first inspection
    (``record_id``, stable across re-inspections and corrections), linking to the current one."""
    inspections = list(held_inspections(tenant.pk).select_related("product", "receipt").order_by("created_at", "id"))
    released = _released_by_lot(tenant.pk, {i.lot_name for i in inspections if i.lot_name})
    for inspection in inspections:
        undecided = inspection.received - inspection.decided
        yield HeldLot(
            source=SOURCE,
            record_id=str(_first_of(inspection).pk),
            product_odoo_id=inspection.product.odoo_id,
            lot_name=inspection.lot_name,
            receipt_odoo_id=inspection.receipt.odoo_id,
            receipt_name=inspection.receipt.name,
            held=undecided + inspection.rejected,
            what=UNDECIDED if undecided > 0 else REJECTED,
            usable_allowed=released.get((inspection.product.odoo_id, inspection.lot_name), ZERO),
            label=f"{inspection} of {inspection.product.name}, receipt {inspection.receipt.name}",
            url=reverse("inspection_detail", args=[tenant.slug, inspection.pk]),
        )


def _first_of(inspection: Inspection) -> Inspection:
    """The lot's first inspection on its receipt line: the original of every re-inspection and correction."""
    if inspection.sequence == 1 and inspection.revision == 1:
        return inspection
    first = (
        Inspection.objects.filter(
            receipt_id=inspection.receipt_id, receipt_move_id=inspection.receipt_move_id, lot_name=inspection.lot_name
        )
        .order_by("sequence", "revision", "id")
        .first()
    )
    return first or inspection
