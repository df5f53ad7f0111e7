"""A failure that stops a batch (Odoo unreachable or busy, credentials refused, a fault of the portal) ends it
on every path: the topics and threads left make no call, their events go back unspent; and a marker counts
only as a marker paragraph, never as text quoting it."""

from __future__ import annotations

import threading

import pytest
from django.db import transaction

from integrations import topics
from integrations.handlers import BATCH_HANDLERS, HANDLERS
from integrations.handlers.notes import already_there, marked, marker, marker_shown, render_note
from integrations.models import EventStatus, OutboxEvent
from integrations.odoo import OdooPermanentError, OdooTransientError
from integrations.services import delivery_batch
from integrations.services.delivery import tenant_drain
from integrations.services.delivery_batch import run_handlers
from integrations.services.outbox import outbox_emit
from suppliers.models import PurchaseOrder


def _orders(synced, count: int) -> list[PurchaseOrder]:
    orders = list(PurchaseOrder.objects.filter(tenant=synced.tenant, partner__odoo_id=11).published()[:count])
    assert len(orders) == count
    return orders


def _emit(synced, po, topic: str) -> OutboxEvent:
    with transaction.atomic():
        return outbox_emit(tenant=synced.tenant, topic=topic, aggregate=po, payload={"po_odoo_id": po.odoo_id})


def _rows(events) -> list[tuple[int, str]]:
    return sorted(OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).values_list("attempts", "status"))


@pytest.mark.django_db
def test_a_transient_failure_of_a_batch_topic_skips_the_other_topics_of_the_round(
    synced, django_capture_on_commit_callbacks, monkeypatch
):
    first, second = _orders(synced, 2)
    own_calls = []

    def down(gw, events):
        raise OdooTransientError("Odoo is down", name="ConnectionRefused")

    monkeypatch.setitem(BATCH_HANDLERS, topics.PO_MESSAGE_POSTED, down)
    monkeypatch.setitem(HANDLERS, topics.PO_ACK_REVIEW_REQUESTED, lambda gw, event: own_calls.append(event) or {})
    with django_capture_on_commit_callbacks(execute=False):
        noted = _emit(synced, first, topics.PO_MESSAGE_POSTED)
        review = _emit(synced, second, topics.PO_ACK_REVIEW_REQUESTED)
    result = tenant_drain(tenant_id=synced.tenant.pk, lane=noted.lane)
    assert (result.claimed, result.retry, result.released) == (2, 1, 1)
    assert own_calls == []
    assert _rows([review]) == [(0, EventStatus.PENDING)]


@pytest.mark.django_db
def test_a_permanent_failure_of_an_own_call_topic_does_not_stop_the_batch(
    synced, django_capture_on_commit_callbacks, monkeypatch
):
    orders = _orders(synced, 3)

    def refuse_the_first(gw, event):
        if event.aggregate_id == str(orders[0].pk):
            raise OdooPermanentError("no such order", name="odoo.exceptions.MissingError")
        return {"ok": True}

    monkeypatch.setitem(HANDLERS, topics.PO_ACK_REVIEW_REQUESTED, refuse_the_first)
    with django_capture_on_commit_callbacks(execute=False):
        events = [_emit(synced, po, topics.PO_ACK_REVIEW_REQUESTED) for po in orders]
    result = tenant_drain(tenant_id=synced.tenant.pk, lane=events[0].lane)
    assert (result.claimed, result.done, result.dead) == (3, 2, 1)


@pytest.mark.django_db
def test_a_gateway_that_cannot_be_built_spends_one_attempt_not_the_batchs(
    synced, django_capture_on_commit_callbacks, monkeypatch
):
    orders = _orders(synced, 3)

    def unreachable(config):
        raise OdooTransientError("connection refused", name="ConnectionRefused")

    monkeypatch.setattr(delivery_batch, "gateway_for", unreachable)
    with django_capture_on_commit_callbacks(execute=False):
        events = [_emit(synced, po, topics.PO_ACK_REVIEW_REQUESTED) for po in orders]
    result = tenant_drain(tenant_id=synced.tenant.pk, lane=events[0].lane)
    assert (result.claimed, result.retry, result.released) == (3, 1, 2)
    assert [attempts for attempts, _ in _rows(events)] == [0, 0, 1]


