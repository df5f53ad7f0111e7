"""Claiming a batch of due outbox events of one tenant and lane, in one transaction.

A batch is made of whole consecutive chains: an event is taken only when every unfinished
predecessor of its aggregate is taken too, so one aggregate's events stay in sequence. The oldest
due heads choose the aggregates (fairness); each aggregate then brings its due chain, so several
events of one PO land in one batch and can share an Odoo call.

Queries per claim do not depend on the batch size: heads, chains, the locking select, the heads
re-checked under the lock, the breaker row (locked only when it is not closed), one update.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, Case, Exists, F, OuterRef, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from integrations.models import EventStatus, OutboxEvent, TenantSyncState

BREAKER_WAIT = "breaker:open"
# Held while the tenant's connection check fails (a missing field, refused rights or credentials): no attempt
# is spent, and the events go as soon as a check passes (``release_held``).
CHECK_WAIT = "held:connection-check"
WORKER_LOST = "transient:WorkerLost"
UNFINISHED = ~Q(status__in=[EventStatus.DONE, EventStatus.CANCELLED])


@dataclass
class Claim:
    """What one claim took: ``events`` in (aggregate, sequence) order, IN_FLIGHT with their attempt counted,
    all leased until ``lease_until``; ``held`` paused-tenant events parked without an attempt;
    ``breaker_dirty`` when the breaker row is not clean (failures counted or open), so a success must reset it."""

    tenant_id: int
    lane: str
    events: list[OutboxEvent] = field(default_factory=list)
    lease_until: datetime | None = None
    held: int = 0
    breaker_dirty: bool = False


def due_q(now: datetime) -> Q:
    """Pending and due, or in flight with a lapsed lease (its worker is gone)."""
    return Q(status=EventStatus.PENDING, next_attempt_at__lte=now) | Q(
        Q(leased_until__isnull=True) | Q(leased_until__lt=now), status=EventStatus.IN_FLIGHT
    )


def heads(events):
    """Events with no unfinished predecessor in their aggregate."""
    predecessor = OutboxEvent.objects.filter(
        UNFINISHED,
        tenant_id=OuterRef("tenant_id"),
        aggregate_type=OuterRef("aggregate_type"),
        aggregate_id=OuterRef("aggregate_id"),
        sequence__lt=OuterRef("sequence"),
    )
    return events.filter(~Exists(predecessor))


class _Row(NamedTuple):
    """What the chain read needs of an event (``due`` worked out by the database: no dates to parse)."""

    pk: Any
    aggregate_type: str
    aggregate_id: str
    lane: str
    due: bool


def _is_due(row, now: datetime) -> bool:
    if row.status == EventStatus.PENDING:
        return row.next_attempt_at <= now
    return row.status == EventStatus.IN_FLIGHT and (row.leased_until is None or row.leased_until < now)


def _chains(tenant_id: int, lane: str, limit: int, now: datetime, swept: datetime | None) -> list[list[str]]:
    """Pks of due chains, oldest head first, at most ``limit`` events in all (no lock). ``swept``: only
    heads whose "queued" mark passed or is this sweep's (another message is on its way for the others)."""
    due = OutboxEvent.objects.filter(due_q(now), tenant_id=tenant_id, lane=lane)
    if swept:
        due = due.filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now) | Q(leased_until=swept))
    head_rows = list(heads(due).order_by("created_at").values_list("pk", "aggregate_type", "aggregate_id")[:limit])
    if not head_rows:
        return []
    # Exactly the heads' aggregates (a type of one head and the id of another name some unrelated aggregate),
    # at most ``limit`` rows of each (a long queue of one aggregate leaves the others their chains).
    ids_by_type: dict[str, list[str]] = defaultdict(list)
    for _, aggregate_type, aggregate_id in head_rows:
        ids_by_type[aggregate_type].append(aggregate_id)
    exact = Q()  # one term per aggregate type (a few), not per aggregate: 100 terms cost more to compile than to run
    for aggregate_type, aggregate_ids in ids_by_type.items():
        exact |= Q(aggregate_type=aggregate_type, aggregate_id__in=aggregate_ids)
    rows = (
        OutboxEvent.objects.filter(UNFINISHED, exact, tenant_id=tenant_id)
        .annotate(
            place=Window(RowNumber(), partition_by=[F("aggregate_type"), F("aggregate_id")], order_by="sequence"),
            due=Case(When(due_q(now), then=Value(True)), default=Value(False), output_field=BooleanField()),
        )
        .filter(place__lte=limit)
        .order_by("aggregate_type", "aggregate_id", "sequence")
        .values_list(*_Row._fields)
    )
    by_aggregate: dict[tuple[str, str], list] = defaultdict(list)
    for values in rows:  # plain tuples: a model instance per row cost most of a claim's time (issue 15)
        row = _Row(*values)
        by_aggregate[(row.aggregate_type, row.aggregate_id)].append(row)
    chains, room = [], limit
    for head_pk, *aggregate in head_rows:
        chain = []
        for row in by_aggregate.get(tuple(aggregate), []):
            if (not chain and row.pk != head_pk) or row.lane != lane or not row.due or room == 0:
                break
            chain.append(str(row.pk))
            room -= 1
        if chain:
            chains.append(chain)
    return chains


