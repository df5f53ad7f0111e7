"""Recording a batch's outcomes in one transaction, fenced on the attempt each event was claimed with.

One locking select finds the events still ours (a worker that lost its lease never marks done an event
another worker re-claimed), one bulk update writes every outcome (done with its own ``odoo_result``,
retry with back-off, dead, released, held), then the breaker (counted once per batch, touched only when
not clean), the woken successors and the mended drifts: one statement each.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from integrations.handlers import HandlerError
from integrations.models import EventStatus, Lane, OutboxEvent, SyncDrift, TenantSyncState
from integrations.odoo import OdooPermanentError, OdooTransientError
from integrations.odoo.errors import ConfigurationRejected, LanguageRejected

from .delivery_claim import BREAKER_WAIT, CHECK_WAIT, Claim, heads

log = logging.getLogger("integrations.delivery")
FIELDS = [
    "status",
    "attempts",
    "leased_until",
    "next_attempt_at",
    "last_error",
    "last_error_class",
    "odoo_result",
    "delivered_at",
    "updated_at",
]


@dataclass
class Finished:
    """Outcome per event id ("done", "retry", "dead", "held", "released"; "lost" when no longer ours)."""

    outcomes: dict[str, str]
    breaker_answered: bool = False
    breaker_failed: bool = False


def backoff_seconds(attempts: int, *, rng: random.Random | None = None) -> float:
    """Full jitter: a uniform wait up to base * 2^(attempts-1), capped."""
    ceiling = min(
        settings.PORTAL_OUTBOX_BACKOFF_CAP_SECONDS,
        settings.PORTAL_OUTBOX_BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0),
    )
    return (rng or random).uniform(0, ceiling)


def classify(exc: Exception) -> tuple[str, Exception, bool]:
    """-> (kind, error, counts against the breaker); kind "transient" | "credentials" | "permanent"."""
    if isinstance(exc, OdooTransientError):
        return "transient", exc, True
    if isinstance(exc, ConfigurationRejected):  # refused credentials or language: every call would fail alike
        return "credentials", exc, False
    if isinstance(exc, (OdooPermanentError, HandlerError)):
        return "permanent", exc, False
    # Not Odoo's answer (a bug, the database): retried like a transient failure, within the attempts,
    # without counting against Odoo's breaker; never left "in flight" with no word.
    log.error("delivery failed in the portal: %s: %s", type(exc).__name__, exc, exc_info=exc)
    wrapped = OdooTransientError(f"{type(exc).__name__}: {exc}"[:2000], name=f"portal.{type(exc).__name__}")
    return "transient", wrapped, False


def _apply(event: OutboxEvent, answer: dict | Exception | None, now: datetime, finished: Finished) -> str:
    """Set ``event``'s fields for its outcome; returns the outcome."""
    event.leased_until, event.updated_at = None, now
    if answer is None:  # not attempted: waits for its predecessor, attempt given back
        event.status, event.attempts = EventStatus.PENDING, max(event.attempts - 1, 0)
        return "released"
    if isinstance(answer, dict):
        event.status, event.delivered_at, event.odoo_result = EventStatus.DONE, now, answer
        event.last_error = event.last_error_class = ""
        finished.breaker_answered = True
        return "done"
    kind, exc, breaker = classify(answer)
    if kind == "credentials":
        return "held"  # written by _credentials_refused
    event.last_error = str(exc)[:4000]
    name = getattr(exc, "name", "") or type(exc).__name__
    event.last_error_class = f"{kind}:{name}"[:120]
    if kind == "permanent":
        # Odoo answered, so it is up: a permanent error does not count against the breaker.
        event.status, finished.breaker_answered = EventStatus.DEAD, True
        return "dead"
    finished.breaker_failed |= breaker
    dead = event.attempts >= settings.PORTAL_OUTBOX_MAX_ATTEMPTS
    event.status = EventStatus.DEAD if dead else EventStatus.PENDING
    event.next_attempt_at = now + timedelta(seconds=backoff_seconds(event.attempts))
    return "dead" if dead else "retry"


