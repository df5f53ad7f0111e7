"""Flow 1: confirming a PO creates only the receipt (Vendors -> WH/Input), reserved, without lots.

Recordings: odoo18/flows/01 and odoo19/flows/01 (the latter ends with its differences from 18:
``reference_ids``/``stock.reference`` instead of ``group_id``, ``product_uom_id`` instead of
``product_uom``, the ``acknowledged`` and ``locked`` fields, the vendor location's name, the line
description with the vendor's code).
"""

from __future__ import annotations

import pytest

from integrations.odoo import OdooPermanentError

from .conftest import STOCK_LINK, VENDOR_LOCATION, new_confirmed_po, one, product, same_stock_link, vendor

# purchase.order.line.name of the lot-tracked product: 18 the internal reference, 19 the vendor's code
# from the supplierinfo (odoo18/flows/01 call 7, odoo19/flows/01 call 7).
LOT_LINE_NAME = {18: "[LAB-LOT-001] LAB Lot-Tracked Resin", 19: "[WC-RES-1] LAB Lot-Tracked Resin"}


def test_create_then_confirm_creates_only_the_receipt(gw):
    series = gw.dialect.series
    link = STOCK_LINK[series]
    lot, furn = product(gw, "LAB-LOT-001"), product(gw, "FURN_7800")
    po = gw.create(
        "purchase.order",
        {
            "partner_id": vendor(gw),
            "partner_ref": "RFQ-CONTRACT-1",
            "order_line": [
                [0, 0, {"product_id": lot, "product_qty": 10}],
                [0, 0, {"product_id": furn, "product_qty": 5}],
            ],
        },
    )
    draft = gw.read(
        "purchase.order",
        [po],
        [
            "name",
            "state",
            "partner_id",
            "partner_ref",
            "user_id",
            "order_line",
            "picking_ids",
            "receipt_status",
            "date_planned",
        ],
    )[0]
    assert draft["state"] == "draft" and draft["picking_ids"] == [] and draft["receipt_status"] is False
    assert draft["partner_id"][0] == vendor(gw) and draft["user_id"][0] == gw.uid
    uom = gw.dialect.po_line_uom
    lines = gw.read(
        "purchase.order.line",
        draft["order_line"],
        ["product_id", "name", "product_qty", uom, "price_unit", "date_planned", "qty_received", "move_ids"],
    )
    assert sorted(line["product_qty"] for line in lines) == [5.0, 10.0]
    assert all(line["move_ids"] == [] and line["qty_received"] == 0.0 and line["price_unit"] > 0 for line in lines)
    assert all(line[uom][1] == "Units" for line in lines)
    assert {line["product_id"][0]: line["name"] for line in lines} == {
        lot: LOT_LINE_NAME[series],
        furn: "[FURN_7800] Desk Combination",
    }
    assert draft["date_planned"] == min(line["date_planned"] for line in lines)
    if series == 19:
        # odoo19/flows/01 call 8: the 18 name of the line's unit fails the whole read.
        with pytest.raises(OdooPermanentError) as caught:
            gw.read("purchase.order.line", draft["order_line"], ["product_uom"])
        assert (caught.value.name, caught.value.message) == (
            "builtins.ValueError",
            "Invalid field 'product_uom' on 'purchase.order.line'",
        )

    assert gw.call("purchase.order", "button_confirm", [po]) is True
    fields = ["state", "date_approve", "picking_ids", "incoming_picking_count", "receipt_status", link, "name"]
    if series == 19:
        fields += [gw.dialect.po_acknowledged, "locked"]
    order = gw.read("purchase.order", [po], fields)[0]
    assert order["state"] == "purchase" and order["date_approve"]
    assert order["incoming_picking_count"] == 1 and order["receipt_status"] == "pending"
    assert len(order["picking_ids"]) == 1
    if series == 18:
        assert order["group_id"][1] == order["name"]  # a procurement group named after the PO (call 9)
    else:
        # odoo19/flows/01 call 10: not acknowledged, not locked, one stock.reference.
        assert order["acknowledged"] is False and order["locked"] is False
        assert len(order["reference_ids"]) == 1
        with pytest.raises(OdooPermanentError) as caught:
            gw.read("purchase.order", [po], ["group_id"])  # call 11
        assert (caught.value.name, caught.value.message) == (
            "builtins.ValueError",
            "Invalid field 'group_id' on 'purchase.order'",
        )
    receipt_fields = ["state", "picking_type_id", "location_id", "location_dest_id", "origin", link, "move_ids"]
    receipt = gw.read("stock.picking", order["picking_ids"], [*receipt_fields, "scheduled_date"])[0]
    warehouse = gw.search_read(
        "stock.warehouse",
        [["code", "=", "WH"]],
        ["reception_steps", "in_type_id", "wh_input_stock_loc_id", "lot_stock_id"],
    )[0]
    assert receipt["state"] == "assigned"
    assert receipt["picking_type_id"][0] == warehouse["in_type_id"][0]
    assert receipt["location_id"][1] == VENDOR_LOCATION[series]
    assert receipt["location_dest_id"][0] == warehouse["wh_input_stock_loc_id"][0]
    assert receipt["origin"] == order["name"] and receipt[link] == order[link]
    move_fields = [
        "product_uom_qty",
        "quantity",
        "picked",
        "state",
        "location_id",
        "location_final_id",
        "move_dest_ids",
        "move_line_ids",
        "purchase_line_id",
        "date",
        "date_deadline",
    ]
    moves = gw.read("stock.move", receipt["move_ids"], move_fields + (["reference_ids"] if series == 19 else []))
    assert len(moves) == 2
    for move in moves:
        assert move["state"] == "assigned" and move["quantity"] == move["product_uom_qty"] and not move["picked"]
        assert move["location_id"][1] == VENDOR_LOCATION[series]
        assert move["location_final_id"][0] == warehouse["lot_stock_id"][0] and move["move_dest_ids"] == []
        assert move["date_deadline"] == move["date"]
        if series == 19:
            assert move["reference_ids"] == order["reference_ids"]  # call 13
    move_lines = gw.read(
        "stock.move.line", [i for m in moves for i in m["move_line_ids"]], ["lot_id", "lot_name", "quantity", "picked"]
    )
    assert all(ml["lot_id"] is False and ml["lot_name"] is False and not ml["picked"] for ml in move_lines)
    assert receipt["scheduled_date"] == min(m["date"] for m in moves)
    if series == 19:
        # odoo19/flows/01 call 15: the stock.reference that replaced the procurement group.
        reference = gw.read(
            "stock.reference", order["reference_ids"], ["name", "move_ids", "picking_ids", "purchase_ids"]
        )[0]
        assert reference["name"] == order["name"] and reference["purchase_ids"] == [po]
        assert sorted(reference["move_ids"]) == sorted(receipt["move_ids"])
        assert reference["picking_ids"] == order["picking_ids"]
        assert gw.search("stock.picking", [["purchase_id", "=", po]]) == order["picking_ids"]  # call 17
    linked_pickings = gw.search("stock.picking", same_stock_link(gw, order))
    assert linked_pickings == order["picking_ids"]  # the QC and storage steps do not exist yet


def test_receipt_is_found_from_the_po(gw):
    po = new_confirmed_po(gw, [("FURN_7800", 2)])
    picking = one(gw, "stock.picking", [["origin", "=", gw.read("purchase.order", [po], ["name"])[0]["name"]]])
    assert gw.read("purchase.order", [po], ["picking_ids"])[0]["picking_ids"] == [picking]
