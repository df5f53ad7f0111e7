"""Acknowledgement on time (``ack``) and ASN accuracy (``asn``), from POs, acknowledgements, ASNs and receipts.

``ack``: a PO counts in the month (tenant time zone) of its ``date_approve``, when Odoo confirmed it and the
supplier was asked to answer, if it is confirmed or locked ("purchase", "done"): the states a supplier can
acknowledge (``suppliers.services.acknowledgements`` refuses any other). A cancelled PO is left out, since
nothing could be answered any more. Acknowledged at: ``created_at`` of its first acknowledgement version;
every version is one the supplier submitted (there is no draft: ``Acknowledgement.Status``), whatever the
buyer later decided.

``asn``: an ASN counts in the month of the last done receipt that brought its goods (``Asn.receipts``,
linked by ``suppliers.services.asn_receipts``) when it was submitted and not cancelled. It matched when
Odoo's receipt reported no mismatch (``odoo_mismatches``), each line received what it announced
(``AsnLine.quantity_received``) and each announced lot or serial arrived under its name in its quantity
(``AsnItem.quantity_received``: goods of another lot name are given to the line by quantity, never to
the item). Receipts of the partner done in the month count apart, announced when an ASN submitted before
the receipt's ``date_done`` brought some of its goods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DateTimeField, Exists, F, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import l10n
from portal.dates import local
from portal.models import Partner, Tenant
from quality.models import scorecard_rules_for
from suppliers.models import Acknowledgement, Asn, AsnItem, AsnLine, PurchaseOrder, Receipt

from .delivery_base import Picker, Tally, Window, hours, of_partners, window
from .drill import Drill, DrillRow

ACK_STATES = (PurchaseOrder.State.PURCHASE, PurchaseOrder.State.DONE)


def _moment(value: dt.datetime | None, win: Window) -> str:
    return "—" if value is None else f"{local(value, win.tz):%Y-%m-%d %H:%M}"


# --- acknowledgement on time --------------------------------------------------------------------------


def _published_qs(tenant: Tenant, win: Window, partner_ids: list[int] | None) -> QuerySet:
    """POs confirmed in the window in a state the supplier answers, with their first answer's moment."""
    first = Acknowledgement.objects.filter(order_id=OuterRef("pk")).order_by("version").values("created_at")[:1]
    qs = PurchaseOrder.objects.filter(
        tenant=tenant, state__in=ACK_STATES, date_approve__gte=win.start, date_approve__lt=win.end
    )
    return (
        of_partners(qs, "partner_id", partner_ids)
        .order_by()
        .annotate(first_ack=Subquery(first, output_field=DateTimeField()))
    )


@dataclass(frozen=True)
class Answer:
    """A PO's answer: ``verdict`` "in_time", "late", "missing" (target passed, none) or "waiting"."""

    partner_id: int
    month: dt.date
    published: dt.datetime
    acknowledged: dt.datetime | None
    hours: Decimal | None
    verdict: str


def _answers(qs: QuerySet, win: Window, target_hours: int, extra: tuple[str, ...] = ()) -> Iterator:
    """``(Answer, extra values)`` per PO of ``qs`` in the months asked for, streamed."""
    now, target = timezone.now(), dt.timedelta(hours=target_hours)
    for row in qs.values_list("partner_id", "date_approve", "first_ack", *extra).iterator(chunk_size=2000):
        partner_id, published, first_ack = row[:3]
        month = win.month_of(published)
        if month is None:
            continue
        if first_ack is not None:
            verdict = "in_time" if first_ack - published <= target else "late"
            answer = Answer(partner_id, month, published, first_ack, hours(first_ack - published), verdict)
        else:
            verdict = "missing" if now >= published + target else "waiting"
            answer = Answer(partner_id, month, published, None, None, verdict)
        yield answer, row[3:]