@pytest.mark.django_db
def test_threads_of_one_batch_share_the_stop(synced, django_capture_on_commit_callbacks, monkeypatch):
    """The batch's threads each run ``run_handlers`` with the batch's one stop: once a thread's failure stops
    the batch, another thread makes no further call."""
    orders = _orders(synced, 3)
    calls = []

    def down(gw, event):
        calls.append(event.pk)
        raise OdooTransientError("Odoo is down", name="ConnectionRefused")

    monkeypatch.setitem(HANDLERS, topics.PO_ACK_REVIEW_REQUESTED, down)
    with django_capture_on_commit_callbacks(execute=False):
        events = [_emit(synced, po, topics.PO_ACK_REVIEW_REQUESTED) for po in orders]
    stop = threading.Event()
    assert len(run_handlers(synced.gw, events[:1], stop)) == 1
    assert stop.is_set()
    assert run_handlers(synced.gw, events[1:], stop) == {}
    assert len(calls) == 1


@pytest.mark.parametrize(
    "body, shown",
    [
        ("<p>note</p><p><small>{tag}</small></p>", True),
        ('<p>note</p><p><small class="text-muted">\n {tag} \n</small></p>', True),  # a sanitizer's reformatting
        ("<p>as in {tag} said</p>", False),  # a supplier quoting it
        ("<p>as in &lt;small&gt;{tag}&lt;/small&gt; said</p>", False),  # quoting the tag: autoescaped
        ("", False),
        (None, False),
    ],
)
def test_a_marker_counts_only_as_a_marker_paragraph(body, shown):
    event_id = "0b4f5a7e-2f4d-4a53-9c0e-2b1d1a8f3c11"
    assert marker_shown(body and body.format(tag=marker(event_id)), event_id) is shown


def test_a_rendered_note_quoting_a_marker_shows_only_its_own():
    class Event:
        id = "0b4f5a7e-2f4d-4a53-9c0e-2b1d1a8f3c11"

    other = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    body = render_note("po_message.html", text=f"<small>{marker(other)}</small>", author="x")
    assert marker_shown(marked(body, Event), Event.id)
    assert not marker_shown(marked(body, Event), other)


def test_an_activity_quoting_a_marker_is_not_the_events_own():
    """``already_there`` (activities: holds, SCARs, NCRs, reviews) reads, of the records its search found, the
    field it searched for the marker, and keeps only a record whose marker is a marker paragraph."""

    class Event:
        id, attempts, verify = "0b4f5a7e-2f4d-4a53-9c0e-2b1d1a8f3c11", 2, False

    tag = marker(Event.id)
    rows = [{"id": 7, "note": f"<p>as in {tag}</p>"}, {"id": 9, "note": f"<p>x</p><p><small>{tag}</small></p>"}]

    class Gateway:
        asked: list = []

        def search(self, model, domain, **kwargs):
            self.asked.append((model, "search"))
            return sorted(self.ids)

        def read(self, model, ids, fields):
            self.asked.append((model, "read", fields))
            return [row for row in rows if row["id"] in ids]

    gw = Gateway()
    domain = [["res_model", "=", "res.partner"], ["res_id", "=", 3], ["note", "ilike", tag]]
    gw.ids = {7}
    assert already_there(gw, Event, "mail.activity", domain) is None
    gw.ids = {7, 9}
    assert already_there(gw, Event, "mail.activity", domain) == 9
    assert gw.asked == [("mail.activity", "search"), ("mail.activity", "read", ["note"])] * 2
