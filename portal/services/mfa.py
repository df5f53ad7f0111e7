"""Second factors the portal itself enrols (demo data and tests)."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from portal.models import User


def totp_ensure(user: User) -> Authenticator:
    """Give the user an authenticator-app (TOTP) factor unless it has one."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return existing or TOTP.activate(user, generate_totp_secret()).instance
