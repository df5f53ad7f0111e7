"""ASNs to the incoming receipts in Odoo (reference flows 3 and 4).

``asn.submitted``: the expected arrival as the receipt's scheduled date, the
carrier's tracking reference when the field exists, lots and quantities on the
move lines, certificates as attachments and a chatter note. Move lines are
brought to the announced state (found by lot name, reused, or created), so a
redelivery converges instead of adding lines twice. What does not match the
receipt (no open receipt, another product, more than expected) is reported on
the ASN and in the note, never forced.

``asn.cancelled``: the lot lines the ASN put on the receipt are removed and a
note says why.
"""

from __future__ import annotations

import base64
import html
from collections import defaultdict
from typing import Any

from integrations.odoo import OdooGateway

from . import HandlerError, handler
from .po_messages import marker

MOVE_FIELDS = [
    "picking_id",
    "product_id",
    "purchase_line_id",
    "product_uom_qty",
    "product_uom",
    "move_line_ids",
    "location_id",
    "location_dest_id",
    "state",
]
LINE_FIELDS = ["move_id", "lot_id", "lot_name", "quantity"]


def _open_receipts(gw: OdooGateway, po_ids: list[int]) -> dict[int, list[dict]]:
    orders = gw.read("purchase.order", po_ids, ["picking_ids"])
    picking_ids = sorted({p for order in orders for p in order["picking_ids"]})
    pickings = (
        gw.read("stock.picking", picking_ids, ["name", "state", "picking_type_code", "move_ids"]) if picking_ids else []
    )
    by_po: dict[int, list[dict]] = defaultdict(list)
    owner = {p: order["id"] for order in orders for p in order["picking_ids"]}
    for picking in pickings:
        if picking["picking_type_code"] == "incoming" and picking["state"] not in ("done", "cancel"):
            by_po[owner[picking["id"]]].append(picking)
    return by_po


def _plan(gw: OdooGateway, payload: dict) -> tuple[list[dict], dict[int, dict], list[str]]:
    """Match each ASN line to a move of an open receipt; answers pickings, moves by ASN line index, mismatches."""
    po_ids = sorted({line["po_odoo_id"] for line in payload["lines"]})
    receipts = _open_receipts(gw, po_ids)
    pickings = [p for ps in receipts.values() for p in ps]
    move_ids = sorted({m for p in pickings for m in p["move_ids"]})
    moves = gw.read("stock.move", move_ids, MOVE_FIELDS) if move_ids else []
    by_po_line = defaultdict(list)
    for move in moves:
        if move["purchase_line_id"] and move["state"] not in ("done", "cancel"):
            by_po_line[move["purchase_line_id"][0]].append(move)
    matched, mismatches = {}, []
    for index, line in enumerate(payload["lines"]):
        if not receipts.get(line["po_odoo_id"]):
            mismatches.append(f"{line['po_name']}: no open receipt in Odoo for {line['product']}.")
            continue
        candidates = by_po_line.get(line["po_line_odoo_id"], [])
        if not candidates:
            mismatches.append(f"{line['po_name']}: the receipt has nothing open for {line['product']}.")
            continue
        move = candidates[0]
        if line.get("product_odoo_id") and move["product_id"][0] != line["product_odoo_id"]:
            mismatches.append(
                f"{line['po_name']}: the receipt expects {move['product_id'][1]}, the ASN ships {line['product']}."
            )
            continue
        if line["quantity"] > move["product_uom_qty"] + 1e-9:
            mismatches.append(
                f"{line['po_name']}: the ASN ships {line['quantity']:g} {line['uom']} of {line['product']}, "
                f"the receipt expects {move['product_uom_qty']:g}; left for the dock to decide."
            )
            continue
        matched[index] = move
    return pickings, matched, mismatches


