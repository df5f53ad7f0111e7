"""PPM, NCR count and cost of poor quality: the measures read from NCRs (and, for PPM, from done receipts).

An NCR counts in the month it was opened (``created_at``, tenant's zone), whatever it became since, unless it
was cancelled (a cancelled NCR was opened by mistake or found not to be a nonconformity). See
``quality_inputs`` for the sources.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from portal.models import Partner, Tenant
from quality.models import DefectClass, Ncr, NcrLot
from quality.services.ncrs import ncr_cost
from suppliers.models import Receipt, ReceiptMove

from .catalogue import format_figure, format_quantity, plain
from .drill import Drill, DrillRow
from .quality_inputs_common import CHUNK, ZERO, Window, as_month, for_partners, month_trunc, window


def counted_ncrs(tenant: Tenant, win: Window) -> QuerySet[Ncr]:
    """NCRs opened in ``win``, cancelled ones left out."""
    return Ncr.objects.filter(tenant=tenant, created_at__gte=win.start, created_at__lt=win.end).exclude(
        status=Ncr.Status.CANCELLED
    )


def rejected_lots(tenant: Tenant, win: Window) -> QuerySet[NcrLot]:
    """The lots of ``counted_ncrs``: their ``affected`` quantity is the rejected one (``suspect`` is not:
    it may yet prove good)."""
    return NcrLot.objects.filter(tenant=tenant, ncr__created_at__gte=win.start, ncr__created_at__lt=win.end).exclude(
        ncr__status=Ncr.Status.CANCELLED
    )


def received_moves(tenant: Tenant, win: Window) -> QuerySet[ReceiptMove]:
    """Moves of done receipts whose receiving was done in ``win`` (incoming receipts only: the pull mirrors
    no other picking, so a return to the vendor never adds to what was received)."""
    return ReceiptMove.objects.filter(
        tenant=tenant,
        receipt__state=Receipt.State.DONE,
        receipt__date_done__gte=win.start,
        receipt__date_done__lt=win.end,
    )


def ppm_inputs(
    *, tenant: Tenant, months: list[dt.date], partner_ids: list[int] | None = None
) -> Iterator[tuple[int, dt.date, dict]]:
    """``ppm`` inputs per (partner id, month): ``{"received", "rejected"}`` as decimal strings in the
    products' units: the quantity done of ``received_moves``, the affected quantity of ``rejected_lots``.
    Yielded when either is not zero (NCRs and no receipt: rejected only, which has no figure). Two queries."""
    win = window(tenant, months)
    if win is None:
        return
    sums: dict[tuple[int, dt.date], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    received = (
        for_partners(received_moves(tenant, win), "receipt__partner", partner_ids)
        .annotate(month=month_trunc("receipt__date_done", win))
        .values("receipt__partner_id", "month")
        .annotate(quantity=Sum("quantity_done"))
        .order_by()
    )
    for row in received.iterator():
        sums[(row["receipt__partner_id"], as_month(row["month"]))][0] += row["quantity"] or ZERO
    rejected = (
        for_partners(rejected_lots(tenant, win), "ncr__partner", partner_ids)
        .annotate(month=month_trunc("ncr__created_at", win))
        .values("ncr__partner_id", "month")
        .annotate(quantity=Sum("affected"))
        .order_by()
    )
    for row in rejected.iterator():
        sums[(row["ncr__partner_id"], as_month(row["month"]))][1] += row["quantity"] or ZERO
    for (partner_id, month), (got, bad) in sorted(sums.items()):
        if month in win.months and (got or bad):
            yield partner_id, month, {"received": plain(got), "rejected": plain(bad)}


def ppm_drill(*, tenant: Tenant, partner: Partner, months: list[dt.date], limit: int = 200) -> Drill:
    """The NCR lots behind ``ppm_inputs``' rejected quantity (lots with an affected quantity first); the note
    gives the received quantity it is set against."""
    out = Drill("ppm", (_("Opened"), _("NCR"), _("Lot"), _("Product"), _("Affected")))
    win = window(tenant, months)
    if win is None:
        return out
    lots = (
        rejected_lots(tenant, win)
        .filter(ncr__partner=partner)
        .select_related("ncr__product")
        .order_by("ncr__created_at", "ncr_id", "pk")
    )
    found = [lot for lot in lots if win.month_of(lot.ncr.created_at) in win.months]
    found.sort(key=lambda lot: lot.affected <= 0)  # stable: bad first, each part still by opening
    for lot in found:
        bad = lot.affected > 0
        out.total += 1
        out.bad_total += bad
        if len(out.rows) < limit:
            cells = (
                win.day_of(lot.ncr.created_at).isoformat(),
                lot.ncr.number,
                lot.lot_name or _("(untracked)"),
                lot.ncr.product.name,
                format_quantity(lot.affected),
            )
            out.rows.append(DrillRow(cells=cells, bad=bad, link=("ncr", lot.ncr_id)))
    moves = (
        received_moves(tenant, win).filter(receipt__partner=partner).values_list("receipt__date_done", "quantity_done")
    )
    received = sum((q for done, q in moves.iterator() if win.month_of(done) in win.months), ZERO)
    out.note = _(
        "Set against %(received)s received in done receipts of these months; suspect quantities are not counted."
    ) % {"received": format_quantity(received)}
    return out


def ncrs_inputs(
    *, tenant: Tenant, months: list[dt.date], partner_ids: list[int] | None = None
) -> Iterator[tuple[int, dt.date, dict]]:
    """``ncrs`` inputs per (partner id, month): ``{"total", "minor", "major", "critical"}`` as ints, over
    ``counted_ncrs`` by their severity. One query."""
    win = window(tenant, months)
    if win is None:
        return
    rows = (
        for_partners(counted_ncrs(tenant, win), "partner", partner_ids)
        .annotate(month=month_trunc("created_at", win))
        .values("partner_id", "month")
        .annotate(
            total=Count("pk"),
            minor=Count("pk", filter=Q(severity=DefectClass.MINOR)),
            major=Count("pk", filter=Q(severity=DefectClass.MAJOR)),
            critical=Count("pk", filter=Q(severity=DefectClass.CRITICAL)),
        )
        .order_by("partner_id", "month")
    )
    for row in rows.iterator():
        month = as_month(row["month"])
        if month in win.months:
            yield row["partner_id"], month, {k: row[k] for k in ("total", "minor", "major", "critical")}


def _ncr_list(tenant: Tenant, partner: Partner, win: Window, *, codes: bool = False) -> list[Ncr]:
    ncrs = counted_ncrs(tenant, win).filter(partner=partner).prefetch_related("lots")
    if codes:
        ncrs = ncrs.select_related("product").prefetch_related("defect_codes")
    return [ncr for ncr in ncrs.order_by("created_at", "pk") if win.month_of(ncr.created_at) in win.months]


def ncrs_drill(*, tenant: Tenant, partner: Partner, months: list[dt.date], limit: int = 200) -> Drill:
    """The NCRs behind ``ncrs_inputs``, by opening; every one counts against the partner."""
    out = Drill("ncrs", (_("Opened"), _("NCR"), _("Title"), _("Severity"), _("Status")))
    win = window(tenant, months)
    if win is None:
        return out
    for ncr in _ncr_list(tenant, partner, win):
        out.total += 1
        out.bad_total += 1
        if len(out.rows) < limit:
            cells = (
                win.day_of(ncr.created_at).isoformat(),
                ncr.number,
                ncr.title,
                ncr.get_severity_display(),
                ncr.get_status_display(),
            )
            out.rows.append(DrillRow(cells=cells, bad=True, link=("ncr", ncr.pk)))
    out.note = _("Cancelled NCRs are left out.")
    return out


def ncrs_supplier_drill(*, tenant: Tenant, partner: Partner, months: list[dt.date], limit: int = 200) -> Drill:
    """``ncrs_drill``'s NCRs (same predicates, order and counts) as the partner's own people see them, as on
    their corrective action pages (``quality.views.supplier_scars.ncr_summaries``): number, opening day,
    product, severity, defect codes and the affected quantity of its lots; not the title, which is free text
    of the tenant's quality staff, nor the status of its internal handling."""
    out = Drill("ncrs", (_("Opened"), _("NCR"), _("Product"), _("Severity"), _("Defect codes"), _("Affected")))
    win = window(tenant, months)
    if win is None:
        return out
    for ncr in _ncr_list(tenant, partner, win, codes=True):
        out.total += 1
        out.bad_total += 1
        if len(out.rows) < limit:
            cells = (
                win.day_of(ncr.created_at).isoformat(),
                ncr.number,
                ncr.product.name,
                ncr.get_severity_display(),
                ", ".join(sorted(code.code for code in ncr.defect_codes.all())) or "—",
                format_quantity(sum((lot.affected for lot in ncr.lots.all()), ZERO)),
            )
            out.rows.append(DrillRow(cells=cells, bad=True, link=("ncr", ncr.pk)))
    out.note = _("Cancelled NCRs are left out.")
    return out


