"""Review of the batched delivery: a PO's acknowledgements go one after the other, and one event's bad data
never fails the other events of its batch."""

from __future__ import annotations

import threading
from types import SimpleNamespace as NS

import pytest

from integrations import handlers
from integrations.handlers import HandlerError, notes, shipments
from integrations.handlers import acknowledgements as acks
from integrations.odoo import OdooPermanentError
from integrations.services.delivery_batch import _topic_call


def _event(event_id, topic, aggregate_id, sequence, payload):
    return NS(
        id=event_id,
        pk=event_id,
        topic=topic,
        aggregate_type="suppliers.x",
        aggregate_id=aggregate_id,
        sequence=sequence,
        attempts=1,
        verify=False,
        payload=payload,
        payload_version=1,
        tenant_id=1,
    )


def test_a_later_acknowledgement_is_not_written_after_the_earlier_ones_note_was_refused(monkeypatch):
    first, second = (_event(f"e{i}", "po.acknowledged", "7", i, {"po_odoo_id": 7}) for i in (1, 2))
    writes = []
    monkeypatch.setattr(acks, "_odoo_record", lambda gw, event, qtys: writes.append(event.id) or {})
    monkeypatch.setattr(acks, "_note_draft", lambda gw, event, qtys: notes.NoteDraft(event, "purchase.order", 7, "b"))

    def post(gw, group):
        if any(draft.event.id == "e1" for draft in group):
            raise OdooPermanentError("refused", name="odoo.exceptions.AccessError")
        return 99

    monkeypatch.setattr(notes, "_post", post)
    results = acks.po_acknowledgements(NS(), [first, second])
    assert writes == ["e1"]  # the second version never reached Odoo
    assert isinstance(results["e1"], OdooPermanentError)
    assert "e2" not in results  # not attempted: released without spending its attempt


def test_an_asn_without_its_po_fails_alone_and_the_others_are_delivered(monkeypatch):
    good = _event("good", "asn.submitted", "1", 1, {"lines": [{"po_odoo_id": 5, "qty": 1}]})
    bad = _event("bad", "asn.submitted", "2", 1, {"lines": [{"qty": 1}]})
    monkeypatch.setattr(shipments, "_open_receipts", lambda gw, ids: {})
    monkeypatch.setattr(shipments, "_submitted_one", lambda gw, event, receipts: {"ok": True})
    stop = threading.Event()
    answers = _topic_call(NS(), "asn.submitted", [good, bad], stop)
    assert answers["good"] == {"ok": True}
    assert isinstance(answers["bad"], HandlerError)
    assert not stop.is_set()


@pytest.fixture
def fragile_topic(monkeypatch):
    """A batch handler that breaks (a portal fault) on any batch holding the event "broken"."""

    def batch(gw, events):
        if any(event.id == "broken" for event in events):
            raise KeyError("po_odoo_id")
        return {str(event.id): {"ok": event.id} for event in events}

    monkeypatch.setitem(handlers.BATCH_HANDLERS, "test.fragile", batch)
    monkeypatch.setitem(handlers.HANDLERS, "test.fragile", handlers.batches.one_of(batch))


def test_a_batch_handler_that_breaks_is_retried_one_event_at_a_time(fragile_topic):
    events = [_event(name, "test.fragile", name, 1, {}) for name in ("a", "b", "broken", "c")]
    answers = _topic_call(NS(), "test.fragile", events, threading.Event())
    assert answers["a"] == {"ok": "a"} and answers["b"] == {"ok": "b"}
    assert isinstance(answers["broken"], KeyError)  # the portal's fault: retried later, the batch stopped
    assert "c" not in answers  # released without spending its attempt, not failed with the broken one
