"""Delivering outbox events to Odoo: claim, call the topic's handler, record the outcome.

Guarantees (ARCHITECTURE section 6): an event is claimed by one worker at a
time (row lock, SKIP LOCKED, then a lease); one aggregate's events go in
sequence; transient failures come back later with exponential back-off and
full jitter kept on the row; permanent ones go to the exception queue at once;
a per-tenant breaker stops calling an Odoo that keeps failing, without
spending the events' attempts, until a probe gets through.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.handlers import HANDLERS, HandlerError
from integrations.models import EventStatus, OutboxEvent, TenantSyncState
from integrations.odoo import OdooPermanentError, OdooTransientError
from integrations.odoo.client import gateway_for
from portal.context import bound

log = logging.getLogger("integrations.delivery")
OPEN = (EventStatus.PENDING, EventStatus.IN_FLIGHT, EventStatus.DEAD)


def backoff_seconds(attempts: int, *, rng: random.Random | None = None) -> float:
    """Full jitter: a uniform wait up to base * 2^(attempts-1), capped."""
    ceiling = min(
        settings.PORTAL_OUTBOX_BACKOFF_CAP_SECONDS,
        settings.PORTAL_OUTBOX_BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0),
    )
    return (rng or random).uniform(0, ceiling)


@dataclass
class Claim:
    event: OutboxEvent
    probe: bool


def _claim(event_id: str, now: datetime) -> Claim | None:
    with transaction.atomic():
        event = (
            OutboxEvent.objects.select_for_update(skip_locked=True).select_related("tenant").filter(pk=event_id).first()
        )
        if event is None or event.status not in (EventStatus.PENDING, EventStatus.IN_FLIGHT):
            return None
        if event.status == EventStatus.IN_FLIGHT and event.leased_until and event.leased_until > now:
            return None  # another worker has it
        if event.status == EventStatus.PENDING and event.next_attempt_at > now:
            return None  # backing off
        earlier = OutboxEvent.objects.filter(
            tenant_id=event.tenant_id,
            aggregate_type=event.aggregate_type,
            aggregate_id=event.aggregate_id,
            sequence__lt=event.sequence,
        ).exclude(status__in=[EventStatus.DONE, EventStatus.CANCELLED])
        if earlier.exists():
            return None  # waits for its predecessor; delivered when that one is done
        state, _ = TenantSyncState.objects.select_for_update().get_or_create(tenant_id=event.tenant_id)
        probe = False
        if state.open_until:
            if state.open_until > now or (state.probe_until and state.probe_until > now):
                wake = max(state.open_until, state.probe_until or state.open_until)
                OutboxEvent.objects.filter(pk=event.pk).update(next_attempt_at=wake, status=EventStatus.PENDING)
                return None  # breaker open: no attempt spent
            probe = True  # half-open: this event finds out whether Odoo is back
            state.probe_until = now + timedelta(seconds=settings.PORTAL_OUTBOX_LEASE_SECONDS)
            state.save(update_fields=["probe_until"])
        event.status = EventStatus.IN_FLIGHT
        event.attempts += 1
        event.leased_until = now + timedelta(seconds=settings.PORTAL_OUTBOX_LEASE_SECONDS)
        event.save(update_fields=["status", "attempts", "leased_until", "updated_at"])
        return Claim(event=event, probe=probe)


def event_deliver(*, event_id: str) -> str:
    """Try to deliver one event; returns what happened (for logs and tests)."""
    now = timezone.now()
    claim = _claim(event_id, now)
    if claim is None:
        return "skipped"
    event = claim.event
    handler = HANDLERS.get(event.topic)
    started = timezone.now()
    with bound(correlation_id=event.correlation_id or None, source="sync"):
        try:
            if handler is None:
                raise HandlerError(f"no handler for topic {event.topic!r}")
            result = handler(gateway_for(event.tenant.odoo_config()), event)
        except OdooTransientError as exc:
            outcome = _transient(event, exc)
        except (OdooPermanentError, HandlerError) as exc:
            outcome = _permanent(event, exc)
        else:
            outcome = _done(event, result or {})
        log.info(
            "delivery event=%s topic=%s aggregate=%s#%s seq=%d attempt=%d outcome=%s duration_ms=%.0f tenant=%s",
            event.id,
            event.topic,
            event.aggregate_type,
            event.aggregate_id,
            event.sequence,
            event.attempts,
            outcome,
            (timezone.now() - started).total_seconds() * 1000,
            event.tenant.slug,
        )
    return outcome


def _done(event: OutboxEvent, result: dict[str, Any]) -> str:
    with transaction.atomic():
        OutboxEvent.objects.filter(pk=event.pk).update(
            status=EventStatus.DONE,
            delivered_at=timezone.now(),
            leased_until=None,
            odoo_result=result,
            last_error="",
            last_error_class="",
            updated_at=timezone.now(),
        )
        _breaker_ok(event.tenant_id)
        _wake_next(event)
    return "done"


def _transient(event: OutboxEvent, exc: OdooTransientError) -> str:
    now = timezone.now()
    dead = event.attempts >= settings.PORTAL_OUTBOX_MAX_ATTEMPTS
    with transaction.atomic():
        OutboxEvent.objects.filter(pk=event.pk).update(
            status=EventStatus.DEAD if dead else EventStatus.PENDING,
            leased_until=None,
            next_attempt_at=now + timedelta(seconds=backoff_seconds(event.attempts)),
            last_error=str(exc)[:4000],
            last_error_class=f"transient:{exc.name}"[:120],
            updated_at=now,
        )
        _breaker_failed(event.tenant_id, now)
    return "dead" if dead else "retry"


def _permanent(event: OutboxEvent, exc: Exception) -> str:
    name = getattr(exc, "name", "") or type(exc).__name__
    with transaction.atomic():
        OutboxEvent.objects.filter(pk=event.pk).update(
            status=EventStatus.DEAD,
            leased_until=None,
            last_error=str(exc)[:4000],
            last_error_class=f"permanent:{name}"[:120],
            updated_at=timezone.now(),
        )
        # Odoo answered, so it is up: a permanent error does not count against the breaker.
        _breaker_ok(event.tenant_id)
    return "dead"


def _breaker_ok(tenant_id: int) -> None:
    TenantSyncState.objects.filter(tenant_id=tenant_id).update(
        consecutive_failures=0, open_until=None, probe_until=None
    )


def _breaker_failed(tenant_id: int, now: datetime) -> None:
    state, _ = TenantSyncState.objects.select_for_update().get_or_create(tenant_id=tenant_id)
    state.consecutive_failures += 1
    state.probe_until = None
    if state.consecutive_failures >= settings.PORTAL_BREAKER_THRESHOLD:
        if not state.open_until or state.open_until <= now:
            state.opened_count += 1
        state.open_until = now + timedelta(seconds=settings.PORTAL_BREAKER_OPEN_SECONDS)
    state.save()


def _wake_next(event: OutboxEvent) -> None:
    from integrations.services.outbox import enqueue

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
        transaction.on_commit(lambda: enqueue(following))


def outbox_sweep(*, limit: int = 500) -> int:
    """Enqueue due events whose broker message may be lost, and in-flight ones whose worker died."""
    from integrations.services.outbox import enqueue

    now = timezone.now()
    requeue_after = timedelta(seconds=30)
    with transaction.atomic():
        due = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=EventStatus.PENDING, next_attempt_at__lte=now)
                & (Q(leased_until__isnull=True) | Q(leased_until__lt=now))
                | Q(status=EventStatus.IN_FLIGHT, leased_until__lt=now)
            )
            .order_by("next_attempt_at")[:limit]
        )
        # A short lease on pending rows: the next sweep does not enqueue them again right away.
        OutboxEvent.objects.filter(pk__in=[e.pk for e in due if e.status == EventStatus.PENDING]).update(
            leased_until=now + requeue_after
        )
    for event in due:
        enqueue(event)
    return len(due)
