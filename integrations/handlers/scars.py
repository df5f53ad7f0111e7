"""SCARs (8D) to Odoo: a chatter note on the partner (``scar.noted``) and the buyer's To-Do activity when a
step is overdue past the last escalation (``scar.overdue``).

``res.partner`` is a mail.thread on both series (its ``message_ids`` and ``activity_ids`` in the field
catalogues), so ``message_post`` and ``activity_schedule`` are its public methods as they are the PO's
(reference flow 5). Odoo checks write access on the partner for both, which the recorded integration user
lacks: the refusal is ``ContactRightsMissing`` naming the group to give (``partners.py``). The overdue
activity goes to the partner's purchase responsible, ``buyer_id`` (a field of res.partner on 18 and 19
alike); a partner without one gets it for the integration user, and the note names the portal's buyers.
Each note and activity once per event (the event's marker).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integrations import topics
from integrations.odoo import OdooGateway
from portal import l10n

from . import BatchResult, HandlerError, batch_handler, handler
from .batches import one_of
from .notes import NoteDraft, already_there, marked, marker, notes_batch, render_note
from .partners import PARTNER, contact_rights_needed

WHAT = {
    "issued": gettext_lazy("issued"),
    "step_accepted": gettext_lazy("step accepted"),
    "closed": gettext_lazy("closed"),
    "reopened": gettext_lazy("reopened"),
    "cancelled": gettext_lazy("cancelled"),
}


def _day(value) -> str:
    """A payload's ISO day ("2026-12-20") as the active language writes it; other text as it is."""
    try:
        return l10n.day(dt.date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def _partner_id(event) -> int:
    try:
        return int(event.payload["partner_odoo_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise HandlerError(
            f"payload of {event.topic} v{event.payload_version} names no partner in Odoo: {exc!r}; the partner "
            "has not been pulled from Odoo, or was created in the portal only"
        ) from exc


def _note_draft(gw: OdooGateway, event) -> NoteDraft:
    """The SCAR note of one event on its partner; ``HandlerError`` without a partner id or with an unknown what.
    Odoo's refusal of the note on the partner becomes ``ContactRightsMissing`` (its ``guard``)."""
    partner_id, payload = _partner_id(event), event.payload
    what = payload.get("what")
    if what not in WHAT:
        raise HandlerError(f"payload of {event.topic} v{event.payload_version} has an unknown what: {what!r}")
    body = render_note(
        "scar_noted.html",
        scar_number=payload.get("scar_number", ""),
        what=WHAT[what],
        step=payload.get("step") or "",
        step_title=payload.get("step_title") or "",
        summary=payload.get("summary") or "",
        by=payload.get("by") or "",
    )
    partner = payload.get("partner") or ""

    def guard():  # the series is asked when posting, where Odoo's errors are the event's outcome
        return contact_rights_needed(
            gw.dialect.series, doing="post the SCAR note on", partner=partner, partner_id=partner_id
        )

    return NoteDraft(event, PARTNER, partner_id, body, guard=guard)


@batch_handler(topics.SCAR_NOTED)
def scar_notes(gw: OdooGateway, events: list) -> BatchResult:
    """Each event -> ``{"model": "mail.message", "id", "already_there"?}`` (the notes on one partner share one
    message) or its failure: ``HandlerError`` without a partner id, ``ContactRightsMissing`` when Odoo refuses
    the note."""
    return notes_batch(gw, events, lambda event: _note_draft(gw, event))


scar_noted = handler(topics.SCAR_NOTED)(one_of(scar_notes))


@handler(topics.SCAR_OVERDUE)
def scar_overdue(gw: OdooGateway, event) -> dict[str, Any]:
    """Answers ``{"model": "mail.activity", "id", "user_id": buyer's res.users id | None, "already_there"?}``;
    ``HandlerError`` for a bad payload or a partner gone from Odoo, ``ContactRightsMissing`` when Odoo refuses
    the activity."""
    partner_id, payload = _partner_id(event), event.payload
    if not payload.get("step") or not payload.get("due_date"):
        raise HandlerError(f"payload of {event.topic} v{event.payload_version} has no step or due date")
    tag = marker(str(event.id))
    found = already_there(
        gw, event, "mail.activity", [["res_model", "=", PARTNER], ["res_id", "=", partner_id], ["note", "ilike", tag]]
    )
    if found:
        return {"model": "mail.activity", "id": found, "already_there": True}
    rows = gw.read(PARTNER, [partner_id], ["name", "buyer_id"])
    if not rows:
        raise HandlerError(
            f"Partner {payload.get('partner') or partner_id} (res.partner {partner_id}) no longer exists in Odoo: "
            f"the overdue step of {payload.get('scar_number')} cannot be scheduled on it."
        )
    buyer = rows[0]["buyer_id"][0] if rows[0].get("buyer_id") else None
    partner = payload.get("partner") or rows[0].get("name") or ""
    note = render_note(
        "scar_overdue.html",
        scar_number=payload.get("scar_number", ""),
        partner=partner,
        step=payload["step"],
        step_title=payload.get("step_title") or "",
        due_date=payload["due_date"],
        buyer_names=payload.get("buyer_names") or [],
    )
    doing = "schedule the overdue SCAR step's To-Do on"
    with contact_rights_needed(gw.dialect.series, doing=doing, partner=partner, partner_id=partner_id):
        activity_id = gw.activity_schedule(
            PARTNER,
            partner_id,
            act_type_xmlid="mail.mail_activity_data_todo",
            summary=_("%(scar)s %(step)s overdue since %(due)s")
            % {"scar": payload.get("scar_number", "SCAR"), "step": payload["step"], "due": _day(payload["due_date"])},
            note=marked(note, event),
            **({"user_id": buyer} if buyer else {}),
        )
    return {"model": "mail.activity", "id": activity_id, "user_id": buyer}
