"""Several shipments (ASNs) of one PO line against the simulated Odoo 18 and 19: what the receipt holds
(all open shipments together, never one shipment's figures), and which shipment a partial receipt
brought (decided from the lots and quantities that arrived)."""

from __future__ import annotations

import pytest

from integrations.models import OutboxEvent
from integrations.services.delivery import event_deliver
from integrations.services.pull import tenant_pull
from suppliers.models import Asn, PurchaseOrder
from suppliers.services.asn_drafts import asn_create, asn_update
from suppliers.services.asn_submission import asn_cancel, asn_submit
from tests.suppliers.inputs import asn_header, asn_lines


@pytest.fixture(params=["18.0", "19.0"])
def odoo_series(request) -> str:
    """These flows run against a simulated Odoo 18 (/jsonrpc) and 19 (JSON-2)."""
    return request.param


pytestmark = pytest.mark.django_db
OPEN = Asn.OPEN_STATUSES


def bracket_order(tenant) -> PurchaseOrder:
    """The demo's open PO of Nordic Fasteners: M8-BOLT-50 2000 (untracked) and ALU-BRKT-7 400 (lots)."""
    return (
        PurchaseOrder.objects.filter(tenant=tenant, state="purchase", lines__product__default_code="ALU-BRKT-7")
        .exclude(receipt_status="partial")
        .distinct()
        .get()
    )


def announce(synced, po, shipped: dict, *, submit: bool = True) -> Asn:
    """An ASN of ``po`` shipping {product code: quantity or [(lot, quantity), ...]}; other lines left out."""
    asn = asn_create(
        membership=synced.supplier,
        po_ids=[po.pk],
        header=asn_header(
            synced.supplier, {"ship_date": "2026-12-01", "eta": "2026-12-03T09:00:00+00:00", "carrier": "DHL"}
        ),
    )
    lines = []
    for line in po.lines.select_related("product"):
        what = shipped.get(line.product.default_code)
        if what is None:
            lines.append({"order_line": line.pk, "quantity": "0"})
        elif isinstance(what, list):
            lines.append(
                {
                    "order_line": line.pk,
                    "quantity": str(sum(q for _, q in what)),
                    "items": [{"lot_name": lot, "quantity": str(q)} for lot, q in what],
                }
            )
        else:
            lines.append({"order_line": line.pk, "quantity": str(what)})
    asn_update(membership=synced.supplier, asn_id=asn.pk, lines=asn_lines(lines))
    return asn_submit(membership=synced.supplier, asn_id=asn.pk) if submit else asn


def deliver(tenant) -> list[str]:
    events = OutboxEvent.objects.filter(tenant=tenant, status="pending").order_by("created_at", "sequence")
    return [event_deliver(event_id=str(e.id)) for e in events]


def open_receipt(synced, po) -> int:
    pickings = synced.gw.read("purchase.order", [po.odoo_id], ["picking_ids"])[0]["picking_ids"]
    rows = synced.gw.read("stock.picking", pickings, ["state", "picking_type_code"])
    [picking] = [r["id"] for r in rows if r["picking_type_code"] == "incoming" and r["state"] not in ("done", "cancel")]
    return picking


def receipt_lines(synced, picking: int) -> list[tuple[str, str, float]]:
    """(product code, lot, quantity) of every line of the receipt, sorted."""
    rows = synced.gw.search_read(
        "stock.move.line", [["picking_id", "=", picking]], ["product_id", "lot_name", "lot_id", "quantity"]
    )
    return sorted(
        (
            row["product_id"][1].split("]")[0].strip("["),
            row["lot_name"] or (row["lot_id"][1] if row["lot_id"] else ""),
            row["quantity"],
        )
        for row in rows
    )


def validate_with_backorder(synced, picking: int) -> None:
    """The dock validates what is on the receipt and keeps a backorder for the rest (Odoo's wizard)."""
    gw = synced.gw
    action = gw.call("stock.picking", "button_validate", [picking])
    if isinstance(action, dict):
        assert action["res_model"] == "stock.backorder.confirmation"
        wizard = gw.create("stock.backorder.confirmation", {}, context=action["context"])
        gw.call("stock.backorder.confirmation", "process", [wizard], context=action["context"])
    assert gw.read("stock.picking", [picking], ["state"])[0]["state"] == "done"


def pull(synced, capture) -> None:
    with capture(execute=True):
        tenant_pull(tenant=synced.tenant)