def ack_inputs(
    *, tenant: Tenant, months: list[dt.date], partner_ids: list[int] | None = None
) -> Iterator[tuple[int, dt.date, dict]]:
    """Acknowledgement inputs per partner and month of publication (module docstring): ``orders`` counts
    POs acknowledged, and those not acknowledged once ``ack_target_hours`` passed (one still within its
    target is left out); ``in_time`` those acknowledged within the target (inclusive); ``acknowledged``
    those acknowledged at all; ``hours_total`` the sum of their hours from publication (decimal string,
    to the hundredth per PO). One query, streamed."""
    win = window(tenant, months)
    if win is None:
        return
    tally = Tally("ack", decimals=("hours_total",))
    target = int(scorecard_rules_for(tenant).ack_target_hours)
    for a, _extra in _answers(_published_qs(tenant, win, partner_ids), win, target):
        if a.verdict == "waiting":
            continue
        cell = tally.cell(a.partner_id, a.month)
        cell["orders"] += 1
        if a.acknowledged is not None:
            cell["acknowledged"] += 1
            cell["hours_total"] += a.hours
            cell["in_time"] += a.verdict == "in_time"
    yield from tally.items()


def _ack_words(verdict: str) -> str:
    return {"in_time": _("in time"), "late": _("late"), "missing": _("not acknowledged")}[verdict]


def ack_drill(*, tenant: Tenant, partner: Partner, months: list[dt.date], limit: int = 200) -> Drill:
    """The POs behind ``ack``: published and acknowledged moments (tenant time zone), hours and result,
    late and unanswered ones first, newest first; POs still within their target are counted in the
    note. Links to the PO."""
    picker = Picker("ack", (_("PO"), _("Published"), _("Acknowledged"), _("Hours"), _("Result")), limit)
    win = window(tenant, months)
    if win is None:
        return picker.done()
    target = int(scorecard_rules_for(tenant).ack_target_hours)
    qs = _published_qs(tenant, win, [partner.pk]).order_by("-date_approve", "-pk")
    waiting = 0
    for a, (po_id, name) in _answers(qs, win, target, ("pk", "name")):
        if a.verdict == "waiting":
            waiting += 1
            continue
        hours_text = "—" if a.hours is None else l10n.num(a.hours, 2)
        cells = (name, _moment(a.published, win), _moment(a.acknowledged, win), hours_text, _ack_words(a.verdict))
        picker.add(DrillRow(cells=cells, bad=a.verdict != "in_time", link=("po", po_id)))
    note = ""
    if waiting:
        note = ngettext(
            "Left out: %(count)s PO published less than %(hours)s hours ago and not acknowledged yet.",
            "Left out: %(count)s POs published less than %(hours)s hours ago and not acknowledged yet.",
            waiting,
        ) % {"count": waiting, "hours": target}
    return picker.done(note)


# --- ASN accuracy -------------------------------------------------------------------------------------


