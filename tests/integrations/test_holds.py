"""The hold check (integrations.services.holds) against the simulated Odoo over HTTP (three-step
reception): a lot quality has not released waits in WH/Input, no drift; a warehouse user validates
the quality-control and storage transfers by hand and the lot is in WH/Stock: one HoldDrift with the
quantity and location, one ``stock.hold_breached`` event whose To-Do activity reaches the receipt
once, the metric and the monitor count it; another run files nothing twice; a release resolves it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from integrations import topics
from integrations.models import EventStatus, HoldDrift, OutboxEvent
from integrations.services.delivery import event_deliver
from integrations.services.holds import hold_drift_accept, holds_check
from integrations.services.pull import tenant_pull
from portal.models import AuditEntry
from portal.services.errors import NotInScope
from quality.models import Inspection
from quality.services.dispositions import disposition_release_skipped
from suppliers.models import Product, Receipt
from tests.conftest import login
from tests.factories import InspectionPlanFactory, InspectionPlanVersionFactory
from tests.quality.test_inspections_from_odoo import _validate

pytestmark = pytest.mark.django_db
LOT = "QA-LOT-7"


def _validate_next(gw, moves: list[int]) -> list[int]:
    """Validate, as a warehouse user would by hand, the transfers the moves lead to (move_dest_ids,
    reference flow 4); answers their moves."""
    dest = sorted({i for m in gw.read("stock.move", moves, ["move_dest_ids"]) for i in m["move_dest_ids"]})
    pickings = sorted({m["picking_id"][0] for m in gw.read("stock.move", dest, ["picking_id"])})
    for picking in pickings:
        action = gw.call("stock.picking", "button_validate", [picking])
        if isinstance(action, dict):
            wizard = gw.create("stock.backorder.confirmation", {}, context=action["context"])
            gw.call("stock.backorder.confirmation", "process", [wizard], context=action["context"])
        assert gw.read("stock.picking", [picking], ["state"])[0]["state"] == "done"
    return dest


@pytest.fixture
def received(synced, django_capture_on_commit_callbacks):
    """The demo PO's receipt validated in Odoo (its lot in WH/Input) and pulled: its lots wait for inspection."""
    gw, tenant = synced.gw, synced.tenant
    receipt = Receipt.objects.filter(tenant=tenant, state="assigned", order=synced.po).first()
    for product in Product.objects.filter(tenant=tenant, receiptmove__receipt=receipt).distinct():
        InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=product))
    expected = dict(_validate(gw, receipt.odoo_id, {}))
    with django_capture_on_commit_callbacks(execute=True):
        tenant_pull(tenant=tenant)
    inspection = Inspection.objects.get(receipt=receipt, lot_name=LOT)
    assert inspection.status == Inspection.Status.WAITING and inspection.lot_size == expected[LOT]
    return receipt, inspection