def _converge_move_lines(
    gw: OdooGateway, move: dict, wanted: list[tuple[str, float, str | None]], existing: list[dict], expiry_field=None
) -> int:
    """Make the move's lines hold exactly ``wanted`` (lot name, quantity, expiry); answers the calls made."""
    calls = 0
    by_lot = {line["lot_name"] or (line["lot_id"][1] if line["lot_id"] else ""): line for line in existing}
    spare = [line for line in existing if not line["lot_name"] and not line["lot_id"]]
    used = set()
    for lot, quantity, expiry in wanted:
        dated = {expiry_field: f"{expiry} 00:00:00"} if expiry_field and expiry else {}
        line = by_lot.get(lot) if lot else None
        if line is None and spare:
            line = spare.pop(0)
        if line is not None:
            used.add(line["id"])
            values = {}
            if lot and line["lot_name"] != lot and not line["lot_id"]:
                values.update(lot_name=lot, **dated)
            if abs((line["quantity"] or 0) - quantity) > 1e-9:
                values["quantity"] = quantity
            if values:
                gw.write("stock.move.line", [line["id"]], values)
                calls += 1
            continue
        gw.create(
            "stock.move.line",
            {
                "move_id": move["id"],
                "picking_id": move["picking_id"][0],
                "product_id": move["product_id"][0],
                "product_uom_id": move["product_uom"][0],
                "location_id": move["location_id"][0],
                "location_dest_id": move["location_dest_id"][0],
                "lot_name": lot or False,
                "quantity": quantity,
                **dated,
            },
        )
        calls += 1
    # The reservation Odoo made before the lots were known would count twice: drop what is left of it.
    leftovers = [line["id"] for line in spare if line["id"] not in used]
    if leftovers and any(lot for lot, _, _ in wanted):
        gw.unlink("stock.move.line", leftovers)
        calls += 1
    return calls


def _attachments(gw: OdooGateway, event, picking_id: int, certificates: list[dict], number: str) -> list[int]:
    from suppliers.models import Certificate

    ids = []
    for cert in certificates:
        name = f"{number} - {cert['name']}"
        if event.attempts > 1 or event.verify:
            found = gw.search(
                "ir.attachment",
                [["res_model", "=", "stock.picking"], ["res_id", "=", picking_id], ["name", "=", name]],
                limit=1,
            )
            if found:
                ids.append(found[0])
                continue
        record = Certificate.objects.filter(pk=cert["id"], tenant_id=event.tenant_id).first()
        if record is None:
            continue
        with record.file.open("rb") as fh:
            data = base64.b64encode(fh.read()).decode()
        ids.append(
            gw.create(
                "ir.attachment",
                {"name": name, "res_model": "stock.picking", "res_id": picking_id, "type": "binary", "datas": data},
            )
        )
    return ids


def _note(gw: OdooGateway, event, picking_id: int, body: str, attachment_ids: list[int] | None = None) -> int:
    tag = marker(str(event.id))
    if event.attempts > 1 or event.verify:
        found = gw.search(
            "mail.message",
            [["model", "=", "stock.picking"], ["res_id", "=", picking_id], ["body", "ilike", tag]],
            limit=1,
        )
        if found:
            return found[0]
    return gw.message_post(
        "stock.picking",
        picking_id,
        body=f"{body}<p><small>{tag}</small></p>",
        body_is_html=True,
        message_type="comment",
        subtype_xmlid="mail.mt_note",
        attachment_ids=attachment_ids or [],
    )


def _record_mismatches(event, mismatches: list[str]) -> None:
    from suppliers.models import Asn

    Asn.objects.filter(pk=event.payload.get("asn_id"), tenant_id=event.tenant_id).update(odoo_mismatches=mismatches)


