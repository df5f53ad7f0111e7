"""Scopes a token must carry for an endpoint, named per action on the view (``required_scopes``)."""

from __future__ import annotations

from rest_framework import permissions

from portal.models import ApiToken


class TokenHasScope(permissions.BasePermission):
    message = "This token lacks the scope this endpoint needs."

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        needed = getattr(view, "required_scopes", {})
        scope = (
            needed.get(getattr(view, "action", None) or request.method.lower()) if isinstance(needed, dict) else needed
        )
        if scope and scope not in token.scopes:
            self.message = f"This token lacks the scope {scope}."
            return False
        return True
