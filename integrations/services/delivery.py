"""Delivering outbox events to Odoo: claim, call the topic's handler, record the outcome.

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

import contextlib
import logging
import random
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from integrations.handlers import HANDLERS, HandlerError
from integrations.models import EventStatus, OutboxEvent, SyncDrift, TenantSyncState
from integrations.odoo import OdooPermanentError, OdooTransientError
from integrations.odoo.client import gateway_for
from integrations.odoo.errors import CredentialsRejected
from portal.context import bound

log = logging.getLogger("integrations.delivery")
BREAKER_WAIT = "breaker:open"
# Held while the tenant's connection check fails (a missing field, refused rights or credentials): no attempt
# is spent, and the events go as soon as a check passes (``release_held``).
CHECK_WAIT = "held:connection-check"
WORKER_LOST = "transient:WorkerLost"


def backoff_seconds(attempts: int, *, rng: random.Random | None = None) -> float:
    """Full jitter: a uniform wait up to base * 2^(attempts-1), capped."""
    ceiling = min(
        settings.PORTAL_OUTBOX_BACKOFF_CAP_SECONDS,
        settings.PORTAL_OUTBOX_BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0),
    )
    return (rng or random).uniform(0, ceiling)


def _claim(event_id: str, now: datetime) -> OutboxEvent | None:
    with transaction.atomic():
        event = (
            # of=("self",): lock the event only. Locking the joined tenant row too would make SKIP LOCKED
            # pass over the event whenever anything else touches the tenant (an insert's FK check).
            OutboxEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("tenant")
            .filter(pk=event_id)
            .first()
        )
        if event is None or event.status not in (EventStatus.PENDING, EventStatus.IN_FLIGHT):
            return None
        if event.status == EventStatus.IN_FLIGHT and event.leased_until and event.leased_until > now:
            return None  # another worker has it
        orphaned = event.status == EventStatus.IN_FLIGHT  # its lease ran out: the worker is gone
        if orphaned and event.attempts >= settings.PORTAL_OUTBOX_MAX_ATTEMPTS:
            # Each attempt took its worker down (or lost it): the next one would go the same way.
            OutboxEvent.objects.filter(pk=event.pk).update(
                status=EventStatus.DEAD,
                leased_until=None,
                last_error=f"attempt {event.attempts}, the last one allowed, never reported back (worker lost)",
                last_error_class=WORKER_LOST,
                updated_at=now,
            )
            return None
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
        if state.open_until:
            if state.open_until > now or (state.probe_until and state.probe_until > now):
                wake = max(state.open_until, state.probe_until or state.open_until)
                # Breaker open: no attempt spent; woken when the breaker closes (_breaker_ok).
                OutboxEvent.objects.filter(pk=event.pk).update(
                    next_attempt_at=wake, status=EventStatus.PENDING, last_error_class=BREAKER_WAIT
                )
                return None
            # Half-open: this event is the probe that finds out whether Odoo is back.
            state.probe_until = now + timedelta(seconds=settings.PORTAL_OUTBOX_LEASE_SECONDS)
            state.save(update_fields=["probe_until"])
        if event.tenant.odoo_sync_paused:
            _hold(event, now)
            return None
        fields = ["status", "attempts", "leased_until", "updated_at"]
        if orphaned:
            event.last_error = f"attempt {event.attempts} never reported back (worker lost); sent again"
            event.last_error_class = WORKER_LOST
            fields += ["last_error", "last_error_class"]
        event.status = EventStatus.IN_FLIGHT
        event.attempts += 1
        event.leased_until = now + timedelta(seconds=settings.PORTAL_OUTBOX_LEASE_SECONDS)
        event.save(update_fields=fields)
        return event


@contextlib.contextmanager
def _lease_kept(event: OutboxEvent) -> Iterator[None]:
    """Renew ``event``'s lease every third of ``PORTAL_OUTBOX_LEASE_SECONDS`` until the block ends.

    A thread with its own database connection does it, so a handler waiting minutes on Odoo
    keeps its event. The renewal is fenced by the attempt number: once the lease was lost and
    another worker claimed the event, this one stops. Inside a transaction (tests calling the
    service directly) the claim is not visible to anyone else, so nothing needs renewing.
    """
    if connection.in_atomic_block:
        yield
        return
    lease = timedelta(seconds=settings.PORTAL_OUTBOX_LEASE_SECONDS)
    stop = threading.Event()

    def renew() -> None:
        try:
            while not stop.wait(lease.total_seconds() / 3):
                try:
                    kept = OutboxEvent.objects.filter(
                        pk=event.pk, status=EventStatus.IN_FLIGHT, attempts=event.attempts
                    ).update(leased_until=timezone.now() + lease)
                except DatabaseError as exc:  # a busy database: the next beat may get through
                    log.warning("lease of event %s not renewed: %s", event.pk, exc)
                    continue
                if not kept:
                    log.warning("lease of event %s lost (attempt %d); no longer renewed", event.pk, event.attempts)
                    return
        finally:
            connection.close()  # this thread's own connection

    beat = threading.Thread(target=renew, name=f"lease-{event.pk}", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()


def event_deliver(*, event_id: str) -> str:
    """Try to deliver one event; returns what happened (for logs and tests)."""
    now = timezone.now()
    event = _claim(event_id, now)
    if event is None:
        return "skipped"
    handler = HANDLERS.get(event.topic)
    started = timezone.now()
    with bound(correlation_id=event.correlation_id or None, source="sync"):
        try:
            if handler is None:
                raise HandlerError(f"no handler for topic {event.topic!r}")
            with _lease_kept(event):
                result = handler(gateway_for(event.tenant.odoo_config()), event)
        except OdooTransientError as exc:
            outcome = _transient(event, exc)
        except CredentialsRejected as exc:
            # The integration user's password or key no longer works: every event would fail alike. The
            # tenant's connection is marked failed (the settings page says so) and the event waits for a
            # passing check instead of going to the exception queue.
            outcome = _credentials_refused(event, exc)
        except (OdooPermanentError, HandlerError) as exc:
            outcome = _permanent(event, exc)
        except Exception as exc:
            # Not Odoo's answer (a bug, the database): retried like a transient failure, within the attempts,
            # without counting against Odoo's breaker; never left "in flight" with no word.
            log.exception("delivery of event %s failed in the portal", event.id)
            outcome = _transient(
                event,
                OdooTransientError(f"{type(exc).__name__}: {exc}"[:2000], name=f"portal.{type(exc).__name__}"),
                breaker=False,
            )
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
        # A drift this event caused is mended by this delivery.
        SyncDrift.objects.filter(event_id=event.pk, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolution="delivered again"
        )
    return "done"


def _hold(event: OutboxEvent, now: datetime) -> None:
    """Park the claimed-for event without spending an attempt while the tenant's sync is paused."""
    OutboxEvent.objects.filter(pk=event.pk).update(
        status=EventStatus.PENDING,
        leased_until=None,
        next_attempt_at=now + timedelta(seconds=settings.PORTAL_ODOO_CHECK_SECONDS),
        last_error=f"waiting for a passing connection check: {event.tenant.odoo_sync_paused}"[:4000],
        last_error_class=CHECK_WAIT,
        updated_at=now,
    )


