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
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    DurationField,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.db.models.lookups import Exact, GreaterThan, IsNull, LessThan
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from portal.models import Partner, Tenant
from quality.models import ScorecardRules, scorecard_rules_for
from suppliers.models import Acknowledgement, AcknowledgementLine, PurchaseOrder, Receipt, ReceiptMove
from suppliers.quantities import quantity_sum

from .delivery_base import ZERO, Picker, Tally, Window, of_partners, qty, window
from .drill import Drill, DrillRow

HUNDRED = Decimal(100)
# The versions whose promised dates went to Odoo (accepted within tolerance, or approved by a buyer).
IN_FORCE = (Acknowledgement.Status.ACCEPTED, Acknowledgement.Status.APPROVED)


def _word(text: str) -> Value:
    return Value(text, output_field=CharField())


# --- on-time delivery ---------------------------------------------------------------------------------


def _promised_lines() -> QuerySet:
    """The line with a promised date answering the outer move's PO line in its order's acknowledgement in
    force (one line per PO line in a version; none: not promised there)."""
    in_force = (
        Acknowledgement.objects.filter(order_id=OuterRef(OuterRef("order_line__order_id")), status__in=IN_FORCE)
        .order_by("-version")
        .values("pk")[:1]
    )
    return AcknowledgementLine.objects.filter(
        acknowledgement_id=Subquery(in_force), order_line_id=OuterRef("order_line_id"), promised_date__isnull=False
    ).order_by("pk")  # by pk, so that no model ordering adds joins


def _promised_date() -> Subquery:
    """The promised date of the move's PO line in its order's acknowledgement in force (None: none there)."""
    return Subquery(_promised_lines().values("promised_date")[:1], output_field=DateField())


def _done_moves(tenant: Tenant) -> QuerySet:
    """Every delivered move of a PO line: quantity done above 0 on a done receipt of the tenant."""
    return ReceiptMove.objects.filter(
        tenant=tenant, receipt__state=Receipt.State.DONE, quantity_done__gt=0, order_line__isnull=False
    )


def _day_and_due(win: Window) -> tuple[Expression, Expression]:
    """The day received and the due day of a move (tenant time zone): promised, else requested."""
    day = TruncDate("receipt__date_done", tzinfo=win.tz)
    requested = TruncDate("order_line__date_planned", tzinfo=win.tz)
    return day, Coalesce(_promised_date(), requested, output_field=DateField())


def _deliveries_qs(tenant: Tenant, win: Window, partner_ids: list[int] | None) -> QuerySet:
    """The delivered moves of the window, each with its ``month`` (tenant time zone) and ``verdict``
    ("on_time", "early", "late", "undated"), both computed by the database: judged against the promised
    day inside the subquery that finds it (so that it runs once a move), else against the requested day."""
    qs = _done_moves(tenant).filter(receipt__date_done__gte=win.start, receipt__date_done__lt=win.end)
    rules = scorecard_rules_for(tenant)
    received = ExpressionWrapper(OuterRef("receipt__date_done"), output_field=DateTimeField())
    on_promised = _promised_lines().annotate(
        v=_delivery_verdict(TruncDate(received, tzinfo=win.tz), F("promised_date"), rules)
    )
    day = TruncDate("receipt__date_done", tzinfo=win.tz)
    on_requested = _delivery_verdict(day, TruncDate("order_line__date_planned", tzinfo=win.tz), rules)
    return (
        of_partners(qs, "receipt__partner_id", partner_ids)
        .order_by()
        .annotate(
            month=TruncMonth("receipt__date_done", tzinfo=win.tz, output_field=DateField()),
            verdict=Coalesce(Subquery(on_promised.values("v")[:1], output_field=CharField()), on_requested),
        )
    )


