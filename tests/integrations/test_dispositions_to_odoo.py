"""inspection.disposed against the simulated Odoo 18 (/jsonrpc) and 19 (JSON-2): decisions recorded in the
portal move stock through the real delivery path, and the stock is read back over the protocol.

The Odoo side is built as the contract suite builds flow 4 (a confirmed PO, its receipt validated with
LOT-A 6, LOT-B 2 and 5 untracked units, warehouse in three steps); the portal side mirrors it with the
factories, and the dispositions are recorded with ``disposition_record``.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from types import SimpleNamespace

import pytest

from integrations import topics
from integrations.models import EventStatus, OutboxEvent
from integrations.odoo import OdooGateway
from integrations.reconcilers.dispositions import dispositions_in_stock
from integrations.services.delivery import event_deliver
from integrations.services.exceptions import outbox_replay
from portal.models import Role
from quality.models import Inspection
from quality.services.dispositions import disposition_record
from quality.services.inspections import inspections_from_receipt
from suppliers.models import Product, Receipt
from tests.contract.conftest import VENDOR_LOCATION, new_confirmed_po, one, product
from tests.factories import PartnerFactory, member
from tests.factories.portal import odoo_tenant
from tests.factories.suppliers import ProductFactory, PurchaseOrderFactory, ReceiptFactory, ReceiptMoveFactory

pytestmark = pytest.mark.django_db
SCRAP = {18: "Virtual Locations/Scrap", 19: "Inventory adjustment"}


@pytest.fixture(params=["18.0", "19.0"])
def sim(request):
    """The simulated Odoo of each series, reset to the seeded lab (three steps) before and after."""
    process = request.getfixturevalue("odoo_sim18" if request.param == "18.0" else "odoo_sim")
    process.control("reset")
    yield process
    process.control("reset")


def _receive(gw: OdooGateway, lot_a: str, lot_b: str) -> dict:
    """A PO of 8 lot-tracked and 5 untracked units, received whole: LOT-A 6, LOT-B 2 (flow 3)."""
    po = new_confirmed_po(gw, [("LAB-LOT-001", 8), ("FURN_7800", 5)], ref="QUALITY")
    order = gw.read("purchase.order", [po], ["name", "picking_ids"])[0]
    [receipt] = order["picking_ids"]
    picking = gw.read("stock.picking", [receipt], ["name", "move_ids", "location_id", "location_dest_id"])[0]
    moves = {m["product_id"][0]: m for m in gw.read("stock.move", picking["move_ids"], ["product_id", "move_line_ids"])}
    lot_product, furn = product(gw, "LAB-LOT-001"), product(gw, "FURN_7800")
    gw.write("stock.move.line", [moves[lot_product]["move_line_ids"][0]], {"lot_name": lot_a, "quantity": 6})
    gw.create(
        "stock.move.line",
        {
            "move_id": moves[lot_product]["id"],
            "picking_id": receipt,
            "product_id": lot_product,
            "location_id": picking["location_id"][0],
            "location_dest_id": picking["location_dest_id"][0],
            "lot_name": lot_b,
            "quantity": 2,
            "product_uom_id": 1,
        },
    )
    assert gw.call("stock.picking", "button_validate", [receipt]) is True
    return {
        "po": po,
        "po_name": order["name"],
        "receipt": receipt,
        "receipt_name": picking["name"],
        "moves": {code: moves[pid]["id"] for code, pid in (("LOT", lot_product), ("FURN", furn))},
        "products": {"LOT": lot_product, "FURN": furn},
    }


def _mirror(tenant, odoo: dict, lot_a: str, lot_b: str) -> dict[str, Inspection]:
    """The portal's copy of the done receipt (as the pull writes it) and its signed inspections."""
    partner = PartnerFactory(tenant=tenant, name="Wood Corner")
    lot_item = ProductFactory(tenant=tenant, odoo_id=odoo["products"]["LOT"], tracking=Product.Tracking.LOT)
    furn = ProductFactory(tenant=tenant, odoo_id=odoo["products"]["FURN"], name="Desk Combination")
    order = PurchaseOrderFactory(partner=partner, odoo_id=odoo["po"], name=odoo["po_name"])
    receipt = ReceiptFactory(order=order, odoo_id=odoo["receipt"], name=odoo["receipt_name"], state=Receipt.State.DONE)
    lots = [{"lot": lot_a, "quantity": 6.0}, {"lot": lot_b, "quantity": 2.0}]
    for code, item, done, lot_list in (("LOT", lot_item, 8, lots), ("FURN", furn, 5, [])):
        ReceiptMoveFactory(
            receipt=receipt,
            product=item,
            odoo_id=odoo["moves"][code],
            quantity_done=done,
            lots=lot_list,
            state="done",
            order_line__product=item,
        )
    inspections = inspections_from_receipt(receipt=receipt)
    # Recording and signing are quality's own tests; here the lots are signed as accepted.
    Inspection.objects.filter(pk__in=[i.pk for i in inspections]).update(
        status=Inspection.Status.SIGNED, verdict=Inspection.Verdict.ACCEPT
    )
    return {i.lot_name or "FURN": Inspection.objects.get(pk=i.pk) for i in inspections}


