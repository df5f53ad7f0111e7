"""Acknowledgements to Odoo (reference flow 2).

``po.acknowledged``: the supplier reference and the promised dates on the PO (one
write), Odoo's own record that the vendor acknowledged (18: ``confirm_reminder_mail``
with the confirmed date, which sets ``mail_reminder_confirmed``; 19:
``action_acknowledge()``, which sets ``acknowledged``), and a chatter note with the
summary. ``po.ack_review_requested``: a To-Do activity for the PO's buyer.

The promised dates go to the lines' ``date_planned``: neither 18 nor 19 has a
separate promised date (``odoo19/DIFF.md``), and writing it moves the receipt
moves' deadline (flow 2).
"""

from __future__ import annotations

import html
from typing import Any

from integrations.odoo import OdooGateway

from . import HandlerError, handler
from .po_messages import marker

PROMISED_DATE_FIELD = "date_planned"


def _po_id(event) -> int:
    try:
        return int(event.payload["po_odoo_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise HandlerError(f"payload of {event.topic} v{event.payload_version} is incomplete: {exc}") from exc


def _already(gw: OdooGateway, event, model: str, domain: list) -> int | None:
    """A retry or replay looks for the marker a previous attempt may have left."""
    if event.attempts > 1 or event.verify:
        found = gw.search(model, domain, limit=1)
        return found[0] if found else None
    return None


@handler("po.acknowledged")
def po_acknowledged(gw: OdooGateway, event) -> dict[str, Any]:
    po_id, payload = _po_id(event), event.payload
    values: dict[str, Any] = {}
    if payload.get("supplier_ref"):
        values["partner_ref"] = payload["supplier_ref"]
    date_field = PROMISED_DATE_FIELD
    line_dates = payload.get("line_dates") or {}
    if line_dates:
        values["order_line"] = [[1, int(line_id), {date_field: when}] for line_id, when in sorted(line_dates.items())]
    # Writes set values: repeating them on a redelivery changes nothing.
    if values:
        gw.write("purchase.order", [po_id], values)
    dialect = gw.dialect
    if payload.get("confirmed_date"):
        # Odoo's own record of a vendor confirming; it acts once per order and ignores repeats.
        extra = {"confirmed_date": payload["confirmed_date"]} if dialect.acknowledge_takes_date else {}
        gw.call("purchase.order", dialect.acknowledge_method, [po_id], **extra)
    tag = marker(str(event.id))
    found = _already(
        gw, event, "mail.message", [["model", "=", "purchase.order"], ["res_id", "=", po_id], ["body", "ilike", tag]]
    )
    if found:
        return {"model": "mail.message", "id": found, "already_there": True, "date_field": date_field}
    title = f"Acknowledged on the supplier portal by {payload.get('author', 'the supplier')}"
    title += f", version {payload.get('version')}" + (
        " (changes approved by the buyer)" if payload.get("approved") else ""
    )
    items = "".join(f"<li>{html.escape(item)}</li>" for item in payload.get("summary") or [])
    body = f"<p><b>{html.escape(title)}</b></p><ul>{items}</ul>"
    if payload.get("supplier_ref"):
        body += f"<p>Vendor reference: {html.escape(payload['supplier_ref'])}</p>"
    if payload.get("confirmed_date") and not dialect.acknowledge_takes_date:
        # 18 notes the confirmed date itself (confirm_reminder_mail); 19's action_acknowledge does not.
        body += f"<p>The vendor confirmed the receipt for {html.escape(payload['confirmed_date'])}.</p>"
    if payload.get("comment"):
        body += f"<p>{html.escape(payload['comment'])}</p>"
    body += f"<p><small>{tag}</small></p>"
    message_id = gw.message_post(
        "purchase.order",
        po_id,
        body=body,
        body_is_html=True,
        message_type="comment",
        subtype_xmlid="mail.mt_note",
    )
    return {"model": "mail.message", "id": message_id, "date_field": date_field, "lines_written": len(line_dates)}


@handler("po.ack_review_requested")
def po_ack_review_requested(gw: OdooGateway, event) -> dict[str, Any]:
    po_id, payload = _po_id(event), event.payload
    tag = marker(str(event.id))
    found = _already(
        gw,
        event,
        "mail.activity",
        [["res_model", "=", "purchase.order"], ["res_id", "=", po_id], ["note", "ilike", tag]],
    )
    if found:
        return {"model": "mail.activity", "id": found, "already_there": True}
    rows = gw.read("purchase.order", [po_id], ["user_id"])
    if not rows:
        raise HandlerError(f"purchase.order {po_id} no longer exists in Odoo")
    buyer = rows[0]["user_id"][0] if rows[0].get("user_id") else None
    items = "".join(f"<li>{html.escape(item)}</li>" for item in payload.get("summary") or [])
    note = (
        f"<p>{html.escape(payload.get('supplier', 'The supplier'))} proposes changes beyond tolerance "
        f"(version {payload.get('version')}); decide in the supplier portal.</p><ul>{items}</ul>"
        f"<p><small>{tag}</small></p>"
    )
    activity_id = gw.activity_schedule(
        "purchase.order",
        po_id,
        act_type_xmlid="mail.mail_activity_data_todo",
        summary="Supplier acknowledgement to review",
        note=note,
        **({"user_id": buyer} if buyer else {}),
    )
    return {"model": "mail.activity", "id": activity_id}
