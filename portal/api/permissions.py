"""Scopes a token must carry for an endpoint, named per action on the view (``required_scopes``).

Every method is checked, OPTIONS and HEAD included, and an action that names no scope is closed:
an endpoint added without one answers 403 to every token instead of serving all of them. A viewset
names its scopes per action (a dict; a single str there counts as none), and one on the API's base
(``portal.api.base.TenantScopedViewSet``) cannot even be defined without a scope for each of its
actions, and ``tests/api/test_route_scopes.py`` holds every route to the same rule.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import permissions

from portal.models import ApiToken

CLOSED = gettext_lazy("This endpoint names no scope, so no token may use it.")


def action_of(view, method: str) -> str | None:
    """The view's action for an HTTP method (viewsets), or the method itself (plain API views)."""
    action_map = getattr(view, "action_map", None)
    if action_map is not None:
        return action_map.get(method.lower())
    return method.lower()


def handles(view, method: str) -> bool:
    """Whether this URL has a handler for the method (otherwise DRF answers 405)."""
    action_map = getattr(view, "action_map", None)
    if action_map is not None:
        return method.lower() in action_map
    return method.lower() in view.http_method_names and hasattr(view, method.lower())


def scope_for(view, method: str) -> str | None:
    """The scope a request with this method needs at this view; None when the view names none.

    A plain API view may name one scope (a str) for all its methods; a viewset names one per action
    (a dict), and a str there names none: one scope for every action would let a read token write."""
    needed = getattr(view, "required_scopes", None)
    if isinstance(needed, str):
        return needed if getattr(view, "action_map", None) is None else None
    if not needed:
        return None
    return needed.get(action_of(view, method) or "")


def usable_methods(view, token: ApiToken) -> list[str]:
    """The methods of this URL (besides OPTIONS) that the token's scopes allow."""
    methods = [m.upper() for m in getattr(view, "action_map", None) or {}] or [
        m.upper() for m in view.http_method_names if hasattr(view, m) and m != "options"
    ]
    return [m for m in methods if m != "OPTIONS" and scope_for(view, m) in token.scopes]


class TokenHasScope(permissions.BasePermission):
    message = gettext_lazy("This token lacks the scope this endpoint needs.")

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        if request.method == "OPTIONS":
            # What a URL accepts is told only to a token that may use it (and only for what it may use:
            # ``portal.api.metadata.ScopedMetadata``).
            if usable_methods(view, token):
                return True
            self.message = _("This token holds no scope of this endpoint.")
            return False
        if not handles(view, request.method):
            return True  # the view answers 405 Method Not Allowed: there is nothing to guard
        scope = scope_for(view, request.method)
        if scope is None:
            self.message = CLOSED
            return False
        if scope not in token.scopes:
            self.message = _("This token lacks the scope %(scope)s.") % {"scope": scope}
            return False
        return True
