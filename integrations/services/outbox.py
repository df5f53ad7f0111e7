"""Writing outbox events: in the caller's transaction, enqueued once it commits."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from integrations.models import Lane, OutboxEvent
from portal.context import current_correlation_id
from portal.models import Tenant


def outbox_emit(
    *,
    tenant: Tenant,
    topic: str,
    aggregate: models.Model,
    payload: dict[str, Any],
    lane: str = Lane.REALTIME,
    payload_version: int = 1,
) -> OutboxEvent:
    """Record that Odoo must learn about a change; call it inside the change's transaction.

    The caller holds a lock on ``aggregate`` (services lock what they change), so
    the next sequence number cannot be taken twice; the unique constraint backs
    that up.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_emit must run inside the transaction that makes the change")
    aggregate_type = aggregate._meta.label_lower
    last = OutboxEvent.objects.filter(
        tenant=tenant, aggregate_type=aggregate_type, aggregate_id=str(aggregate.pk)
    ).aggregate(m=Max("sequence"))["m"]
    event = OutboxEvent.objects.create(
        id=uuid.uuid4(),
        tenant=tenant,
        topic=topic,
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate.pk),
        sequence=(last or 0) + 1,
        payload=payload,
        payload_version=payload_version,
        lane=lane,
        next_attempt_at=timezone.now(),
        leased_until=queued_until(),
        correlation_id=current_correlation_id(),
    )
    transaction.on_commit(lambda: enqueue(event))
    return event


def queued_until():
    """For a pending event, ``leased_until`` marks "a message is on its way": the sweeper
    re-sends it only once this has passed (the message was lost), instead of piling up
    duplicates behind a busy queue."""
    from datetime import timedelta

    from django.conf import settings

    return timezone.now() + timedelta(seconds=settings.PORTAL_OUTBOX_REQUEUE_SECONDS)


def enqueue(event: OutboxEvent) -> None:
    """Hand the event to a worker: its tenant's drain on its lane's queue; the sweeper covers a lost message."""
    drain_enqueue(tenant_id=event.tenant_id, lane=event.lane, correlation_id=event.correlation_id)


def drain_key(tenant_id: int, lane: str) -> str:
    """The cache key that says "a drain of this tenant and lane is queued and not started"."""
    return f"outbox-drain:{tenant_id}:{lane}"


def drain_enqueue(*, tenant_id: int, lane: str, correlation_id: str = "", swept=None) -> bool:
    """Send ``deliver_tenant_task(tenant_id, lane)`` unless one is queued and not started. ``swept`` (the
    "queued" mark the sweeper gave the heads it found, a datetime): the sweeper's re-send, always sent and
    outside that flag (it takes only what lost its message). Returns whether a message was sent."""
    from django.conf import settings
    from django.core.cache import cache

    from integrations.tasks import deliver_tenant_task

    headers = {"correlation_id": correlation_id} if correlation_id else {}
    if swept:
        deliver_tenant_task.apply_async((tenant_id, lane), {"swept": swept.isoformat()}, queue=lane, headers=headers)
        return True
    if not cache.add(drain_key(tenant_id, lane), 1, timeout=settings.PORTAL_OUTBOX_REQUEUE_SECONDS):
        return False
    deliver_tenant_task.apply_async((tenant_id, lane), queue=lane, headers=headers)
    return True