def test_two_shipments_of_one_untracked_line_add_up_and_cancelling_one_leaves_the_other(synced):
    po = bracket_order(synced.tenant)
    a = announce(synced, po, {"M8-BOLT-50": 600})
    assert deliver(synced.tenant) == ["done"]
    picking = open_receipt(synced, po)
    bolts = [row for row in receipt_lines(synced, picking) if row[0] == "M8-BOLT-50"]
    assert bolts == [("M8-BOLT-50", "", 600.0)]
    b = announce(synced, po, {"M8-BOLT-50": 200})
    assert deliver(synced.tenant) == ["done"]
    bolts = [row for row in receipt_lines(synced, picking) if row[0] == "M8-BOLT-50"]
    assert bolts == [("M8-BOLT-50", "", 800.0)]  # not B's 200: both trucks are expected

    # A's event delivered again (a crash before "done") still converges to both.
    OutboxEvent.objects.filter(pk=a.outbox_event_id).update(status="pending", attempts=1)
    assert deliver(synced.tenant) == ["done"]
    assert [row for row in receipt_lines(synced, picking) if row[0] == "M8-BOLT-50"] == [("M8-BOLT-50", "", 800.0)]

    asn_cancel(membership=synced.supplier, asn_id=b.pk, reason="Truck B is not coming")
    assert deliver(synced.tenant) == ["done"]
    assert [row for row in receipt_lines(synced, picking) if row[0] == "M8-BOLT-50"] == [("M8-BOLT-50", "", 600.0)]
    asn_cancel(membership=synced.supplier, asn_id=a.pk, reason="Nothing ships this week")
    assert deliver(synced.tenant) == ["done"]
    # No shipment left: the receipt expects what the order asks, as Odoo made it.
    assert [row for row in receipt_lines(synced, picking) if row[0] == "M8-BOLT-50"] == [("M8-BOLT-50", "", 2000.0)]
    assert Asn.objects.get(pk=a.pk).odoo_mismatches == []


def test_lots_of_two_shipments_stay_apart_and_one_lot_in_both_adds_up(synced):
    po = bracket_order(synced.tenant)
    a = announce(synced, po, {"ALU-BRKT-7": [("L-A", 100), ("L-SHARED", 50)]})
    b = announce(synced, po, {"ALU-BRKT-7": [("L-B", 60), ("L-SHARED", 40)]})
    assert deliver(synced.tenant) == ["done", "done"]
    picking = open_receipt(synced, po)
    brackets = [row for row in receipt_lines(synced, picking) if row[0] == "ALU-BRKT-7"]
    # Odoo's reservation without a lot is gone; one lot shipped twice is one line with both quantities.
    assert brackets == [("ALU-BRKT-7", "L-A", 100.0), ("ALU-BRKT-7", "L-B", 60.0), ("ALU-BRKT-7", "L-SHARED", 90.0)]
    assert Asn.objects.get(pk=a.pk).odoo_mismatches == [] and Asn.objects.get(pk=b.pk).odoo_mismatches == []
    # Two deliveries racing on SQLite could write a lot twice: the next delivery keeps one line of it.
    [row] = synced.gw.search_read(
        "stock.move.line", [["picking_id", "=", picking], ["lot_name", "=", "L-A"]], ["move_id", "quantity"]
    )
    synced.gw.create("stock.move.line", {"move_id": row["move_id"][0], "lot_name": "L-A", "quantity": 100})
    OutboxEvent.objects.filter(pk=b.outbox_event_id).update(status="pending", attempts=1)
    assert deliver(synced.tenant) == ["done"]
    assert [row for row in receipt_lines(synced, picking) if row[0] == "ALU-BRKT-7"] == brackets

    asn_cancel(membership=synced.supplier, asn_id=a.pk, reason="Lot L-A failed our final inspection")
    assert deliver(synced.tenant) == ["done"]
    brackets = [row for row in receipt_lines(synced, picking) if row[0] == "ALU-BRKT-7"]
    assert brackets == [("ALU-BRKT-7", "L-B", 60.0), ("ALU-BRKT-7", "L-SHARED", 40.0)]  # B's, and only B's


def test_more_than_the_receipt_expects_in_total_is_reported_on_the_shipment_that_tips_it(synced):
    po = bracket_order(synced.tenant)
    announce(synced, po, {"M8-BOLT-50": 1500})
    assert deliver(synced.tenant) == ["done"]
    synced.gw.write(
        "purchase.order.line", [po.lines.get(product__default_code="M8-BOLT-50").odoo_id], {"product_qty": 1600}
    )
    b = announce(synced, po, {"M8-BOLT-50": 400}, submit=False)
    # The portal still had 2000 ordered: B is accepted there, Odoo's receipt now expects 1600.
    b = asn_submit(membership=synced.supplier, asn_id=b.pk)
    assert deliver(synced.tenant) == ["done"]
    b.refresh_from_db()
    [mismatch] = b.odoo_mismatches
    assert mismatch.startswith(f"{po.name}: the ASN ships 400 ") and "M8-BOLT-50" in mismatch
    assert mismatch.endswith(
        "(1,900 with the other open shipments), the receipt expects 1,600; left for the dock to decide."
    )
    picking = open_receipt(synced, po)
    assert [row for row in receipt_lines(synced, picking) if row[0] == "M8-BOLT-50"] == [("M8-BOLT-50", "", 1500.0)]


