"""The portal's own pushes, as its handlers make them, on every target (simulated 18 and 19, or live).

Happy paths first: each handler that creates or writes in Odoo is run for real
and what Odoo holds afterwards is read back. A redelivery (attempt 2) changes
nothing. Error paths are elsewhere (test_connection_and_errors.py).
"""

from __future__ import annotations

import base64
import uuid
from types import SimpleNamespace

import pytest

from integrations.handlers.acknowledgements import po_ack_review_requested, po_acknowledged
from integrations.handlers.po_messages import po_message_posted
from integrations.handlers.shipments import asn_cancelled, asn_submitted
from integrations.odoo import OdooGateway

from .conftest import new_confirmed_po, product, vendor


def event(payload: dict, *, attempts: int = 1) -> SimpleNamespace:
    return SimpleNamespace(
        id=uuid.uuid4(), payload=payload, attempts=attempts, verify=False, tenant_id=0, topic="t", payload_version=1
    )


def chatter(gw: OdooGateway, model: str, res_id: int, tag: str) -> list[dict]:
    return gw.search_read(
        "mail.message", [["model", "=", model], ["res_id", "=", res_id], ["body", "ilike", tag]], ["id"]
    )


def test_acknowledgement_reaches_the_po_and_is_recorded_once(gw):
    po = new_confirmed_po(gw, [("FURN_7800", 3), ("LAB-LOT-001", 4)], ref=False)
    lines = gw.read("purchase.order", [po], ["order_line"])[0]["order_line"]
    ev = event(
        {
            "po_odoo_id": po,
            "ack_id": 1,
            "version": 1,
            "supplier_ref": "ACK-CONTRACT-1",
            "line_dates": {str(lines[0]): "2026-12-20 11:00:00"},
            "confirmed_date": "2026-12-20",
            "author": "Contract Supplier",
            "summary": ["line 1 promised for 2026-12-20"],
            "comment": "",
        }
    )
    result = po_acknowledged(gw, ev)
    assert isinstance(result["id"], int) and result["date_field"] == "date_planned"
    flag = gw.dialect.po_acknowledged
    order = gw.read("purchase.order", [po], ["partner_ref", flag])[0]
    assert order["partner_ref"] == "ACK-CONTRACT-1" and order[flag] is True
    line = gw.read("purchase.order.line", [lines[0]], ["date_planned"])[0]
    assert line["date_planned"] == "2026-12-20 11:00:00"
    tag = str(ev.id)
    assert [m["id"] for m in chatter(gw, "purchase.order", po, tag)] == [result["id"]]
    assert _confirmed_date_notes(gw, po, result["id"]) == 1
    again = po_acknowledged(gw, SimpleNamespace(**{**vars(event(ev.payload, attempts=2)), "id": ev.id}))
    assert again["already_there"] is True and again["id"] == result["id"]
    assert len(chatter(gw, "purchase.order", po, tag)) == 1
    assert _confirmed_date_notes(gw, po, result["id"]) == 1


def _confirmed_date_notes(gw: OdooGateway, po: int, portal_note: int) -> int:
    """Where the vendor's confirmed date lands in the chatter: 18's ``confirm_reminder_mail`` posts its own
    note once (odoo18/flows/02 call 24); 19's ``action_acknowledge`` posts no date, so the portal's note
    carries it (odoo19/flows/02 section 6)."""
    rows = gw.search_read("mail.message", [["model", "=", "purchase.order"], ["res_id", "=", po]], ["body"])
    if gw.dialect.series == 18:
        odoo_note = "<p>Wood Corner confirmed the receipt will take place on 2026-12-20.</p>"
        return [r["body"] for r in rows].count(odoo_note)
    mine = next(r["body"] for r in rows if r["id"] == portal_note)
    return mine.count("The vendor confirmed the receipt for 20 Dec 2026.")  # the day as the note's language writes it


def test_review_request_is_an_activity_for_the_buyer(gw):
    po = new_confirmed_po(gw, [("FURN_7800", 2)])
    result = po_ack_review_requested(gw, event({"po_odoo_id": po, "version": 2, "supplier": "S", "summary": ["x"]}))
    assert isinstance(result["id"], int)
    activity = gw.read("mail.activity", [result["id"]], ["res_model", "res_id", "summary"])[0]
    assert (activity["res_model"], activity["res_id"]) == ("purchase.order", po)


def test_portal_message_lands_in_the_chatter(gw):
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    ev = event({"po_odoo_id": po, "body": "Pallets are wrapped twice.", "author": "Contract Supplier"})
    result = po_message_posted(gw, ev)
    assert isinstance(result["id"], int)
    assert [m["id"] for m in chatter(gw, "purchase.order", po, str(ev.id))] == [result["id"]]


