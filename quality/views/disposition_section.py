"""The inspection page's disposition section: the lot's totals, its decisions and how far each got to Odoo, and
the open NCR that covers the lot (which decides the lot's stock while it claims it)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy

from integrations.models import EventStatus
from quality.disposition_forms import DispositionForm
from quality.models import Disposition, Inspection, Ncr
from quality.services.dispositions import lot_dispositions, lot_totals, newest_of_lot
from quality.services.ncr_dispositions import approval_needed
from quality.services.ncr_inspections import claims_lot
from quality.views.ncr_access import NCR_READERS

FIELDS = (
    ("released", gettext_lazy("Release to stock")),
    ("returned", gettext_lazy("Return to the vendor")),
    ("scrapped", gettext_lazy("Scrap")),
)

# What the NCR still asks of this lot, by its state (the notice at the top of the section).
NCR_NEXT = {
    Ncr.Status.OPEN: gettext_lazy("contain it and decide the rejected quantity there"),
    Ncr.Status.CONTAINED: gettext_lazy("decide the rejected quantity there"),
    Ncr.Status.DISPOSITIONED: gettext_lazy(
        "its dispositions decide the rejected quantity; it closes once they are in Odoo"
    ),
}

SYNC_LABELS = {
    EventStatus.DONE: (gettext_lazy("In Odoo"), "badge-ok"),
    EventStatus.DEAD: (gettext_lazy("Failed: see the sync monitor"), "badge-bad"),
}


def _sync_state(disposition: Disposition) -> tuple[str, str]:
    """What a person needs to know about the decision's way to Odoo: label and badge class."""
    if disposition.kind == Disposition.Kind.HOLD:
        return gettext("Nothing to move"), ""
    event = disposition.outbox_event
    if event is None:
        return gettext("Not sent"), "badge-warn"
    if event.status in SYNC_LABELS:
        return SYNC_LABELS[event.status]
    if event.status == EventStatus.IN_FLIGHT or (event.attempts and not event.last_error):
        return gettext("Sending to Odoo"), ""
    if event.attempts:
        return gettext("Retrying: %(error)s") % {"error": event.last_error[:120]}, "badge-warn"
    return gettext("Waiting to reach Odoo"), ""


def lot_open_ncr(inspection: Inspection, membership) -> Ncr | None:
    """The open NCR (open, contained or dispositioned) the member may read that covers the inspection's physical
    lot: named on the NCR itself or on one of its lots, from any inspection of the lot (re-inspections,
    corrections), with its tenant; the one that claims the lot's stock first (``claims``: True when it does,
    ``ncr_inspections.lot_claim``), else the oldest. One query (the member's partners are read once per
    membership); None for anyone else."""
    if membership is None or not membership.is_staff_role:
        return None
    lot = Inspection.objects.filter(
        receipt_id=inspection.receipt_id, receipt_move_id=inspection.receipt_move_id, lot_name=inspection.lot_name
    )
    return (
        Ncr.objects.visible_to(membership)
        .filter(status__in=Ncr.OPEN_STATUSES)
        .filter(Q(inspection__in=lot) | Q(lots__inspection__in=lot))
        .annotate(claims=claims_lot(inspection))
        .select_related("tenant")
        .order_by("-claims", "pk")
        .first()
    )


def _inputs(form: DispositionForm | None, errors: dict | None) -> list[dict]:
    return [
        {"name": name, "label": label, "value": form[name].value() if form else "", "error": (errors or {}).get(name)}
        for name, label in FIELDS
    ]


def disposition_context(
    inspection: Inspection, form: DispositionForm | None = None, errors: dict | None = None, *, membership=None
) -> dict:
    """The page's disposition section: the lot's totals, its decisions with their sync state, the open NCR
    that covers the lot (``lot_ncr``, with ``lot_ncr_link`` for members who may read NCRs), and the form.

    The form is offered on a signed, uncorrected inspection with something still held; it is
    prefilled with the verdict's usual decision (accepted: release the rest; rejected: return it).
    A lot an open NCR claims (``ncr_claims``: it still has quantity of the lot to dispose of), whatever the
    verdict of this inspection, keeps the form while a decision here stays below the tenant's material review
    threshold (the service records it on the NCR, ``ncr_records_dock``, and refuses one above it); once any
    decision would need the review (``approval_needed`` of nothing more: the NCR's severity, or the value it
    disposes of already), the NCR decides (``ncr_decides``, with ``ncr_review`` saying why) and the form gives
    way to a pointer there. An NCR that claims nothing (all of it disposed of: an accepted lot's NCR of what was
    returned, a lot reworked) leaves the dock to decide the rest.
    """
    totals = lot_totals(inspection)
    decisions = list(
        lot_dispositions(inspection).select_related("decided_by", "outbox_event").order_by("decided_at", "id")
    )
    for decision in decisions:
        decision.sync_label, decision.sync_badge = _sync_state(decision)
    newest = newest_of_lot(inspection)
    ncr = lot_open_ncr(inspection, membership)
    claimed = ncr is not None and ncr.claims
    # The service's own rule (``disposition_record``): while an NCR claims the lot, from whichever inspection of
    # it, a decision that needs its review goes to the NCR; one that claims nothing leaves the dock to decide.
    review = approval_needed(ncr, value=Decimal(0)) if claimed else ""
    ncr_decides = bool(review)
    open_ = (
        inspection.status == Inspection.Status.SIGNED
        and totals.held > 0
        and (newest is None or newest.pk == inspection.pk)  # a lot is decided from its newest inspection
        and not ncr_decides
    )
    if open_ and form is None:
        key = "released" if inspection.verdict == Inspection.Verdict.ACCEPT else "returned"
        form = DispositionForm(initial={key: totals.held.normalize()})
    return {
        "lot_totals": totals,
        "decisions": decisions,
        "lot_ncr": ncr,
        "lot_ncr_next": NCR_NEXT.get(ncr.status, "") if ncr else "",
        "lot_ncr_link": ncr is not None and membership.role in NCR_READERS,
        "ncr_decides": ncr_decides,
        "ncr_review": review,
        "ncr_records_dock": claimed and not ncr_decides,
        "ncr_claims": claimed,
        "disposition_form": form if open_ else None,
        "disposition_inputs": _inputs(form, errors),
        "disposition_errors": errors or {},
        "disposition_form_error": (errors or {}).get("__all__"),
    }
