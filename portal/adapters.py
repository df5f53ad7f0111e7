"""allauth adapters: accounts come from invitations only, and staff keep their second factor."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest


class PortalAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Suppliers and staff join by invitation (portal.services.invitations).
        return False


class PortalMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        from portal.middleware import needs_mfa

        if settings.PORTAL_STAFF_MFA_REQUIRED and authenticator.type == Authenticator.Type.TOTP:
            return not needs_mfa(authenticator.user)
        return super().can_delete_authenticator(authenticator)
