"""Reconciliation: compare what the portal delivered with what Odoo shows, file the drift."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.models import EventStatus, OutboxEvent, SyncDrift, TenantSyncState
from integrations.odoo.client import gateway_for
from integrations.reconcilers import RECONCILERS, UNFINISHED
from portal.context import bound
from portal.models import Tenant

log = logging.getLogger("integrations.reconcile")
BATCH = 200


def unfinished_events(tenant: Tenant, now, since):
    """Events whose delivery started and did not finish: failed (DEAD) or retrying (PENDING after an
    attempt) since ``since``, or left by a lost worker (IN_FLIGHT, its lease run out since ``since``:
    a run that saw it within its lease left it alone)."""
    changed = Q(updated_at__gte=since, updated_at__lt=now)
    return OutboxEvent.objects.filter(tenant=tenant).filter(
        (Q(status=EventStatus.DEAD) & changed)
        | (Q(status=EventStatus.PENDING, attempts__gt=0) & changed)
        | Q(status=EventStatus.IN_FLIGHT, leased_until__gte=since, leased_until__lt=now)
    )


def tenant_reconcile(*, tenant: Tenant, full: bool = False) -> int:
    """Check delivered events since the last run (or of the last days, ``full``), and what unfinished
    deliveries left half-done in Odoo; returns drifts filed."""
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
            filed += _check_batches(tenant, topic, check, gateway, events)
        for topic, check in UNFINISHED.items():
            events = unfinished_events(tenant, now, since).filter(topic=topic).order_by("updated_at")
            # What is half-done now replaces an open drift's older wording (it was retrying, now it failed).
            filed += _check_batches(tenant, topic, check, gateway, events, refresh=True)
    TenantSyncState.objects.filter(pk=state.pk).update(reconciled_until=now)
    log.info("reconcile tenant=%s full=%s drift=%d", tenant.slug, full, filed)
    return filed


def _check_batches(tenant: Tenant, topic: str, check, gateway, events, *, refresh: bool = False) -> int:
    filed = 0
    batch: list[OutboxEvent] = []
    for event in events.iterator(chunk_size=BATCH):
        batch.append(event)
        if len(batch) == BATCH:
            filed += _file(tenant, topic, check(gateway, batch), refresh=refresh)
            batch = []
    if batch:
        filed += _file(tenant, topic, check(gateway, batch), refresh=refresh)
    return filed


def _file(tenant: Tenant, topic: str, findings, *, refresh: bool = False) -> int:
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
            # already filed and not yet resolved
            if refresh:
                SyncDrift.objects.filter(event_id=finding.event_id, resolved_at__isnull=True).update(
                    message=finding.message, expected=finding.expected, found=finding.found
                )
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
        event = OutboxEvent.objects.select_for_update().get(pk=drift.event_id)
        if event.status == EventStatus.CANCELLED:
            raise ValidationError(_("The event was cancelled; fix Odoo by hand and accept the drift."))
        if event.status == EventStatus.IN_FLIGHT and event.leased_until and event.leased_until > timezone.now():
            raise ValidationError(_("The event is being delivered right now; the drift closes if it lands."))
        # Done, failed (DEAD), retrying or abandoned by its worker: delivered again from the start, looking
        # for what an earlier attempt left in Odoo first.
        OutboxEvent.objects.filter(pk=event.pk).update(
            status=EventStatus.PENDING,
            verify=True,
            attempts=0,
            next_attempt_at=timezone.now(),
            leased_until=queued_until(),
            odoo_result={},
            last_error="",
            last_error_class="",
        )
        audit_record(
            tenant=drift.tenant,
            actor=actor.user,
            action="outbox.resent",
            obj=event,
            changes={"status": [event.status, EventStatus.PENDING], "drift": [None, drift.message]},
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
