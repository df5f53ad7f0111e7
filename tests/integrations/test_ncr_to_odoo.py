"""ncr.dispositioned against the simulated Odoo 18 (/jsonrpc) and 19 (JSON-2), through the real delivery path:
the notes on the receipt and the PO, the buyer's activity for a return, the warehouse's for a rework, each
once however often the event is delivered; a PO gone from Odoo fails before anything is posted.

The events carry the agreed payload (quality.services.ncr_dispositions emits it); here they are emitted
by hand on an NCR row, so that each handler case is exact. The end-to-end case, from the NCR service to
the lot's stock, is at the end.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import transaction

from integrations import topics
from integrations.models import EventStatus, OutboxEvent
from integrations.odoo import OdooGateway
from integrations.services.delivery import event_deliver
from integrations.services.exceptions import outbox_replay
from integrations.services.outbox import outbox_emit
from portal.models import Role
from quality.models import Ncr, NcrDisposition
from quality.services.ncr_dispositions import ncr_disposition_approve, ncr_disposition_propose
from quality.services.ncrs import ncr_open
from tests.contract.conftest import new_confirmed_po, one
from tests.factories import PartnerFactory, member
from tests.factories.portal import PASSWORD, odoo_tenant
from tests.factories.suppliers import ProductFactory
from tests.integrations.test_dispositions_to_odoo import _mirror, _receive, where

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["18.0", "19.0"])
def sim(request):
    """The simulated Odoo of each series, reset to the seeded lab before and after."""
    process = request.getfixturevalue("odoo_sim18" if request.param == "18.0" else "odoo_sim")
    process.control("reset")
    yield process
    process.control("reset")


@pytest.fixture
def lab(sim):
    """A confirmed PO of Wood Corner with its receipt, bought by the admin (not the integration user)."""
    tenant = odoo_tenant(sim, f"n{uuid.uuid4().hex[:6]}", transport="auto")  # JSON-2 on 19, /jsonrpc on 18
    gw = OdooGateway(tenant.odoo_config())
    admin = OdooGateway(sim.config(transport="jsonrpc", login="admin", api_key="sim-api-key-admin"))
    buyer = one(gw, "res.users", [["login", "=", "admin"]])
    po = new_confirmed_po(gw, [("LAB-LOT-001", 8)], ref="NCR")
    gw.write("purchase.order", [po], {"user_id": buyer})
    order = gw.read("purchase.order", [po], ["name", "picking_ids"])[0]
    [receipt] = order["picking_ids"]
    partner = PartnerFactory(tenant=tenant, name="Wood Corner")
    product = ProductFactory(tenant=tenant, name="Lab lot product")
    ncr = Ncr.objects.create(
        tenant=tenant, number="NCR-00007", source=Ncr.Source.INSPECTION, partner=partner, product=product, title="x"
    )
    return SimpleNamespace(
        tenant=tenant,
        gw=gw,
        admin=admin,
        buyer=buyer,
        po=po,
        po_name=order["name"],
        receipt=receipt,
        receipt_name=gw.read("stock.picking", [receipt], ["name"])[0]["name"],
        ncr=ncr,
    )


def payload(lab, kind: str, **changes) -> dict:
    """The agreed ncr.dispositioned payload for ``lab``'s PO and receipt."""
    disposition = {
        "id": 41,
        "kind": kind,
        "kind_label": {"return": "Return to vendor", "rework": "Rework", "use_as_is": "Use as is (concession)"}[kind],
        "lot_name": "LOT-N7",
        "quantity": 12.5,
        "uom": "Units",
        "instructions": "Deburr the <edge> & re-measure hole 3" if kind == "rework" else "",
        "concession_until": "2027-03-31" if kind == "use_as_is" else None,
        "proposed_by": "Quinn Engineer",
        "approved_by": "Bea Approver",
        **changes.pop("disposition", {}),
    }
    return {
        "ncr_id": lab.ncr.pk,
        "ncr_number": "NCR-00007",
        "title": "Burr on <b>flange</b>",
        "severity": "critical",
        "partner": "Wood Corner",
        "product": "[LAB-LOT-001] Lab lot product",
        "defect_codes": ["BURR-01", "DIM-02"],
        "receipt_odoo_id": lab.receipt,
        "receipt_name": lab.receipt_name,
        "po_odoo_id": lab.po,
        "po_name": lab.po_name,
        "disposition": disposition,
        **changes,
    }


