"""A partner's life cycle in the portal: a tenant admin deactivates it, or reactivates it.

Deactivating takes away, at once, every way the partner's people and systems reach
the portal (pages, downloads, the API, invitations, token management): all of them
ask ``Partner.is_active`` (through ``Membership.has_access`` and
``MembershipQuerySet.active``). Nothing else is changed: memberships, grants, API
tokens and pending invitations stay as they are, so reactivating gives back exactly
what was there (a token that expired meanwhile stays expired). Odoo's own archive
flag is the other source of ``is_active``; the portal cannot lift it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import ApiToken, Invitation, Membership, Partner, Role
from portal.signals import member_scope_changed

from .audit import audit_record
from .errors import NotInScope
from .memberships import acts_now


def _admin_partner(actor: Membership, partner_id: int) -> Partner:
    if actor.role != Role.TENANT_ADMIN or not acts_now(actor):
        raise NotInScope()
    partner = Partner.objects.select_for_update().filter(pk=partner_id, tenant_id=actor.tenant_id).first()
    if partner is None:
        raise NotInScope()
    return partner


def partner_reach(partner: Partner) -> dict[str, int]:
    """What the partner has on the portal: people (active memberships), usable API tokens, pending
    invitations. Counted for the confirmation page and the audit entry."""
    now = timezone.now()
    return {
        "people": Membership.objects.filter(partner=partner, is_active=True, user__is_api_client=False).count(),
        "api_tokens": ApiToken.objects.filter(partner=partner, revoked_at__isnull=True, expires_at__gt=now).count(),
        "invitations": Invitation.objects.filter(partner=partner).pending().count(),
    }


def partner_deactivate(*, actor: Membership, partner_id: int, reason: str = "") -> Partner:
    """Suspend a partner: its users and API tokens lose all access now; raises NotInScope for
    anyone but a tenant admin of the partner's tenant, ValidationError for a reason over 500
    characters."""
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise ValidationError(
            {"reason": _("Keep the reason under 500 characters (this one has %(count)s).") % {"count": len(reason)}}
        )
    with transaction.atomic():
        partner = _admin_partner(actor, partner_id)
        if partner.deactivated_at is not None:
            return partner
        was_active = partner.is_active
        partner.deactivated_at, partner.deactivated_by, partner.deactivation_reason = timezone.now(), actor.user, reason
        partner.save(update_fields=["deactivated_at", "deactivated_by", "deactivation_reason"])
        partner.refresh_from_db(fields=["is_active"])  # computed by the database
        member_scope_changed.send(sender=Partner, tenant_id=partner.tenant_id)
        audit_record(
            tenant=actor.tenant,
            actor=actor.user,
            action="partner.deactivated",
            obj=partner,
            changes={
                "is_active": [was_active, False],
                "reason": [None, reason],
                **{f"suspended_{key}": [None, count] for key, count in partner_reach(partner).items()},
            },
        )
    return partner


def partner_reactivate(*, actor: Membership, partner_id: int) -> Partner:
    """Lift the portal's deactivation; the partner works again unless Odoo has it archived."""
    with transaction.atomic():
        partner = _admin_partner(actor, partner_id)
        if partner.deactivated_at is None:
            return partner
        partner.deactivated_at, partner.deactivated_by, partner.deactivation_reason = None, None, ""
        partner.save(update_fields=["deactivated_at", "deactivated_by", "deactivation_reason"])
        partner.refresh_from_db(fields=["is_active"])
        member_scope_changed.send(sender=Partner, tenant_id=partner.tenant_id)
        audit_record(
            tenant=actor.tenant,
            actor=actor.user,
            action="partner.reactivated",
            obj=partner,
            changes={"is_active": [False, partner.is_active]},
        )
    return partner


def partner_language_set(*, actor: Membership, partner_id: int, language: str) -> Partner:
    """Set the language of a partner's documents and API answers (and of the emails of its people who
    chose none); empty follows the tenant's. Tenant admins only (NotInScope otherwise); audited."""
    language = (language or "").strip()
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("The portal does not speak this language.")})
    with transaction.atomic():
        partner = _admin_partner(actor, partner_id)
        before = partner.language
        if before != language:
            partner.language = language
            partner.save(update_fields=["language"])
            audit_record(
                tenant=actor.tenant,
                actor=actor.user,
                action="partner.language_set",
                obj=partner,
                changes={"language": [before or None, language or None]},
            )
    return partner
