"""Acknowledgements to Odoo (reference flow 2).

``po.acknowledged``: the supplier reference and the promised dates on the PO (one
write), Odoo's own "vendor confirmed the receipt date" record, and a chatter note
with the summary. ``po.ack_review_requested``: a To-Do activity for the PO's buyer.
"""

from __future__ import annotations

import html
from typing import Any

from integrations.odoo import OdooGateway, record_ids

from . import HandlerError, handler
from .po_messages import marker

# Odoo 19 keeps the vendor's promise apart from the planned date; older versions only have the latter.
PROMISED_DATE_FIELDS = ("date_promised",)


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


def promised_date_field(gw: OdooGateway) -> str:
    return next((f for f in PROMISED_DATE_FIELDS if gw.has_field("purchase.order.line", f)), "date_planned")


@handler("po.acknowledged")
def po_acknowledged(gw: OdooGateway, event) -> dict[str, Any]:
    po_id, payload = _po_id(event), event.payload
    values: dict[str, Any] = {}
    if payload.get("supplier_ref"):
        values["partner_ref"] = payload["supplier_ref"]
    date_field = promised_date_field(gw)
    line_dates = payload.get("line_dates") or {}
    if line_dates:
        values["order_line"] = [[1, int(line_id), {date_field: when}] for line_id, when in sorted(line_dates.items())]
    # Writes set values: repeating them on a redelivery changes nothing.
    if values:
        gw.write("purchase.order", [po_id], values)
    if payload.get("confirmed_date"):
        # Odoo's own record of a vendor confirming; it acts once per order and ignores repeats.
        gw.call("purchase.order", "confirm_reminder_mail", [po_id], confirmed_date=payload["confirmed_date"])
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
    if payload.get("comment"):
        body += f"<p>{html.escape(payload['comment'])}</p>"
    body += f"<p><small>{tag}</small></p>"
    message_id = gw.call(
        "purchase.order",
        "message_post",
        [po_id],
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
    created = gw.call(
        "purchase.order",
        "activity_schedule",
        [po_id],
        act_type_xmlid="mail.mail_activity_data_todo",
        summary="Supplier acknowledgement to review",
        note=note,
        **({"user_id": buyer} if buyer else {}),
    )
    ids = record_ids(created)
    return {"model": "mail.activity", "id": ids[0] if ids else None}