def emit(lab, kind: str, **changes) -> OutboxEvent:
    with transaction.atomic():
        return outbox_emit(
            tenant=lab.tenant, topic=topics.NCR_DISPOSITIONED, aggregate=lab.ncr, payload=payload(lab, kind, **changes)
        )


def deliver(event: OutboxEvent) -> OutboxEvent:
    assert event_deliver(event_id=str(event.pk)) in ("done", "dead")
    event.refresh_from_db()
    return event


def delivered(event: OutboxEvent) -> dict:
    event = deliver(event)
    assert event.status == EventStatus.DONE, event.last_error
    return event.odoo_result


def again(event: OutboxEvent) -> dict:
    """The same event delivered again (its acknowledgement lost), then replayed with verify."""
    OutboxEvent.objects.filter(pk=event.pk).update(status=EventStatus.PENDING, leased_until=None)
    first = delivered(event)
    OutboxEvent.objects.filter(pk=event.pk).update(status=EventStatus.DEAD)
    assert outbox_replay(actor=None, event_ids=[str(event.pk)]) == 1
    assert delivered(event) == first
    return first


def notes(lab, model: str, res_id: int, event) -> list[dict]:
    domain = [["model", "=", model], ["res_id", "=", res_id], ["body", "ilike", f"portal-event-{event.pk}"]]
    return lab.gw.search_read("mail.message", domain, ["body", "subtype_id"])


def activities(lab, model: str, res_id: int) -> list[dict]:
    fields = ["res_model", "res_model_id", "res_id", "activity_type_id", "summary", "note", "user_id"]
    return lab.gw.search_read("mail.activity", [["res_model", "=", model], ["res_id", "=", res_id]], fields)


def model_id(lab, model: str) -> int:
    """ir.model's id, read as the admin: the integration user may not (flow 5 calls 14-15)."""
    return one(lab.admin, "ir.model", [["model", "=", model]])


def test_a_return_notes_receipt_and_po_and_gives_the_buyer_one_activity(lab):
    event = emit(lab, "return")
    result = delivered(event)
    assert result["missing"] == [] and result["already_there"] == []
    for model, res_id in (("stock.picking", lab.receipt), ("purchase.order", lab.po)):
        [note] = notes(lab, model, res_id, event)
        assert result["notes"][model] == note["id"] and note["subtype_id"][1] == "Note"
        body = note["body"]
        assert (
            "NCR-00007: Return to vendor</b> of 12.5 Units of lot \u2068LOT-N7\u2069" in body
        )  # names in bidi isolates
        assert "BURR-01, DIM-02" in body and "severity critical" in body
        assert "Proposed by \u2068Quinn Engineer\u2069; approved in material review by \u2068Bea Approver\u2069" in body
        assert "Burr on &lt;b&gt;flange&lt;/b&gt;" in body  # the portal's text stays text
    [activity] = activities(lab, "purchase.order", lab.po)
    assert result["activity"] == {
        "model": "purchase.order",
        "res_id": lab.po,
        "id": activity["id"],
        "already_there": False,
    }
    assert activity["res_model_id"][0] == model_id(lab, "purchase.order")
    assert activity["user_id"][0] == lab.buyer and activity["activity_type_id"][1] == "To-Do"
    assert activity["summary"] == "NCR-00007: 12.5 Units of lot LOT-N7 goes back to Wood Corner"
    assert f"from receipt {lab.receipt_name}" in activity["note"] and f"portal-event-{event.pk}" in activity["note"]
    assert "made from quality's decision on the lot" in activity["note"]  # the payload does not say
    assert activities(lab, "stock.picking", lab.receipt) == []

    # Redelivered after success, then replayed: the same notes and activity, found by the marker.
    second = again(event)
    assert second["notes"] == result["notes"]
    assert sorted(second["already_there"]) == ["purchase.order", "stock.picking"]
    assert second["activity"] == {**result["activity"], "already_there": True}
    assert len(notes(lab, "purchase.order", lab.po, event)) == 1
    assert len(notes(lab, "stock.picking", lab.receipt, event)) == 1
    assert len(activities(lab, "purchase.order", lab.po)) == 1


