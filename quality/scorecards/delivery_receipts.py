"""On-time delivery (``otd``) and quantity accuracy (``quantity``), from the receipt moves mirrored from Odoo.

What counts as a delivery: a ``ReceiptMove`` with ``quantity_done`` above 0, of a PO line, on a receipt in
state done, in the month (tenant time zone) of the receipt's ``date_done``, of the receipt's partner. Each
done receipt is its own delivery, so a partial receipt and its backorder are judged apart. Returns to the
vendor never appear: the pull mirrors incoming pickings only (``integrations.services.pull.receipts``),
and a return is an outgoing one (Odoo's receipt type returns through the delivery type), so neither measure
subtracts them; quantity accuracy adds the done moves, not Odoo's ``qty_received`` that a return reduces.

Due date of a delivery: the promised date of its PO line in the order's acknowledgement in force (the
latest version accepted within tolerance or approved by a buyer: ``Acknowledgement.goes_to_odoo``); where
that line was rejected or the version has no such line, the requested day (the line's ``date_planned`` in
the tenant's time zone, ``portal.dates.day_of``). On time when
``due - on_time_days_early <= day received <= due + on_time_days_late`` (``ScorecardRules``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DateField, Max, OuterRef, QuerySet, Subquery

from portal.models import Partner, Tenant
from quality.models import ScorecardRules, scorecard_rules_for
from suppliers.models import Acknowledgement, AcknowledgementLine, PurchaseOrder, Receipt, ReceiptMove
from suppliers.quantities import quantity_sum

from .delivery_base import ZERO, Picker, Tally, Window, count_words, of_partners, qty, window
from .drill import Drill, DrillRow

HUNDRED = Decimal(100)
# The versions whose promised dates went to Odoo (accepted within tolerance, or approved by a buyer).
IN_FORCE = (Acknowledgement.Status.ACCEPTED, Acknowledgement.Status.APPROVED)


# --- on-time delivery ---------------------------------------------------------------------------------


def _promised_date() -> Subquery:
    """The promised date of the move's PO line in its order's acknowledgement in force (None: none there)."""
    in_force = (
        Acknowledgement.objects.filter(order_id=OuterRef(OuterRef("order_line__order_id")), status__in=IN_FORCE)
        .order_by("-version")
        .values("pk")[:1]
    )
    line = AcknowledgementLine.objects.filter(
        acknowledgement_id=Subquery(in_force), order_line_id=OuterRef("order_line_id")
    )
    # One line per PO line in a version; ordered by pk so that no model ordering adds joins.
    return Subquery(line.order_by("pk").values("promised_date")[:1], output_field=DateField())


def _done_moves(tenant: Tenant) -> QuerySet:
    """Every delivered move of a PO line: quantity done above 0 on a done receipt of the tenant."""
    return ReceiptMove.objects.filter(
        tenant=tenant, receipt__state=Receipt.State.DONE, quantity_done__gt=0, order_line__isnull=False
    )


def _deliveries_qs(tenant: Tenant, win: Window, partner_ids: list[int] | None) -> QuerySet:
    qs = _done_moves(tenant).filter(receipt__date_done__gte=win.start, receipt__date_done__lt=win.end)
    return of_partners(qs, "receipt__partner_id", partner_ids).order_by().annotate(promised=_promised_date())


@dataclass(frozen=True)
class Delivery:
    """One done move judged: ``verdict`` is "on_time", "early", "late" or "undated"; ``days`` from due."""

    partner_id: int
    month: dt.date
    day: dt.date
    due: dt.date | None
    promised: bool
    quantity: Decimal
    verdict: str
    days: int


def _judge_delivery(day: dt.date, due: dt.date | None, rules: ScorecardRules) -> tuple[str, int]:
    if due is None:
        return "undated", 0
    days = (day - due).days
    if days < -int(rules.on_time_days_early):
        return "early", days
    if days > int(rules.on_time_days_late):
        return "late", days
    return "on_time", days


_DELIVERY_FIELDS = (
    "receipt__partner_id",
    "receipt__date_done",
    "promised",
    "order_line__date_planned",
    "quantity_done",
)


def _deliveries(qs: QuerySet, win: Window, rules: ScorecardRules, extra: tuple[str, ...] = ()) -> Iterator:
    """``(Delivery, extra values)`` for each move of ``qs`` in the months asked for, streamed."""
    for row in qs.values_list(*_DELIVERY_FIELDS, *extra).iterator(chunk_size=2000):
        partner_id, done_at, promised, planned, quantity = row[:5]
        day = win.day(done_at)
        month = win.month_of_day(day)
        if month is None:
            continue
        due = promised or (win.day(planned) if planned else None)
        verdict, days = _judge_delivery(day, due, rules)
        yield Delivery(partner_id, month, day, due, promised is not None, quantity, verdict, days), row[5:]


def otd_inputs(
    *, tenant: Tenant, months: list[dt.date], partner_ids: list[int] | None = None
) -> Iterator[tuple[int, dt.date, dict]]:
    """On-time delivery inputs per partner and month (module docstring for what a delivery and its due
    date are): ``lines`` / ``lines_on_time`` count dated moves, ``quantity`` / ``quantity_on_time`` sum
    their ``quantity_done`` (decimal strings), ``early`` / ``late`` count moves outside the window,
    ``undated`` counts moves with neither a promised nor a requested date (in no other input).

    One query, streamed; yields only (partner, month) with at least one delivered move.
    """
    win = window(tenant, months)
    if win is None:
        return
    rules = scorecard_rules_for(tenant)
    tally = Tally("otd", decimals=("quantity", "quantity_on_time"))
    for d, _ in _deliveries(_deliveries_qs(tenant, win, partner_ids), win, rules):
        cell = tally.cell(d.partner_id, d.month)
        if d.verdict == "undated":
            cell["undated"] += 1
            continue
        cell["lines"] += 1
        cell["quantity"] += d.quantity
        if d.verdict == "on_time":
            cell["lines_on_time"] += 1
            cell["quantity_on_time"] += d.quantity
        else:
            cell[d.verdict] += 1
    yield from tally.items()


def _delivery_result(d: Delivery) -> str:
    if d.verdict == "on_time":
        return "on time"
    n = abs(d.days)
    return f"{count_words(n, 'day', 'days')} {d.verdict}"


def otd_drill(*, tenant: Tenant, partner: Partner, months: list[dt.date], limit: int = 200) -> Drill:
    """The deliveries behind ``otd``: one row per done move (receipt, PO, product, day received, due date
    and where it came from, quantity, result), late and early ones first, newest first; moves with no
    due date are left out and counted in the note. Links to the receipt."""
    picker = Picker("otd", ("Receipt", "PO", "Product", "Received", "Due", "Quantity", "Result"), limit)
    win = window(tenant, months)
    if win is None:
        return picker.done()
    qs = _deliveries_qs(tenant, win, [partner.pk]).order_by("-receipt__date_done", "-pk")
    extra = (
        "receipt_id",
        "receipt__name",
        "order_line__order__name",
        "order_line__description",
        "order_line__uom_name",
    )
    undated = 0
    for d, (receipt_id, receipt_name, po_name, description, uom) in _deliveries(
        qs, win, scorecard_rules_for(tenant), extra
    ):
        if d.verdict == "undated":
            undated += 1
            continue
        due = f"{d.due.isoformat()} ({'promised' if d.promised else 'requested'})"
        cells = (
            receipt_name,
            po_name,
            description[:80],
            d.day.isoformat(),
            due,
            qty(d.quantity, uom),
            _delivery_result(d),
        )
        picker.add(DrillRow(cells=cells, bad=d.verdict != "on_time", link=("receipt", receipt_id)))
    note = f"Left out: {count_words(undated, 'line', 'lines')} with no promised or requested date." if undated else ""
    return picker.done(note)


# --- quantity accuracy --------------------------------------------------------------------------------


def _receiving_qs(tenant: Tenant, win: Window, partner_ids: list[int] | None, extra: tuple[str, ...] = ()) -> QuerySet:
    """Per PO line with a delivery in the window: what all its done moves brought and the last one's
    moment, kept when that last one falls in the window (a line is judged once, at its last receipt)."""
    done = of_partners(_done_moves(tenant), "order_line__order__partner_id", partner_ids)
    touched = done.filter(receipt__date_done__gte=win.start, receipt__date_done__lt=win.end).values("order_line_id")
    grouped = (
        done.filter(order_line_id__in=touched)
        .order_by()
        .values(
            "order_line_id",
            "order_line__order__partner_id",
            "order_line__quantity",
            "order_line__order__receipt_status",
            *extra,
        )
        .annotate(received=quantity_sum("quantity_done"), last=Max("receipt__date_done"))
    )
    return grouped.filter(last__gte=win.start, last__lt=win.end)


@dataclass(frozen=True)
class Judged:
    """A PO line's receiving: ``verdict`` "accurate", "over", "under", or "open" (still being received)."""

    partner_id: int
    month: dt.date
    ordered: Decimal
    received: Decimal
    low: Decimal
    high: Decimal
    verdict: str


