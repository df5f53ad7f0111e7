"""Batch handlers of notes (po.message_posted, scar.noted) on the simulated Odoo 18 and 19: a batch's notes on one
record share one message_post, each followed by its marker in order; a refused shared post falls back to one post
per note, a transient one fails its notes and stops the batch; retries find their markers with one search_read."""

from __future__ import annotations

import pytest

from integrations import topics
from integrations.handlers import BATCH_HANDLERS, HANDLERS
from integrations.handlers.notes import isolated, marked, render_note
from integrations.models import OutboxEvent
from integrations.odoo import OdooPermanentError, OdooTransientError
from integrations.reconcilers.po_messages import po_messages_still_there
from suppliers.models import PurchaseOrder
from suppliers.services.po_messages import po_message_post

# The SCAR lab (Wood Corner with two SCARs, contact rights granted), on both series.
from tests.integrations.test_scar_to_odoo import another_scar, lab, noted, sim  # noqa: F401

pytestmark = pytest.mark.django_db
REFUSED = {"name": "odoo.exceptions.UserError", "message": "refused by the test"}
BUSY = {"name": "psycopg2.errors.SerializationFailure", "message": "could not serialize access"}


@pytest.fixture(params=["18.0", "19.0"])
def odoo_series(request) -> str:
    return request.param


def _messages(synced, count_a=3, count_b=2):
    """``count_a`` messages on the synced PO and ``count_b`` on another, interleaved as posted, as the engine
    hands them over: in (aggregate, sequence) order, this attempt counted."""
    other = PurchaseOrder.objects.filter(tenant=synced.tenant, partner__odoo_id=11).exclude(pk=synced.po.pk).first()
    posted = []
    for n in range(max(count_a, count_b)):
        for po, count in ((synced.po, count_a), (other, count_b)):
            if n < count:
                body = f"{po.odoo_id} note {n} <b>&</b>"
                posted.append(po_message_post(membership=synced.supplier, po_id=po.pk, body=body).outbox_event_id)
    events = OutboxEvent.objects.filter(pk__in=posted)
    return _attempt(sorted(events, key=lambda e: (e.aggregate_type, e.aggregate_id, e.sequence)))


def _attempt(events, attempts=1):
    for event in events:
        event.attempts = attempts
    return events


def _deliver(synced, events, topic=topics.PO_MESSAGE_POSTED):
    assert synced.gw.uid  # logged in: the counts are the batch's own calls
    synced.sim.control("clear_stats")
    return BATCH_HANDLERS[topic](synced.gw, events), synced.sim.control("stats")["calls"]


def _body(gw, message_id):
    [row] = gw.read("mail.message", [message_id], ["body"])
    return row["body"]


def _note(event):
    payload = event.payload
    author, text = isolated(payload["author"]), isolated(payload["body"])
    return marked(render_note("po_message.html", author=author, text=text, at=event.created_at), event)


def _grouped(events):
    """A group's body: how many, then each note and its marker, parted by a rule."""
    return render_note("grouped.html", count=len(events)) + "<hr/>".join(_note(event) for event in events)


def _by_po(events):
    groups = {}
    for event in events:
        groups.setdefault(event.payload["po_odoo_id"], []).append(event)
    return list(groups.values())