def test_a_rework_gives_the_warehouse_the_instructions_on_the_receipt(lab):
    event = emit(lab, "rework", disposition={"approved_by": None})
    result = delivered(event)
    [activity] = activities(lab, "stock.picking", lab.receipt)
    assert result["activity"]["id"] == activity["id"] and result["activity"]["model"] == "stock.picking"
    assert activity["res_model_id"][0] == model_id(lab, "stock.picking")
    assert activity["user_id"][0] == lab.gw.uid  # the warehouse's, as stock.hold_breached's
    assert activity["summary"] == "NCR-00007: rework 12.5 Units of lot LOT-N7"
    assert "Instructions: \u2068Deburr the &lt;edge&gt; &amp; re-measure hole 3\u2069" in activity["note"]
    assert activities(lab, "purchase.order", lab.po) == []
    [note] = notes(lab, "purchase.order", lab.po, event)
    assert "applied without a review" in note["body"]
    assert again(event)["activity"]["already_there"] is True
    assert len(activities(lab, "stock.picking", lab.receipt)) == 1


def test_a_concession_is_noted_with_its_expiry_and_asks_nobody_for_anything(lab):
    event = emit(lab, "use_as_is")
    result = delivered(event)
    assert result["activity"] is None
    [note] = notes(lab, "stock.picking", lab.receipt, event)
    assert "Use as is (concession)</b>" in note["body"] and "Concession valid until 31 Mar 2027" in note["body"]
    assert activities(lab, "stock.picking", lab.receipt) == activities(lab, "purchase.order", lab.po) == []


def test_without_a_po_the_receipt_is_noted_and_the_result_says_what_was_left_out(lab):
    event = emit(lab, "return", po_odoo_id=None, po_name="", disposition={"stock_moved": False})
    result = delivered(event)
    assert result["missing"] == ["purchase.order"] and list(result["notes"]) == ["stock.picking"]
    assert len(notes(lab, "stock.picking", lab.receipt, event)) == 1
    assert notes(lab, "purchase.order", lab.po, event) == []
    # The return's activity falls back to the receipt, for the integration user (no PO, no buyer).
    [activity] = activities(lab, "stock.picking", lab.receipt)
    assert activity["user_id"][0] == lab.gw.uid
    assert "The portal moved no stock for this (the lot was no longer held)" in activity["note"]


def test_a_po_gone_from_odoo_fails_before_anything_is_posted(lab):
    event = deliver(emit(lab, "return", po_odoo_id=990_001, po_name="P09999"))
    assert event.status == EventStatus.DEAD
    assert "Purchase order P09999 (purchase.order 990001) no longer exists in Odoo" in event.last_error
    assert notes(lab, "stock.picking", lab.receipt, event) == []
    assert activities(lab, "stock.picking", lab.receipt) == []


def test_a_payload_naming_no_receipt_nor_po_is_refused(lab):
    event = deliver(emit(lab, "use_as_is", receipt_odoo_id=None, po_odoo_id=None))
    assert event.status == EventStatus.DEAD
    assert "NCR-00007 names neither a receipt nor a PO in Odoo" in event.last_error