def _judge_line(ordered: Decimal, received: Decimal, receipt_status: str, rules: ScorecardRules) -> tuple:
    low = ordered * (HUNDRED - Decimal(str(rules.quantity_under_pct))) / HUNDRED
    high = ordered * (HUNDRED + Decimal(str(rules.quantity_over_pct))) / HUNDRED
    # Receiving has ended when enough arrived or Odoo calls the order received (its other receipts done
    # or cancelled). A locked order ("done") still receives: some companies lock every order at approval.
    if received < low and receipt_status != PurchaseOrder.ReceiptStatus.FULL:
        return low, high, "open"
    if received < low:
        return low, high, "under"
    return low, high, "over" if received > high else "accurate"


def _judged_lines(qs: QuerySet, win: Window, rules: ScorecardRules, extra: tuple[str, ...] = ()) -> Iterator:
    for row in qs.iterator(chunk_size=2000):
        month = win.month_of(row["last"])
        if month is None:
            continue
        ordered, received = row["order_line__quantity"], row["received"] or ZERO
        low, high, verdict = _judge_line(ordered, received, row["order_line__order__receipt_status"], rules)
        judged = Judged(row["order_line__order__partner_id"], month, ordered, received, low, high, verdict)
        yield judged, tuple(row[name] for name in extra), row["last"]


