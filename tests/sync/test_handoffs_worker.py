"""Hand-offs on a real Celery worker: the pull it runs records them and runs the supplier's reactions
after commit; its sweeper runs a reaction whose run was lost. The worker knows the reactions the apps
registered in their ``ready()``, without the test process registering anything."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from integrations import handoffs
from integrations.models import Handoff, HandoffReaction, ReactionStatus
from integrations.odoo import OdooGateway
from integrations.services.pull import tenant_pull
from integrations.tasks import handoff_sweep_task, pull_tenant_task
from suppliers.models import PurchaseOrder, Receipt
from tests.factories import odoo_tenant

pytestmark = pytest.mark.worker


def _wait_done(reactions, *, timeout: float = 120) -> list[HandoffReaction]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = list(reactions.all())  # a fresh query each time (a QuerySet caches what it read)
        if rows and all(r.status == ReactionStatus.DONE for r in rows):
            return rows
        time.sleep(0.3)
    raise AssertionError(f"not done in {timeout} s: {[(r.reaction, r.status, r.last_error) for r in reactions.all()]}")


def test_the_worker_pulls_hands_off_and_reacts_and_its_sweeper_catches_up(odoo_sim, worker):
    odoo_sim.control("set", latency_ms=0, error_rate=0, down=False)
    admin = OdooGateway(odoo_sim.config(transport="jsonrpc", login="admin", password="admin"))
    [odoo_id] = admin.create("purchase.order", [{"partner_id": 11, "partner_ref": "HOF-1"}])
    admin.call("purchase.order", "button_confirm", [odoo_id])
    tenant = odoo_tenant(odoo_sim, f"hof{odoo_id}")
    tenant_pull(tenant=tenant, overlap_seconds=0)

    admin.call("purchase.order", "button_cancel", [odoo_id])
    pull_tenant_task.delay(tenant.pk)
    order = PurchaseOrder.objects.get(tenant=tenant, odoo_id=odoo_id)
    [reaction] = _wait_done(
        HandoffReaction.objects.filter(
            tenant=tenant, handoff__kind=handoffs.PO_CHANGED, handoff__aggregate_id=str(order.pk)
        )
    )
    assert reaction.reaction == "suppliers.ack_outdated" and reaction.attempts == 1
    assert Handoff.objects.get(pk=reaction.handoff_id).data["changes"]["state"] == ["purchase", "cancel"]

    # A receipt's hand-off committed by a worker that died before running it: the sweeper's turn.
    receipt = Receipt.objects.filter(tenant=tenant, state=Receipt.State.DONE).first()
    lost = Handoff.objects.create(
        tenant=tenant, kind=handoffs.RECEIPT_DONE, aggregate_type="suppliers.receipt", aggregate_id=str(receipt.pk)
    )
    HandoffReaction.objects.create(
        handoff=lost, tenant=tenant, reaction="suppliers.asn_received", next_attempt_at=timezone.now()
    )
    handoff_sweep_task.delay()
    [swept] = _wait_done(HandoffReaction.objects.filter(handoff=lost))
    assert swept.attempts == 1 and swept.last_error == ""