def test_an_approved_return_of_a_held_lot_reaches_odoo_stock_notes_and_buyer_once(sim):
    """End to end: the NCR services (a critical NCR, so a material review) -> inspection.disposed and
    ncr.dispositioned delivered -> the lot back at the vendor, the notes, the buyer's activity."""
    tenant = odoo_tenant(sim, f"e{uuid.uuid4().hex[:6]}", transport="auto")
    gw = OdooGateway(tenant.odoo_config())
    suffix = uuid.uuid4().hex[:6]
    lot_a, lot_b = f"LOT-A-{suffix}", f"LOT-B-{suffix}"
    odoo = _receive(gw, lot_a, lot_b)
    buyer = one(gw, "res.users", [["login", "=", "admin"]])
    gw.write("purchase.order", [odoo["po"]], {"user_id": buyer})
    inspection = _mirror(tenant, odoo, lot_a, lot_b)[lot_b]  # signed, nothing decided: all 2 held
    engineer, reviewer = member(tenant, Role.QUALITY_ENGINEER), member(tenant, Role.QUALITY_ENGINEER)
    ncr = ncr_open(
        membership=engineer,
        partner=inspection.partner,
        product=inspection.product,
        source=Ncr.Source.INSPECTION,
        title="Cracked housings",
        severity="critical",
        lots=[{"lot_name": lot_b, "affected": Decimal(2), "suspect": Decimal(0), "inspection": inspection}],
        inspection=inspection,
        receipt=inspection.receipt,
    )
    proposed = ncr_disposition_propose(
        membership=engineer, ncr=ncr, lot=ncr.lots.get(), kind="return", quantity=Decimal(2)
    )
    assert proposed.status == NcrDisposition.Status.AWAITING_APPROVAL and OutboxEvent.objects.count() == 0
    applied = ncr_disposition_approve(membership=reviewer, disposition=proposed, password=PASSWORD)
    stock_event = OutboxEvent.objects.get(pk=applied.stock.outbox_event_id, topic=topics.INSPECTION_DISPOSED)
    ncr_event = OutboxEvent.objects.get(pk=applied.outbox_event_id, topic=topics.NCR_DISPOSITIONED)

    stock = delivered(stock_event)
    summary = delivered(ncr_event)
    assert len(stock["returns"]) == 1 and summary["missing"] == [] and summary["activity"]["model"] == "purchase.order"
    assert where(SimpleNamespace(gw=gw, odoo=odoo), lot_b) == {}  # back at the vendor: its vendor quant is 0
    reviewer_name = reviewer.user.get_full_name() or reviewer.user.email
    for model, res_id in (("stock.picking", odoo["receipt"]), ("purchase.order", odoo["po"])):
        domain = [["model", "=", model], ["res_id", "=", res_id], ["body", "ilike", f"portal-event-{ncr_event.pk}"]]
        [note] = gw.search_read("mail.message", domain, ["body"])
        assert f"{ncr.number}: Return to vendor</b> of 2" in note["body"] and f"lot \u2068{lot_b}\u2069" in note["body"]
        assert f"approved in material review by \u2068{reviewer_name}\u2069" in note["body"]
    domain = [["res_model", "=", "purchase.order"], ["res_id", "=", odoo["po"]], ["note", "ilike", str(ncr_event.pk)]]
    [activity] = gw.search_read("mail.activity", domain, ["user_id", "summary", "note"])
    assert activity["user_id"][0] == buyer and activity["summary"].startswith(f"{ncr.number}: 2 ")
    assert "The portal returned the held goods from the receipt" in activity["note"]

    # Both events again, after success: no second return, note or activity.
    assert again(stock_event)["returns"] == []
    assert again(ncr_event)["activity"]["already_there"] is True
    assert where(SimpleNamespace(gw=gw, odoo=odoo), lot_b) == {}
    assert len(gw.search_read("mail.activity", domain, ["id"])) == 1
    marker_domain = [["body", "ilike", f"portal-event-{ncr_event.pk}"]]
    assert len(gw.search_read("mail.message", marker_domain, ["id"])) == 2
