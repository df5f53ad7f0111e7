"""Invitations: who may invite whom, the one-time link, and joining a tenant with it."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.models import STAFF_ROLES, SUPPLIER_ROLES, Invitation, Membership, Partner, Role, User

from .audit import audit_record, field_changes
from .errors import NotInScope
from .memberships import acts_now, inactive_partner_message, membership_create


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitable_roles(actor: Membership, partner: Partner | None) -> list[str]:
    """Roles the actor may hand out: tenant admins any, supplier admins their own partner's."""
    if partner is not None:
        if actor.role == Role.TENANT_ADMIN or (actor.role == Role.SUPPLIER_ADMIN and partner.pk == actor.partner_id):
            return [Role.SUPPLIER_ADMIN, Role.SUPPLIER_USER]
        return []
    if actor.role == Role.TENANT_ADMIN:
        return [r for r in Role.values if r in STAFF_ROLES]
    return []


def _send_invitation_email(invitation: Invitation, token: str) -> None:
    context = {
        "invitation": invitation,
        "tenant": invitation.tenant,
        "url": settings.PORTAL_BASE_URL + reverse("invitation_accept", args=[token]),
        "days": settings.PORTAL_INVITATION_DAYS,
    }
    send_mail(
        subject=f"You are invited to {invitation.tenant.name}'s supplier portal",
        message=render_to_string("emails/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


def invitation_create(*, actor: Membership, email: str, role: str, partner: Partner | None) -> tuple[Invitation, str]:
    """Invite someone to the actor's tenant; returns the invitation and its one-time token."""
    if (partner is not None and partner.tenant_id != actor.tenant_id) or not acts_now(actor):
        raise NotInScope()
    allowed = invitable_roles(actor, partner)
    if not allowed:
        raise NotInScope()
    if role not in allowed:
        raise ValidationError({"role": f"You cannot invite someone as {role}. Allowed: {', '.join(allowed)}."})
    if role in SUPPLIER_ROLES and partner is None:
        raise ValidationError({"role": "Supplier roles are invited from the supplier's page."})
    if partner is not None and not Partner.objects.filter(pk=partner.pk, is_active=True).exists():
        raise ValidationError({"__all__": inactive_partner_message(partner)})
    email = email.strip().lower()
    if Membership.objects.filter(tenant_id=actor.tenant_id, user__email__iexact=email, is_active=True).exists():
        raise ValidationError({"email": f"{email} is already a member of {actor.tenant.name}."})

    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        # A new invitation replaces any still pending for the same address.
        Invitation.objects.filter(tenant_id=actor.tenant_id, email__iexact=email).pending().update(revoked_at=now)
        invitation = Invitation.objects.create(
            tenant=actor.tenant,
            email=email,
            role=role,
            partner=partner,
            invited_by=actor.user,
            token_hash=token_hash(token),
            expires_at=now + timedelta(days=settings.PORTAL_INVITATION_DAYS),
        )
        audit_record(
            tenant=actor.tenant,
            actor=actor.user,
            action="invitation.created",
            obj=invitation,
            changes=field_changes({}, {"email": email, "role": role, "partner": partner}),
        )
        transaction.on_commit(lambda: _send_invitation_email(invitation, token))
    return invitation, token


def invitation_revoke(*, actor: Membership, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation; its link stops working."""
    if not Invitation.objects.visible_to(actor).filter(pk=invitation.pk).exists():
        raise NotInScope()
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_pending:
            raise ValidationError(f"This invitation is already {invitation.status}.")
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            tenant=invitation.tenant,
            actor=actor.user,
            action="invitation.revoked",
            obj=invitation,
            changes={"status": ["pending", "revoked"]},
        )
    return invitation


def invitation_on_hold(invitation: Invitation) -> str:
    """Why a pending invitation cannot be accepted now (its tenant or partner is not active), or ""."""
    if not invitation.tenant.is_active:
        return f"{invitation.tenant.name}'s portal is closed."
    if invitation.partner_id and not Partner.objects.filter(pk=invitation.partner_id, is_active=True).exists():
        return (
            f"{invitation.partner.name}'s access to {invitation.tenant.name}'s portal is suspended; "
            "the invitation works again once it is restored."
        )
    return ""


def invitation_get_by_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("tenant", "partner", "invited_by")
        .filter(token_hash=token_hash(token))
        .first()
    )


def _accept(invitation: Invitation, user: User) -> Membership:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(f"This invitation is {invitation.status}.")
    if reason := invitation_on_hold(invitation):
        raise ValidationError(reason)
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(f"This invitation is for {invitation.email}, you are signed in as {user.email}.")
    membership = membership_create(
        tenant=invitation.tenant,
        user=user,
        role=invitation.role,
        partner=invitation.partner,
        invited_by=invitation.invited_by,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    # The link reached this inbox, which proves the address.
    address, _ = EmailAddress.objects.get_or_create(
        user=user, email__iexact=invitation.email, defaults={"email": invitation.email, "primary": True}
    )
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    audit_record(
        tenant=invitation.tenant,
        actor=user,
        action="invitation.accepted",
        obj=invitation,
        changes={"status": ["pending", "accepted"]},
    )
    return membership


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """An existing user joins the tenant: one account, one more membership."""
    return _accept(invitation, user)


@transaction.atomic
def invitation_signup(*, invitation: Invitation, first_name: str, last_name: str, password: str) -> Membership:
    """A new person creates an account with the invitation and joins in one step."""
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError("An account with this email exists already; sign in to accept.")
    user = User.objects.create_user(
        email=invitation.email, password=password, first_name=first_name, last_name=last_name
    )
    return _accept(invitation, user)