def quantity_inputs(
    *, tenant: Tenant, months: list[dt.date], partner_ids: list[int] | None = None
) -> Iterator[tuple[int, dt.date, dict]]:
    """Quantity accuracy inputs per partner (the PO's) and month: PO lines whose receiving ended, each
    counted once in the month of its last done receipt. Received = the sum of ``quantity_done`` of its
    done moves; ended when received >= ordered x (1 - quantity_under_pct/100) or the order's
    ``receipt_status`` is "full"; ``accurate`` within ordered x (1 -/+ under/over %), else ``over`` or
    ``under``; ``lines`` counts all three. Lines still being received are in no input.

    Two nested queries in one statement, grouped per PO line, streamed.
    """
    win = window(tenant, months)
    if win is None:
        return
    tally = Tally("quantity")
    for judged, _, _ in _judged_lines(_receiving_qs(tenant, win, partner_ids), win, scorecard_rules_for(tenant)):
        if judged.verdict == "open":
            continue
        cell = tally.cell(judged.partner_id, judged.month)
        cell["lines"] += 1
        cell[judged.verdict] += 1
    yield from tally.items()


def _quantity_result(j: Judged, uom: str) -> str:
    if j.verdict == "under":
        return f"{qty(j.ordered - j.received, uom)} short"
    if j.verdict == "over":
        return f"{qty(j.received - j.ordered, uom)} over"
    return "accurate"


def quantity_drill(*, tenant: Tenant, partner: Partner, months: list[dt.date], limit: int = 200) -> Drill:
    """The PO lines behind ``quantity``: ordered, received, the accurate range, the last receipt's day and
    the result, inaccurate ones first, newest first; lines still being received are counted in the note.
    Links to the PO."""
    picker = Picker(
        "quantity", ("PO", "Line", "Ordered", "Received", "Accurate from-to", "Last receipt", "Result"), limit
    )
    win = window(tenant, months)
    if win is None:
        return picker.done()
    extra = ("order_line__order_id", "order_line__order__name", "order_line__description", "order_line__uom_name")
    qs = _receiving_qs(tenant, win, [partner.pk], extra).order_by("-last", "-order_line_id")
    still_open = 0
    for j, (po_id, po_name, description, uom), last in _judged_lines(qs, win, scorecard_rules_for(tenant), extra):
        if j.verdict == "open":
            still_open += 1
            continue
        cells = (
            po_name,
            description[:80],
            qty(j.ordered, uom),
            qty(j.received, uom),
            f"{qty(j.low)}-{qty(j.high)}",
            win.day(last).isoformat(),
            _quantity_result(j, uom),
        )
        picker.add(DrillRow(cells=cells, bad=j.verdict != "accurate", link=("po", po_id)))
    note = ""
    if still_open:
        note = (
            f"Left out: {count_words(still_open, 'line', 'lines')} still being received (judged when receiving ends)."
        )
    return picker.done(note)
