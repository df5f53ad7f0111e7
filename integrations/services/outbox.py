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
    """Hand the event to a worker on its lane's queue; the sweeper covers a lost message."""
    from integrations.tasks import deliver_event_task

    deliver_event_task.apply_async((str(event.id),), queue=event.lane, headers={"correlation_id": event.correlation_id})
