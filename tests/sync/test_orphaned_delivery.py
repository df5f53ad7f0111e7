"""An event whose worker dies is sent again within its short lease; a slow delivery keeps its lease (heartbeat).

Real Celery workers on the configured broker (the embedded one locally, Redis in CI), killed with SIGKILL.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from integrations.models import EventStatus, OutboxEvent
from integrations.services.delivery import WORKER_LOST, event_deliver, outbox_sweep
from integrations.worker_process import Worker, purge_queues

from .conftest import FAST
from .test_delivery_worker import (  # noqa: F401 - shop is a fixture
    assert_exactly_once_in_order,
    odoo_messages,
    produce,
    shop,
    wait_all_done,
)

LEASE = 2.0  # seconds; shorter than one call to the slowed simulated Odoo below
SLOW_ODOO_MS = 3000


@pytest.fixture
def short_lease(fast_settings):
    fast_settings.PORTAL_OUTBOX_LEASE_SECONDS = LEASE
    return fast_settings


@pytest.fixture
def lease_worker(transactional_db, short_lease):
    purge_queues()
    worker = Worker(env={**FAST, "PORTAL_OUTBOX_LEASE_SECONDS": str(LEASE)}).start()
    yield worker
    worker.stop()
    purge_queues()


def wait_for(condition, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


@pytest.mark.worker
def test_an_event_whose_worker_was_killed_is_claimable_within_its_lease_and_sent_once(shop, lease_worker):  # noqa: F811
    shop.sim.control("set", latency_ms=SLOW_ODOO_MS)
    [event] = produce(shop, 1)
    claimed = wait_for(lambda: OutboxEvent.objects.filter(pk=event.pk, status=EventStatus.IN_FLIGHT).first(), "claimed")
    lease_worker.kill()  # SIGKILL, mid-call to Odoo
    killed_at = timezone.now()
    last = OutboxEvent.objects.get(pk=event.pk)
    # No heartbeat renews it any more: its lease ends no later than one lease after the kill ...
    assert last.status == EventStatus.IN_FLIGHT and last.attempts == claimed.attempts == 1
    assert last.leased_until <= killed_at + timedelta(seconds=LEASE)
    # ... and nothing before that takes it from the dead worker.
    assert outbox_sweep() == 0
    wait_for(lambda: OutboxEvent.objects.get(pk=event.pk).leased_until < timezone.now(), "lease over", LEASE * 3)
    shop.sim.control("set", latency_ms=0)
    lease_worker.start()
    wait_all_done([event])
    event.refresh_from_db()
    assert event.attempts == 2
    assert_exactly_once_in_order(shop, [event])  # the killed attempt's post, if it landed, is found, not doubled


@pytest.mark.worker
def test_a_delivery_slower_than_its_lease_keeps_it_and_is_not_sent_twice(shop, lease_worker):  # noqa: F811
    shop.sim.control("set", latency_ms=SLOW_ODOO_MS)
    # One event, two pool processes: the idle one would take the event as soon as its lease ran out.
    events = produce(shop, 1)
    ids = [e.pk for e in events]
    try:
        wait_for(lambda: OutboxEvent.objects.filter(pk__in=ids, status=EventStatus.IN_FLIGHT).exists(), "claimed")
        # The sweeper runs all along, as beat would at its fastest: an expired lease would be re-sent at once.
        deadline = time.monotonic() + 60
        while OutboxEvent.objects.filter(pk__in=ids).exclude(status=EventStatus.DONE).exists():
            assert time.monotonic() < deadline, "not delivered"
            outbox_sweep()
            time.sleep(0.2)
    finally:
        shop.sim.control("set", latency_ms=0)
    assert list(OutboxEvent.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == [1]
    assert_exactly_once_in_order(shop, events)


def test_default_lease_and_sweep_recover_an_orphan_within_a_minute():
    """Recovery takes at most the lease (no heartbeat after the death) plus one sweep interval."""
    sweep = django_settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]["schedule"]
    assert django_settings.PORTAL_OUTBOX_LEASE_SECONDS == 30
    assert sweep == 15
    assert django_settings.PORTAL_OUTBOX_LEASE_SECONDS + sweep < 60


@pytest.mark.django_db
def test_an_orphan_is_claimed_again_saying_why_and_parked_after_the_last_attempt(synced, settings):
    from integrations.services.delivery import _claim
    from suppliers.services.po_messages import po_message_post

    settings.PORTAL_OUTBOX_MAX_ATTEMPTS = 3
    expired = timezone.now() - timedelta(seconds=1)
    event = po_message_post(membership=synced.supplier, po_id=synced.po.pk, body="orphaned").outbox_event
    OutboxEvent.objects.filter(pk=event.pk).update(status=EventStatus.IN_FLIGHT, attempts=1, leased_until=expired)
    claimed = _claim(str(event.pk), timezone.now())
    assert claimed.attempts == 2 and claimed.last_error_class == WORKER_LOST
    assert claimed.last_error == "attempt 1 never reported back (worker lost); sent again"
    assert claimed.leased_until > timezone.now()
    OutboxEvent.objects.filter(pk=event.pk).update(leased_until=expired)  # lost again
    assert event_deliver(event_id=str(event.pk)) == "done"
    event.refresh_from_db()
    assert (event.attempts, event.last_error_class, event.last_error) == (3, "", "")

    again = po_message_post(membership=synced.supplier, po_id=synced.po.pk, body="poison").outbox_event
    OutboxEvent.objects.filter(pk=again.pk).update(status=EventStatus.IN_FLIGHT, attempts=3, leased_until=expired)
    assert event_deliver(event_id=str(again.pk)) == "skipped"
    again.refresh_from_db()
    assert (again.status, again.attempts, again.leased_until) == (EventStatus.DEAD, 3, None)
    assert again.last_error_class == WORKER_LOST
    assert again.last_error == "attempt 3, the last one allowed, never reported back (worker lost)"
    marker = f"portal-event-{again.pk}"
    assert synced.gw.search("mail.message", [["body", "ilike", marker]]) == []
