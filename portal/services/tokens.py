"""Partner API tokens: issue (shown once), rotate, revoke, and recognise on a request.

A token is ``sqp_<prefix>_<secret>``; only a SHA-256 of it is kept. Each token acts
through its own API-client user and membership (role supplier user, the token's
partner), so every selector, service and audit entry treats it like a person of that
partner, and nothing can widen its reach beyond that partner.

Life cycle: a token works while it is neither revoked nor expired, its membership,
user and tenant are active, and its partner is active (not deactivated in the portal,
not archived in Odoo). Rotation replaces the secret: the old one never works again. A
revoked or expired token cannot be rotated (rotation keeps the expiry, and would hand
out a secret that works nowhere); a new token is created instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from portal import l10n
from portal.api.scopes import api_scopes
from portal.models import ACCESS_PARTNER, ApiToken, Membership, Partner, Role, User

from .audit import audit_record
from .errors import NotInScope
from .memberships import acts_now

MAX_DAYS = 365


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_secret() -> tuple[str, str]:
    prefix = secrets.token_hex(5)
    return prefix, f"sqp_{prefix}_{secrets.token_urlsafe(32)}"


def _check(name: str, scopes: list[str], days) -> tuple[str, list[str], int]:
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Name the token after the system that uses it (e.g. “ERP connector”).")
    elif len(name) > 80:
        errors["name"] = _("Keep the name under 80 characters.")
    known = api_scopes()  # registered by the apps (portal.api.scopes)
    unknown = [s for s in scopes or [] if s not in known]
    if unknown or not scopes:
        errors["scopes"] = (
            _("Unknown scope %(scope)s; choose among %(known)s.") % {"scope": unknown[0], "known": ", ".join(known)}
            if unknown
            else _("Choose at least one scope.")
        )
    try:
        days = int(days)
        if not 1 <= days <= MAX_DAYS:
            raise ValueError
    except (TypeError, ValueError):
        errors["expires_in_days"] = _("Choose 1 to %(max)s days.") % {"max": MAX_DAYS}
        days = 0
    if errors:
        raise ValidationError(errors)
    return name, sorted(set(scopes)), days


def _manageable(actor: Membership) -> Partner:
    """Only an active supplier admin of an active partner manages that partner's tokens."""
    if actor.role != Role.SUPPLIER_ADMIN or actor.partner is None or actor.user.is_api_client:
        raise NotInScope()
    if not acts_now(actor):
        raise NotInScope()
    return actor.partner


def token_create(*, actor: Membership, name: str, scopes: list[str], expires_in_days=90) -> tuple[ApiToken, str]:
    """Issue a token for the actor's own partner; answers the token and its secret (shown once)."""
    partner = _manageable(actor)
    name, scopes, days = _check(name, scopes, expires_in_days)
    prefix, secret = _new_secret()
    with transaction.atomic():
        user = User.objects.create(
            email=f"api-{uuid.uuid4().hex[:12]}@tokens.invalid", first_name=name[:150], is_api_client=True
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        membership = Membership.objects.create(
            user=user,
            tenant=actor.tenant,
            role=Role.SUPPLIER_USER,
            partner=partner,
            all_partners=False,
            invited_by=actor.user,
        )
        assign_perm(ACCESS_PARTNER, user, partner)
        token = ApiToken.objects.create(
            tenant=actor.tenant,
            partner=partner,
            membership=membership,
            name=name,
            prefix=prefix,
            key_hash=_hash(secret),
            scopes=scopes,
            created_by=actor.user,
            expires_at=timezone.now() + timedelta(days=days),
        )
        audit_record(
            tenant=actor.tenant,
            actor=actor.user,
            action="api_token.created",
            obj=token,
            changes={"scopes": [None, ", ".join(scopes)], "expires_at": [None, token.expires_at.isoformat()]},
        )
    return token, secret


def _get(actor: Membership, token_id: int) -> ApiToken:
    partner = _manageable(actor)
    token = ApiToken.objects.select_for_update().filter(pk=token_id, tenant=actor.tenant, partner=partner).first()
    if token is None:
        raise NotInScope()
    return token


def token_rotate(*, actor: Membership, token_id: int) -> tuple[ApiToken, str]:
    """A new secret for the same token (name, scopes, expiry); the old secret stops working at once."""
    with transaction.atomic():
        token = _get(actor, token_id)
        if token.revoked_at:
            raise ValidationError({"__all__": _("A revoked token cannot be rotated; create a new one.")})
        if token.expires_at <= timezone.now():
            raise ValidationError(
                {
                    "__all__": _("“%(name)s” expired on %(day)s; create a new token instead.")
                    % {"name": token.name, "day": l10n.day(token.expires_at)}
                }
            )
        token.prefix, secret = _new_secret()
        token.key_hash, token.rotated_at = _hash(secret), timezone.now()
        token.save(update_fields=["prefix", "key_hash", "rotated_at"])
        audit_record(tenant=actor.tenant, actor=actor.user, action="api_token.rotated", obj=token)
    return token, secret


def token_revoke(*, actor: Membership, token_id: int) -> ApiToken:
    with transaction.atomic():
        token = _get(actor, token_id)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            Membership.objects.filter(pk=token.membership_id).update(is_active=False)
            audit_record(tenant=actor.tenant, actor=actor.user, action="api_token.revoked", obj=token)
    return token


def token_authenticate(raw: str) -> ApiToken | None:
    """The usable token this secret belongs to, or None; marks it used (at most once a minute)."""
    parts = (raw or "").split("_", 2)  # the secret part may itself contain "_"
    if len(parts) != 3 or parts[0] != "sqp":
        return None
    token = (
        ApiToken.objects.select_related("membership__user", "membership__tenant", "membership__partner")
        .filter(prefix=parts[1])
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, _hash(raw)) or not token.is_usable:
        return None
    membership = token.membership
    if not (membership.has_access and membership.tenant.is_active and membership.user.is_active):
        return None  # revoked, or its partner deactivated (portal) or archived (Odoo)
    if membership.partner_id != token.partner_id or membership.tenant_id != token.tenant_id:
        return None  # never acts beyond the partner it was issued for
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
