"""The batch handler of po.acknowledged on the simulated Odoo 18 and 19: each PO's writes in sequence, the notes of
one PO's acknowledgements in one message; a batch that stops after a PO's writes fails that PO's event (its retry
finds its marker and writes nothing twice)."""

from __future__ import annotations

import pytest
from django.db import transaction

from integrations import topics
from integrations.handlers import BATCH_HANDLERS
from integrations.models import OutboxEvent
from integrations.odoo import OdooTransientError
from integrations.services.outbox import outbox_emit
from suppliers.models import PurchaseOrder
from suppliers.services.acknowledgements import LineAnswer, ack_submit

pytestmark = pytest.mark.django_db
BUSY = {"name": "psycopg2.errors.SerializationFailure", "message": "could not serialize access"}


@pytest.fixture(params=["18.0", "19.0"])
def odoo_series(request) -> str:
    return request.param


def _acks(synced, count=3):
    orders = [
        po for po in PurchaseOrder.objects.filter(tenant=synced.tenant, partner__odoo_id=11) if po.needs_acknowledgement
    ][:count]
    events = []
    for po in orders:
        answers = [LineAnswer(line_id=line.pk) for line in po.lines.all()]
        ack = ack_submit(membership=synced.supplier, po_id=po.pk, answers=answers, supplier_ref=f"NF-{po.pk}")
        events.append(OutboxEvent.objects.get(pk=ack.outbox_event_id))
    return _attempt(events)


def _attempt(events, attempts=1):
    for event in events:
        event.attempts = attempts
    return events


def _deliver(synced, events):
    assert synced.gw.uid  # logged in: the counts are the batch's own calls
    synced.sim.control("clear_stats")
    return BATCH_HANDLERS[topics.PO_ACKNOWLEDGED](synced.gw, events), synced.sim.control("stats")["calls"]


def _notes(synced, event):
    po_id = event.payload["po_odoo_id"]
    domain = [["model", "=", "purchase.order"], ["res_id", "=", po_id], ["body", "ilike", f"portal-event-{event.id}"]]
    return synced.gw.search("mail.message", domain)


def test_each_po_is_written_and_acknowledged_in_turn(synced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        events = _acks(synced)
    results, calls = _deliver(synced, events)
    ack = "purchase.order." + synced.gw.dialect.acknowledge_method
    assert calls == {"purchase.order.write": 3, ack: 3, "purchase.order.message_post": 3}
    for event in events:
        assert results[str(event.id)]["model"] == "mail.message" and _notes(synced, event) == [
            results[str(event.id)]["id"]
        ]
    [row] = synced.gw.read("purchase.order", [events[0].payload["po_odoo_id"]], ["partner_ref"])
    assert row["partner_ref"] == events[0].payload["supplier_ref"]


def test_two_acknowledgements_of_one_po_go_one_after_the_other(synced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        [first] = _acks(synced, 1)
        po = PurchaseOrder.objects.get(pk=first.aggregate_id)
        with transaction.atomic():
            payload = {**first.payload, "version": 2, "supplier_ref": f"NF-{po.pk}-2"}
            second = outbox_emit(tenant=synced.tenant, topic=topics.PO_ACKNOWLEDGED, aggregate=po, payload=payload)
    events = _attempt([first, second])
    results, calls = _deliver(synced, events)
    ack = "purchase.order." + synced.gw.dialect.acknowledge_method
    # Each with its own note: the second is written only once the first, note included, got through.
    assert calls == {"purchase.order.write": 2, ack: 2, "purchase.order.message_post": 2}
    assert results[str(first.id)]["id"] < results[str(second.id)]["id"]
    [row] = synced.gw.read("purchase.order", [po.odoo_id], ["partner_ref"])
    assert row["partner_ref"] == f"NF-{po.pk}-2"  # the versions in sequence


def test_a_busy_odoo_fails_the_po_it_met_and_leaves_the_rest_untried(synced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        events = _acks(synced)
    first, second, third = events
    ack = synced.gw.dialect.acknowledge_method
    synced.sim.control("refuse", model="purchase.order", method=ack, times=1, **BUSY)
    results, calls = _deliver(synced, events)
    assert calls == {"purchase.order.write": 1, f"purchase.order.{ack}": 1}
    assert isinstance(results[str(first.id)], OdooTransientError)
    assert str(second.id) not in results and str(third.id) not in results  # released, no attempt spent
    again, calls = _deliver(synced, [*_attempt([first], 2), second, third])
    assert all(again[str(event.id)]["model"] == "mail.message" for event in events)
    assert all(len(_notes(synced, event)) == 1 for event in events)
    assert calls["purchase.order.message_post"] == 3 and "mail.message.search_read" not in calls


def test_a_transient_failure_on_one_po_fails_the_written_ones_and_leaves_the_rest(
    synced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        events = _acks(synced)
    synced.sim.control("refuse", model="purchase.order", method="message_post", times=1, **BUSY)
    results, calls = _deliver(synced, events)
    # All three written and acknowledged; the first note met a busy Odoo: the batch stopped there, and every
    # written event fails as the batch did (each will be retried, none released as if never tried).
    assert all(isinstance(results[str(event.id)], OdooTransientError) for event in events)
    assert calls["purchase.order.message_post"] == 1
    again, calls = _deliver(synced, _attempt(events, 2))
    assert all(again[str(event.id)]["model"] == "mail.message" for event in events)
    assert all(len(_notes(synced, event)) == 1 for event in events)
    assert calls["purchase.order.message_post"] == 3 and calls["mail.message.search_read"] == 1
    done, calls = _deliver(synced, _attempt(events, 3))
    assert "purchase.order.message_post" not in calls
    assert all(done[str(e.id)] == {**again[str(e.id)], "already_there": True} for e in events)
