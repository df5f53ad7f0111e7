"""Notes in Odoo (chatter messages, activity notes), each posted once per event.

Every note ends with its event's marker, ``portal-event-<event id>``, and a
retried or replayed event looks for that marker before posting, so a
redelivery never shows a note twice. Real Odoo databases hold notes with
exactly this marker: changing its spelling would make every redelivered event
post its note again.

Note bodies are Django templates under ``templates/odoo_notes/``, rendered with
autoescape: a supplier's text reaches Odoo's HTML as text, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string

from integrations.odoo import OdooGateway


def marker(event_id: str) -> str:
    """The text that tells the notes of one event apart, ``portal-event-<uuid>``; never change it."""
    return f"portal-event-{event_id}"


def marked(body: str, event) -> str:
    """``body`` (HTML) with the event's marker as its last paragraph."""
    return f"{body}<p><small>{marker(str(event.id))}</small></p>"


def render_note(template: str, **context) -> str:
    """The HTML of ``odoo_notes/<template>`` with ``context`` (autoescaped), without the marker."""
    return render_to_string(f"odoo_notes/{template}", context).strip()


def already_there(gw: OdooGateway, event, model: str, domain: list) -> int | None:
    """The id of the ``model`` record an earlier attempt of ``event`` left (found by ``domain``), or None.

    A first attempt cannot have left anything, so only retries (``attempts`` > 1) and replays
    (``verify``) pay for the lookup.
    """
    if event.attempts > 1 or event.verify:
        found = gw.search(model, domain, limit=1)
        return found[0] if found else None
    return None


@dataclass(frozen=True)
class Note:
    """A chatter message in Odoo: its ``mail.message`` id, and whether an earlier attempt had posted it."""

    id: int
    already_there: bool = False


def post_note_once(
    gw: OdooGateway, event, model: str, res_id: int, body: str, *, attachment_ids: list[int] | None = None
) -> Note:
    """Post ``body`` (HTML, without the marker) as an internal note on ``model`` ``res_id``, unless an
    earlier attempt of ``event`` already did.

    ``attachment_ids`` (``ir.attachment`` ids on the same record) go with the message when given, an
    empty list included. Both Odoo series answer one message id (the gateway normalises 19's list).
    Raises what the gateway raises (``OdooTransientError``, ``OdooPermanentError``).
    """
    tag = marker(str(event.id))
    found = already_there(
        gw, event, "mail.message", [["model", "=", model], ["res_id", "=", res_id], ["body", "ilike", tag]]
    )
    if found:
        return Note(found, already_there=True)
    extra = {} if attachment_ids is None else {"attachment_ids": attachment_ids}
    message_id = gw.message_post(
        model,
        res_id,
        body=marked(body, event),
        body_is_html=True,
        message_type="comment",
        subtype_xmlid="mail.mt_note",
        **extra,
    )
    return Note(message_id)