@pytest.mark.parametrize("odoo_series", ["18.0", "19.0"])
def test_held_lot_moved_to_stock_by_hand_is_drift_until_released(synced, received, client):
    gw, tenant = synced.gw, synced.tenant
    receipt, inspection = received

    # In WH/Input, waiting for quality: as it should be.
    run = holds_check(tenant=tenant)
    untracked = Inspection.objects.filter(receipt=receipt, lot_name="").count()  # not told apart from other stock
    assert (run.checked, run.unchecked, run.filed, run.open) == (1, untracked, 0, 0)
    assert not HoldDrift.objects.filter(tenant=tenant).exists()

    # The warehouse validates QC (WH/Input -> WH/Quality Control) and storage (-> WH/Stock) by hand.
    receipt_moves = gw.search("stock.move", [["picking_id", "=", receipt.odoo_id]])
    _validate_next(gw, _validate_next(gw, receipt_moves))

    run = holds_check(tenant=tenant)
    assert (run.filed, run.open) == (1, 1)
    drift = HoldDrift.objects.get(tenant=tenant, resolved_at__isnull=True)
    assert (drift.source, drift.record_id, drift.lot_name) == ("quality.inspection", str(inspection.pk), LOT)
    assert drift.found == {"WH/Stock": float(inspection.lot_size)}
    assert f"{inspection.lot_size.normalize():f} usable in Odoo" in drift.message
    event = OutboxEvent.objects.get(tenant=tenant, topic=topics.STOCK_HOLD_BREACHED)
    assert event.payload["receipt_odoo_id"] == receipt.odoo_id and event.payload["quantity"] == drift.found["WH/Stock"]

    # The warehouse's To-Do activity on the receipt, once, however often the event is delivered.
    assert event_deliver(event_id=str(event.id)) == "done"
    OutboxEvent.objects.filter(pk=event.pk).update(status=EventStatus.PENDING)  # as if redelivered after a crash
    assert event_deliver(event_id=str(event.id)) == "done"
    activities = gw.search_read(
        "mail.activity", [["res_model", "=", "stock.picking"], ["res_id", "=", receipt.odoo_id]], ["note", "summary"]
    )
    assert len(activities) == 1 and LOT in activities[0]["summary"]
    assert "WH/Stock" in activities[0]["note"] and "move it back and do not use it" in activities[0]["note"]
    drift.refresh_from_db()
    assert drift.activity_odoo_id == activities[0]["id"]

    # Seen at once: /metrics and the sync monitor.
    metrics = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert f'portal_hold_drift_open{{tenant="{tenant.slug}"}} 1.0' in metrics
    assert f'portal_lots_held_undecided{{tenant="{tenant.slug}"}}' in metrics
    login(client, synced.admin)
    page = client.get(reverse("sync_monitor", args=[tenant.slug])).content.decode()
    assert "Held stock found usable in Odoo" in page and f"Lot {LOT}" in page and "WH/Stock" in page
    assert "Lots held without a disposition" in page and "Inspections waiting to be synced" in page

    # Checked again: nothing filed twice.
    run = holds_check(tenant=tenant)
    assert (run.filed, run.open) == (0, 1)
    assert OutboxEvent.objects.filter(tenant=tenant, topic=topics.STOCK_HOLD_BREACHED).count() == 1

    # Quality releases the lot (a skip-lot release here): the stock may be usable now, the drift is resolved.
    with transaction.atomic():
        Inspection.objects.filter(pk=inspection.pk).update(status=Inspection.Status.SKIPPED)
        disposition_release_skipped(inspection=Inspection.objects.get(pk=inspection.pk))
    run = holds_check(tenant=tenant)
    assert (run.checked, run.resolved, run.open) == (0, 1, 0)
    drift.refresh_from_db()
    assert drift.resolved_at and drift.resolution == "No longer held: released."
    metrics = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert f'portal_hold_drift_open{{tenant="{tenant.slug}"}}' not in metrics


def test_a_tenant_admin_accepts_a_drift_and_it_is_not_filed_again(synced, received, client):
    gw, tenant = synced.gw, synced.tenant
    receipt, _inspection = received
    _validate_next(gw, _validate_next(gw, gw.search("stock.move", [["picking_id", "=", receipt.odoo_id]])))
    holds_check(tenant=tenant)
    drift = HoldDrift.objects.get(tenant=tenant, resolved_at__isnull=True)
    with pytest.raises(NotInScope):
        hold_drift_accept(membership=synced.supplier, drift_id=drift.pk, reason="fine")
    with pytest.raises(ValidationError) as caught:
        hold_drift_accept(membership=synced.admin, drift_id=drift.pk, reason=" ")
    assert "reason" in caught.value.message_dict
    # The exception queue lists it, and accepting it there is audited.
    login(client, synced.admin)
    queue = reverse("sync_exceptions", args=[tenant.slug])
    assert drift.message in client.get(queue).content.decode()
    answer = client.post(reverse("sync_hold_drift", args=[tenant.slug, drift.pk]), {"reason": "Released on paper"})
    assert answer.status_code == 302 and answer.url == queue
    accepted = HoldDrift.objects.get(pk=drift.pk)
    assert accepted.resolved_at and accepted.resolution.endswith("Released on paper")
    assert AuditEntry.objects.filter(tenant=tenant, action="hold_drift.accepted").count() == 1
    assert drift.message not in client.get(queue).content.decode()
    run = holds_check(tenant=tenant)
    assert (run.filed, run.open) == (0, 0)
    assert HoldDrift.objects.filter(tenant=tenant).count() == 1
    # The accept covers what was found then: more usable stock than that is drift again.
    with pytest.raises(ValidationError) as caught:
        hold_drift_accept(membership=synced.admin, drift_id=accepted.pk, reason="x" * 500)
    assert "at most" in caught.value.message_dict["reason"][0]
    half = {where: quantity / 2 for where, quantity in accepted.found.items()}
    HoldDrift.objects.filter(pk=accepted.pk).update(found=half)  # as if it had been accepted at half
    run = holds_check(tenant=tenant)
    assert (run.filed, run.open) == (1, 1)
