from __future__ import annotations

from django.http import HttpRequest

from portal.models import Membership
from portal.navigation import nav_for


def portal(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    context: dict = {"membership": membership, "tenant": getattr(request, "tenant", None), "nav": []}
    if membership is not None:
        context["nav"] = nav_for(membership)
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        context["switchable_memberships"] = list(
            Membership.objects.active().filter(user=request.user).select_related("tenant")
        )
    return context