def _credentials_refused(event: OutboxEvent, exc: OdooPermanentError) -> str:
    from portal.models import Tenant

    now = timezone.now()
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=event.tenant_id)
        check = dict(tenant.odoo_check or {})
        check.update(
            ok=False,
            checked_at=now.isoformat(),
            error={"kind": "credentials", "name": exc.name, "message": f"Odoo refused the credentials: {exc.message}"},
        )
        Tenant.objects.filter(pk=tenant.pk).update(odoo_check=check)
        event.tenant.odoo_check = check
        OutboxEvent.objects.filter(pk=event.pk).update(attempts=max(event.attempts - 1, 0))
        _hold(event, now)
    return "held"


def release_held(tenant_id: int) -> int:
    """A connection check passed: the events held for it go now (heads of their aggregates first)."""
    from integrations.services.outbox import enqueue, queued_until

    with transaction.atomic():
        released = OutboxEvent.objects.filter(
            tenant_id=tenant_id, status=EventStatus.PENDING, last_error_class=CHECK_WAIT
        ).update(next_attempt_at=timezone.now(), last_error_class="", last_error="", leased_until=None)
        if released:
            heads = list(_heads(OutboxEvent.objects.filter(tenant_id=tenant_id, status=EventStatus.PENDING))[:2000])
            OutboxEvent.objects.filter(pk__in=[e.pk for e in heads]).update(leased_until=queued_until())
            transaction.on_commit(lambda: [enqueue(e) for e in heads])
    return released


