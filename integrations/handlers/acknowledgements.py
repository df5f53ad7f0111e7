"""Acknowledgements to Odoo (reference flow 2).

``po.acknowledged``: the supplier reference, the promised dates and the approved
quantities on the PO (one write), Odoo's own record that the vendor acknowledged (18:
``confirm_reminder_mail`` with the confirmed date, which sets ``mail_reminder_confirmed``;
19: ``action_acknowledge()``, which sets ``acknowledged``), and a chatter note with the
summary that names the supplier who acknowledged and the buyer who approved.
``po.ack_review_requested``: a To-Do activity for the PO's buyer.

The promised dates go to the lines' ``date_planned``: neither 18 nor 19 has a
separate promised date (``odoo19/DIFF.md``), and writing it moves the receipt
moves' deadline (flow 2). An approved quantity goes to the line's ``product_qty``:
on a confirmed order Odoo itself then adds to or takes from the open receipt
(``purchase_stock``'s ``_create_or_update_picking``), and refuses to go below what
was received, which the handler checks first so the reason reads plainly.

18's ``confirm_reminder_mail`` acts once per order: a later version (a change
approved after an earlier acknowledgement) clears ``mail_reminder_confirmed`` in
the same write, so Odoo's note carries this version's date, not the first one's.
19's ``action_acknowledge`` carries no date; the portal's note says it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from integrations import topics
from integrations.odoo import OdooGateway

from . import HandlerError, handler
from .notes import already_there, marked, marker, post_note_once, render_note

PROMISED_DATE_FIELD = "date_planned"


def _po_id(event) -> int:
    try:
        return int(event.payload["po_odoo_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise HandlerError(f"payload of {event.topic} v{event.payload_version} is incomplete: {exc}") from exc


def _quantities(gw: OdooGateway, event, line_qtys: dict) -> dict[int, float]:
    """Approved quantities by Odoo line id, refused (permanently, with the line) where Odoo received more."""
    try:
        wanted = {int(line_id): Decimal(str(qty)) for line_id, qty in line_qtys.items()}
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise HandlerError(f"payload of {event.topic} v{event.payload_version} has a bad quantity: {exc}") from exc
    rows = {row["id"]: row for row in gw.read("purchase.order.line", sorted(wanted), ["name", "qty_received"])}
    for line_id, qty in sorted(wanted.items()):
        row = rows.get(line_id)
        if row is None:
            raise HandlerError(f"purchase.order.line {line_id} no longer exists in Odoo")
        received = Decimal(str(row.get("qty_received") or 0))
        if qty < received:
            raise HandlerError(
                f"{row.get('name') or f'Line {line_id}'}: {received.normalize():f} received in Odoo, more than the "
                f"approved {qty.normalize():f}; Odoo orders no less than it received (return the surplus first, "
                "or ask the supplier to acknowledge again)."
            )
    return {line_id: float(qty) for line_id, qty in wanted.items()}


def _title(payload: dict) -> str:
    """Who did what: the supplier acknowledged; a buyer approved the changes (v1 payloads named one author)."""
    version = payload.get("version")
    if "acknowledged_by" not in payload:  # v1
        title = f"Acknowledged on the supplier portal, version {version}"
        if payload.get("approved"):
            return f"{title}; changes approved by {payload.get('author', 'the buyer')}"
        return f"{title}, by {payload.get('author', 'the supplier')}"
    how = "over the supplier portal's API" if payload.get("via_api") else "on the supplier portal"
    title = f"Acknowledged by the supplier {payload['acknowledged_by']} {how}, version {version}"
    if payload.get("approved_by"):
        return f"{title}; changes approved by the buyer {payload['approved_by']}"
    return f"{title}; within the agreed tolerances"


def _values(payload: dict, line_qtys: dict[int, float]) -> dict[str, Any]:
    """What one write puts on the PO: the vendor reference, and the promised dates and approved
    quantities of its lines (``order_line`` update commands)."""
    values: dict[str, Any] = {}
    if payload.get("supplier_ref"):
        values["partner_ref"] = payload["supplier_ref"]
    per_line: dict[int, dict[str, Any]] = {}
    for line_id, when in (payload.get("line_dates") or {}).items():
        per_line.setdefault(int(line_id), {})[PROMISED_DATE_FIELD] = when
    for line_id, qty in line_qtys.items():
        per_line.setdefault(line_id, {})["product_qty"] = qty
    if per_line:
        values["order_line"] = [[1, line_id, vals] for line_id, vals in sorted(per_line.items())]
    return values


@handler(topics.PO_ACKNOWLEDGED)
def po_acknowledged(gw: OdooGateway, event) -> dict[str, Any]:
    po_id, payload = _po_id(event), event.payload
    dialect = gw.dialect
    line_qtys = _quantities(gw, event, payload["line_qtys"]) if payload.get("line_qtys") else {}
    values = _values(payload, line_qtys)
    first_try = event.attempts <= 1 and not event.verify
    rearm = bool(payload.get("confirmed_date")) and dialect.acknowledge_takes_date and (payload.get("version") or 1) > 1
    if rearm and first_try:
        # A later version clears 18's flag in the same write, so that Odoo's note carries this version's date.
        # A retry must not clear it again: the first attempt may have confirmed (and noted) already.
        values[dialect.po_acknowledged] = False
    # Writes set values: repeating them on a redelivery changes nothing.
    if values:
        gw.write("purchase.order", [po_id], values)
    if payload.get("confirmed_date"):
        # Odoo's own record of a vendor confirming; it acts once per order and ignores repeats.
        extra = {"confirmed_date": payload["confirmed_date"]} if dialect.acknowledge_takes_date else {}
        gw.call("purchase.order", dialect.acknowledge_method, [po_id], **extra)
    body = render_note(
        "po_acknowledged.html",
        title=_title(payload),
        summary=payload.get("summary") or [],
        supplier_ref=payload.get("supplier_ref"),
        # 18 notes the confirmed date itself (confirm_reminder_mail); 19's action_acknowledge does not.
        confirmed_date=None if dialect.acknowledge_takes_date else payload.get("confirmed_date"),
        quantities=bool(line_qtys),
        comment=payload.get("comment"),
        decision_note=payload.get("decision_note"),
    )
    note = post_note_once(gw, event, "purchase.order", po_id, body)
    result = {
        "date_field": PROMISED_DATE_FIELD,
        "lines_written": len(payload.get("line_dates") or {}),
        "quantities_written": len(line_qtys),
    }
    if note.already_there:
        return {"model": "mail.message", "id": note.id, "already_there": True, **result}
    return {"model": "mail.message", "id": note.id, **result}


@handler(topics.PO_ACK_REVIEW_REQUESTED)
def po_ack_review_requested(gw: OdooGateway, event) -> dict[str, Any]:
    po_id, payload = _po_id(event), event.payload
    tag = marker(str(event.id))
    found = already_there(
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
    note = render_note(
        "po_ack_review.html",
        supplier=payload.get("supplier", "The supplier"),
        version=payload.get("version"),
        summary=payload.get("summary") or [],
    )
    activity_id = gw.activity_schedule(
        "purchase.order",
        po_id,
        act_type_xmlid="mail.mail_activity_data_todo",
        summary="Supplier acknowledgement to review",
        note=marked(note, event),
        **({"user_id": buyer} if buyer else {}),
    )
    return {"model": "mail.activity", "id": activity_id}
