"""Retention: what the sync engine and the API no longer need is removed, in bounded batches.

Two kinds of rows, per tenant (a scheduled task, ``retention_purge_all_task``):

- Delivered outbox events past the reconciliation window. An event stays while it is not done
  (pending, in flight, failed or cancelled: the exception queue and replays need it), while the
  nightly full reconciliation may still check it (delivered within ``PORTAL_RECONCILE_FULL_DAYS``
  plus a day, so a run in progress never loses its event), while a record points at it (an ASN's,
  an acknowledgement's or a message's ``outbox_event``: the record's "in Odoo" badge reads it;
  found from the model's relations, so a quality record that points at its event keeps it too), while
  it has an open drift, and while it is the newest event of its aggregate (the next event's
  sequence number continues from it instead of starting again at 1). Resolved drifts go with their
  event.
- Hand-offs (``integrations.models.Handoff``) whose reactions are all done, recorded and last
  finished (the newest reaction's ``done_at``) before the same window as events: a hand-off with a
  reaction pending, running or failed stays (the sweeper, the monitor's failed list and an admin's
  retry need it), and so does one retried and finished lately. Its reactions go with it.
- Answers kept for ``Idempotency-Key`` replays, once older than ``PORTAL_IDEMPOTENCY_KEEP_DAYS``:
  the same key after that runs as a new request.

A window under a day is refused (``ImproperlyConfigured``; ``portal.checks`` reports it at start too):
``PORTAL_RECONCILE_FULL_DAYS=-3`` would otherwise purge an event delivered minutes ago.

Each batch (``PORTAL_RETENTION_BATCH`` rows) is its own short transaction; a run stops after
``MAX_BATCHES`` batches of each kind and the next run goes on. What the last run removed, and
when, is kept on the tenant's ``TenantSyncState`` for the sync monitor.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from integrations.models import (
    EventStatus,
    Handoff,
    HandoffReaction,
    OutboxEvent,
    ReactionStatus,
    SyncDrift,
    TenantSyncState,
)
from portal.checks import window_problems
from portal.models import IdempotencyRecord, Tenant

log = logging.getLogger("integrations.retention")
MAX_BATCHES = 50
# The nightly full reconciliation reads events delivered within its window, counted from when it
# starts: a day more keeps every event it may still be reading.
MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class Purged:
    """Rows one run removed for one tenant."""

    events: int
    keys: int
    handoffs: int = 0


def kept_days() -> dict[str, int]:
    """How long each kind is kept, in days (for the monitor): ``{"events": ..., "keys": ...}``
    (done hand-offs are kept as long as events)."""
    return {
        "events": settings.PORTAL_RECONCILE_FULL_DAYS + MARGIN.days,
        "keys": settings.PORTAL_IDEMPOTENCY_KEEP_DAYS,
    }


def retention_purge(*, tenant: Tenant, now: datetime | None = None) -> Purged:
    """Remove the tenant's delivered events and done hand-offs past the window and its expired
    Idempotency-Key answers (see the module docstring for what stays); record the counts on its
    ``TenantSyncState``.

    Returns the counts. ``now`` (aware) is for tests; by default the current time. Raises
    ``ImproperlyConfigured`` when a window setting is under a day (nothing is removed).
    """
    if problems := window_problems():
        raise ImproperlyConfigured(" ".join(problems))
    now = now or timezone.now()
    days = kept_days()
    window_start = now - timedelta(days=days["events"])
    events = _purge(purgeable_events(tenant=tenant, before=window_start))
    handoffs = _purge(done_handoffs(tenant=tenant, before=window_start))
    keys = _purge(expired_keys(tenant=tenant, before=now - timedelta(days=days["keys"])))
    TenantSyncState.objects.get_or_create(tenant=tenant)
    # Only these fields: the breaker's run beside it on the same row.
    TenantSyncState.objects.filter(tenant=tenant).update(
        purged_at=now, purged_events=events, purged_keys=keys, purged_handoffs=handoffs
    )
    log.info("retention tenant=%s events=%d handoffs=%d keys=%d", tenant.slug, events, handoffs, keys)
    return Purged(events=events, keys=keys, handoffs=handoffs)


def purgeable_events(*, tenant: Tenant, before: datetime) -> QuerySet[OutboxEvent]:
    """The tenant's done events delivered before ``before`` that nothing needs any more."""
    later = OutboxEvent.objects.filter(
        tenant_id=OuterRef("tenant_id"),
        aggregate_type=OuterRef("aggregate_type"),
        aggregate_id=OuterRef("aggregate_id"),
        sequence__gt=OuterRef("sequence"),
    )
    events = OutboxEvent.objects.filter(tenant=tenant, status=EventStatus.DONE, delivered_at__lt=before).filter(
        Exists(later)
    )
    events = events.exclude(Exists(SyncDrift.objects.filter(event=OuterRef("pk"), resolved_at__isnull=True)))
    for model, field_name in _pointing_at_events():
        events = events.exclude(Exists(model._base_manager.filter(**{field_name: OuterRef("pk")})))
    return events


def done_handoffs(*, tenant: Tenant, before: datetime) -> QuerySet[Handoff]:
    """The tenant's hand-offs recorded before ``before`` whose reactions are all done, the last of them
    before ``before`` too (one with no reaction, where no app reacts to its kind, is done too)."""
    reactions = HandoffReaction.objects.filter(handoff_id=OuterRef("pk"))
    unfinished = reactions.exclude(status=ReactionStatus.DONE)
    # When it finished, not when it was recorded: a reaction retried for days and done an hour ago stays.
    # (updated_at where done_at is missing: a row marked done by hand.)
    lately = reactions.filter(Q(done_at__gte=before) | Q(done_at__isnull=True, updated_at__gte=before))
    return (
        Handoff.objects.filter(tenant=tenant, created_at__lt=before).exclude(Exists(unfinished)).exclude(Exists(lately))
    )


def expired_keys(*, tenant: Tenant, before: datetime) -> QuerySet[IdempotencyRecord]:
    """The tenant's Idempotency-Key answers (of any of its tokens) first stored before ``before``."""
    return IdempotencyRecord.objects.filter(token__tenant=tenant, created_at__lt=before)


def _pointing_at_events() -> list[tuple[type, str]]:
    """(model, field) of every relation that points at an outbox event, drifts aside (an open drift keeps
    its event; a resolved one goes with it)."""
    return [
        (relation.related_model, relation.field.name)
        for relation in OutboxEvent._meta.get_fields(include_hidden=True)
        if relation.auto_created and not relation.concrete and relation.related_model is not SyncDrift
    ]


def _purge(rows: QuerySet) -> int:
    """Delete ``rows`` a batch per transaction, locked first (rows another transaction holds wait for
    the next run), at most ``MAX_BATCHES`` batches; returns the rows of ``rows``'s model removed."""
    model, removed = rows.model, 0
    size = settings.PORTAL_RETENTION_BATCH
    locked = rows.select_for_update(skip_locked=True, of=("self",)).order_by("pk")
    for _ in range(MAX_BATCHES):
        with transaction.atomic():
            pks = list(locked.values_list("pk", flat=True)[:size])
            if pks:
                removed += model.objects.filter(pk__in=pks).delete()[1].get(model._meta.label, 0)
        if len(pks) < size:
            break
    return removed