def _delivery_verdict(day: Expression, due: Expression, rules: ScorecardRules) -> Case:
    """On time when ``due - on_time_days_early <= day <= due + on_time_days_late``; "undated" without a due
    day. The one place the window is written: the source groups by it, the drill shows it."""
    days_late = ExpressionWrapper(day - due, output_field=DurationField())  # SQLite and PostgreSQL alike

    def days(n: int) -> Value:
        return Value(dt.timedelta(days=n), output_field=DurationField())

    return Case(
        When(IsNull(due, True), then=_word("undated")),
        When(LessThan(days_late, days(-int(rules.on_time_days_early))), then=_word("early")),
        When(GreaterThan(days_late, days(int(rules.on_time_days_late))), then=_word("late")),
        default=_word("on_time"),
        output_field=CharField(),
    )


def otd_inputs(
    *, tenant: Tenant, months: list[dt.date], partner_ids: list[int] | None = None
) -> Iterator[tuple[int, dt.date, dict]]:
    """On-time delivery inputs per partner and month (module docstring for what a delivery and its due
    date are): ``lines`` / ``lines_on_time`` count dated moves, ``quantity`` / ``quantity_on_time`` sum
    their ``quantity_done`` (decimal strings), ``early`` / ``late`` count moves outside the window,
    ``undated`` counts moves with neither a promised nor a requested date (in no other input).

    One query grouped per partner, month and verdict in the database; yields only (partner, month) with
    at least one delivered move.
    """
    win = window(tenant, months)
    if win is None:
        return
    tally = Tally("otd", decimals=("quantity", "quantity_on_time"))
    grouped = (
        _deliveries_qs(tenant, win, partner_ids)
        .values_list("receipt__partner_id", "month", "verdict")
        .annotate(n=Count("pk"), quantity=quantity_sum("quantity_done"))
    )
    for partner_id, month, verdict, n, quantity in grouped.iterator():
        if win.month_of_day(month) is None:
            continue
        cell = tally.cell(partner_id, month)
        if verdict == "undated":
            cell["undated"] += n
            continue
        cell["lines"] += n
        cell["quantity"] += quantity or ZERO
        if verdict == "on_time":
            cell["lines_on_time"] += n
            cell["quantity_on_time"] += quantity or ZERO
        else:
            cell[verdict] += n
    yield from tally.items()


def _delivery_result(verdict: str, day: dt.date, due: dt.date) -> str:
    if verdict == "on_time":
        return _("on time")
    days = abs((day - due).days)
    if verdict == "early":
        return ngettext("%(count)s day early", "%(count)s days early", days) % {"count": days}
    return ngettext("%(count)s day late", "%(count)s days late", days) % {"count": days}


_OTD_DRILL_FIELDS = (
    "verdict",
    "day",
    "due",
    "promised",
    "quantity_done",
    "receipt_id",
    "receipt__name",
    "order_line__order__name",
    "order_line__description",
    "order_line__uom_name",
)


def otd_drill(*, tenant: Tenant, partner: Partner, months: list[dt.date], limit: int = 200) -> Drill:
    """The deliveries behind ``otd``: one row per done move (receipt, PO, product, day received, due date
    and where it came from, quantity, result), late and early ones first, newest first; moves with no
    due date are left out and counted in the note. Links to the receipt. Same rows and verdicts as
    ``otd_inputs`` (``_deliveries_qs``)."""
    picker = Picker(
        "otd", (_("Receipt"), _("PO"), _("Product"), _("Received"), _("Due"), _("Quantity"), _("Result")), limit
    )
    win = window(tenant, months)
    if win is None:
        return picker.done()
    day, due = _day_and_due(win)
    qs = (
        _deliveries_qs(tenant, win, [partner.pk])
        .annotate(day=day, due=due, promised=_promised_date())
        .order_by("-receipt__date_done", "-pk")
    )
    undated = 0
    for row in qs.values_list(*_OTD_DRILL_FIELDS).iterator(chunk_size=2000):
        verdict, day_in, due_on, promised, quantity, receipt_id, receipt_name, po_name, description, uom = row
        if win.month_of_day(day_in) is None:
            continue
        if verdict == "undated":
            undated += 1
            continue
        cells = (
            receipt_name,
            po_name,
            description[:80],
            day_in.isoformat(),
            f"{due_on.isoformat()} ({_('promised') if promised is not None else _('requested')})",
            qty(quantity, uom),
            _delivery_result(verdict, day_in, due_on),
        )
        picker.add(DrillRow(cells=cells, bad=verdict != "on_time", link=("receipt", receipt_id)))
    note = ""
    if undated:
        note = ngettext(
            "Left out: %(count)s line with no promised or requested date.",
            "Left out: %(count)s lines with no promised or requested date.",
            undated,
        ) % {"count": undated}
    return picker.done(note)