def _locked(chains: list[list[str]], now: datetime) -> list[list[OutboxEvent]]:
    """The chains cut at the first event another worker holds or that is no longer due (locks the rest)."""
    pks = [pk for chain in chains for pk in chain]
    found = {
        str(e.pk): e
        for e in OutboxEvent.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("tenant")
        .filter(pk__in=pks)
    }
    kept = []
    for chain in chains:
        events = []
        for pk in chain:
            event = found.get(pk)
            if event is None or not _is_due(event, now):
                break
            events.append(event)
        if events:
            kept.append(events)
    if kept:  # a predecessor may have come back (a replay) since the chains were read
        first = OutboxEvent.objects.filter(pk__in=[c[0].pk for c in kept])
        still = {str(pk) for pk in heads(first).values_list("pk", flat=True)}
        kept = [c for c in kept if str(c[0].pk) in still]
    return kept


def _single(event_id: str, now: datetime) -> list[list[OutboxEvent]]:
    """The chain of ``event_id`` alone, when it is a due head (locked)."""
    event = (
        OutboxEvent.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("tenant")
        .filter(pk=event_id)
        .first()
    )
    if event is None or not _is_due(event, now):
        return []
    if not heads(OutboxEvent.objects.filter(pk=event.pk)).exists():
        return []  # waits for its predecessor; delivered when that one is done
    return [[event]]


def _breaker(claim: Claim, chains: list[list[OutboxEvent]], now: datetime) -> list[list[OutboxEvent]]:
    """Read the breaker row without a lock when closed; when open, park the batch without spending attempts
    (woken when it closes); half-open, keep one event as the probe."""
    state = TenantSyncState.objects.filter(tenant_id=claim.tenant_id).first()
    if state is None:
        state, _ = TenantSyncState.objects.get_or_create(tenant_id=claim.tenant_id)
    claim.breaker_dirty = bool(state.consecutive_failures or state.open_until)
    if not state.open_until:
        return chains
    state = TenantSyncState.objects.select_for_update().get(pk=state.pk)
    if not state.open_until:
        return chains
    if state.open_until > now or (state.probe_until and state.probe_until > now):
        wake = max(state.open_until, state.probe_until or state.open_until)
        OutboxEvent.objects.filter(pk__in=[e.pk for c in chains for e in c]).update(
            next_attempt_at=wake, status=EventStatus.PENDING, last_error_class=BREAKER_WAIT
        )
        return []
    state.probe_until = now + timedelta(seconds=settings.PORTAL_OUTBOX_LEASE_SECONDS)
    state.save(update_fields=["probe_until"])
    return [chains[0][:1]]


def hold(events: list[OutboxEvent], now: datetime) -> None:
    """Park the events without spending an attempt while the tenant's sync is paused (one update)."""
    if not events:
        return
    tenant = events[0].tenant
    OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(
        status=EventStatus.PENDING,
        leased_until=None,
        next_attempt_at=now + timedelta(seconds=settings.PORTAL_ODOO_CHECK_SECONDS),
        last_error=f"waiting for a passing connection check: {tenant.odoo_sync_paused}"[:4000],
        last_error_class=CHECK_WAIT,
        updated_at=now,
    )


def _worker_lost(chains: list[list[OutboxEvent]], now: datetime) -> list[list[OutboxEvent]]:
    """Orphans (in flight, lease lapsed) say so; one lost on its last allowed attempt is parked, its chain cut."""
    kept = []
    for chain in chains:
        for i, event in enumerate(chain):
            if event.status != EventStatus.IN_FLIGHT:
                continue
            if event.attempts >= settings.PORTAL_OUTBOX_MAX_ATTEMPTS:
                # Each attempt took its worker down (or lost it): the next one would go the same way.
                OutboxEvent.objects.filter(pk=event.pk).update(
                    status=EventStatus.DEAD,
                    leased_until=None,
                    last_error=f"attempt {event.attempts}, the last one allowed, never reported back (worker lost)",
                    last_error_class=WORKER_LOST,
                    updated_at=now,
                )
                chain = chain[:i]
                break
            event.last_error = f"attempt {event.attempts} never reported back (worker lost); sent again"
            event.last_error_class = WORKER_LOST
            OutboxEvent.objects.filter(pk=event.pk).update(last_error=event.last_error, last_error_class=WORKER_LOST)
        if chain:
            kept.append(chain)
    return kept


def batch_claim(
    *, tenant_id: int | None, lane: str, limit: int, event_id: str | None = None, swept: datetime | None = None
) -> Claim:
    """Claim up to ``limit`` due events of the tenant and lane (or ``event_id`` alone, if it is a due head);
    ``swept`` (the mark of the sweep that sent the drain): only chains whose head's "queued" mark passed
    or is that sweep's."""
    now = timezone.now()
    claim = Claim(tenant_id=tenant_id, lane=lane)
    with transaction.atomic():
        chains = _single(event_id, now) if event_id else _locked(_chains(tenant_id, lane, limit, now, swept), now)
        if chains and event_id:
            claim.tenant_id, claim.lane = chains[0][0].tenant_id, chains[0][0].lane
        chains = _worker_lost(chains, now)
        if not chains:
            return claim
        chains = _breaker(claim, chains, now)
        events = [e for chain in chains for e in chain]
        if events and events[0].tenant.odoo_sync_paused:
            hold(events, now)
            claim.held = len(events)
            return claim
        if not events:
            return claim
        claim.lease_until = now + timedelta(seconds=settings.PORTAL_OUTBOX_LEASE_SECONDS)
        OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(
            status=EventStatus.IN_FLIGHT, attempts=F("attempts") + 1, leased_until=claim.lease_until, updated_at=now
        )
        for event in events:
            event.status, event.leased_until = EventStatus.IN_FLIGHT, claim.lease_until
            event.attempts += 1
        claim.events = events
    return claim