def test_a_partial_receipt_marks_only_the_shipment_that_arrived(synced, django_capture_on_commit_callbacks):
    """t13: truck A arrives, the receipt is validated with a backorder; B's lot is still to come."""
    po = bracket_order(synced.tenant)
    a = announce(synced, po, {"ALU-BRKT-7": [("L-2611-7", 250)], "M8-BOLT-50": 600})
    b = announce(synced, po, {"ALU-BRKT-7": [("L-2611-8", 150)], "M8-BOLT-50": 200})
    assert deliver(synced.tenant) == ["done", "done"]
    gw = synced.gw
    picking = open_receipt(synced, po)
    assert receipt_lines(synced, picking) == [
        ("ALU-BRKT-7", "L-2611-7", 250.0),
        ("ALU-BRKT-7", "L-2611-8", 150.0),
        ("M8-BOLT-50", "", 800.0),
    ]
    # Truck A at the dock: B's lot is not there, the bolts counted are A's 600.
    rows = gw.search_read("stock.move.line", [["picking_id", "=", picking]], ["lot_name", "quantity"])
    gw.unlink("stock.move.line", [r["id"] for r in rows if r["lot_name"] == "L-2611-8"])
    gw.write("stock.move.line", [r["id"] for r in rows if not r["lot_name"]], {"quantity": 600})
    validate_with_backorder(synced, picking)
    pull(synced, django_capture_on_commit_callbacks)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == Asn.Status.RECEIVED and [r.name for r in a.receipts.all()] != []
    assert b.status in OPEN and b.status != Asn.Status.PARTIAL and not b.receipts.exists()
    assert [(line.quantity_received, line.quantity_open) for line in b.lines.order_by("id")] == [(0, 200), (0, 150)]
    # What B still announces goes to the backorder, which Odoo made without its lot.
    assert deliver(synced.tenant) == ["done"]
    backorder = open_receipt(synced, po)
    assert backorder != picking
    assert receipt_lines(synced, backorder) == [("ALU-BRKT-7", "L-2611-8", 150.0), ("M8-BOLT-50", "", 200.0)]
    # The PO line's open quantity counts what arrived once and what B still brings once.
    from suppliers.services.asn_checks import on_asns, open_quantity

    bolt = po.lines.get(product__default_code="M8-BOLT-50")
    bolt.refresh_from_db()
    assert bolt.qty_received == 600 and open_quantity(bolt, on_asns([bolt])) == 2000 - 600 - 200

    # Truck B brings its lot and half of its bolts: B is partly received.
    rows = gw.search_read("stock.move.line", [["picking_id", "=", backorder]], ["lot_name", "quantity"])
    gw.write("stock.move.line", [r["id"] for r in rows if not r["lot_name"]], {"quantity": 100})
    validate_with_backorder(synced, backorder)
    pull(synced, django_capture_on_commit_callbacks)
    b.refresh_from_db()
    assert b.status == Asn.Status.PARTIAL
    assert sorted((line.quantity_received, line.quantity_open) for line in b.lines.all()) == [(100, 100), (150, 0)]
    a.refresh_from_db()
    assert a.status == Asn.Status.RECEIVED  # never taken again for B's goods
    # Its page says what came and what is still to come, to the supplier and to the buyer.
    from django.test import Client
    from django.urls import reverse

    from portal.models import Role
    from tests.conftest import login
    from tests.factories import member

    buyer = member(synced.tenant, Role.BUYER)
    for who in (synced.supplier, buyer):
        page = login(Client(), who).get(reverse("asn_detail", args=[synced.tenant.slug, b.pk])).content.decode()
        assert "Partly received" in page and "(100 to come)" in page
    # The rest is cancelled: what arrived stays received, the backorder no longer expects B's bolts.
    assert deliver(synced.tenant) == ["done"]
    asn_cancel(membership=synced.supplier, asn_id=b.pk, reason="The last 100 ship on a new ASN")
    assert deliver(synced.tenant) == ["done"]
    last = open_receipt(synced, po)
    assert [row for row in receipt_lines(synced, last) if row[0] == "M8-BOLT-50"] == [("M8-BOLT-50", "", 1300.0)]


def test_untracked_goods_without_lots_go_to_the_shipment_that_announced_that_quantity(
    synced, django_capture_on_commit_callbacks
):
    po = bracket_order(synced.tenant)
    a = announce(synced, po, {"M8-BOLT-50": 600})
    b = announce(synced, po, {"M8-BOLT-50": 200})
    assert deliver(synced.tenant) == ["done", "done"]
    picking = open_receipt(synced, po)
    rows = synced.gw.search_read(
        "stock.move.line", [["picking_id", "=", picking], ["product_id.default_code", "=", "M8-BOLT-50"]], ["id"]
    )
    synced.gw.write("stock.move.line", [r["id"] for r in rows], {"quantity": 200})  # truck B came first
    brackets = synced.gw.search_read(
        "stock.move.line", [["picking_id", "=", picking], ["product_id.default_code", "=", "ALU-BRKT-7"]], ["id"]
    )
    synced.gw.unlink("stock.move.line", [r["id"] for r in brackets])
    validate_with_backorder(synced, picking)
    pull(synced, django_capture_on_commit_callbacks)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status in OPEN and a.status != Asn.Status.PARTIAL, b.status) == (True, Asn.Status.RECEIVED)
