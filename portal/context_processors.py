from __future__ import annotations

from django.http import HttpRequest

from portal.middleware import user_memberships
from portal.navigation import nav_for


def portal(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    context: dict = {"membership": membership, "tenant": getattr(request, "tenant", None), "nav": []}
    if membership is not None:
        context["nav"] = nav_for(membership)
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        context["switchable_memberships"] = user_memberships(request)
    return context
