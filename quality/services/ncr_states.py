"""What keeps an NCR from its next state: the guards of ``Ncr.lifecycle`` and the page's "what is missing".

Each guard answers None when the move may go ahead, else the missing things in words (one
sentence each, joined), which ``portal.lifecycle`` raises as ``TransitionRefused`` keyed
``__all__`` (``cancel`` keys a missing reason ``reason``). ``ncr_next_step`` answers the same
lists for the NCR page, so the page and the services never disagree.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from integrations.models import EventStatus
from portal import l10n
from quality.models import Ncr, NcrDisposition

ZERO = Decimal(0)
NEXT = {
    Ncr.Status.OPEN: "contain",
    Ncr.Status.CONTAINED: "disposition",
    Ncr.Status.DISPOSITIONED: "close",
}


def lot_label(lot) -> str:
    """ "lot L-1", or "the untracked goods" for a receipt line without lots."""
    return _("lot %(lot)s") % {"lot": lot.lot_name} if lot.lot_name else _("the untracked goods")


def contain_missing(ncr: Ncr) -> list[str]:
    """Containment: at least one action, and every action done."""
    actions = list(ncr.containments.all())
    if not actions:
        return [_("Record at least one containment action (what, who).")]
    undone = [a.action for a in actions if a.done_at is None]
    if undone:
        text = ngettext(
            "%(count)s containment action not done yet: %(actions)s.",
            "%(count)s containment actions not done yet: %(actions)s.",
            len(undone),
        )
        return [text % {"count": len(undone), "actions": "; ".join(undone)}]
    return []


def disposition_missing(ncr: Ncr) -> list[str]:
    """Every lot's affected quantity covered by applied dispositions, sorts fully sorted, nothing awaiting review."""
    dispositions = list(ncr.dispositions.all())
    missing = []
    for lot in ncr.lots.all():
        covered = sum(
            (
                d.quantity
                for d in dispositions
                if d.lot_id == lot.pk
                and d.status == NcrDisposition.Status.APPLIED
                and d.kind != NcrDisposition.Kind.SORT
            ),
            ZERO,
        )
        if covered < lot.affected:
            missing.append(
                _("%(left)s of %(affected)s of %(lot)s have no applied disposition.")
                % {"left": l10n.qty(lot.affected - covered), "affected": l10n.qty(lot.affected), "lot": lot_label(lot)}
            )
    applied = [d for d in dispositions if d.status == NcrDisposition.Status.APPLIED]
    for sort in (d for d in applied if d.kind == NcrDisposition.Kind.SORT):
        sorted_qty = sum((d.quantity for d in applied if d.sorted_from_id == sort.pk), ZERO)
        if sorted_qty < sort.quantity:
            missing.append(
                _("The sort of %(quantity)s of %(lot)s: %(left)s still to give a disposition after sorting.")
                % {
                    "quantity": l10n.qty(sort.quantity),
                    "lot": lot_label(sort.lot),
                    "left": l10n.qty(sort.quantity - sorted_qty),
                }
            )
    waiting = sum(1 for d in dispositions if d.status == NcrDisposition.Status.AWAITING_APPROVAL)
    if waiting:
        missing.append(
            ngettext(
                "%(count)s disposition awaits a material review signature.",
                "%(count)s dispositions await a material review signature.",
                waiting,
            )
            % {"count": waiting}
        )
    return missing


def close_missing(ncr: Ncr) -> list[str]:
    """Every applied disposition that moved stock has its stock move delivered to Odoo."""
    missing = []
    for d in ncr.dispositions.all():
        if d.status != NcrDisposition.Status.APPLIED or d.stock_id is None:
            continue
        event = d.stock.outbox_event
        if event is not None and event.status != EventStatus.DONE:
            why = f" ({event.last_error})" if event.status == EventStatus.DEAD and event.last_error else ""
            missing.append(
                _("The stock move of “%(kind)s” %(quantity)s of %(lot)s is not in Odoo yet: “%(state)s”%(why)s.")
                % {
                    "kind": d.get_kind_display(),
                    "quantity": l10n.qty(d.quantity),
                    "lot": lot_label(d.lot),
                    "state": event.get_status_display(),
                    "why": why,
                }
            )
    return missing


def contain_blockers(ncr: Ncr) -> str | None:
    return " ".join(contain_missing(ncr)) or None


def disposition_blockers(ncr: Ncr) -> str | None:
    return " ".join(disposition_missing(ncr)) or None


def close_blockers(ncr: Ncr) -> str | None:
    return " ".join(close_missing(ncr)) or None


def cancel_blockers(ncr: Ncr) -> str | dict | None:
    """A reason is required (keyed ``reason``); refused once a disposition moved stock in Odoo."""
    if not (ncr.cancel_reason or "").strip():
        return {"reason": _("Say why the NCR is cancelled.")}
    moved = [
        d
        for d in ncr.dispositions.all()
        if d.status == NcrDisposition.Status.APPLIED and d.stock_id is not None and d.kind != NcrDisposition.Kind.SORT
    ]
    if moved:
        d = moved[0]
        return _(
            "Stock of %(ncr)s has moved (“%(kind)s” %(quantity)s of %(lot)s): it cannot be cancelled any more; "
            "finish and close it instead."
        ) % {
            "ncr": ncr.number,
            "kind": d.get_kind_display(),
            "quantity": l10n.qty(d.quantity),
            "lot": lot_label(d.lot),
        }
    return None


def ncr_next_step(ncr: Ncr) -> tuple[str | None, list[str]]:
    """(the next transition's name, what is missing for it in words); (None, []) when closed or cancelled."""
    step = NEXT.get(ncr.status)
    if step is None:
        return None, []
    missing = {"contain": contain_missing, "disposition": disposition_missing, "close": close_missing}[step](ncr)
    return step, missing
