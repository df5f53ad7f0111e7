"""Flow 2: what an acknowledgement writes to Odoo and what it changes there.

Recordings: odoo18/flows/02 (``mail_reminder_confirmed`` set by ``confirm_reminder_mail(confirmed_date)``,
which posts a note) and odoo19/flows/02 (``acknowledged`` set by ``action_acknowledge()``, no date, a
tracking notification per change, also on a draft). Names come from ``gw.dialect``.
"""

from __future__ import annotations

import pytest

from integrations.odoo import OdooGateway, OdooPermanentError

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


def _chatter(gw: OdooGateway, po: int) -> list[dict]:
    return gw.search_read(
        "mail.message",
        [["model", "=", "purchase.order"], ["res_id", "=", po]],
        ["body", "message_type", "subtype_id", "author_id"],
        order="id asc",
    )


def _my_partner(gw: OdooGateway) -> int:
    return gw.read("res.users", [gw.uid], ["partner_id"])[0]["partner_id"][0]


def _acknowledge(gw: OdooGateway, po: int, confirmed_date: str):
    kwargs = {"confirmed_date": confirmed_date} if gw.dialect.acknowledge_takes_date else {}
    return gw.call("purchase.order", gw.dialect.acknowledge_method, [po], **kwargs)


# What the acknowledgement posts: 18 a note with the date (odoo18/flows/02 call 24, message 1797),
# 19 a tracking notification with an empty body (odoo19/flows/02 call 37, message 839).
ACK_NOTE = {18: "<p>Wood Corner confirmed the receipt will take place on 2026-12-10.</p>", 19: ""}


def _tracked(admin_gw: OdooGateway, message_ids: list[int]) -> list[tuple]:
    """(field, old, new) of the tracking values of messages, as an administrator reads them
    (odoo19/flows/02 calls 38-39: tracking values are visible to administrators only)."""
    rows = admin_gw.read("mail.message", message_ids, ["tracking_value_ids"])
    values = admin_gw.read(
        "mail.tracking.value",
        [i for row in rows for i in row["tracking_value_ids"]],
        ["field_id", "old_value_integer", "new_value_integer"],
    )
    return [(v["field_id"][1], v["old_value_integer"], v["new_value_integer"]) for v in values]


def test_acknowledgement_flags_a_confirmed_po_once_and_posts_once(gw, admin_gw):
    series, flag = gw.dialect.series, gw.dialect.po_acknowledged
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    assert gw.read("purchase.order", [po], [flag])[0][flag] is False
    before = _chatter(gw, po)
    assert _acknowledge(gw, po, "2026-12-10") is None  # the method returns None on both series
    assert gw.read("purchase.order", [po], [flag])[0][flag] is True
    posted = _chatter(gw, po)[len(before) :]
    assert [(m["body"], m["message_type"], m["subtype_id"][1], m["author_id"][0]) for m in posted] == [
        (ACK_NOTE[series], "notification", "Note", _my_partner(gw))
    ]
    # A second acknowledgement changes nothing and posts nothing (18 call 16, 19 call 14).
    assert _acknowledge(gw, po, "2026-12-11") is None
    assert len(_chatter(gw, po)) == len(before) + 1
    assert gw.read("purchase.order", [po], [flag])[0][flag] is True
    if series == 19:
        assert _tracked(admin_gw, [posted[0]["id"]]) == [("Acknowledged (Purchase Order)", 0, 1)]


def test_acknowledgement_of_an_rfq(gw):
    """18 ignores a draft (call 18-19: flag stays false); 19 acknowledges it too (calls 19-20)."""
    flag = gw.dialect.po_acknowledged
    rfq = gw.create(
        "purchase.order",
        {
            "partner_id": vendor(gw),
            "order_line": [[0, 0, {"product_id": product(gw, "LAB-LOT-001"), "product_qty": 1}]],
        },
    )
    before = _chatter(gw, rfq)
    assert _acknowledge(gw, rfq, "2026-12-10") is None
    assert gw.read("purchase.order", [rfq], ["state", flag])[0] == {
        "id": rfq,
        "state": "draft",
        flag: {18: False, 19: True}[gw.dialect.series],
    }
    if gw.dialect.series == 18:
        assert _chatter(gw, rfq) == before  # "on an RFQ (draft/sent) the method does nothing"


