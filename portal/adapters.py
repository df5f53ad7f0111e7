"""allauth adapters: accounts come from invitations only, and staff keep their second factor."""

from __future__ import annotations

import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from portal import l10n


class PortalAccountAdapter(DefaultAccountAdapter):
    def login(self, request: HttpRequest, user) -> None:
        """Sign in, then speak the person's language for the rest of this request: the "signed in"
        message is written next, and shown on their first page, which is in their language."""
        super().login(request, user)
        language = l10n.supported(getattr(user, "language", ""))
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Suppliers and staff join by invitation (portal.services.invitations).
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # Staff are sent from the login form straight to set up their second
        # factor; a password typed moments ago is as good as typing it again.
        request = getattr(self, "request", None)
        if app == "allauth.mfa" and request is not None and request.user.is_authenticated:
            records = get_authentication_records(request, request.user)
            recent = [r for r in records if r.get("method") == "password"]
            if recent and time.time() - recent[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT:
                return False
        return super().is_reauthentication_required(app=app, **kwargs)


class PortalMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        from portal.middleware import needs_mfa

        if settings.PORTAL_STAFF_MFA_REQUIRED and authenticator.type == Authenticator.Type.TOTP:
            return not needs_mfa(authenticator.user)
        return super().can_delete_authenticator(authenticator)