def _count(qs: QuerySet) -> Coalesce:
    """The number of rows of ``qs`` (which refers to the ASN by ``OuterRef("pk")``), 0 for none."""
    counted = qs.order_by().values("asn_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _asns_qs(tenant: Tenant, win: Window, partner_ids: list[int] | None) -> QuerySet:
    """Submitted, not cancelled ASNs whose last done receipt is in the window, with what did not match:
    ``lines_off`` (lines that received other than announced), ``lots_off`` (an announced lot that did not
    arrive as announced), ``line_count`` (all lines)."""
    last = (
        Receipt.objects.filter(asns=OuterRef("pk"), state=Receipt.State.DONE, date_done__isnull=False)
        .order_by("-date_done")
        .values("date_done")[:1]
    )
    lines = AsnLine.objects.filter(asn_id=OuterRef("pk"))
    lots_off = (
        AsnItem.objects.filter(asn_id=OuterRef("pk")).exclude(lot_name="").exclude(quantity_received=F("quantity"))
    )
    qs = (
        Asn.objects.filter(tenant=tenant, submitted_at__isnull=False)
        .exclude(status__in=(Asn.Status.DRAFT, Asn.Status.CANCELLED))
        .annotate(last_receipt=Subquery(last, output_field=DateTimeField()))
        .filter(last_receipt__gte=win.start, last_receipt__lt=win.end)
    )
    return (
        of_partners(qs, "partner_id", partner_ids)
        .order_by()
        .annotate(
            line_count=_count(lines),
            lines_off=_count(lines.exclude(quantity_received=F("quantity"))),
            lots_off=Exists(lots_off),
        )
    )


def _receipts_qs(tenant: Tenant, win: Window, partner_ids: list[int] | None) -> QuerySet:
    """The partner's receipts done in the window; ``announced``: an ASN submitted before brought goods."""
    before = Asn.objects.filter(receipts=OuterRef("pk"), submitted_at__lt=OuterRef("date_done"))
    qs = Receipt.objects.filter(
        tenant=tenant, state=Receipt.State.DONE, date_done__gte=win.start, date_done__lt=win.end
    )
    return of_partners(qs, "partner_id", partner_ids).order_by().annotate(announced=Exists(before))


_ASN_FIELDS = ("partner_id", "last_receipt", "odoo_mismatches", "line_count", "lines_off", "lots_off")


def _asn_reasons(mismatches: list, lines: int, lines_off: int, lots_off: bool) -> list[str]:
    """Why an ASN did not match, in words; empty when it matched."""
    reasons = [str(m) for m in mismatches or []]
    if lines_off:
        reasons.append(
            ngettext(
                "%(off)s of %(count)s line not received as announced",
                "%(off)s of %(count)s lines not received as announced",
                lines,
            )
            % {"off": lines_off, "count": lines}
        )
    if lots_off:
        reasons.append(_("lots or serials not received as announced"))
    return reasons


def asn_inputs(
    *, tenant: Tenant, months: list[dt.date], partner_ids: list[int] | None = None
) -> Iterator[tuple[int, dt.date, dict]]:
    """ASN inputs per partner and month (module docstring): ``asns`` counts ASNs by their last done
    receipt, ``accurate`` those that matched; ``receipts`` counts receipts done in the month,
    ``announced_before`` those an ASN announced before they arrived. Two queries, streamed."""
    win = window(tenant, months)
    if win is None:
        return
    tally = Tally("asn")
    for partner_id, last, mismatches, lines, lines_off, lots_off in (
        _asns_qs(tenant, win, partner_ids).values_list(*_ASN_FIELDS).iterator(chunk_size=2000)
    ):
        month = win.month_of(last)
        if month is not None:
            cell = tally.cell(partner_id, month)
            cell["asns"] += 1
            cell["accurate"] += not _asn_reasons(mismatches, lines, lines_off, lots_off)
    receipts = _receipts_qs(tenant, win, partner_ids).values_list("partner_id", "date_done", "announced")
    for partner_id, done_at, announced in receipts.iterator(chunk_size=2000):
        month = win.month_of(done_at)
        if month is not None:
            cell = tally.cell(partner_id, month)
            cell["receipts"] += 1
            cell["announced_before"] += bool(announced)
    yield from tally.items()


def asn_drill(*, tenant: Tenant, partner: Partner, months: list[dt.date], limit: int = 200) -> Drill:
    """The ASNs behind ``asn``: submitted, last receipt, lines and what did not match, those that did
    not match first, newest first; the note counts the month's receipts and those announced before they
    arrived. Links to the ASN."""
    picker = Picker("asn", (_("ASN"), _("Submitted"), _("Last receipt"), _("Lines"), _("Result")), limit)
    win = window(tenant, months)
    if win is None:
        return picker.done()
    qs = _asns_qs(tenant, win, [partner.pk]).order_by("-last_receipt", "-pk")
    for _partner, last, mismatches, lines, lines_off, lots_off, asn_id, number, submitted in qs.values_list(
        *_ASN_FIELDS, "pk", "number", "submitted_at"
    ).iterator(chunk_size=2000):
        if win.month_of(last) is None:
            continue
        reasons = _asn_reasons(mismatches, lines, lines_off, lots_off)
        cells = (number, _moment(submitted, win), _moment(last, win), str(lines), "; ".join(reasons) or _("matched"))
        picker.add(DrillRow(cells=cells, bad=bool(reasons), link=("asn", asn_id)))
    received = announced = 0
    for done_at, before in _receipts_qs(tenant, win, [partner.pk]).values_list("date_done", "announced").iterator():
        if win.month_of(done_at) is not None:
            received += 1
            announced += bool(before)
    note = ""
    if received:
        note = _(
            "Receipts done in these months: %(received)s, of which %(announced)s announced by an ASN "
            "before they arrived."
        ) % {"received": received, "announced": announced}
    return picker.done(note)