def test_the_flag_is_an_ordinary_writable_field(gw, admin_gw):
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    if gw.dialect.series == 18:
        # odoo18/flows/02 calls 22-23: the reception flag (readonly in the form only) is writable over RPC,
        # and writing it posts nothing.
        before = _chatter(gw, po)
        assert gw.write("purchase.order", [po], {"mail_reception_confirmed": True}) is True
        assert gw.read("purchase.order", [po], ["mail_reception_confirmed"])[0]["mail_reception_confirmed"] is True
        assert _chatter(gw, po) == before
        return
    # odoo19/flows/02 calls 15-17 and 37-39: `acknowledged` is writable both ways, each change tracked.
    assert _acknowledge(gw, po, "2026-12-10") is None
    before = _chatter(gw, po)
    assert gw.write("purchase.order", [po], {"acknowledged": False}) is True
    assert gw.read("purchase.order", [po], ["acknowledged"])[0]["acknowledged"] is False
    assert gw.write("purchase.order", [po], {"acknowledged": True}) is True
    assert gw.read("purchase.order", [po], ["acknowledged"])[0]["acknowledged"] is True
    posted = _chatter(gw, po)[len(before) :]
    assert [(m["body"], m["message_type"], m["subtype_id"][1]) for m in posted] == [("", "notification", "Note")] * 2
    assert _tracked(admin_gw, [m["id"] for m in posted]) == [
        ("Acknowledged (Purchase Order)", 1, 0),
        ("Acknowledged (Purchase Order)", 0, 1),
    ]


def _private(method: str, series: int) -> str:
    where = method if series == 18 else f"'purchase.order.{method}'"
    return f"Private methods (such as {where}) cannot be called remotely."


NOT_FOUND_19 = "The method 'purchase.order.confirm_reminder_mail' does not exist"
# What the portal cannot do over RPC, as recorded: odoo18/flows/02 section 4 (portal-only methods are
# private) and odoo19/flows/02 section 4 (the 18 acknowledgement calls on 19, the private date update).
# Each entry: (method, kwargs, {variant: (name, message, JSON-2 status)}); "write" writes kwargs["vals"].
REFUSED = {
    18: [
        (
            "_confirm_reception_mail",
            {},
            {"jsonrpc": ("odoo.exceptions.AccessError", _private("_confirm_reception_mail", 18), None)},
        ),
        (
            "_update_date_planned_for_lines",
            {"updated_dates": []},
            {"jsonrpc": ("odoo.exceptions.AccessError", _private("_update_date_planned_for_lines", 18), None)},
        ),
    ],
    19: [
        (
            "confirm_reminder_mail",
            {"confirmed_date": "2026-12-10"},
            {
                # JSON-2: call 21; /jsonrpc answers an unknown method with AttributeError and the same
                # message (odoo19/transcripts/nonexistent_model_or_method.json: unknown_method).
                "json2": ("werkzeug.exceptions.NotFound", NOT_FOUND_19, 404),
                "jsonrpc": ("builtins.AttributeError", NOT_FOUND_19, None),
            },
        ),
        (
            "write",
            {"vals": {"mail_reminder_confirmed": True}},
            {
                # call 22; /jsonrpc: user_error_validation_error.json jsonrpc_write_unknown_field
                "json2": ("builtins.ValueError", "Invalid field 'mail_reminder_confirmed' in 'purchase.order'", 500),
                "jsonrpc": ("builtins.ValueError", "Invalid field 'mail_reminder_confirmed' in 'purchase.order'", None),
            },
        ),
        (
            "_update_date_planned_for_lines",
            {"updated_dates": []},
            {
                # call 23; /jsonrpc: nonexistent_model_or_method.json private_method
                "json2": ("odoo.exceptions.AccessError", _private("_update_date_planned_for_lines", 19), 403),
                "jsonrpc": ("odoo.exceptions.AccessError", _private("_update_date_planned_for_lines", 19), None),
            },
        ),
    ],
}


def test_calls_the_portal_cannot_make(gw):
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    for method, kwargs, expected in REFUSED[gw.dialect.series]:
        name, message, status = expected[gw.transport_name]
        with pytest.raises(OdooPermanentError) as caught:
            gw.call("purchase.order", method, [po], **kwargs)
        assert (caught.value.name, caught.value.message) == (name, message), method
        if gw.transport_name == "json2":
            assert caught.value.status == status, method