def test_the_notes_of_one_po_share_one_message_in_sequence_order(synced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        events = _messages(synced)
    results, calls = _deliver(synced, events)
    assert calls == {"purchase.order.message_post": 2}  # one per PO, no lookup on a first attempt
    for group in _by_po(events):
        shared = results[str(group[0].id)]["id"]
        assert all(results[str(event.id)] == {"model": "mail.message", "id": shared} for event in group)
        body = _body(synced.gw, results[str(group[0].id)]["id"])
        assert body == _grouped(group)  # each note, then its marker, in sequence
    assert po_messages_still_there(synced.gw, [_done(e, results) for e in events]) == []


def _done(event, results):
    event.odoo_result = results[str(event.id)]
    return event


def test_a_note_alone_is_exactly_the_one_event_note(synced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        [event] = _messages(synced, 1, 0)
    results, calls = _deliver(synced, [event])
    assert calls == {"purchase.order.message_post": 1}
    assert _body(synced.gw, results[str(event.id)]["id"]) == _note(event)
    assert HANDLERS[topics.PO_MESSAGE_POSTED](synced.gw, _attempt([event], 2)[0]) == {
        **results[str(event.id)],
        "already_there": True,
    }


def test_a_refused_shared_post_is_tried_one_note_at_a_time(synced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        events = _messages(synced)
    a, b = _by_po(events)
    synced.sim.control("refuse", model="purchase.order", method="message_post", times=2, **REFUSED)
    results, calls = _deliver(synced, events)
    # PO a: the shared post refused, then its first note alone refused: that event fails for good, the later
    # ones of its PO are left out (not attempted); PO b shares its post as usual.
    assert calls == {"purchase.order.message_post": 3}
    assert isinstance(results[str(a[0].id)], OdooPermanentError)
    assert all(str(event.id) not in results for event in a[1:])
    assert len({results[str(event.id)]["id"] for event in b}) == 1


def test_a_transient_failure_fails_its_notes_and_stops_the_batch(synced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        events = _messages(synced)
    a, b = _by_po(events)
    synced.sim.control("refuse", model="purchase.order", method="message_post", times=1, **BUSY)
    results, calls = _deliver(synced, events)
    assert calls == {"purchase.order.message_post": 1}
    assert all(isinstance(results[str(event.id)], OdooTransientError) for event in a)
    assert all(str(event.id) not in results for event in b)  # not attempted: released without an attempt spent


def test_a_retry_after_a_half_delivered_batch_posts_nothing_twice(synced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        events = _messages(synced)
    a, b = _by_po(events)
    first, _ = _deliver(synced, a)  # PO a's note reached Odoo; its answer was lost (the worker died)
    with django_capture_on_commit_callbacks(execute=False):
        late = _messages(synced, 1, 0)[-1:]  # one more on PO a, first attempt
    retry = _attempt(a, 2) + _attempt(late) + _attempt(b)
    results, calls = _deliver(synced, retry)
    # One lookup for the retried events' markers; one post for a's new note, one for b's: a's first three
    # are found in the shared message.
    assert calls == {"mail.message.search_read": 1, "purchase.order.message_post": 2}
    for event in a:
        assert results[str(event.id)] == {**first[str(event.id)], "already_there": True}
    assert results[str(late[0].id)]["id"] != first[str(a[0].id)]["id"]
    again, calls = _deliver(synced, _attempt(a + late + b, 3))
    assert calls == {"mail.message.search_read": 1}
    assert {k: v["id"] for k, v in again.items()} == {k: v["id"] for k, v in results.items()}


def test_a_bad_payload_fails_alone_and_holds_back_its_po_only(synced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        events = _messages(synced)
    a, _ = _by_po(events)
    a[1].payload = {"po_odoo_id": a[1].payload["po_odoo_id"]}
    results, calls = _deliver(synced, events)
    assert calls == {"purchase.order.message_post": 2}
    assert "incomplete" in str(results[str(a[1].id)]) and str(a[2].id) not in results
    assert _body(synced.gw, results[str(a[0].id)]["id"]) == _note(a[0])


def test_scar_notes_on_one_partner_share_a_message_and_a_refused_one_fails_alone(lab):  # noqa: F811
    second = another_scar(lab)
    events = _attempt([noted(lab, "issued"), noted(lab, "issued", second), noted(lab, "closed", second)])
    assert lab.gw.uid  # logged in: the counts are the batch's own calls
    lab.sim.control("clear_stats")
    results = BATCH_HANDLERS[topics.SCAR_NOTED](lab.gw, events)
    assert lab.sim.control("stats")["calls"] == {"res.partner.message_post": 1}
    assert len({results[str(event.id)]["id"] for event in events}) == 1
    # Refused shared post, then the first SCAR's note alone: it fails, the other SCAR's two are delivered.
    events = _attempt([noted(lab, "reopened"), noted(lab, "step_accepted", second), noted(lab, "closed", second)])
    lab.sim.control("refuse", model="res.partner", method="message_post", times=2, **REFUSED)
    lab.sim.control("clear_stats")
    results = BATCH_HANDLERS[topics.SCAR_NOTED](lab.gw, events)
    assert lab.sim.control("stats")["calls"] == {"res.partner.message_post": 4}
    assert isinstance(results[str(events[0].id)], OdooPermanentError)
    assert all(results[str(event.id)]["model"] == "mail.message" for event in events[1:])