def _transient(event: OutboxEvent, exc: OdooTransientError, *, breaker: bool = True) -> str:
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
        if breaker:
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
    from integrations.services.outbox import enqueue, queued_until

    closed = (
        TenantSyncState.objects.filter(tenant_id=tenant_id)
        .exclude(open_until=None)
        .update(consecutive_failures=0, open_until=None, probe_until=None)
    )
    TenantSyncState.objects.filter(tenant_id=tenant_id, consecutive_failures__gt=0).update(consecutive_failures=0)
    if not closed:
        return
    # Odoo answers again: everything the breaker held back may go now. The heads of their
    # aggregates are enqueued; the others follow as their predecessors finish (_wake_next).
    OutboxEvent.objects.filter(tenant_id=tenant_id, status=EventStatus.PENDING, last_error_class=BREAKER_WAIT).update(
        next_attempt_at=timezone.now(), last_error_class="", leased_until=None
    )
    heads = list(_heads(OutboxEvent.objects.filter(tenant_id=tenant_id, status=EventStatus.PENDING))[:2000])
    OutboxEvent.objects.filter(pk__in=[e.pk for e in heads]).update(leased_until=queued_until())
    transaction.on_commit(lambda: [enqueue(e) for e in heads])


def _breaker_failed(tenant_id: int, now: datetime) -> None:
    state, _ = TenantSyncState.objects.select_for_update().get_or_create(tenant_id=tenant_id)
    state.consecutive_failures += 1
    state.probe_until = None
    if state.consecutive_failures >= settings.PORTAL_BREAKER_THRESHOLD:
        if not state.open_until or state.open_until <= now:
            state.opened_count += 1
        state.open_until = now + timedelta(seconds=settings.PORTAL_BREAKER_OPEN_SECONDS)
    state.save()


def _heads(events):
    """Events with no unfinished predecessor in their aggregate."""
    predecessor = OutboxEvent.objects.filter(
        tenant_id=OuterRef("tenant_id"),
        aggregate_type=OuterRef("aggregate_type"),
        aggregate_id=OuterRef("aggregate_id"),
        sequence__lt=OuterRef("sequence"),
    ).exclude(status__in=[EventStatus.DONE, EventStatus.CANCELLED])
    return events.filter(~Exists(predecessor))


def _wake_next(event: OutboxEvent) -> None:
    """Hand the aggregate's next event to a worker now: its predecessor just got through."""
    from integrations.services.outbox import enqueue, queued_until

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
        transaction.on_commit(lambda: enqueue(following))


def outbox_sweep(*, limit: int = 500) -> int:
    """Enqueue due events whose broker message was lost, and in-flight ones whose worker died.

    Only heads of aggregates (the rest follow them), and a pending event only once its
    "queued" mark has passed, so a busy queue is not flooded with duplicates.
    """
    from integrations.services.outbox import enqueue, queued_until

    now = timezone.now()
    with transaction.atomic():
        due = list(
            _heads(
                OutboxEvent.objects.select_for_update(skip_locked=True).filter(
                    Q(status=EventStatus.PENDING, next_attempt_at__lte=now)
                    & (Q(leased_until__isnull=True) | Q(leased_until__lt=now))
                    | Q(status=EventStatus.IN_FLIGHT, leased_until__lt=now)
                )
            ).order_by("next_attempt_at")[:limit]
        )
        OutboxEvent.objects.filter(pk__in=[e.pk for e in due if e.status == EventStatus.PENDING]).update(
            leased_until=queued_until()
        )
    for event in due:
        enqueue(event)
    return len(due)