# --- quantity accuracy --------------------------------------------------------------------------------


def _line_moves(tenant: Tenant) -> QuerySet:
    """The done moves of the outer move's PO line (``OuterRef("order_line_id")``)."""
    return _done_moves(tenant).filter(order_line_id=OuterRef("order_line_id")).order_by()


def _received(tenant: Tenant) -> Subquery:
    """What all the done moves of the outer move's PO line brought."""
    total = _line_moves(tenant).values("order_line_id").annotate(total=quantity_sum("quantity_done"))
    return Subquery(total.values("total"), output_field=quantity_sum("quantity_done").output_field)


def _quantity_verdict(received: Expression, rules: ScorecardRules) -> Case:
    """ "open", "under", "over" or "accurate" for the outer move's PO line having ``received`` in all:
    under when received < ordered x (1 - quantity_under_pct/100), over when above ordered x (1 +
    quantity_over_pct/100). Compared in hundredths (received x 100 against ordered x (100 -/+ pct)) so
    that no division rounds. Receiving has ended when enough arrived or Odoo calls the order received
    (its other receipts done or cancelled); a locked order ("done") still receives: some companies lock
    every order at approval. The one place these bounds are written: source and drill use it."""
    ordered = F("order_line__quantity")
    hundredths = received * HUNDRED
    low = ordered * Value(HUNDRED - Decimal(str(rules.quantity_under_pct)))
    high = ordered * Value(HUNDRED + Decimal(str(rules.quantity_over_pct)))
    full = Exact(F("order_line__order__receipt_status"), _word(PurchaseOrder.ReceiptStatus.FULL))
    return Case(
        When(LessThan(hundredths, low) & ~Q(full), then=_word("open")),
        When(LessThan(hundredths, low), then=_word("under")),
        When(GreaterThan(hundredths, high), then=_word("over")),
        default=_word("accurate"),
        output_field=CharField(),
    )


def _receiving_qs(tenant: Tenant, win: Window, partner_ids: list[int] | None) -> QuerySet:
    """One row per PO line whose last done move (latest ``date_done``, then highest id) is in the window:
    that move, with the line's ``month`` (of the last receipt, tenant time zone) and ``verdict`` (a line
    is judged once, at its last receipt), computed by the database."""
    moves = _done_moves(tenant).filter(receipt__date_done__gte=win.start, receipt__date_done__lt=win.end)
    done_at = OuterRef("receipt__date_done")
    later = _line_moves(tenant).filter(
        Q(receipt__date_done__gt=done_at) | Q(receipt__date_done=done_at, pk__gt=OuterRef("pk"))
    )
    # Grouped by what the verdict reads of the line, so that it may read it beside the sum.
    lines = _line_moves(tenant).values("order_line_id", "order_line__quantity", "order_line__order__receipt_status")
    verdict = lines.annotate(v=_quantity_verdict(quantity_sum("quantity_done"), scorecard_rules_for(tenant)))
    return (
        of_partners(moves, "order_line__order__partner_id", partner_ids)
        .exclude(Exists(later))
        .order_by()
        .annotate(
            month=TruncMonth("receipt__date_done", tzinfo=win.tz, output_field=DateField()),
            verdict=Subquery(verdict.values("v"), output_field=CharField()),
        )
    )