def copq_inputs(
    *, tenant: Tenant, months: list[dt.date], partner_ids: list[int] | None = None
) -> Iterator[tuple[int, dt.date, dict]]:
    """``copq`` inputs per (partner id, month): ``{"by_currency": {currency code: total as a decimal
    string}}`` over ``counted_ncrs``, each NCR's total by ``quality.services.ncrs.ncr_cost`` (the NCR page's
    cost: affected quantity x PO price + handling charge). An NCR without a PO has no currency: its cost
    (the handling charge) is under "". Streamed with its lots prefetched per ``CHUNK`` NCRs: two queries per
    chunk."""
    win = window(tenant, months)
    if win is None:
        return
    sums: dict[tuple[int, dt.date], dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    ncrs = for_partners(counted_ncrs(tenant, win), "partner", partner_ids).prefetch_related("lots").order_by("pk")
    for ncr in ncrs.iterator(chunk_size=CHUNK):
        month = win.month_of(ncr.created_at)
        if month in win.months:
            cost = ncr_cost(ncr)
            sums[(ncr.partner_id, month)][cost.currency] += cost.total
    for (partner_id, month), by_currency in sorted(sums.items()):
        yield partner_id, month, {"by_currency": {code: plain(v) for code, v in sorted(by_currency.items())}}


def copq_drill(*, tenant: Tenant, partner: Partner, months: list[dt.date], limit: int = 200) -> Drill:
    """The NCRs behind ``copq_inputs`` with their cost, the costliest first."""
    out = Drill("copq", (_("Opened"), _("NCR"), _("Affected"), _("Material"), _("Handling"), _("Total")))
    win = window(tenant, months)
    if win is None:
        return out
    costed = [(ncr, ncr_cost(ncr)) for ncr in _ncr_list(tenant, partner, win)]
    costed.sort(key=lambda nc: -nc[1].total)  # stable: equal costs stay by opening
    for ncr, cost in costed:
        bad = cost.total > 0
        out.total += 1
        out.bad_total += bad
        if len(out.rows) < limit:
            money = [format_figure(v, cost.currency) for v in (cost.material, cost.handling, cost.total)]
            cells = (win.day_of(ncr.created_at).isoformat(), ncr.number, format_quantity(cost.quantity), *money)
            out.rows.append(DrillRow(cells=cells, bad=bad, link=("ncr", ncr.pk)))
    out.note = _("Costs are in each NCR's currency (its PO's); cancelled NCRs are left out.")
    return out
