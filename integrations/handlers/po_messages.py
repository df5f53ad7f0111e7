"""po.message_posted: a portal message on a PO lands in the PO's chatter in Odoo."""

from __future__ import annotations

import html
from typing import Any

from integrations.odoo import OdooGateway

from . import HandlerError, handler


def marker(event_id: str) -> str:
    return f"portal-event-{event_id}"


@handler("po.message_posted")
def po_message_posted(gw: OdooGateway, event) -> dict[str, Any]:
    payload = event.payload
    try:
        po_id = int(payload["po_odoo_id"])
        text, author = str(payload["body"]), str(payload["author"])
    except (KeyError, TypeError, ValueError) as exc:
        raise HandlerError(f"payload of {event.topic} v{event.payload_version} is incomplete: {exc}") from exc
    tag = marker(str(event.id))
    # The marker travels in the message: a redelivery finds it and posts nothing. A first
    # attempt cannot have left one, so only retries and replays pay for the lookup.
    if event.attempts > 1 or event.verify:
        found = gw.search(
            "mail.message",
            [["model", "=", "purchase.order"], ["res_id", "=", po_id], ["body", "ilike", tag]],
            limit=1,
        )
        if found:
            return {"model": "mail.message", "id": found[0], "already_there": True}
    body = (
        f"<p><b>{html.escape(author)}</b> on the supplier portal:</p>"
        f"<p>{html.escape(text)}</p><p><small>{tag}</small></p>"
    )
    message_id = gw.message_post(
        "purchase.order",
        po_id,
        body=body,
        body_is_html=True,
        message_type="comment",
        subtype_xmlid="mail.mt_note",
    )
    return {"model": "mail.message", "id": message_id}
