"""Invitations: who may invite whom, the one-time link, and joining a tenant with it."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from portal.models import STAFF_ROLES, SUPPLIER_ROLES, Invitation, Membership, Partner, Role, User

from .audit import audit_record, field_changes
from .errors import NotInScope
from .mail import Reader, send_localized
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


def invitation_language(invitation: Invitation, inviter_language: str | None = None) -> str:
    """The language an invitation is written in: its partner's, when it has one; else the language the
    person who invites works in (the page they invite from, else their profile's or tenant's)."""
    from portal import l10n

    if invitation.partner_id and invitation.partner.language:
        return invitation.partner.language
    return l10n.supported(inviter_language) or l10n.language_of(user=invitation.invited_by, tenant=invitation.tenant)


def _send_invitation_email(invitation: Invitation, token: str, inviter_language: str | None = None) -> None:
    tenant = invitation.tenant
    context = {
        "invitation": invitation,
        "tenant": tenant,
        "url": settings.PORTAL_BASE_URL + reverse("invitation_accept", args=[token]),
        "days": settings.PORTAL_INVITATION_DAYS,
    }
    reader = Reader(
        email=invitation.email,
        language=invitation_language(invitation, inviter_language),
        zone=tenant.time_zone or "UTC",
    )
    send_localized(
        [reader],
        subject=lambda: _("You are invited to %(tenant)s's supplier portal") % {"tenant": tenant.name},
        template="emails/invitation.txt",
        context=context,
    )


def invitation_create(*, actor: Membership, email: str, role: str, partner: Partner | None) -> tuple[Invitation, str]:
    """Invite someone to the actor's tenant; returns the invitation and its one-time token."""
    if (partner is not None and partner.tenant_id != actor.tenant_id) or not acts_now(actor):
        raise NotInScope()
    allowed = invitable_roles(actor, partner)
    if not allowed:
        raise NotInScope()
    if role not in allowed:
        raise ValidationError(
            {
                "role": _("You cannot invite someone as %(role)s. Allowed: %(allowed)s.")
                % {"role": role, "allowed": ", ".join(str(Role(r).label) for r in allowed)}
            }
        )
    if role in SUPPLIER_ROLES and partner is None:
        raise ValidationError({"role": _("Supplier roles are invited from the supplier's page.")})
    if partner is not None and not Partner.objects.filter(pk=partner.pk, is_active=True).exists():
        raise ValidationError({"__all__": inactive_partner_message(partner)})
    email = email.strip().lower()
    if Membership.objects.filter(tenant_id=actor.tenant_id, user__email__iexact=email, is_active=True).exists():
        raise ValidationError(
            {"email": _("%(email)s is already a member of %(tenant)s.") % {"email": email, "tenant": actor.tenant.name}}
        )

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
        # The page the inviter works in now speaks their language; the email is sent after the commit.
        inviter_language = translation.get_language()
        transaction.on_commit(lambda: _send_invitation_email(invitation, token, inviter_language))
    return invitation, token


def invitation_revoke(*, actor: Membership, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation; its link stops working."""
    if not Invitation.objects.visible_to(actor).filter(pk=invitation.pk).exists():
        raise NotInScope()
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_pending:
            raise ValidationError(_("This invitation is already %(status)s.") % {"status": _status_word(invitation)})
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
        return _("%(tenant)s's portal is closed.") % {"tenant": invitation.tenant.name}
    if invitation.partner_id and not Partner.objects.filter(pk=invitation.partner_id, is_active=True).exists():
        return _(
            "%(partner)s's access to %(tenant)s's portal is suspended; the invitation works again once it is restored."
        ) % {"partner": invitation.partner.name, "tenant": invitation.tenant.name}
    return ""


def _status_word(invitation: Invitation) -> str:
    """The invitation's state as a word of the reader's language (``Invitation.status`` is a code)."""
    words = {
        "pending": pgettext("invitation", "pending"),
        "accepted": pgettext("invitation", "accepted"),
        "expired": pgettext("invitation", "expired"),
        "revoked": pgettext("invitation", "revoked"),
    }
    return words.get(invitation.status, invitation.status)


def invitation_get_by_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("tenant", "partner", "invited_by")
        .filter(token_hash=token_hash(token))
        .first()
    )


def _accept(invitation: Invitation, user: User) -> Membership:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(_("This invitation is %(status)s.") % {"status": _status_word(invitation)})
    if reason := invitation_on_hold(invitation):
        raise ValidationError(reason)
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(
            _("This invitation is for %(email)s, you are signed in as %(user_email)s.")
            % {"email": invitation.email, "user_email": user.email}
        )
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
    address, _created = EmailAddress.objects.get_or_create(
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
        raise ValidationError(_("An account with this email exists already; sign in to accept."))
    user = User.objects.create_user(
        email=invitation.email, password=password, first_name=first_name, last_name=last_name
    )
    return _accept(invitation, user)
