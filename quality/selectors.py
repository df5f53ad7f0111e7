"""Scoped reads of quality records; every one goes through ``visible_to`` (portal.models.scoping)."""

from __future__ import annotations

from django.db.models import Max, QuerySet

from portal.models import Membership
from quality.models import Inspection


def inspection_list_waiting(*, membership: Membership) -> QuerySet[Inspection]:
    """Inspections waiting for an inspector that ``membership`` may see, oldest first.

    Each row has ``partner``, ``product`` and ``receipt`` loaded and ``n``, the items to draw
    (the largest sample of its defect classes).
    """
    return (
        Inspection.objects.visible_to(membership)
        .filter(status=Inspection.Status.WAITING)
        .select_related("partner", "product", "receipt")
        .annotate(n=Max("samplings__sample_size"))
        .order_by("created_at", "id")
    )


def inspection_detail(*, membership: Membership, pk: int) -> Inspection | None:
    """One inspection ``membership`` may see, with what its page shows loaded (None: not in scope)."""
    return (
        Inspection.objects.visible_to(membership)
        .select_related("partner", "product", "receipt", "plan_version__plan", "signed_by", "corrects")
        .prefetch_related("samplings")
        .filter(pk=pk)
        .first()
    )


def inspection_results(*, inspection: Inspection, units: tuple[int, int] | None = None) -> list:
    """The inspection's current results (superseded ones left out), by unit then characteristic;
    with ``units`` (first, last), only those units' (one page of the grid)."""
    from quality.models import InspectionResult

    results = InspectionResult.objects.filter(inspection=inspection, superseded=False)
    if units is not None:
        results = results.filter(unit__gte=units[0], unit__lte=units[1])
    return list(results.select_related("characteristic"))


def sscc_of_scan(text: str) -> str | None:
    """The SSCC a scan stands for: 18 digits, or GS1-128's AI 00 before them ("(00)0614141..." or
    "000614141..."), spaces and brackets ignored; None when the scan is not one."""
    digits = "".join(ch for ch in text if ch.isdigit() and ch.isascii())
    if len(digits) != len(text.replace(" ", "").replace("(", "").replace(")", "")):
        return None
    if len(digits) == 20 and digits.startswith("00"):
        return digits[2:]
    return digits if len(digits) == 18 else None


def inspection_find(*, membership: Membership, scan: str) -> QuerySet[Inspection]:
    """The open or signed inspections a dock scan names, oldest first: an SSCC (the lots packed in
    that package of an ASN), a lot number, a PO name or a receipt name (exact, case-insensitive).
    Only inspections ``membership`` may see; a package outside its scope finds nothing."""
    from django.db.models import Q

    from suppliers.models import AsnItem

    scan = scan.strip()[:128]
    visible = (
        Inspection.objects.visible_to(membership)
        .exclude(status=Inspection.Status.CANCELLED)
        .select_related("partner", "product", "receipt")
        .annotate(n=Max("samplings__sample_size"))
        .order_by("created_at", "id")
    )
    if not scan:
        return visible.none()
    sscc = sscc_of_scan(scan)
    if sscc:
        packed = Q(pk__in=[])
        items = (
            AsnItem.objects.visible_to(membership).filter(package__sscc=sscc).select_related("asn", "line__order_line")
        )
        for item in items:
            packed |= Q(
                partner_id=item.asn.partner_id, product_id=item.line.order_line.product_id, lot_name=item.lot_name
            )
        return visible.filter(packed)
    return visible.filter(
        Q(lot_name__iexact=scan) | Q(receipt__name__iexact=scan) | Q(receipt__order__name__iexact=scan)
    )