def batch_finish(claim: Claim, answers: dict[str, dict | Exception], *, wake_enqueue: bool = True) -> Finished:
    """Record ``answers`` (event id -> result dict | exception; missing = not attempted) for ``claim``'s events."""
    now = timezone.now()
    finished = Finished(outcomes={})
    with transaction.atomic():
        attempts = dict(
            OutboxEvent.objects.select_for_update()
            .filter(pk__in=[e.pk for e in claim.events], status=EventStatus.IN_FLIGHT)
            .values_list("pk", "attempts")
        )
        ours, refused = [], []
        for event in claim.events:
            if attempts.get(event.pk) != event.attempts:
                finished.outcomes[str(event.pk)] = "lost"
                log.warning("event %s: lease lost (attempt %d); another worker has it", event.pk, event.attempts)
                continue
            outcome = finished.outcomes[str(event.pk)] = _apply(event, answers.get(str(event.pk)), now, finished)
            (refused if outcome == "held" else ours).append(event)
        if ours:
            _write(ours)
        if refused:
            _credentials_refused(refused, answers[str(refused[0].pk)], now)
        if finished.breaker_failed:
            breaker_failed(claim.tenant_id, now)
        elif finished.breaker_answered and claim.breaker_dirty:
            breaker_ok(claim.tenant_id)
        done = [e for e in ours if finished.outcomes[str(e.pk)] == "done"]
        if done:
            _wake_after(claim, done, finished, wake_enqueue)
            # A drift these events caused is mended by this delivery.
            SyncDrift.objects.filter(event_id__in=[e.pk for e in done], resolved_at__isnull=True).update(
                resolved_at=now, resolution="delivered again"
            )
    return finished


# Casts for the VALUES list (its literals come untyped); the field order of FIELDS.
CASTS = ["varchar", "integer", "timestamptz", "timestamptz", "text", "varchar", "jsonb", "timestamptz", "timestamptz"]


def _write(events: list[OutboxEvent]) -> None:
    """Write FIELDS of every event in one statement: UPDATE .. FROM (VALUES ..) on PostgreSQL (the ORM's
    CASE per field and row costs milliseconds per event to build), ``bulk_update`` elsewhere."""
    if connection.vendor != "postgresql":
        OutboxEvent.objects.bulk_update(events, FIELDS)
        return
    table = OutboxEvent._meta.db_table
    columns = [OutboxEvent._meta.get_field(name).column for name in FIELDS]
    sets = ", ".join(f"{col} = v.{col}::{cast}" for col, cast in zip(columns, CASTS, strict=True))
    row = "(" + ", ".join(["%s"] * (len(FIELDS) + 1)) + ")"
    params: list[Any] = []
    for event in events:
        params.append(str(event.pk))
        for name in FIELDS:
            value = getattr(event, name)
            params.append(json.dumps(value, cls=DjangoJSONEncoder) if name == "odoo_result" else value)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS o SET {sets} FROM (VALUES {', '.join([row] * len(events))}) "  # noqa: S608 - our columns
            f"AS v(id, {', '.join(columns)}) WHERE o.id = v.id::uuid",
            params,
        )


def _credentials_refused(events: list[OutboxEvent], exc: Exception, now: datetime) -> None:
    """The integration user's password or key no longer works, or Odoo refuses the language the calls name:
    every event would fail alike. The tenant's
    connection is marked failed (the settings page says so) and the events wait for a passing check
    instead of going to the exception queue."""
    from portal.models import Tenant

    from .delivery_claim import hold

    tenant = Tenant.objects.select_for_update().get(pk=events[0].tenant_id)
    from integrations.services.connection import language_refused, said

    check = dict(tenant.odoo_check or {})
    if isinstance(exc, LanguageRejected):
        # Odoo names the code it refused ("Invalid language code: de_DE"); the connection page says what to do.
        said_here = {"kind": "config", **language_refused(exc.message.rpartition(":")[2].strip())}
    else:
        text = gettext_noop("Odoo refused the credentials: %(message)s")
        said_here = {"kind": "credentials", **said(text, message=getattr(exc, "message", str(exc)))}
    check.update(ok=False, checked_at=now.isoformat(), error={"name": getattr(exc, "name", ""), **said_here})
    Tenant.objects.filter(pk=tenant.pk).update(odoo_check=check)
    for event in events:
        event.tenant.odoo_check = check
        event.attempts = max(event.attempts - 1, 0)
    OutboxEvent.objects.bulk_update(events, ["attempts"])
    hold(events, now)


