"""po.message_posted: a portal message on a PO lands in the PO's chatter in Odoo.

A batch's messages on one PO share one chatter note, each message followed by its event's marker
(``notes.notes_post``); a message alone is posted as it always was.
"""

from __future__ import annotations

from integrations import topics
from integrations.odoo import OdooGateway

from . import BatchResult, HandlerError, batch_handler, handler
from .batches import one_of
from .notes import NoteDraft, isolated, notes_batch, render_note


def _draft(event) -> NoteDraft:
    """The note of one event on its PO; ``HandlerError`` for a payload without PO id, body or author."""
    payload = event.payload
    try:
        po_id = int(payload["po_odoo_id"])
        text, author = str(payload["body"]), str(payload["author"])
    except (KeyError, TypeError, ValueError) as exc:
        raise HandlerError(f"payload of {event.topic} v{event.payload_version} is incomplete: {exc}") from exc
    # Each person's text in its own bidirectional isolate (FSI ... PDI): a right-to-left override left open in
    # one message ends with it, instead of flipping the next message and the markers of a grouped note.
    body = render_note(
        "po_message.html", author=isolated(author), text=isolated(text), at=getattr(event, "created_at", None)
    )
    return NoteDraft(event, "purchase.order", po_id, body)


@batch_handler(topics.PO_MESSAGE_POSTED)
def po_messages_posted(gw: OdooGateway, events: list) -> BatchResult:
    """Each event -> ``{"model": "mail.message", "id", "already_there"?}`` (events of one PO share the id) or
    its failure: ``HandlerError`` for a bad payload, the gateway's errors for Odoo's refusals."""
    return notes_batch(gw, events, _draft)


po_message_posted = handler(topics.PO_MESSAGE_POSTED)(one_of(po_messages_posted))