@handler("asn.submitted")
def asn_submitted(gw: OdooGateway, event) -> dict[str, Any]:
    payload = event.payload
    if not payload.get("lines"):
        raise HandlerError(f"payload of {event.topic} v{event.payload_version} has no lines")
    pickings, matched, mismatches = _plan(gw, payload)
    touched = sorted({matched[i]["picking_id"][0] for i in matched})
    if touched:
        values: dict[str, Any] = {}
        if payload.get("eta"):
            values["scheduled_date"] = payload["eta"]
        if payload.get("tracking_number") and gw.has_field("stock.picking", "carrier_tracking_ref"):
            values["carrier_tracking_ref"] = payload["tracking_number"]
        if values:
            gw.write("stock.picking", touched, values)  # one call: the values are the same for all
    line_ids = sorted({lid for i in matched for lid in matched[i]["move_line_ids"]})
    existing = defaultdict(list)
    for row in gw.read("stock.move.line", line_ids, LINE_FIELDS) if line_ids else []:
        existing[row["move_id"][0]].append(row)
    # product_expiry puts the lot's expiry on the move line; without the module there is none to set.
    expiry_field = "expiration_date" if gw.has_field("stock.move.line", "expiration_date") else None
    for index, move in matched.items():
        line = payload["lines"][index]
        wanted = [(lot["name"], lot["quantity"], lot.get("expiry_date")) for lot in line["lots"]] or [
            ("", line["quantity"], None)
        ]
        _converge_move_lines(gw, move, wanted, existing[move["id"]], expiry_field)
    summary = "".join(
        f"<li>{html.escape(line['po_name'])}: {line['quantity']:g} {html.escape(line['uom'])} "
        f"{html.escape(line['product'])}"
        + (f" (lots {html.escape(', '.join(lot['name'] for lot in line['lots']))})" if line["lots"] else "")
        + "</li>"
        for line in payload["lines"]
    )
    head = (
        f"<p><b>{html.escape(payload['partner'])} announced shipment {html.escape(payload['number'])}</b> on the "
        f"supplier portal: ships {html.escape(payload.get('ship_date') or '?')}, "
        f"expected {html.escape(payload.get('eta') or '?')} UTC"
        + (f", {html.escape(payload['carrier'])}" if payload.get("carrier") else "")
        + (f" tracking {html.escape(payload['tracking_number'])}" if payload.get("tracking_number") else "")
        + (
            f", {len(payload['packages'])} package(s): {html.escape(', '.join(payload['packages']))}"
            if payload.get("packages")
            else ""
        )
        + "</p>"
    )
    problems = "".join(f"<li>{html.escape(m)}</li>" for m in mismatches)
    body = (
        head
        + f"<ul>{summary}</ul>"
        + (f"<p><b>Does not match the receipt:</b></p><ul>{problems}</ul>" if problems else "")
    )
    notes = {}
    for picking_id in touched or [p["id"] for p in pickings][:1]:
        attachments = _attachments(gw, event, picking_id, payload.get("certificates") or [], payload["number"])
        notes[picking_id] = _note(gw, event, picking_id, body, attachments)
    _record_mismatches(event, mismatches)
    return {"pickings": touched, "moves": len(matched), "mismatches": mismatches, "notes": notes}


@handler("asn.cancelled")
def asn_cancelled(gw: OdooGateway, event) -> dict[str, Any]:
    payload = event.payload
    pickings, matched, _ = _plan(gw, payload)
    lots = {lot["name"] for line in payload["lines"] for lot in line["lots"]}
    line_ids = sorted({lid for i in matched for lid in matched[i]["move_line_ids"]})
    rows = gw.read("stock.move.line", line_ids, LINE_FIELDS) if line_ids and lots else []
    ours = [row["id"] for row in rows if row["lot_name"] in lots and not row["lot_id"]]
    if ours:
        gw.unlink("stock.move.line", ours)
    touched = sorted({matched[i]["picking_id"][0] for i in matched}) or [p["id"] for p in pickings][:1]
    body = (
        f"<p><b>{html.escape(payload['partner'])} cancelled shipment {html.escape(payload['number'])}</b>: "
        f"{html.escape(payload.get('reason') or '')}</p>"
    )
    for picking_id in touched:
        _note(gw, event, picking_id, body)
    return {"pickings": touched, "move_lines_removed": len(ours)}
