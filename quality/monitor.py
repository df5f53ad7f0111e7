"""What quality shows on the sync monitor (``integrations.backlogs``) and on /metrics: lots held
without a disposition, and dispositions not yet in Odoo. Registered from ``quality.entries``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from prometheus_client.core import GaugeMetricFamily

from integrations.models import EventStatus
from portal.models import Membership, Tenant
from quality.holds import undecided_inspections
from quality.models import Disposition
from quality.services.recording import RECORDER_ROLES


def _age(now: datetime, oldest: datetime | None) -> float | None:
    return (now - oldest).total_seconds() if oldest else None


def lots_held_undecided(membership: Membership, now: datetime) -> dict[str, Any]:
    """``lots_held_undecided`` (count of lots with a quantity nobody decided on) and
    ``lots_held_undecided_age`` (seconds since the oldest was received for inspection, or None)."""
    held = undecided_inspections(membership.tenant_id)
    return {
        # The inspectors' list is theirs and the engineers'; a tenant admin reads the figure only.
        "lots_held_link": membership.role in RECORDER_ROLES,
        "lots_held_undecided": held.count(),
        "lots_held_undecided_age": _age(now, held.aggregate(m=Min("created_at"))["m"]),
    }


def _unsynced() -> QuerySet[Disposition]:
    """Dispositions whose event has not reached Odoo (a hold has no event and is not waiting)."""
    return Disposition.objects.filter(outbox_event__isnull=False).exclude(outbox_event__status=EventStatus.DONE)


def dispositions_unsynced(membership: Membership, now: datetime) -> dict[str, Any]:
    """``dispositions_unsynced`` (count), ``dispositions_unsynced_age`` (seconds since the oldest was
    decided, or None) and ``dispositions_failed`` (those whose event failed for good)."""
    figures = (
        _unsynced()
        .filter(tenant_id=membership.tenant_id)
        .aggregate(
            n=Count("pk"), oldest=Min("decided_at"), failed=Count("pk", filter=Q(outbox_event__status=EventStatus.DEAD))
        )
    )
    return {
        "dispositions_unsynced": figures["n"],
        "dispositions_unsynced_age": _age(now, figures["oldest"]),
        "dispositions_failed": figures["failed"],
    }


def quality_metrics(now: datetime) -> Iterator[GaugeMetricFamily]:
    """/metrics: ``portal_lots_held_undecided{tenant}`` and ``portal_dispositions_unsynced{tenant}``."""
    held = GaugeMetricFamily(
        "portal_lots_held_undecided", "Inspected lots with a quantity no disposition decided", labels=["tenant"]
    )
    for tenant in Tenant.objects.filter(is_active=True).only("pk", "slug"):
        count = undecided_inspections(tenant.pk).count()
        if count:
            held.add_metric([tenant.slug], count)
    yield held
    unsynced = GaugeMetricFamily(
        "portal_dispositions_unsynced", "Dispositions whose event has not reached Odoo", labels=["tenant"]
    )
    for row in _unsynced().values("tenant__slug").annotate(n=Count("pk")):
        unsynced.add_metric([row["tenant__slug"]], row["n"])
    yield unsynced
