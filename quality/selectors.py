"""Scoped reads of quality records; every one goes through ``visible_to`` (portal.models.scoping)."""

from __future__ import annotations

from django.db.models import Exists, Max, OuterRef, QuerySet, Subquery

from portal.models import Membership
from quality.models import Inspection, InspectionSampling
from quality.scans import SCAN_MAX, read_scan


def inspection_list_waiting(*, membership: Membership) -> QuerySet[Inspection]:
    """Inspections waiting for an inspector that ``membership`` may see, oldest first.

    Each row has ``partner``, ``product`` and ``receipt`` loaded and ``n``, the items to draw
    (the largest sample of its defect classes).
    """
    # A subquery, not Max() over a join: without GROUP BY the page's first 100 rows are read in
    # index order (tenant, status, created_at); the join grouped every waiting lot first (3,400 lots
    # waiting among 50,000 inspections: 88 ms against 9, bench/inspection_pages_bench.py).
    largest = (
        InspectionSampling.objects.filter(inspection=OuterRef("pk")).order_by("-sample_size").values("sample_size")[:1]
    )
    return (
        Inspection.objects.visible_to(membership)
        .filter(status=Inspection.Status.WAITING)
        .select_related("partner", "product", "receipt")
        .annotate(n=Subquery(largest))
        .order_by("created_at", "id")
    )


def inspection_list_undecided(*, membership: Membership) -> QuerySet[Inspection]:
    """Signed inspections whose lot still has quantity no disposition decided (held), oldest signature first.

    Only the lot's newest inspection is listed: a corrected one is decided from its correction, a
    re-inspected one from its re-inspection (``quality.services.dispositions.newest_of_lot``).
    """
    live = Inspection.objects.exclude(status=Inspection.Status.CANCELLED)
    return (
        Inspection.objects.visible_to(membership)
        .filter(status=Inspection.Status.SIGNED, undecided=True, corrected_by__isnull=True)
        .exclude(Exists(live.filter(reinspection_of=OuterRef("pk"))))
        .select_related("partner", "product", "receipt")
        .order_by("signed_at", "id")
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
    """The SSCC a scan stands for (``quality.scans.read_scan``: AI 00, check digit verified), or None."""
    return read_scan(text).sscc or None


def inspection_find(*, membership: Membership, scan: str) -> QuerySet[Inspection]:
    """The open or signed inspections a dock scan names, oldest first: an SSCC (the lots packed in
    that package of an ASN), a GS1 label's lot (AI 10), or a lot number, a PO name or the supplier's
    reference of a PO, or a receipt name (exact, case-insensitive; ``quality.scans.read_scan``).
    Only inspections ``membership`` may see; a package outside its scope finds nothing."""
    from django.db.models import Q

    from suppliers.models import AsnItem, PurchaseOrder, Receipt

    read = read_scan(scan[:SCAN_MAX])
    visible = (
        Inspection.objects.visible_to(membership)
        .exclude(status=Inspection.Status.CANCELLED)
        .select_related("partner", "product", "receipt")
        .annotate(n=Max("samplings__sample_size"))
        .order_by("created_at", "id")
    )
    if not (read.sscc or read.lot or read.text):
        return visible.none()
    sscc = read.sscc
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
    # Three look-ups, each on its own index (upper-case name), instead of one OR across joins that made
    # PostgreSQL read every inspection (bench/inspection_pages_bench.py: ~1 s at 50,000).
    tenant = membership.tenant_id
    lots = Inspection.objects.filter(tenant_id=tenant, lot_name__iexact=read.lot or read.text).values("pk")
    if read.lot:  # a GS1 label's AI 10 names a lot, nothing else
        return visible.filter(pk__in=lots)
    scan = read.text
    # A PO by its name, or by the supplier's reference printed on the supplier's papers (partner_ref).
    orders = PurchaseOrder.objects.filter(tenant_id=tenant).filter(Q(name__iexact=scan) | Q(partner_ref__iexact=scan))
    receipts = Receipt.objects.filter(tenant_id=tenant).filter(Q(name__iexact=scan) | Q(order__in=orders))
    return visible.filter(Q(pk__in=lots) | Q(receipt__in=receipts.values("pk")))
