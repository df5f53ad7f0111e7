"""Scoped reads of quality records; every one goes through ``visible_to`` (portal.models.scoping)."""

from __future__ import annotations

from django.db.models import Max, QuerySet

from portal.models import Membership
from quality.models import Inspection


def inspection_list_waiting(*, membership: Membership) -> QuerySet[Inspection]:
    """Inspections waiting for an inspector that ``membership`` may see, oldest first.

    Each row has ``partner``, ``product`` and ``receipt`` loaded and ``n``, the items to draw
    (the largest sample of its defect classes).
    """
    return (
        Inspection.objects.visible_to(membership)
        .filter(status=Inspection.Status.WAITING)
        .select_related("partner", "product", "receipt")
        .annotate(n=Max("samplings__sample_size"))
        .order_by("created_at", "id")
    )
