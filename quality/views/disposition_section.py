"""The inspection page's disposition section: the lot's totals, its decisions and how far each got to Odoo."""

from __future__ import annotations

from integrations.models import EventStatus
from quality.disposition_forms import DispositionForm
from quality.models import Disposition, Inspection
from quality.services.dispositions import lot_dispositions, lot_totals, newest_of_lot

FIELDS = (("released", "Release to stock"), ("returned", "Return to the vendor"), ("scrapped", "Scrap"))

SYNC_LABELS = {
    EventStatus.DONE: ("In Odoo", "badge-ok"),
    EventStatus.DEAD: ("Failed: see the sync monitor", "badge-bad"),
}


def _sync_state(disposition: Disposition) -> tuple[str, str]:
    """What a person needs to know about the decision's way to Odoo: label and badge class."""
    if disposition.kind == Disposition.Kind.HOLD:
        return "Nothing to move", ""
    event = disposition.outbox_event
    if event is None:
        return "Not sent", "badge-warn"
    if event.status in SYNC_LABELS:
        return SYNC_LABELS[event.status]
    if event.status == EventStatus.IN_FLIGHT or (event.attempts and not event.last_error):
        return "Sending to Odoo", ""
    if event.attempts:
        return "Retrying: " + event.last_error[:120], "badge-warn"
    return "Waiting to reach Odoo", ""


def disposition_context(
    inspection: Inspection, form: DispositionForm | None = None, errors: dict | None = None
) -> dict:
    """The page's disposition section: the lot's totals, its decisions with their sync state, and the form.

    The form is offered on a signed, uncorrected inspection with something still held; it is
    prefilled with the verdict's usual decision (accepted: release the rest; rejected: return it).
    """
    totals = lot_totals(inspection)
    decisions = list(
        lot_dispositions(inspection).select_related("decided_by", "outbox_event").order_by("decided_at", "id")
    )
    for decision in decisions:
        decision.sync_label, decision.sync_badge = _sync_state(decision)
    newest = newest_of_lot(inspection)
    open_ = (
        inspection.status == Inspection.Status.SIGNED
        and totals.held > 0
        and (newest is None or newest.pk == inspection.pk)  # a lot is decided from its newest inspection
    )
    if open_ and form is None:
        key = "released" if inspection.verdict == Inspection.Verdict.ACCEPT else "returned"
        form = DispositionForm(initial={key: totals.held.normalize()})
    return {
        "lot_totals": totals,
        "decisions": decisions,
        "disposition_form": form if open_ else None,
        "disposition_inputs": [
            {
                "name": name,
                "label": label,
                "value": form[name].value() if form else "",
                "error": (errors or {}).get(name),
            }
            for name, label in FIELDS
        ],
        "disposition_errors": errors or {},
        "disposition_form_error": (errors or {}).get("__all__"),
    }
