"""Scoped reads of the hand-offs' reactions, for the sync monitor (tenant admins only)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from integrations.models import HandoffReaction, ReactionStatus
from integrations.services.handoffs import MAX_ATTEMPTS
from portal.models import Membership, Role

ADMINS = {Role.TENANT_ADMIN}


def _reactions(membership: Membership) -> QuerySet[HandoffReaction]:
    if membership.role not in ADMINS:
        return HandoffReaction.objects.none()
    return HandoffReaction.objects.filter(tenant_id=membership.tenant_id)


def failed_reaction_list(*, membership: Membership) -> QuerySet[HandoffReaction]:
    """Reactions that used up their attempts, the latest failure first, with their hand-off."""
    return _reactions(membership).filter(status=ReactionStatus.FAILED).select_related("handoff").order_by("-updated_at")


def handoff_overview(*, membership: Membership) -> dict[str, Any]:
    """What the monitor shows of the reactions: ``handoffs_waiting`` (pending or running),
    ``handoffs_retrying`` (of those, failed at least once), ``handoffs_oldest_age`` (seconds, or None),
    ``handoffs_failed`` (count), ``handoffs_failed_list`` (the latest 50) and ``handoffs_max_attempts``."""
    waiting = Q(status__in=[ReactionStatus.PENDING, ReactionStatus.RUNNING])
    figures = _reactions(membership).aggregate(
        waiting=Count("pk", filter=waiting),
        retrying=Count("pk", filter=waiting & Q(attempts__gt=0)),
        failed=Count("pk", filter=Q(status=ReactionStatus.FAILED)),
        oldest=Min("handoff__created_at", filter=waiting),
    )
    oldest = figures["oldest"]
    return {
        "handoffs_waiting": figures["waiting"],
        "handoffs_retrying": figures["retrying"],
        "handoffs_oldest_age": (timezone.now() - oldest).total_seconds() if oldest else None,
        "handoffs_failed": figures["failed"],
        "handoffs_failed_list": list(failed_reaction_list(membership=membership)[:50]),
        "handoffs_max_attempts": MAX_ATTEMPTS,
    }
