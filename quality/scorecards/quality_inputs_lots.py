"""Lot acceptance and certificate accuracy: the measures read from signed incoming inspections.

A lot counts once: its original inspection (``sequence`` 1) at its latest signed revision (a revision
corrected by a later signed one is left out; a correction still open leaves the signed one counting), in the
month its original inspection was first signed (tenant's zone), so a correction changes the lot's verdict
but never moves it to another month. Re-inspections are not lots and do not change the verdict: ISO 2859-1
counts lots on original inspection (``quality.services.switching`` reads sequence 1 only), and a rejected
lot sorted and presented again was still delivered nonconforming. See ``quality_inputs`` for the sources.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Avg, Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from portal.models import Partner, Tenant
from quality.models import Characteristic, Inspection, InspectionResult
from quality.services.certificates import certificate_disagreement
from suppliers.models import Asn, AsnItemValue

from .catalogue import plain
from .drill import Drill, DrillRow
from .quality_inputs_common import CHUNK, Window, as_month, for_partners, month_trunc, window

SIGNED = Inspection.Status.SIGNED


def counted_lots(tenant: Tenant, win: Window) -> QuerySet[Inspection]:
    """The inspections that stand for lots first signed in ``win``, annotated ``lot_signed_at`` (module
    docstring). The range is tested on the row's own ``signed_at`` too: a lot's latest revision is signed
    at or after its first signature, which lets the database skip rows signed before the window."""
    signed_correction = Inspection.objects.filter(corrects=OuterRef("pk"), status=SIGNED)
    first_revision = Inspection.objects.filter(
        receipt_id=OuterRef("receipt_id"), lot_name=OuterRef("lot_name"), sequence=1, revision=1
    ).order_by()
    # The move's revision 1; where the pull dropped the move (the inspections' move set to null), the
    # revision 1 of the same product and lot on the receipt that has no move either.
    first_signature = Coalesce(
        Subquery(first_revision.filter(receipt_move_id=OuterRef("receipt_move_id")).values("signed_at")[:1]),
        Subquery(
            first_revision.filter(receipt_move__isnull=True, product_id=OuterRef("product_id"))
            .order_by("pk")
            .values("signed_at")[:1]
        ),
    )
    return (
        Inspection.objects.filter(tenant=tenant, sequence=1, status=SIGNED, signed_at__gte=win.start)
        .exclude(Exists(signed_correction))
        .annotate(
            lot_signed_at=Case(
                When(revision=1, then=F("signed_at")),
                default=Coalesce(first_signature, F("signed_at")),
            )
        )
        .filter(lot_signed_at__gte=win.start, lot_signed_at__lt=win.end)
    )


def lots_inputs(
    *, tenant: Tenant, months: list[dt.date], partner_ids: list[int] | None = None
) -> Iterator[tuple[int, dt.date, dict]]:
    """``lots`` inputs per (partner id, month): ``{"lots", "accepted", "rejected"}`` as ints, lots counted as
    the module docstring says, split by the verdict of the inspection that stands for the lot. One query."""
    win = window(tenant, months)
    if win is None:
        return
    rows = (
        for_partners(counted_lots(tenant, win), "partner", partner_ids)
        .annotate(month=month_trunc("lot_signed_at", win))
        .values("partner_id", "month")
        .annotate(
            lots=Count("pk"),
            accepted=Count("pk", filter=Q(verdict=Inspection.Verdict.ACCEPT)),
            rejected=Count("pk", filter=Q(verdict=Inspection.Verdict.REJECT)),
        )
        .order_by("partner_id", "month")
    )
    for row in rows.iterator():
        month = as_month(row["month"])
        if month in win.months:
            yield (
                row["partner_id"],
                month,
                {"lots": row["lots"], "accepted": row["accepted"], "rejected": row["rejected"]},
            )


def lots_drill(*, tenant: Tenant, partner: Partner, months: list[dt.date], limit: int = 200) -> Drill:
    """The lots behind ``lots_inputs``: rejected ones first, then by signature; a row per lot linking to the
    inspection that stands for it."""
    out = Drill("lots", (_("Signed"), _("Lot"), _("Product"), _("Receipt"), _("Verdict")))
    win = window(tenant, months)
    if win is None:
        return out
    rows = [
        i
        for i in counted_lots(tenant, win)
        .filter(partner=partner)
        .select_related("product", "receipt")
        .annotate(
            bad=Case(When(verdict=Inspection.Verdict.REJECT, then=Value(0)), default=1, output_field=IntegerField())
        )
        .order_by("bad", "lot_signed_at", "pk")
        if win.month_of(i.lot_signed_at) in win.months
    ]
    for i in rows:
        rejected = i.verdict == Inspection.Verdict.REJECT
        out.total += 1
        out.bad_total += rejected
        if len(out.rows) < limit:
            cells = (
                win.day_of(i.lot_signed_at).isoformat(),
                i.lot_name or _("(untracked)"),
                i.product.name,
                i.receipt.name,
                i.get_verdict_display(),
            )
            out.rows.append(DrillRow(cells=cells, bad=rejected, link=("inspection", i.pk)))
    out.note = _("Re-inspections are not new lots; a corrected inspection counts once, as corrected.")
    return out


# --- certificates -----------------------------------------------------------------------------------


def _measured(version_ids: set[int]) -> dict[int, dict[str, Characteristic]]:
    """Plan version id -> its measured characteristics by name as matched (stripped, casefolded)."""
    out: dict[int, dict[str, Characteristic]] = defaultdict(dict)
    for c in Characteristic.objects.filter(version_id__in=version_ids, kind=Characteristic.Kind.MEASURED):
        out[c.version_id][c.name.strip().casefold()] = c
    return out


def _means(inspection_ids: list[int]) -> dict[tuple[int, int], Decimal]:
    """(inspection id, characteristic id) -> the mean of the current measurements, as
    ``quality.services.certificates.measured_means`` answers it for one inspection."""
    rows = (
        InspectionResult.objects.filter(inspection_id__in=inspection_ids, superseded=False, value__isnull=False)
        .values("inspection_id", "characteristic_id")
        .annotate(mean=Avg("value"))
        .values_list("inspection_id", "characteristic_id", "mean")
        .order_by()
    )
    return {(i, c): Decimal(mean) for i, c, mean in rows if mean is not None}


def _given(tenant: Tenant, chunk: list[Inspection]) -> dict[tuple[int, int, str], dict[str, tuple]]:
    """(partner id, product id, lot) -> ``{name: (value, unit)}``: ``suppliers.selectors.certificate_values_for``
    for every lot of ``chunk`` in one query, by the same rule (submitted shipments, drafts and cancelled ones
    left out; the shipment submitted last wins per name, case-insensitively)."""
    rows = (
        AsnItemValue.objects.filter(
            tenant=tenant,
            item__asn__partner_id__in={i.partner_id for i in chunk},
            item__asn__status__in=[*Asn.OPEN_STATUSES, Asn.Status.RECEIVED],
            item__line__order_line__product_id__in={i.product_id for i in chunk},
            item__lot_name__in={i.lot_name for i in chunk},
        )
        .order_by("item__asn__submitted_at", "item__asn_id", "id")
        .values_list(
            "item__asn__partner_id", "item__line__order_line__product_id", "item__lot_name", "name", "value", "unit"
        )
    )
    found: dict[tuple, dict[str, tuple]] = defaultdict(dict)
    for partner_id, product_id, lot, name, value, unit in rows:
        found[(partner_id, product_id, lot)][name.lower()] = (name, value, unit)
    return found


def compared_values(
    tenant: Tenant, chunk: list[Inspection]
) -> Iterator[tuple[Inspection, str, Decimal, str, Decimal | None, str]]:
    """For each inspection of ``chunk`` (with a lot and a plan), each certificate value matched to a measured
    characteristic: (inspection, name, value, unit, mean, disagreement or ""), as
    ``quality.services.certificates.certificate_values`` matches them. Three queries per chunk."""
    measured = _measured({i.plan_version_id for i in chunk})
    given = _given(tenant, chunk)
    means = _means([i.pk for i in chunk])
    for inspection in chunk:
        characteristics = measured.get(inspection.plan_version_id) or {}
        for name, value, unit in (
            given.get((inspection.partner_id, inspection.product_id, inspection.lot_name)) or {}
        ).values():
            characteristic = characteristics.get(name.strip().casefold())
            if characteristic is None:
                continue
            mean = means.get((inspection.pk, characteristic.pk))
            yield inspection, name, value, unit, mean, certificate_disagreement(characteristic, value, unit, mean)


def _certified(tenant: Tenant, win: Window, partner_ids: list[int] | None) -> Iterator[list[Inspection]]:
    """The counted lots with a lot name and a plan, in chunks of ``CHUNK``, oldest first."""
    qs = (
        for_partners(counted_lots(tenant, win), "partner", partner_ids)
        .filter(plan_version__isnull=False)
        .exclude(lot_name="")
    )
    chunk: list[Inspection] = []
    for inspection in qs.order_by("pk").iterator(chunk_size=CHUNK):
        if win.month_of(inspection.lot_signed_at) in win.months:
            chunk.append(inspection)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def certificates_inputs(
    *, tenant: Tenant, months: list[dt.date], partner_ids: list[int] | None = None
) -> Iterator[tuple[int, dt.date, dict]]:
    """``certificates`` inputs per (partner id, month): ``{"values", "disagreeing"}`` as ints, over the lots
    ``lots_inputs`` counts: each certificate value matched to a measured characteristic of the lot's plan is
    compared, and disagrees by ``quality.services.certificates.certificate_disagreement`` (issue 12's rule).
    Streamed: one query for the inspections, three per ``CHUNK`` of them."""
    win = window(tenant, months)
    if win is None:
        return
    sums: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    for chunk in _certified(tenant, win, partner_ids):
        for inspection, *_rest, disagreement in compared_values(tenant, chunk):
            counts = sums[(inspection.partner_id, win.month_of(inspection.lot_signed_at))]
            counts[0] += 1
            counts[1] += bool(disagreement)
    for (partner_id, month), (values, disagreeing) in sorted(sums.items()):
        yield partner_id, month, {"values": values, "disagreeing": disagreeing}


def certificates_drill(*, tenant: Tenant, partner: Partner, months: list[dt.date], limit: int = 200) -> Drill:
    """The certificate values behind ``certificates_inputs``: disagreeing ones first, then by signature."""
    out = Drill(
        "certificates",
        (_("Signed"), _("Lot"), _("Characteristic"), _("Certificate"), _("Measured mean"), _("Finding")),
    )
    win = window(tenant, months)
    if win is None:
        return out
    found = []
    for chunk in _certified(tenant, win, [partner.pk]):
        found.extend(compared_values(tenant, chunk))
    found.sort(key=lambda f: (not f[5], f[0].lot_signed_at, f[0].pk, f[1].casefold()))
    for inspection, name, value, unit, mean, disagreement in found:
        out.total += 1
        out.bad_total += bool(disagreement)
        if len(out.rows) < limit:
            cells = (
                win.day_of(inspection.lot_signed_at).isoformat(),
                inspection.lot_name,
                name,
                f"{plain(value)} {unit}".strip(),
                "" if mean is None else plain(mean.quantize(Decimal("0.000001"))),
                disagreement or _("Agrees"),
            )
            out.rows.append(DrillRow(cells=cells, bad=bool(disagreement), link=("inspection", inspection.pk)))
    out.note = _("Certificate values whose name is not a measured characteristic of the lot's plan are not compared.")
    return out