def _wake_after(claim: Claim, done: list[OutboxEvent], finished: Finished, enqueue: bool) -> None:
    """Successors of aggregates whose batch events all got through may go now: one statement per aggregate
    type and lane (a handful, not per event). Each woken lane gets its drain once committed: the batch's own
    lane only when ``enqueue`` (the drain loop takes its own lane's successors in its next batch), any other
    lane always (no drain of this worker comes by for it)."""
    from integrations.services.outbox import drain_enqueue, queued_until

    failed = {(e.aggregate_type, e.aggregate_id) for e in claim.events if finished.outcomes[str(e.pk)] != "done"}
    aggregates = {(e.aggregate_type, e.aggregate_id) for e in done} - failed
    if not aggregates:
        return
    by_type: dict[str, set[str]] = {}
    for aggregate_type, aggregate_id in aggregates:
        by_type.setdefault(aggregate_type, set()).add(aggregate_id)
    woken: set[str] = set()
    for aggregate_type, ids in by_type.items():
        successors = OutboxEvent.objects.filter(
            tenant_id=claim.tenant_id,
            status=EventStatus.PENDING,
            aggregate_type=aggregate_type,
            aggregate_id__in=ids,
        ).exclude(pk__in=[e.pk for e in claim.events])
        for lane in Lane.values:
            if successors.filter(lane=lane).update(
                next_attempt_at=timezone.now(), leased_until=queued_until(), last_error_class=""
            ):
                woken.add(lane)
    lanes = sorted(lane for lane in woken if enqueue or lane != claim.lane)
    if lanes:
        tenant_id = claim.tenant_id
        transaction.on_commit(lambda: [drain_enqueue(tenant_id=tenant_id, lane=lane) for lane in lanes])


def breaker_ok(tenant_id: int) -> None:
    """Odoo answered: the breaker closes; what it held back goes now (the tenant's drains are enqueued)."""
    from integrations.services.outbox import drain_enqueue, queued_until

    closed = (
        TenantSyncState.objects.filter(tenant_id=tenant_id)
        .exclude(open_until=None)
        .update(consecutive_failures=0, open_until=None, probe_until=None)
    )
    TenantSyncState.objects.filter(tenant_id=tenant_id, consecutive_failures__gt=0).update(consecutive_failures=0)
    if not closed:
        return
    OutboxEvent.objects.filter(tenant_id=tenant_id, status=EventStatus.PENDING, last_error_class=BREAKER_WAIT).update(
        next_attempt_at=timezone.now(), last_error_class="", leased_until=None
    )
    mark_heads_queued(tenant_id, lambda lane: drain_enqueue(tenant_id=tenant_id, lane=lane), queued_until())


def mark_heads_queued(tenant_id: int, send: Any, until: datetime) -> None:
    """Give the tenant's pending heads the "queued" mark and send a drain per lane once committed."""
    pending = heads(OutboxEvent.objects.filter(tenant_id=tenant_id, status=EventStatus.PENDING))
    rows = list(pending.values_list("pk", "lane")[:2000])
    OutboxEvent.objects.filter(pk__in=[pk for pk, _ in rows]).update(leased_until=until)
    lanes = sorted({lane for _, lane in rows})
    transaction.on_commit(lambda: [send(lane) for lane in lanes])


def breaker_failed(tenant_id: int, now: datetime) -> None:
    """One more consecutive failure (once per batch); opens the breaker at the threshold."""
    state, _ = TenantSyncState.objects.select_for_update().get_or_create(tenant_id=tenant_id)
    state.consecutive_failures += 1
    state.probe_until = None
    if state.consecutive_failures >= settings.PORTAL_BREAKER_THRESHOLD:
        if not state.open_until or state.open_until <= now:
            state.opened_count += 1
        state.open_until = now + timedelta(seconds=settings.PORTAL_BREAKER_OPEN_SECONDS)
    state.save()


__all__ = ["BREAKER_WAIT", "CHECK_WAIT", "Finished", "backoff_seconds", "batch_finish", "breaker_ok"]
