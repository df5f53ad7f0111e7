"""The batch handler of asn.submitted on the simulated Odoo 18 and 19: the ASNs of a batch share the read of their
POs' receipts (one read of the orders, one of their pickings); each reads its own moves, in turn."""

from __future__ import annotations

import datetime as dt

import pytest

from integrations import topics
from integrations.handlers import BATCH_HANDLERS
from integrations.odoo import OdooTransientError
from suppliers.models import PurchaseOrder
from suppliers.services.asn_drafts import asn_create, asn_update
from suppliers.services.asn_submission import asn_submit
from tests.suppliers.inputs import asn_header, asn_lines

pytestmark = pytest.mark.django_db
BUSY = {"name": "psycopg2.errors.SerializationFailure", "message": "could not serialize access"}


@pytest.fixture(params=["18.0", "19.0"])
def odoo_series(request) -> str:
    return request.param


def _shipments(synced, count=2):
    """``count`` ASNs of one PO's bracket line, each shipping its share under its own lot, submitted."""
    po = (
        PurchaseOrder.objects.filter(tenant=synced.tenant, state="purchase", lines__product__default_code="ALU-BRKT-7")
        .exclude(receipt_status="partial")
        .distinct()
        .first()
    )
    bracket = po.lines.get(product__default_code="ALU-BRKT-7")
    eta = dt.datetime.now(dt.UTC).replace(microsecond=0, second=0, minute=0) + dt.timedelta(days=3)
    header = {"ship_date": dt.date.today().isoformat(), "eta": eta.isoformat(), "carrier": "DHL"}
    share = bracket.quantity // count
    events = []
    for n in range(count):
        asn = asn_create(membership=synced.supplier, po_ids=[po.pk], header=asn_header(synced.supplier, header))
        items = [{"lot_name": f"LOT-{n}-7", "quantity": share}]
        lines = asn_lines([{"order_line": bracket.pk, "quantity": share, "items": items}])
        asn_update(membership=synced.supplier, asn_id=asn.pk, lines=lines)
        event = asn_submit(membership=synced.supplier, asn_id=asn.pk).outbox_event
        event.attempts = 1
        events.append(event)
    return events


def _deliver(synced, events):
    assert synced.gw.uid  # logged in: the counts are the batch's own calls
    synced.sim.control("clear_stats")
    return BATCH_HANDLERS[topics.ASN_SUBMITTED](synced.gw, events), synced.sim.control("stats")["calls"]


def test_the_asns_of_a_batch_read_their_receipts_once(synced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        events = _shipments(synced)
    results, calls = _deliver(synced, events)
    assert all(results[str(event.id)]["moves"] == 1 for event in events)
    assert calls["purchase.order.read"] == 1 and calls["stock.picking.read"] == 1
    assert calls["stock.move.read"] == 2  # each its own: the first ASN changed the move's lines
    assert calls["stock.picking.message_post"] == 2


def test_a_busy_odoo_at_the_shared_read_fails_every_asn(synced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        events = _shipments(synced)
    synced.sim.control("refuse", model="purchase.order", method="read", times=1, **BUSY)
    results, calls = _deliver(synced, events)
    assert all(isinstance(results[str(event.id)], OdooTransientError) for event in events)
    assert calls == {"purchase.order.read": 1}
