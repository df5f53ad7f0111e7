"""The outbox engine against the simulated Odoo (Celery eager here; real worker tests live beside)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import EventStatus, OutboxEvent, TenantSyncState
from integrations.odoo import OdooGateway
from integrations.services.delivery import backoff_seconds, event_deliver, outbox_sweep
from integrations.services.exceptions import outbox_cancel, outbox_replay
from integrations.services.pull import tenant_pull
from portal.models import AuditEntry
from suppliers.models import PurchaseOrder
from suppliers.services.po_messages import po_message_post

pytestmark = pytest.mark.django_db


def _post(synced, body="Shipping Friday", po=None):
    return po_message_post(membership=synced.supplier, po_id=(po or synced.po).pk, body=body).outbox_event


def _chatter(synced, event, po_odoo_id=None):
    return synced.gw.search(
        "mail.message",
        [
            ["model", "=", "purchase.order"],
            ["res_id", "=", po_odoo_id or synced.po.odoo_id],
            ["body", "ilike", f"portal-event-{event.id}"],
        ],
    )


def test_message_reaches_the_chatter_once_even_when_redelivered(
    synced, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = _post(synced)
    event.refresh_from_db()
    assert event.status == EventStatus.DONE and event.attempts == 1 and event.odoo_result["model"] == "mail.message"
    assert len(_chatter(synced, event)) == 1
    assert event_deliver(event_id=str(event.id)) == "skipped"  # a done event is not claimed again
    OutboxEvent.objects.filter(pk=event.pk).update(status=EventStatus.PENDING)  # as if redelivered after a crash
    assert event_deliver(event_id=str(event.id)) == "done"
    event.refresh_from_db()
    assert event.odoo_result["already_there"] is True and len(_chatter(synced, event)) == 1


def test_odoo_down_means_retry_later_with_backoff(synced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        event = _post(synced)
    synced.sim.control("set", down=True)
    try:
        assert event_deliver(event_id=str(event.id)) == "retry"
    finally:
        synced.sim.control("set", down=False)
    event.refresh_from_db()
    assert (
        event.status == EventStatus.PENDING and event.attempts == 1 and event.last_error_class.startswith("transient")
    )
    assert event.next_attempt_at > timezone.now() - timedelta(seconds=1)
    OutboxEvent.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now())
    assert event_deliver(event_id=str(event.id)) == "done"
    assert len(_chatter(synced, event)) == 1


def test_permanent_error_goes_to_the_exception_queue_and_replay_after_the_fix(
    synced, django_capture_on_commit_callbacks, celery_eager
):
    admin_gw = OdooGateway(synced.sim.config(transport="jsonrpc", login="admin", password="admin"))
    doomed = admin_gw.create("purchase.order", {"partner_id": 11, "partner_ref": "TO-DELETE"})
    admin_gw.call("purchase.order", "button_confirm", [doomed])
    tenant_pull(tenant=synced.tenant)
    po = PurchaseOrder.objects.get(tenant=synced.tenant, odoo_id=doomed)
    admin_gw.call("purchase.order", "button_cancel", [doomed])
    admin_gw.unlink("purchase.order", [doomed])
    with django_capture_on_commit_callbacks(execute=True):
        event = _post(synced, po=po)
    event.refresh_from_db()
    assert event.status == EventStatus.DEAD and event.attempts == 1
    assert event.last_error_class == "permanent:odoo.exceptions.MissingError"
    assert "Record does not exist or has been deleted." in event.last_error
    fixed = {**event.payload, "po_odoo_id": synced.po.odoo_id}
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_replay(actor=synced.admin, event_ids=[event.id], payload=fixed) == 1
    event.refresh_from_db()
    assert event.status == EventStatus.DONE and len(_chatter(synced, event)) == 1
    assert AuditEntry.objects.filter(action="outbox.replayed", object_id=str(event.id)).exists()


def test_one_aggregate_is_delivered_in_sequence(synced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first, second = _post(synced, "first"), _post(synced, "second")
    assert (first.sequence, second.sequence) == (second.sequence - 1, second.sequence)
    assert event_deliver(event_id=str(second.id)) == "skipped"  # waits for the first
    assert event_deliver(event_id=str(first.id)) == "done"
    assert event_deliver(event_id=str(second.id)) == "done"
    assert _chatter(synced, first)[0] < _chatter(synced, second)[0]


def test_breaker_opens_without_spending_attempts_and_closes_after_a_probe(
    synced, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_BREAKER_THRESHOLD = 2
    pos = list(PurchaseOrder.objects.filter(tenant=synced.tenant, partner__odoo_id=11).published()[:3])
    assert len(pos) == 3
    with django_capture_on_commit_callbacks(execute=False):
        events = [_post(synced, f"m{i}", po=po) for i, po in enumerate(pos)]
    synced.sim.control("set", down=True)
    try:
        assert [event_deliver(event_id=str(e.id)) for e in events[:2]] == ["retry", "retry"]
        state = TenantSyncState.objects.get(tenant=synced.tenant)
        assert state.open_until is not None and state.opened_count == 1
        assert event_deliver(event_id=str(events[2].id)) == "skipped"
        events[2].refresh_from_db()
        assert events[2].attempts == 0 and events[2].next_attempt_at >= state.open_until - timedelta(seconds=1)
    finally:
        synced.sim.control("set", down=False)
    past = timezone.now() - timedelta(seconds=1)
    TenantSyncState.objects.filter(tenant=synced.tenant).update(open_until=past)
    OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(next_attempt_at=past)
    assert event_deliver(event_id=str(events[2].id)) == "done"  # the probe gets through
    state = TenantSyncState.objects.get(tenant=synced.tenant)
    assert state.open_until is None and state.consecutive_failures == 0


def test_sweeper_delivers_lost_messages_and_orphans(synced, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the broker message is never sent
        lost = _post(synced, "lost")
    orphan = _post(
        synced, "orphan", po=PurchaseOrder.objects.filter(tenant=synced.tenant, partner__odoo_id=11).published().last()
    )
    OutboxEvent.objects.filter(pk=orphan.pk).update(
        status=EventStatus.IN_FLIGHT, attempts=1, leased_until=timezone.now() - timedelta(seconds=1)
    )
    # The orphan goes at once; the lost message's event counts as queued until its mark passes.
    assert outbox_sweep() == 1
    OutboxEvent.objects.filter(pk=lost.pk).update(leased_until=timezone.now() - timedelta(seconds=1))
    assert outbox_sweep() == 1
    assert set(OutboxEvent.objects.filter(pk__in=[lost.pk, orphan.pk]).values_list("status", flat=True)) == {"done"}
    assert outbox_sweep() == 0


def test_cancel_needs_a_reason_and_lets_the_next_event_go(synced, django_capture_on_commit_callbacks):
    from django.core.exceptions import ValidationError

    from portal.services.errors import NotInScope

    with django_capture_on_commit_callbacks(execute=False):
        first, second = _post(synced, "first"), _post(synced, "second")
    with pytest.raises(ValidationError):
        outbox_cancel(actor=synced.admin, event_ids=[first.id], reason=" ")
    with pytest.raises(NotInScope):
        outbox_cancel(actor=synced.supplier, event_ids=[first.id], reason="not mine")
    assert outbox_cancel(actor=synced.admin, event_ids=[first.id], reason="sent by phone") == 1
    assert event_deliver(event_id=str(second.id)) == "done"
    assert _chatter(synced, first) == []


def test_backoff_is_full_jitter_capped(settings):
    import random

    settings.PORTAL_OUTBOX_BACKOFF_BASE_SECONDS, settings.PORTAL_OUTBOX_BACKOFF_CAP_SECONDS = 2, 60
    rng = random.Random(1)
    waits = [backoff_seconds(n, rng=rng) for n in range(1, 12) for _ in range(50)]
    assert all(0 <= w <= 60 for w in waits) and max(waits) > 30
    assert max(backoff_seconds(1, rng=rng) for _ in range(100)) <= 2


def test_first_delivery_is_one_call_and_a_redelivery_looks_first(synced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        event = _post(synced, "one call")
    synced.sim.control("clear_stats")
    assert event_deliver(event_id=str(event.id)) == "done"
    calls = synced.sim.control("stats")["calls"]
    assert calls.get("purchase.order.message_post") == 1 and "mail.message.search" not in calls
    OutboxEvent.objects.filter(pk=event.pk).update(status=EventStatus.PENDING)  # a crash before "done" was saved
    synced.sim.control("clear_stats")
    assert event_deliver(event_id=str(event.id)) == "done"
    calls = synced.sim.control("stats")["calls"]
    assert calls.get("mail.message.search") == 1 and "purchase.order.message_post" not in calls
