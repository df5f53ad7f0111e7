"""What the order desk shows on the sync monitor (``integrations.backlogs``): what waits outside
the outbox's queues. Registered from ``suppliers.entries``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Min, Q

from integrations.models import EventStatus
from portal.models import Membership
from suppliers.models import AckStatus, Asn, PurchaseOrder


def asns_not_on_receipt(membership: Membership, now: datetime) -> dict[str, Any]:
    """Open shipments whose notice has not reached Odoo, or whose receipt does not match them:
    ``asns_not_on_receipt`` (count), ``asns_not_on_receipt_age`` (seconds since the oldest was
    submitted, or None) and ``asns_mismatched`` (count)."""
    waiting = Asn.objects.filter(tenant_id=membership.tenant_id, status__in=Asn.OPEN_STATUSES).filter(
        ~Q(outbox_event__status=EventStatus.DONE) | ~Q(odoo_mismatches=[])
    )
    oldest = waiting.aggregate(m=Min("submitted_at"))["m"]
    return {
        "asns_not_on_receipt": waiting.count(),
        "asns_not_on_receipt_age": (now - oldest).total_seconds() if oldest else None,
        "asns_mismatched": waiting.exclude(odoo_mismatches=[]).count(),
    }


def acks_awaiting_buyer(membership: Membership, now: datetime) -> dict[str, Any]:
    """``acks_awaiting_buyer``: the tenant's orders whose acknowledgement a buyer has to decide."""
    return {
        "acks_awaiting_buyer": PurchaseOrder.objects.filter(
            tenant_id=membership.tenant_id, ack_status=AckStatus.PENDING
        ).count()
    }
