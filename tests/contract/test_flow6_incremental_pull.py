"""Flow 6: datetimes on the wire, write_date precision, and what bumps write_date.

Recording: odoo18/flows/06. Odoo 19 has none of this flow (README, "Not covered on 19"); on 19 the
same expectations hold for what odoo19/transcripts/context_lang_tz.json shows (``tz`` does not shift
datetimes read or written).
"""

from __future__ import annotations

import re

from .conftest import new_confirmed_po, product, vendor

DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def test_datetimes_are_naive_utc_seconds_whatever_the_tz(gw):
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    plain = gw.read(
        "purchase.order", [po], ["create_date", "write_date", "date_order", "date_planned", "date_approve"]
    )[0]
    tokyo = gw.call(
        "purchase.order",
        "read",
        [po],
        fields=["create_date", "write_date", "date_order", "date_planned", "date_approve"],
        context={"tz": "Asia/Tokyo"},
    )[0]
    assert plain == tokyo
    assert all(
        DATETIME.match(plain[f]) for f in ("create_date", "write_date", "date_order", "date_planned", "date_approve")
    )


def test_write_date_is_truncated_on_the_wire(gw):
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    seen = gw.read("purchase.order", [po], ["write_date"])[0]["write_date"]
    # The database keeps microseconds: equality with the truncated value misses the row, '>' finds it.
    assert gw.search("purchase.order", [["id", "=", po], ["write_date", "=", seen]]) == []
    assert gw.search("purchase.order", [["id", "=", po], ["write_date", ">=", seen]]) == [po]
    later = f"{seen[:-2]}{int(seen[-2:]) + 1:02d}" if int(seen[-2:]) < 59 else seen
    if later != seen:
        assert gw.search("purchase.order", [["id", "=", po], ["write_date", "<", later]]) == [po]


def test_rows_written_in_one_call_share_its_write_date(gw):
    partner, furn = vendor(gw), product(gw, "FURN_7800")
    ids = gw.create(
        "purchase.order",
        [{"partner_id": partner, "order_line": [[0, 0, {"product_id": furn, "product_qty": 1}]]} for _ in range(3)],
    )
    stamps = {row["write_date"] for row in gw.read("purchase.order", ids, ["write_date"])}
    assert len(ids) == 3 and len(stamps) == 1


def test_chatter_and_picking_writes_do_not_bump_the_po(gw):
    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    before = gw.read("purchase.order", [po], ["write_date", "picking_ids"])[0]
    # Make sure a bump would be visible: the order's write_date is older than now by at least a second.
    import time

    time.sleep(1.1)
    gw.call("purchase.order", "message_post", [po], body="note", message_type="comment", subtype_xmlid="mail.mt_note")
    gw.write("stock.picking", before["picking_ids"], {"scheduled_date": "2026-12-24 10:00:00"})
    assert gw.read("purchase.order", [po], ["write_date"])[0]["write_date"] == before["write_date"]
    gw.write("purchase.order", [po], {"partner_ref": "BUMP"})
    assert gw.read("purchase.order", [po], ["write_date"])[0]["write_date"] > before["write_date"]


def test_paging_by_write_date_then_id(gw):
    rows = gw.search_read("purchase.order", [], ["write_date"], order="write_date asc, id asc", limit=5)
    keys = [(r["write_date"], r["id"]) for r in rows]
    assert keys == sorted(keys)
    after = gw.search_read("purchase.order", [], ["write_date"], order="write_date asc, id asc", limit=5, offset=5)
    assert not {r["id"] for r in rows} & {r["id"] for r in after}


def test_a_line_written_alone_moves_its_own_write_date_not_the_orders(gw):
    """Recorded in flow 06, section 5: writing a line's price_unit (or name) leaves the order's
    write_date as it was, so the pull finds such a line by its own write_date cursor
    (``integrations/services/pull/order_lines.py``)."""
    import time

    po = new_confirmed_po(gw, [("FURN_7800", 1)])
    order = gw.read("purchase.order", [po], ["write_date", "order_line"])[0]
    line = order["order_line"][0]
    time.sleep(1.1)  # a bump would be visible: write_date has a resolution of one second on the wire
    gw.write("purchase.order.line", [line], {"price_unit": 77.0})
    assert gw.read("purchase.order", [po], ["write_date"])[0]["write_date"] == order["write_date"]
    moved = gw.read("purchase.order.line", [line], ["write_date", "price_unit"])[0]
    assert moved["write_date"] > order["write_date"] and moved["price_unit"] == 77.0
    # The line cursor's query: newer than what was seen, in (write_date, id) order.
    found = gw.search_read(
        "purchase.order.line",
        [["write_date", ">=", moved["write_date"]], ["order_id", "=", po]],
        ["order_id", "write_date"],
        order="write_date asc, id asc",
    )
    assert [row["id"] for row in found] == [line]
