"""po.message_posted: a portal message on a PO lands in the PO's chatter in Odoo."""

from __future__ import annotations

from typing import Any

from integrations import topics
from integrations.odoo import OdooGateway

from . import HandlerError, handler
from .notes import post_note_once, render_note


@handler(topics.PO_MESSAGE_POSTED)
def po_message_posted(gw: OdooGateway, event) -> dict[str, Any]:
    payload = event.payload
    try:
        po_id = int(payload["po_odoo_id"])
        text, author = str(payload["body"]), str(payload["author"])
    except (KeyError, TypeError, ValueError) as exc:
        raise HandlerError(f"payload of {event.topic} v{event.payload_version} is incomplete: {exc}") from exc
    body = render_note("po_message.html", author=author, text=text)
    note = post_note_once(gw, event, "purchase.order", po_id, body)
    if note.already_there:
        return {"model": "mail.message", "id": note.id, "already_there": True}
    return {"model": "mail.message", "id": note.id}
