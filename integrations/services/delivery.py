"""Delivering outbox events to Odoo: claim a batch, call the topics' handlers, record the outcomes.

The parts: ``delivery_claim`` (one transaction claims whole due chains of one tenant and lane),
``delivery_batch`` (handlers, lease heartbeat, the batch's log line), ``delivery_finish`` (one
transaction records every outcome). This module keeps the entry points the rest of the code calls.

Guarantees (ARCHITECTURE section 6): an event is claimed by one worker at a
time (row lock, SKIP LOCKED, then a lease); one aggregate's events go in
sequence; transient failures come back later with exponential back-off and
full jitter kept on the row; permanent ones go to the exception queue at once;
a per-tenant breaker stops calling an Odoo that keeps failing, without
spending the events' attempts, until a probe gets through.

The lease is short (``PORTAL_OUTBOX_LEASE_SECONDS``, 30 s) and renewed by a
heartbeat while the handler runs (``_lease_kept``): an event whose worker died
(SIGKILL, out of memory, the hard time limit) is claimable again within the
lease and re-sent by the next sweep, on any broker, while a slow delivery is
never taken for an orphan and doubled. An event whose worker was lost on every
attempt goes to the exception queue like one that failed every attempt.
"""

from __future__ import annotations

import time
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.models import EventStatus, OutboxEvent

from .delivery_batch import DrainResult, event_deliver_one, tenant_drain, tenant_drain_due
from .delivery_claim import BREAKER_WAIT, CHECK_WAIT, WORKER_LOST, batch_claim, heads
from .delivery_finish import backoff_seconds, mark_heads_queued

__all__ = [
    "BREAKER_WAIT",
    "CHECK_WAIT",
    "WORKER_LOST",
    "DrainResult",
    "backoff_seconds",
    "event_deliver",
    "outbox_sweep",
    "release_held",
    "tenant_drain",
    "tenant_drain_loop",
]


def _claim(event_id: str, now: datetime | None = None) -> OutboxEvent | None:
    """Claim ``event_id`` alone (a batch of one) when it is a due head; the claimed event or None."""
    claim = batch_claim(tenant_id=None, lane="", limit=1, event_id=event_id)
    return claim.events[0] if claim.events else None


def event_deliver(*, event_id: str) -> str:
    """Try to deliver one event (a batch of its own); "done", "retry", "dead", "held" or "skipped"."""
    return event_deliver_one(event_id)


def tenant_drain_loop(*, tenant_id: int, lane: str, swept: datetime | None = None) -> int:
    """Drain the tenant's lane batch after batch until nothing is due or ``PORTAL_OUTBOX_DRAIN_SECONDS``
    passed, then re-enqueue the drain if more is due. Returns the number of events claimed.

    ``swept``: the sweeper sent it with the mark it gave the heads it found; it takes only chains whose
    "queued" mark passed or is that one (lost messages, dead workers) and leaves the "queued" flag of
    the normal drains alone."""
    from django.conf import settings
    from django.core.cache import cache

    from integrations.services.outbox import drain_enqueue, drain_key

    if not swept:
        cache.delete(drain_key(tenant_id, lane))  # started: the next commit may queue another drain
    deadline = time.monotonic() + settings.PORTAL_OUTBOX_DRAIN_SECONDS
    claimed = 0
    while True:
        # Successors woken by a batch are taken by the next one: no message for them (a swept drain does not
        # take them: their new "queued" mark is not its own).
        result = tenant_drain(tenant_id=tenant_id, lane=lane, wake_enqueue=bool(swept), swept=swept)
        claimed += result.claimed
        if not (result.claimed or result.held):
            return claimed
        if result.claimed and result.claimed == result.released:  # nothing attempted: the sweeper comes back
            return claimed
        if result.retry:  # a failure stopped the batch (Odoo down or busy): no failing call per batch; the
            return claimed  # sweeper brings the released events back, the failed ones after their back-off
        if time.monotonic() > deadline:
            break
    if tenant_drain_due(tenant_id=tenant_id, lane=lane):
        drain_enqueue(tenant_id=tenant_id, lane=lane)
    return claimed


def release_held(tenant_id: int) -> int:
    """A connection check passed: the events held for it go now (the tenant's drains are enqueued)."""
    from integrations.services.outbox import drain_enqueue, queued_until

    with transaction.atomic():
        released = OutboxEvent.objects.filter(
            tenant_id=tenant_id, status=EventStatus.PENDING, last_error_class=CHECK_WAIT
        ).update(next_attempt_at=timezone.now(), last_error_class="", last_error="", leased_until=None)
        if released:
            mark_heads_queued(tenant_id, lambda lane: drain_enqueue(tenant_id=tenant_id, lane=lane), queued_until())
    return released


def _wake_next(event: OutboxEvent) -> None:
    """Hand the aggregate's next event to a worker now: its predecessor got through or was cancelled."""
    from integrations.services.outbox import drain_enqueue, queued_until

    following = (
        OutboxEvent.objects.filter(
            tenant_id=event.tenant_id,
            aggregate_type=event.aggregate_type,
            aggregate_id=event.aggregate_id,
            sequence__gt=event.sequence,
            status=EventStatus.PENDING,
        )
        .order_by("sequence")
        .first()
    )
    if following is not None:
        OutboxEvent.objects.filter(pk=following.pk).update(
            next_attempt_at=timezone.now(), leased_until=queued_until(), last_error_class=""
        )
        transaction.on_commit(lambda: drain_enqueue(tenant_id=following.tenant_id, lane=following.lane))


def outbox_sweep(*, limit: int = 500) -> int:
    """Enqueue drains for due events whose broker message was lost, and in-flight ones whose worker died.

    Only heads of aggregates count (the rest follow them), and a pending event only once its
    "queued" mark has passed, so a busy queue is not flooded with duplicates. One drain per
    tenant and lane, sent even when one is marked queued (its message may be the lost one); it takes
    only chains whose mark passed.
    Returns the number of due heads found.
    """
    from integrations.services.outbox import drain_enqueue, queued_until

    now = timezone.now()
    with transaction.atomic():
        due = list(
            heads(
                OutboxEvent.objects.select_for_update(skip_locked=True).filter(
                    Q(status=EventStatus.PENDING, next_attempt_at__lte=now)
                    & (Q(leased_until__isnull=True) | Q(leased_until__lt=now))
                    | Q(status=EventStatus.IN_FLIGHT, leased_until__lt=now)
                )
            )
            .order_by("next_attempt_at")
            .values_list("pk", "status", "tenant_id", "lane")[:limit]
        )
        mark = queued_until()
        OutboxEvent.objects.filter(pk__in=[pk for pk, status, *_ in due if status == EventStatus.PENDING]).update(
            leased_until=mark
        )
    for tenant_id, lane in sorted({(t, lane) for _, _, t, lane in due}):
        drain_enqueue(tenant_id=tenant_id, lane=lane, swept=mark)
    return len(due)
