"""Flow 2: what an acknowledgement writes to Odoo 18 and what it changes there."""

from __future__ import annotations

import pytest

from integrations.odoo import OdooPermanentError

from .conftest import new_confirmed_po, product, vendor


def test_vendor_reference_and_promised_dates(gw):
    po = new_confirmed_po(gw, [("FURN_7800", 3), ("LAB-LOT-001", 4)], ref=False)
    order = gw.read("purchase.order", [po], ["order_line", "picking_ids", "write_date"])[0]
    lines = gw.read("purchase.order.line", order["order_line"], ["move_ids", "date_planned"])
    moves_before = {
        m["id"]: m
        for m in gw.read("stock.move", [i for line in lines for i in line["move_ids"]], ["date", "date_deadline"])
    }
    scheduled_before = gw.read("stock.picking", order["picking_ids"], ["scheduled_date"])[0]["scheduled_date"]
    promised = {lines[0]["id"]: "2026-12-10 09:00:00", lines[1]["id"]: "2026-12-15 09:00:00"}
    assert (
        gw.write(
            "purchase.order",
            [po],
            {
                "partner_ref": "VEND-SO-7781",
                "order_line": [[1, line_id, {"date_planned": when}] for line_id, when in promised.items()],
            },
        )
        is True
    )
    after = gw.read("purchase.order", [po], ["partner_ref", "date_planned"])[0]
    assert after == {"id": po, "partner_ref": "VEND-SO-7781", "date_planned": "2026-12-10 09:00:00"}
    for line in gw.read("purchase.order.line", list(promised), ["date_planned", "move_ids"]):
        assert line["date_planned"] == promised[line["id"]]
        move = gw.read("stock.move", line["move_ids"], ["date", "date_deadline"])[0]
        # the promise moves the receipt's deadline, not its planned date
        assert move["date_deadline"] == promised[line["id"]]
        assert move["date"] == moves_before[move["id"]]["date"]
    picking = gw.read("stock.picking", order["picking_ids"], ["scheduled_date", "date_deadline"])[0]
    assert picking == {
        "id": order["picking_ids"][0],
        "scheduled_date": scheduled_before,
        "date_deadline": "2026-12-10 09:00:00",
    }


def test_confirm_reminder_mail_flags_once_and_notes_it(gw):
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    assert gw.call("purchase.order", "confirm_reminder_mail", [po], confirmed_date="2026-12-10") is None
    assert gw.read("purchase.order", [po], ["mail_reminder_confirmed"])[0]["mail_reminder_confirmed"] is True
    notes = gw.search_read(
        "mail.message", [["model", "=", "purchase.order"], ["res_id", "=", po]], ["body"], order="id asc"
    )
    assert any("Wood Corner confirmed the receipt will take place on 2026-12-10." in m["body"] for m in notes)
    assert gw.call("purchase.order", "confirm_reminder_mail", [po], confirmed_date="2026-12-11") is None
    again = gw.search_read("mail.message", [["model", "=", "purchase.order"], ["res_id", "=", po]], ["body"])
    assert len(again) == len(notes)


def test_confirm_reminder_mail_does_nothing_on_an_rfq(gw):
    rfq = gw.create(
        "purchase.order",
        {
            "partner_id": vendor(gw),
            "order_line": [[0, 0, {"product_id": product(gw, "LAB-LOT-001"), "product_qty": 1}]],
        },
    )
    assert gw.call("purchase.order", "confirm_reminder_mail", [rfq], confirmed_date="2026-12-10") is None
    assert gw.read("purchase.order", [rfq], ["state", "mail_reminder_confirmed"])[0] == {
        "id": rfq,
        "state": "draft",
        "mail_reminder_confirmed": False,
    }


@pytest.mark.parametrize("method", ["_confirm_reception_mail", "_update_date_planned_for_lines"])
def test_portal_only_methods_are_private(gw, method):
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    with pytest.raises(OdooPermanentError) as caught:
        gw.call("purchase.order", method, [po])
    assert caught.value.name == "odoo.exceptions.AccessError"
    assert f"Private methods (such as {method}) cannot be called remotely." in caught.value.message


def test_reception_flag_is_writable_over_rpc(gw):
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    assert gw.write("purchase.order", [po], {"mail_reception_confirmed": True}) is True
    assert gw.read("purchase.order", [po], ["mail_reception_confirmed"])[0]["mail_reception_confirmed"] is True
