"""Reconciliation: compare what the portal delivered with what Odoo shows, file the drift."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import EventStatus, OutboxEvent, SyncDrift, TenantSyncState
from integrations.odoo.client import gateway_for
from integrations.reconcilers import RECONCILERS
from portal.context import bound
from portal.models import Tenant

log = logging.getLogger("integrations.reconcile")
BATCH = 200


def tenant_reconcile(*, tenant: Tenant, full: bool = False) -> int:
    """Check delivered events since the last run (or of the last days, ``full``); returns drifts filed."""
    now = timezone.now()
    state, _ = TenantSyncState.objects.get_or_create(tenant=tenant)
    since = now - timedelta(days=settings.PORTAL_RECONCILE_FULL_DAYS)
    if not full and state.reconciled_until:
        since = state.reconciled_until
    gateway = gateway_for(tenant.odoo_config())
    filed = 0
    with bound(source="sync"):
        for topic, check in RECONCILERS.items():
            events = OutboxEvent.objects.filter(
                tenant=tenant, topic=topic, status=EventStatus.DONE, delivered_at__gte=since, delivered_at__lt=now
            ).order_by("delivered_at")
            batch: list[OutboxEvent] = []
            for event in events.iterator(chunk_size=BATCH):
                batch.append(event)
                if len(batch) == BATCH:
                    filed += _file(tenant, topic, check(gateway, batch))
                    batch = []
            if batch:
                filed += _file(tenant, topic, check(gateway, batch))
    TenantSyncState.objects.filter(pk=state.pk).update(reconciled_until=now)
    log.info("reconcile tenant=%s full=%s drift=%d", tenant.slug, full, filed)
    return filed


def _file(tenant: Tenant, topic: str, findings) -> int:
    filed = 0
    for finding in findings:
        try:
            with transaction.atomic():
                SyncDrift.objects.create(
                    tenant=tenant,
                    event_id=finding.event_id,
                    topic=topic,
                    message=finding.message,
                    expected=finding.expected,
                    found=finding.found,
                )
            filed += 1
        except IntegrityError:
            pass  # already filed and not yet resolved
    return filed


def drift_resend(*, actor, drift_id: int) -> SyncDrift:
    """Deliver the event again (its handler recreates what is missing), and close the drift when it lands."""
    from integrations.services.outbox import enqueue, queued_until
    from portal.services.audit import audit_record

    with transaction.atomic():
        drift = (
            SyncDrift.objects.select_for_update()
            .select_related("event", "tenant")
            .get(pk=drift_id, tenant_id=actor.tenant_id, resolved_at__isnull=True)
        )
        event = drift.event
        OutboxEvent.objects.filter(pk=event.pk).update(
            status=EventStatus.PENDING,
            verify=True,
            attempts=0,
            next_attempt_at=timezone.now(),
            leased_until=queued_until(),
            odoo_result={},
        )
        audit_record(
            tenant=drift.tenant,
            actor=actor.user,
            action="outbox.resent",
            obj=event,
            changes={"status": [EventStatus.DONE, EventStatus.PENDING], "drift": [None, drift.message]},
        )
        transaction.on_commit(lambda: enqueue(event))
    return drift


def drift_accept(*, actor, drift_id: int, note: str) -> SyncDrift:
    """Close a drift as it is (Odoo's state is right), with the reason."""
    from portal.services.audit import audit_record

    with transaction.atomic():
        drift = (
            SyncDrift.objects.select_for_update()
            .select_related("tenant")
            .get(pk=drift_id, tenant_id=actor.tenant_id, resolved_at__isnull=True)
        )
        drift.resolved_at, drift.resolution = timezone.now(), f"accepted: {note or 'no reason given'}"[:200]
        drift.save(update_fields=["resolved_at", "resolution"])
        audit_record(
            tenant=drift.tenant,
            actor=actor.user,
            action="sync.drift_accepted",
            obj=drift,
            changes={"resolution": [None, drift.resolution]},
        )
    return drift