@pytest.fixture
def lab(sim):
    tenant = odoo_tenant(sim, f"q{uuid.uuid4().hex[:6]}", transport="auto")  # JSON-2 on 19, /jsonrpc on 18
    gw = OdooGateway(tenant.odoo_config())
    suffix = uuid.uuid4().hex[:6]
    lot_a, lot_b = f"LOT-A-{suffix}", f"LOT-B-{suffix}"
    odoo = _receive(gw, lot_a, lot_b)
    inspections = _mirror(tenant, odoo, lot_a, lot_b)
    return SimpleNamespace(
        tenant=tenant,
        gw=gw,
        series=gw.dialect.series,
        sim=sim,
        odoo=odoo,
        a=lot_a,
        b=lot_b,
        inspections=inspections,
        inspector=member(tenant, Role.INSPECTOR),
    )


def decide(lab, lot: str, **quantities) -> OutboxEvent:
    values = {name: Decimal(str(q)) for name, q in quantities.items()}
    inspection = lab.inspections[lot]
    disposition = disposition_record(
        membership=lab.inspector, inspection=inspection, reason="Sorted at the dock: see the NCR", **values
    )
    return OutboxEvent.objects.get(pk=disposition.outbox_event_id)


def deliver(event: OutboxEvent) -> OutboxEvent:
    assert event_deliver(event_id=str(event.pk)) in ("done", "dead")
    event.refresh_from_db()
    return event


def delivered(event: OutboxEvent) -> dict:
    event = deliver(event)
    assert event.status == EventStatus.DONE, event.last_error
    return event.odoo_result


def where(lab, lot: str) -> dict[str, float]:
    """The lot's non-zero quants per location, read over the protocol (flow 4 call 39)."""
    rows = lab.gw.search_read(
        "stock.quant",
        [["product_id", "=", lab.odoo["products"]["LOT"]], ["lot_id.name", "=", lot], ["quantity", "!=", 0]],
        ["location_id", "quantity"],
    )
    return {row["location_id"][1]: row["quantity"] for row in rows}


def untracked(lab) -> dict[str, float]:
    rows = lab.gw.search_read(
        "stock.quant",
        [["product_id", "=", lab.odoo["products"]["FURN"]], ["quantity", "!=", 0]],
        ["location_id", "quantity"],
    )
    return {row["location_id"][1]: row["quantity"] for row in rows if row["location_id"][1].startswith("WH/")}


def test_release_all_moves_every_lot_to_stock_and_a_redelivery_changes_nothing(lab):
    before = untracked(lab)
    decide(lab, lab.a, released=6)
    decide(lab, lab.b, released=2)
    last = decide(lab, "FURN", released=5)
    # The stock events only: the returns and scraps of accepted lots also note their NCR (ncr.dispositioned).
    disposed = OutboxEvent.objects.filter(tenant=lab.tenant, topic=topics.INSPECTION_DISPOSED)
    results = [delivered(e) for e in disposed.order_by("sequence")]
    assert results[0]["returns"] == [] and len(results[0]["validated"]) == 2  # QC, then storage
    assert where(lab, lab.a) == {VENDOR_LOCATION[lab.series]: -6.0, "WH/Stock": 6.0}
    assert where(lab, lab.b) == {VENDOR_LOCATION[lab.series]: -2.0, "WH/Stock": 2.0}
    after = untracked(lab)
    assert after.get("WH/Stock", 0) - before.get("WH/Stock", 0) == 5.0
    # The same event again (its acknowledgement lost) and a replay with verify: nothing moves twice.
    OutboxEvent.objects.filter(pk=last.pk).update(status=EventStatus.PENDING, leased_until=None)
    again = delivered(last)
    assert again == {"returns": [], "scraps": [], "validated": [], "note": results[-1]["note"]}
    OutboxEvent.objects.filter(pk=last.pk).update(status=EventStatus.DEAD)
    assert outbox_replay(actor=None, event_ids=[str(last.pk)]) == 1
    assert delivered(last)["validated"] == []
    assert where(lab, lab.a)["WH/Stock"] == 6.0 and untracked(lab) == after
    notes = lab.gw.search_read(
        "mail.message",
        [["model", "=", "stock.picking"], ["res_id", "=", lab.odoo["receipt"]], ["body", "ilike", str(last.pk)]],
        ["body"],
    )
    assert len(notes) == 1 and "5 released to stock" in notes[0]["body"]
    assert dispositions_in_stock(lab.gw, [last]) == []


