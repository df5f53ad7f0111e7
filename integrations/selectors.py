"""Scoped reads of the sync state: exception queue, backlogs, pull cursors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from integrations.backlogs import monitor_cards_for
from integrations.models import EventStatus, HoldDrift, OutboxEvent, PullCursor, SyncDrift, TenantSyncState
from integrations.services.delivery import BREAKER_WAIT
from portal.models import Membership, Role

ADMINS = {Role.TENANT_ADMIN}


def _events(membership: Membership) -> QuerySet[OutboxEvent]:
    if membership.role not in ADMINS:
        return OutboxEvent.objects.none()
    return OutboxEvent.objects.filter(tenant_id=membership.tenant_id)


def dead_event_list(*, membership: Membership, topic: str = "", reason: str = "") -> QuerySet[OutboxEvent]:
    qs = _events(membership).filter(status=EventStatus.DEAD)
    if topic:
        qs = qs.filter(topic=topic)
    if reason:
        qs = qs.filter(last_error_class__icontains=reason)
    return qs.order_by("-updated_at")


def event_get(*, membership: Membership, event_id: str) -> OutboxEvent:
    return get_object_or_404(_events(membership), pk=event_id)


def sync_overview(*, membership: Membership) -> dict[str, Any]:
    """What the monitor shows: backlogs per lane and topic, failures, breaker, pulls, and the cards
    the apps register (``integrations.backlogs``: ``monitor_cards`` and the counts they read)."""
    events = _events(membership)
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    rows = (
        events.values("lane", "topic")
        .annotate(
            backlog=Count("pk", filter=Q(status__in=[EventStatus.PENDING, EventStatus.IN_FLIGHT])),
            oldest=Min("created_at", filter=Q(status__in=[EventStatus.PENDING, EventStatus.IN_FLIGHT])),
            delivered=Count("pk", filter=Q(status=EventStatus.DONE, delivered_at__gte=hour_ago)),
            failed=Count("pk", filter=Q(status=EventStatus.DEAD, updated_at__gte=hour_ago)),
            dead=Count("pk", filter=Q(status=EventStatus.DEAD)),
        )
        .order_by("lane", "topic")
    )
    lanes = [{**row, "oldest_age": (now - row["oldest"]).total_seconds() if row["oldest"] else None} for row in rows]
    state = TenantSyncState.objects.filter(tenant_id=membership.tenant_id).first()
    breaker = "closed"
    if state and state.open_until:
        breaker = "open" if state.open_until > now else "half-open"
    cursors = []
    for cursor in PullCursor.objects.filter(tenant_id=membership.tenant_id).order_by("model"):
        lag = None
        if cursor.last_success_at:
            lag = (now - cursor.last_success_at).total_seconds()
        cursors.append({"cursor": cursor, "lag": lag})
    return {
        "lanes": lanes,
        "breaker": breaker,
        "breaker_state": state,
        "waiting_for_odoo": events.filter(status=EventStatus.PENDING, last_error_class=BREAKER_WAIT).count(),
        "dead_total": events.filter(status=EventStatus.DEAD).count(),
        "drift_total": open_drift_list(membership=membership).count(),
        "cursors": cursors,
        # What waits outside the queues (shipments not on a receipt, decisions...): the apps' own cards.
        **monitor_cards_for(membership, now),
    }


def open_drift_list(*, membership: Membership) -> QuerySet[SyncDrift]:
    if membership.role not in ADMINS:
        return SyncDrift.objects.none()
    return SyncDrift.objects.filter(tenant_id=membership.tenant_id, resolved_at__isnull=True).select_related("event")


def open_hold_drift_list(*, membership: Membership) -> QuerySet[HoldDrift]:
    """Held stock found usable in Odoo and not resolved (``integrations.services.holds``), newest first."""
    if membership.role not in ADMINS:
        return HoldDrift.objects.none()
    return HoldDrift.objects.filter(tenant_id=membership.tenant_id, resolved_at__isnull=True)


def held_stock_usable(membership: Membership, now) -> dict[str, Any]:
    """The monitor's card: ``hold_drifts`` (the open drifts, each with ``age`` in seconds and ``quantity``,
    the sum of what was found usable, in the product's unit) and ``hold_drifts_count``."""
    drifts = list(open_hold_drift_list(membership=membership)[:50])
    for drift in drifts:
        drift.age = (now - drift.detected_at).total_seconds()
        drift.quantity = sum(drift.found.values())
    return {"hold_drifts": drifts, "hold_drifts_count": open_hold_drift_list(membership=membership).count()}