@pytest.fixture
def asn_on_three_step_receipt(gw):
    po = new_confirmed_po(gw, [("LAB-LOT-001", 10)], ref="ASN-CONTRACT")
    order = gw.read("purchase.order", [po], ["name", "order_line"])[0]
    return {
        "asn_id": 0,
        "number": f"ASN-C-{uuid.uuid4().hex[:6]}",
        "partner": "Wood Corner",
        "eta": "2026-12-21 08:00:00",
        "ship_date": "2026-12-19",
        "carrier": "DHL",
        "tracking_number": "",
        "lines": [
            {
                "po_odoo_id": po,
                "po_name": order["name"],
                "po_line_odoo_id": order["order_line"][0],
                "product_odoo_id": product(gw, "LAB-LOT-001"),
                "product": "LAB-LOT-001",
                "quantity": 10.0,
                "uom": "Units",
                "lots": [
                    {"name": f"CLOT-A-{uuid.uuid4().hex[:4]}", "quantity": 6.0, "expiry_date": None, "sscc": None},
                    {"name": f"CLOT-B-{uuid.uuid4().hex[:4]}", "quantity": 4.0, "expiry_date": None, "sscc": None},
                ],
            }
        ],
        "certificates": [],
        "packages": [],
    }


def _receipt_lots(gw: OdooGateway, picking_id: int) -> list[tuple[str, float]]:
    moves = gw.read("stock.picking", [picking_id], ["move_ids"])[0]["move_ids"]
    line_ids = [i for m in gw.read("stock.move", moves, ["move_line_ids"]) for i in m["move_line_ids"]]
    rows = gw.read("stock.move.line", line_ids, ["lot_name", "quantity"])
    return sorted((r["lot_name"] or "", r["quantity"]) for r in rows)


def test_asn_writes_lots_on_the_receipt_and_converges_on_redelivery(gw, db, asn_on_three_step_receipt):
    payload = asn_on_three_step_receipt
    first = event(payload)
    result = asn_submitted(gw, first)
    assert result["mismatches"] == [] and len(result["pickings"]) == 1
    [picking] = result["pickings"]
    wanted = sorted((lot["name"], lot["quantity"]) for lot in payload["lines"][0]["lots"])
    assert _receipt_lots(gw, picking) == wanted  # the reservation without lots is gone
    assert gw.read("stock.picking", [picking], ["scheduled_date"])[0]["scheduled_date"] == "2026-12-21 08:00:00"
    assert isinstance(result["notes"][picking], int)
    again = asn_submitted(gw, SimpleNamespace(**{**vars(event(payload, attempts=2)), "id": first.id}))
    assert again["notes"][picking] == result["notes"][picking]
    assert _receipt_lots(gw, picking) == wanted
    assert len(chatter(gw, "stock.picking", picking, str(first.id))) == 1
    cancelled = asn_cancelled(gw, event({**payload, "reason": "truck broke down"}))
    assert cancelled["move_lines_removed"] == 2
    assert [name for name, _ in _receipt_lots(gw, picking) if name] == []


def test_certificate_is_attached_to_the_receipt_and_the_note(gw):
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    picking = gw.read("purchase.order", [po], ["picking_ids"])[0]["picking_ids"][0]
    data = base64.b64encode(b"%PDF-1.4 contract certificate").decode()
    # exactly the values the ASN handler sends (integrations/handlers/shipments.py, _attachments)
    attachment = gw.create(
        "ir.attachment",
        {"name": "ASN-C - cert.pdf", "res_model": "stock.picking", "res_id": picking, "type": "binary", "datas": data},
    )
    assert isinstance(attachment, int)
    message = gw.message_post(
        "stock.picking",
        picking,
        body="<p>certificate</p>",
        body_is_html=True,
        message_type="comment",
        subtype_xmlid="mail.mt_note",
        attachment_ids=[attachment],
    )
    assert gw.read("mail.message", [message], ["attachment_ids"])[0]["attachment_ids"] == [attachment]
    row = gw.read("ir.attachment", [attachment], ["res_model", "res_id", "name"])[0]
    assert (row["res_model"], row["res_id"]) == ("stock.picking", picking)


def test_create_many_in_one_call_answers_their_ids(gw):
    ids = gw.create(
        "purchase.order",
        [
            {"partner_id": vendor(gw), "partner_ref": "MANY-1"},
            {"partner_id": vendor(gw), "partner_ref": "MANY-2"},
        ],
    )
    assert isinstance(ids, list) and len(ids) == 2
    assert sorted(r["partner_ref"] for r in gw.read("purchase.order", ids, ["partner_ref"])) == ["MANY-1", "MANY-2"]
