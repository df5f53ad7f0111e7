"""Flow 1: confirming a PO creates only the receipt (Vendors -> WH/Input), reserved, without lots."""

from __future__ import annotations

from .conftest import new_confirmed_po, one, product, vendor


def test_create_then_confirm_creates_only_the_receipt(gw):
    po = gw.create(
        "purchase.order",
        {
            "partner_id": vendor(gw),
            "partner_ref": "RFQ-CONTRACT-1",
            "order_line": [
                [0, 0, {"product_id": product(gw, "LAB-LOT-001"), "product_qty": 10}],
                [0, 0, {"product_id": product(gw, "FURN_7800"), "product_qty": 5}],
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
    lines = gw.read(
        "purchase.order.line",
        draft["order_line"],
        ["product_id", "name", "product_qty", "product_uom", "price_unit", "date_planned", "qty_received", "move_ids"],
    )
    assert sorted(line["product_qty"] for line in lines) == [5.0, 10.0]
    assert all(line["move_ids"] == [] and line["qty_received"] == 0.0 and line["price_unit"] > 0 for line in lines)
    assert draft["date_planned"] == min(line["date_planned"] for line in lines)

    assert gw.call("purchase.order", "button_confirm", [po]) is True
    order = gw.read(
        "purchase.order",
        [po],
        ["state", "date_approve", "picking_ids", "incoming_picking_count", "receipt_status", "group_id", "name"],
    )[0]
    assert order["state"] == "purchase" and order["date_approve"]
    assert order["incoming_picking_count"] == 1 and order["receipt_status"] == "pending"
    assert len(order["picking_ids"]) == 1
    receipt = gw.read(
        "stock.picking",
        order["picking_ids"],
        [
            "state",
            "picking_type_id",
            "location_id",
            "location_dest_id",
            "origin",
            "group_id",
            "move_ids",
            "scheduled_date",
        ],
    )[0]
    warehouse = gw.search_read(
        "stock.warehouse",
        [["code", "=", "WH"]],
        ["reception_steps", "in_type_id", "wh_input_stock_loc_id", "lot_stock_id"],
    )[0]
    assert receipt["state"] == "assigned"
    assert receipt["picking_type_id"][0] == warehouse["in_type_id"][0]
    assert receipt["location_id"][1] == "Partners/Vendors"
    assert receipt["location_dest_id"][0] == warehouse["wh_input_stock_loc_id"][0]
    assert receipt["origin"] == order["name"] and receipt["group_id"] == order["group_id"]
    moves = gw.read(
        "stock.move",
        receipt["move_ids"],
        [
            "product_uom_qty",
            "quantity",
            "picked",
            "state",
            "location_final_id",
            "move_dest_ids",
            "move_line_ids",
            "purchase_line_id",
            "date",
            "date_deadline",
        ],
    )
    assert len(moves) == 2
    for move in moves:
        assert move["state"] == "assigned" and move["quantity"] == move["product_uom_qty"] and not move["picked"]
        assert move["location_final_id"][0] == warehouse["lot_stock_id"][0] and move["move_dest_ids"] == []
        assert move["date_deadline"] == move["date"]
    move_lines = gw.read(
        "stock.move.line", [i for m in moves for i in m["move_line_ids"]], ["lot_id", "lot_name", "quantity", "picked"]
    )
    assert all(ml["lot_id"] is False and ml["lot_name"] is False and not ml["picked"] for ml in move_lines)
    assert receipt["scheduled_date"] == min(m["date"] for m in moves)
    group_pickings = gw.search("stock.picking", [["group_id", "=", order["group_id"][0]]])
    assert group_pickings == order["picking_ids"]  # the QC and storage steps do not exist yet


def test_receipt_is_found_from_the_po(gw):
    po = new_confirmed_po(gw, [("FURN_7800", 2)])
    picking = one(gw, "stock.picking", [["origin", "=", gw.read("purchase.order", [po], ["name"])[0]["name"]]])
    assert gw.read("purchase.order", [po], ["picking_ids"])[0]["picking_ids"] == [picking]