def test_reject_returns_one_lot_and_scraps_part_of_another(lab):
    decide(lab, lab.b, returned=2)
    decide(lab, lab.a, released=5, scrapped=1)
    last = decide(lab, "FURN", released=5)
    # The stock events only: the returns and scraps of accepted lots also note their NCR (ncr.dispositioned).
    disposed = OutboxEvent.objects.filter(tenant=lab.tenant, topic=topics.INSPECTION_DISPOSED)
    results = [delivered(e) for e in disposed.order_by("sequence")]
    assert len(results[0]["returns"]) == 1 and results[0]["validated"] == []
    assert len(results[1]["scraps"]) == 1
    vendors = VENDOR_LOCATION[lab.series]
    assert where(lab, lab.b) == {}  # back at the vendor: its vendor quant is 0 again
    assert where(lab, lab.a) == {vendors: -6.0, SCRAP[lab.series]: 1.0, "WH/Stock": 5.0}
    returned = lab.gw.read("stock.picking", results[0]["returns"], ["state", "return_id"])[0]
    assert returned["state"] == "done" and returned["return_id"][0] == lab.odoo["receipt"]
    # The return went to a vendor with a phone: validated with skip_sms, the company's SMS question was
    # neither asked nor answered for it (answering "don't send" switches its SMS confirmations off).
    setting = "stock_text_confirmation" if lab.series >= 19 else "stock_move_sms_validation"
    company = lab.gw.search_read("res.company", [], [setting, "has_received_warning_stock_sms"])[0]
    assert company[setting] is True and company["has_received_warning_stock_sms"] is False
    scrap = lab.gw.read("stock.scrap", results[1]["scraps"], ["origin", "state"])[0]
    assert scrap == {"id": scrap["id"], "origin": f"{lab.odoo['receipt_name']} quality {lab.a}", "state": "done"}
    # Replayed, the newest event (it carries every lot's sums) changes nothing.
    OutboxEvent.objects.filter(pk=last.pk).update(status=EventStatus.DEAD)
    outbox_replay(actor=None, event_ids=[str(last.pk)])
    assert delivered(last) | {"note": 0} == {"returns": [], "scraps": [], "validated": [], "note": 0}
    assert where(lab, lab.a) == {vendors: -6.0, SCRAP[lab.series]: 1.0, "WH/Stock": 5.0}


def test_partial_decisions_add_up_and_the_held_unit_is_returned_later(lab):
    first = decide(lab, lab.a, released=4, scrapped=1)  # one unit held: waits at Input
    delivered(first)
    assert where(lab, lab.a) == {
        VENDOR_LOCATION[lab.series]: -6.0,
        SCRAP[lab.series]: 1.0,
        "WH/Stock": 4.0,
        "WH/Input": 1.0,
    }
    later = decide(lab, lab.a, returned=1)
    result = delivered(later)
    assert len(result["returns"]) == 1 and result["scraps"] == [] and result["validated"] == []
    assert where(lab, lab.a) == {VENDOR_LOCATION[lab.series]: -5.0, SCRAP[lab.series]: 1.0, "WH/Stock": 4.0}
    assert where(lab, lab.b) == {VENDOR_LOCATION[lab.series]: -2.0, "WH/Input": 2.0}  # undecided: untouched


def test_goods_moved_by_hand_are_never_forced(lab):
    """A person validated the QC transfer in Odoo first: LOT-B is in QC, the return needs it at Input."""
    link = {18: "group_id", 19: "reference_ids"}[lab.series]
    order = lab.gw.read("purchase.order", [lab.odoo["po"]], [link])[0]
    value = order[link]
    domain = [[link, "=", value[0]]] if lab.series == 18 else [[link, "in", value]]
    [qc] = lab.gw.search(
        "stock.picking",
        [*domain, ["picking_type_id", "=", one(lab.gw, "stock.picking.type", [["name", "=", "Quality Control"]])]],
    )
    assert lab.gw.call("stock.picking", "button_validate", [qc]) is True
    event = deliver(decide(lab, lab.b, returned=2))
    assert event.status == EventStatus.DEAD
    assert lab.b in event.last_error and "2 to return to the vendor, 0 in WH/Input" in event.last_error
    assert "2 in WH/Quality Control" in event.last_error
    assert where(lab, lab.b) == {VENDOR_LOCATION[lab.series]: -2.0, "WH/Quality Control": 2.0}


