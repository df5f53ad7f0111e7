"""SCAR responsiveness: 8D steps answered by their due date, days to containment and to closure.

A step counts in the month of its due date (a day, in the tenant's calendar) once it is answered (``answered``
or ``accepted``) or its due date has passed; a step not due yet and not answered is neither on time nor late
yet. It is on time when the answer that stands (its latest version) was given on or before the due date, in
the tenant's zone; a step sent back waits for the supplier again (with the new due date the send-back gave
it), so it is answered only once answered again. ``overdue_open``: steps waiting for the supplier (open or
sent back) whose due date has passed, as of the tenant's today when computed.

A SCAR counts for containment and closure in the month it was issued: ``contained`` once its D3 is accepted
(days from issue to that acceptance), ``closed`` once closed (days from issue to closing). Cancelled SCARs
are left out of everything. See ``quality_inputs`` for the sources.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import l10n
from portal.dates import tenant_today
from portal.models import Partner, Tenant
from quality.models import Scar, ScarAnswer, ScarStep

from .catalogue import plain
from .drill import Drill, DrillRow
from .quality_inputs_common import ZERO, Window, days_between, for_partners, window

ANSWERED = (ScarStep.Status.ANSWERED, ScarStep.Status.ACCEPTED)


@dataclass(frozen=True)
class StepCount:
    """How one step counts: ``due`` (counted at all), ``on_time``, ``overdue_open``."""

    due: bool
    on_time: bool
    overdue_open: bool


def step_count(
    status: str, due_date: dt.date, answered_at: dt.datetime | None, win: Window, today: dt.date
) -> StepCount:
    """The module docstring's rule for one step (``answered_at``: its latest answer's time)."""
    answered = status in ANSWERED and answered_at is not None
    on_time = answered and win.day_of(answered_at) <= due_date
    overdue_open = status in ScarStep.WAITING_SUPPLIER and due_date < today
    return StepCount(due=answered or due_date < today, on_time=on_time, overdue_open=overdue_open)


def counted_steps(tenant: Tenant, win: Window) -> QuerySet[ScarStep]:
    """Steps due in ``win`` of SCARs not cancelled, annotated ``answered_at`` (latest answer's time)."""
    latest = ScarAnswer.objects.filter(step=OuterRef("pk")).order_by().values("step").annotate(m=Max("created_at"))
    return (
        ScarStep.objects.filter(tenant=tenant, due_date__gte=win.first_day, due_date__lt=win.end_day)
        .exclude(scar__status=Scar.Status.CANCELLED)
        .annotate(answered_at=Subquery(latest.values("m")[:1]))
    )


def counted_scars(tenant: Tenant, win: Window) -> QuerySet[Scar]:
    """SCARs issued in ``win``, not cancelled, annotated ``contained_at`` (their D3's acceptance, or None)."""
    d3 = ScarStep.objects.filter(scar=OuterRef("pk"), code="D3", status=ScarStep.Status.ACCEPTED).order_by()
    return (
        Scar.objects.filter(tenant=tenant, issued_at__gte=win.start, issued_at__lt=win.end)
        .exclude(status=Scar.Status.CANCELLED)
        .annotate(contained_at=Subquery(d3.values("reviewed_at")[:1]))
    )


def _closed_at(status: str, closed_at: dt.datetime | None) -> dt.datetime | None:
    return closed_at if status == Scar.Status.CLOSED else None


def _empty() -> dict:
    return {
        "steps_due": 0, "steps_on_time": 0, "overdue_open": 0, "contained": 0, "containment_days_total": ZERO,
        "closed": 0, "closure_days_total": ZERO,
    }  # fmt: skip


def scar_inputs(
    *, tenant: Tenant, months: list[dt.date], partner_ids: list[int] | None = None
) -> Iterator[tuple[int, dt.date, dict]]:
    """``scar`` inputs per (partner id, month): ints ``steps_due``, ``steps_on_time``, ``overdue_open``,
    ``contained``, ``closed``; ``containment_days_total`` and ``closure_days_total`` as decimal strings of
    days (each SCAR's days rounded to hundredths, then summed). Yielded when a step counts or a SCAR was
    issued in the month. Two streamed queries."""
    win = window(tenant, months)
    if win is None:
        return
    today = tenant_today(tenant)
    sums: dict[tuple[int, dt.date], dict] = defaultdict(_empty)
    steps = for_partners(counted_steps(tenant, win), "scar__partner", partner_ids).values_list(
        "scar__partner_id", "status", "due_date", "answered_at"
    )
    for partner_id, status, due_date, answered_at in steps.order_by().iterator():
        count = step_count(status, due_date, answered_at, win, today)
        month = due_date.replace(day=1)
        if count.due and month in win.months:
            row = sums[(partner_id, month)]
            row["steps_due"] += 1
            row["steps_on_time"] += count.on_time
            row["overdue_open"] += count.overdue_open
    scars = for_partners(counted_scars(tenant, win), "partner", partner_ids).values_list(
        "partner_id", "issued_at", "contained_at", "status", "closed_at"
    )
    for partner_id, issued_at, contained_at, status, closed_at in scars.order_by().iterator():
        month = win.month_of(issued_at)
        if month not in win.months:
            continue
        row = sums[(partner_id, month)]
        if contained_at is not None:
            row["contained"] += 1
            row["containment_days_total"] += days_between(issued_at, contained_at)
        if (closed := _closed_at(status, closed_at)) is not None:
            row["closed"] += 1
            row["closure_days_total"] += days_between(issued_at, closed)
    for (partner_id, month), row in sorted(sums.items()):
        yield partner_id, month, {**row, **{k: plain(row[k]) for k in ("containment_days_total", "closure_days_total")}}


def scar_drill(*, tenant: Tenant, partner: Partner, months: list[dt.date], limit: int = 200) -> Drill:
    """The 8D steps behind ``scar_inputs``' steps: those not answered on time first, then by due date; the note
    gives containment and closure days of the SCARs issued in these months."""
    out = Drill("scar", (_("Due"), _("SCAR"), _("Step"), _("Answered"), _("Status")))
    win = window(tenant, months)
    if win is None:
        return out
    today = tenant_today(tenant)
    steps = (
        counted_steps(tenant, win)
        .filter(scar__partner=partner)
        .select_related("scar")
        .order_by("due_date", "scar_id", "code")
    )
    found = []
    for step in steps:
        count = step_count(step.status, step.due_date, step.answered_at, win, today)
        if count.due and step.due_date.replace(day=1) in win.months:
            found.append((step, count))
    found.sort(key=lambda sc: sc[1].on_time)  # stable: late or unanswered first, each part by due date
    for step, count in found:
        out.total += 1
        out.bad_total += not count.on_time
        if len(out.rows) < limit:
            answered = win.day_of(step.answered_at).isoformat() if step.status in ANSWERED and step.answered_at else ""
            status = _("Overdue") if count.overdue_open else step.get_status_display()
            cells = (step.due_date.isoformat(), step.scar.number, f"{step.code} {step.title}", answered, status)
            out.rows.append(DrillRow(cells=cells, bad=not count.on_time, link=("scar", step.scar_id)))
    out.note = _scar_note(tenant, partner, win)
    return out


def _avg_days(total: Decimal, count: int) -> str:
    return l10n.num((total / count).quantize(Decimal("0.1")))


def _scar_note(tenant: Tenant, partner: Partner, win: Window) -> str:
    contained = closed = 0
    containment = closure = Decimal(0)
    for scar in counted_scars(tenant, win).filter(partner=partner):
        if win.month_of(scar.issued_at) not in win.months:
            continue
        if scar.contained_at is not None:
            contained += 1
            containment += days_between(scar.issued_at, scar.contained_at)
        if (closed_at := _closed_at(scar.status, scar.closed_at)) is not None:
            closed += 1
            closure += days_between(scar.issued_at, closed_at)
    parts = [_("Steps not yet due and not answered are not counted.")]
    if contained:
        parts.append(
            ngettext(
                "Contained (D3 accepted): %(count)s SCAR, %(days)s days on average.",
                "Contained (D3 accepted): %(count)s SCARs, %(days)s days on average.",
                contained,
            )
            % {"count": contained, "days": _avg_days(containment, contained)}
        )
    if closed:
        parts.append(
            ngettext(
                "Closed: %(count)s SCAR, %(days)s days on average.",
                "Closed: %(count)s SCARs, %(days)s days on average.",
                closed,
            )
            % {"count": closed, "days": _avg_days(closure, closed)}
        )
    return " ".join(parts)