def quantity_inputs(
    *, tenant: Tenant, months: list[dt.date], partner_ids: list[int] | None = None
) -> Iterator[tuple[int, dt.date, dict]]:
    """Quantity accuracy inputs per partner (the PO's) and month: PO lines whose receiving ended, each
    counted once in the month of its last done receipt. Received = the sum of ``quantity_done`` of its
    done moves; ended when received >= ordered x (1 - quantity_under_pct/100) or the order's
    ``receipt_status`` is "full"; ``accurate`` within ordered x (1 -/+ under/over %), else ``over`` or
    ``under``; ``lines`` counts all three. Lines still being received are in no input.

    One query grouped per partner, month and verdict in the database.
    """
    win = window(tenant, months)
    if win is None:
        return
    tally = Tally("quantity")
    grouped = (
        _receiving_qs(tenant, win, partner_ids)
        .values_list("order_line__order__partner_id", "month", "verdict")
        .annotate(n=Count("pk"))
    )
    for partner_id, month, verdict, n in grouped.iterator():
        if verdict == "open" or win.month_of_day(month) is None:
            continue
        cell = tally.cell(partner_id, month)
        cell["lines"] += n
        cell[verdict] += n
    yield from tally.items()


def _quantity_result(verdict: str, ordered: Decimal, received: Decimal, uom: str) -> str:
    if verdict == "under":
        return _("%(quantity)s short") % {"quantity": qty(ordered - received, uom)}
    if verdict == "over":
        return _("%(quantity)s over") % {"quantity": qty(received - ordered, uom)}
    return _("accurate")


_QUANTITY_DRILL_FIELDS = (
    "verdict",
    "month",
    "received",
    "receipt__date_done",
    "order_line__quantity",
    "order_line__order_id",
    "order_line__order__name",
    "order_line__description",
    "order_line__uom_name",
)


def quantity_drill(*, tenant: Tenant, partner: Partner, months: list[dt.date], limit: int = 200) -> Drill:
    """The PO lines behind ``quantity``: ordered, received, the accurate range, the last receipt's day and
    the result, inaccurate ones first, newest first; lines still being received are counted in the note.
    Links to the PO. Same rows and verdicts as ``quantity_inputs`` (``_receiving_qs``)."""
    picker = Picker(
        "quantity",
        (
            _("PO"),
            _("Line"),
            pgettext("quantity", "Ordered"),
            _("Received"),
            _("Accurate from-to"),
            _("Last receipt"),
            _("Result"),
        ),
        limit,
    )
    win = window(tenant, months)
    if win is None:
        return picker.done()
    rules = scorecard_rules_for(tenant)
    qs = (
        _receiving_qs(tenant, win, [partner.pk])
        .annotate(received=_received(tenant))
        .order_by("-receipt__date_done", "-order_line_id")
    )
    still_open = 0
    for row in qs.values_list(*_QUANTITY_DRILL_FIELDS).iterator(chunk_size=2000):
        verdict, month, received, last, ordered, po_id, po_name, description, uom = row
        if win.month_of_day(month) is None:
            continue
        if verdict == "open":
            still_open += 1
            continue
        low = ordered * (HUNDRED - Decimal(str(rules.quantity_under_pct))) / HUNDRED
        high = ordered * (HUNDRED + Decimal(str(rules.quantity_over_pct))) / HUNDRED
        cells = (
            po_name,
            description[:80],
            qty(ordered, uom),
            qty(received or ZERO, uom),
            f"{qty(low)}-{qty(high)}",
            win.day(last).isoformat(),
            _quantity_result(verdict, ordered, received or ZERO, uom),
        )
        picker.add(DrillRow(cells=cells, bad=verdict != "accurate", link=("po", po_id)))
    note = ""
    if still_open:
        note = ngettext(
            "Left out: %(count)s line still being received (judged when receiving ends).",
            "Left out: %(count)s lines still being received (judged when receiving ends).",
            still_open,
        ) % {"count": still_open}
    return picker.done(note)