@pytest.mark.parametrize("steps", ["two_steps", "one_step"])
def test_two_steps_release_from_input_and_one_step_is_refused(sim, steps, request):
    sim.control("reset", reception_steps=steps)
    lab = request.getfixturevalue("lab")
    event = deliver(decide(lab, lab.a, released=6))
    if steps == "one_step":
        assert event.status == EventStatus.DEAD
        assert "reception in one step" in event.last_error and "Configure two or three steps" in event.last_error
        assert where(lab, lab.a)["WH/Stock"] == 6.0  # received straight into stock, left there
        return
    assert event.status == EventStatus.DONE, event.last_error
    assert where(lab, lab.a) == {VENDOR_LOCATION[lab.series]: -6.0, "WH/Stock": 6.0}
    scrapped = deliver(decide(lab, lab.b, scrapped=2))
    assert scrapped.status == EventStatus.DONE, scrapped.last_error
    assert where(lab, lab.b) == {VENDOR_LOCATION[lab.series]: -2.0, SCRAP[lab.series]: 2.0}


def test_the_reconciler_sees_held_goods_reach_stock_and_not_released_goods_used_later(lab):
    event = decide(lab, lab.a, released=4)
    delivered(event)
    assert dispositions_in_stock(lab.gw, [event]) == []
    # Released goods consumed or moved on from stock later are normal: no finding.
    [warehouse] = lab.gw.search_read("stock.warehouse", [["code", "=", "WH"]], ["lot_stock_id"])
    scrap = lab.gw.create(
        "stock.scrap",
        {
            "product_id": lab.odoo["products"]["LOT"],
            "lot_id": one(lab.gw, "stock.lot", [["name", "=", lab.a]]),
            "scrap_qty": 1,
            "location_id": warehouse["lot_stock_id"][0],
        },
    )
    assert lab.gw.call("stock.scrap", "action_validate", [scrap]) is True
    assert dispositions_in_stock(lab.gw, [event]) == []
    # A warehouse user pushes the 2 held units of the lot through QC and storage by hand.
    for _step in range(2):
        open_ = lab.gw.search_read(
            "stock.move.line",
            [["lot_id.name", "=", lab.a], ["state", "not in", ["done", "cancel"]]],
            ["picking_id"],
        )
        picking = open_[0]["picking_id"][0]
        answer = lab.gw.call("stock.picking", "button_validate", [picking])
        assert answer is True, answer
    [finding] = dispositions_in_stock(lab.gw, [event])
    assert finding.event_id == event.pk
    assert f"Lot {lab.a}: 5 in WH/Stock but only 4 released" in finding.message


def test_a_return_left_open_is_reported_then_reused(lab):
    from integrations.reconcilers.dispositions import dispositions_half_done

    event = decide(lab, lab.b, returned=2)
    receipt = lab.odoo["receipt"]
    context = {"active_id": receipt, "active_ids": [receipt], "active_model": "stock.picking"}
    wizard = lab.gw.create("stock.return.picking", {"picking_id": receipt}, context=context)
    [line] = lab.gw.search_read(
        "stock.return.picking.line",
        [["wizard_id", "=", wizard], ["product_id", "=", lab.odoo["products"]["LOT"]]],
        ["quantity"],
    )
    lab.gw.write("stock.return.picking.line", [line["id"]], {"quantity": 2})
    left = lab.gw.call("stock.return.picking", "action_create_returns", [wizard], context=context)["res_id"]
    [finding] = dispositions_half_done(lab.gw, [event])
    name = lab.gw.read("stock.picking", [left], ["name"])[0]["name"]
    assert f"return {name} created, not validated" in finding.message
    result = delivered(event)
    assert result["returns"] == [left]  # Odoo had reserved LOT-A on it: the lines now say LOT-B
    assert where(lab, lab.b) == {}
    assert where(lab, lab.a) == {VENDOR_LOCATION[lab.series]: -6.0, "WH/Input": 6.0}
    assert dispositions_half_done(lab.gw, [event]) == []
