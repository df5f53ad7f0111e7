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

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from integrations.holds import REJECTED, UNDECIDED, HeldLot
from integrations.models import EventStatus
from portal import l10n
from portal.models import Tenant
from quality.models import Disposition, Inspection
from quality.services.dispositions import LotTotals, lot_key, lot_totals_many

SOURCE = "quality.inspection"
ZERO = Decimal(0)


def current_inspections(tenant_id: int) -> QuerySet[Inspection]:
    """The tenant's inspections that speak for their lot now: open or signed, with no correction and no
    re-inspection after them (a cancelled one hands the lot back to the one before it)."""
    live = Inspection.objects.exclude(status=Inspection.Status.CANCELLED)
    return (
        Inspection.objects.filter(tenant_id=tenant_id, status__in=(*Inspection.OPEN_STATUSES, Inspection.Status.SIGNED))
        .exclude(Exists(live.filter(corrects=OuterRef("pk"))))
        .exclude(Exists(live.filter(reinspection_of=OuterRef("pk"))))
    )


def undecided_inspections(tenant_id: int) -> QuerySet[Inspection]:
    """Current inspections whose lot still has a quantity nobody decided on (the lots held without a disposition).

    Filtered on the stored ``Inspection.undecided`` (kept by the disposition service), so the
    database reads the few held lots instead of summing dispositions for every signed inspection.
    """
    return current_inspections(tenant_id).filter(undecided=True)


def _unsynced_rejects(tenant_id: int) -> set[tuple]:
    """The lots (``lot_key``) with a return or scrap whose event has not reached Odoo yet."""
    rows = (
        Disposition.objects.filter(tenant_id=tenant_id)
        .exclude(returned=0, scrapped=0)
        .exclude(outbox_event__status=EventStatus.DONE)
        .values_list("inspection__receipt_id", "inspection__receipt_move_id", "inspection__lot_name")
        .distinct()
    )
    return set(rows)


def held_inspections(tenant_id: int) -> list[tuple[Inspection, LotTotals]]:
    """Current inspections whose lot is held, with its totals: something undecided, or a return or scrap
    not yet in Odoo. Oldest first; a few queries whatever the number."""
    unsynced = _unsynced_rejects(tenant_id)
    candidates = Q(undecided=True) | Q(receipt_move_id__in={move for _receipt, move, _lot in unsynced})
    inspections = list(
        current_inspections(tenant_id)
        .filter(candidates)
        .select_related("product", "receipt")
        .order_by("created_at", "id")
    )
    inspections = [i for i in inspections if i.undecided or lot_key(i) in unsynced]
    totals = lot_totals_many(inspections)
    return [(i, totals[i.pk]) for i in inspections]


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
    held = held_inspections(tenant.pk)
    released = _released_by_lot(tenant.pk, {i.lot_name for i, _totals in held if i.lot_name})
    firsts = _firsts_of([i for i, _totals in held])
    for inspection, totals in held:
        undecided = totals.held
        yield HeldLot(
            source=SOURCE,
            record_id=str(firsts.get(lot_key(inspection), inspection.pk)),
            product_odoo_id=inspection.product.odoo_id,
            lot_name=inspection.lot_name,
            receipt_odoo_id=inspection.receipt.odoo_id,
            receipt_name=inspection.receipt.name,
            held=undecided + totals.returned + totals.scrapped,
            what=UNDECIDED if undecided > 0 else REJECTED,
            usable_allowed=released.get((inspection.product.odoo_id, inspection.lot_name), ZERO),
            label=_label(tenant, inspection),
            url=reverse("inspection_detail", args=[tenant.slug, inspection.pk]),
        )


def _label(tenant: Tenant, inspection: Inspection) -> str:
    """What the held lot is, in the tenant's language: the payload carries it into the warehouse's To-Do note
    in Odoo (written in the tenant's language), and the beat that finds it runs in no one's language."""
    with translation.override(l10n.tenant_language(tenant)):
        return _("%(inspection)s of %(product)s, receipt %(receipt)s") % {
            "inspection": inspection,
            "product": inspection.product.name,
            "receipt": inspection.receipt.name,
        }


def _firsts_of(inspections: list[Inspection]) -> dict[tuple, int]:
    """``lot_key`` -> the id of the lot's first inspection on its receipt line (the original of every
    re-inspection and correction): one query for all."""
    rows = (
        Inspection.objects.filter(receipt_id__in={i.receipt_id for i in inspections})
        .order_by("sequence", "revision", "id")
        .values_list("pk", "receipt_id", "receipt_move_id", "lot_name")
    )
    firsts: dict[tuple, int] = {}
    for pk, *key in rows:
        firsts.setdefault(tuple(key), pk)
    return firsts
