"""Memberships: who belongs to a tenant, in which role, scoped to which partners."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm

from portal.models import ACCESS_PARTNER, STAFF_ROLES, SUPPLIER_ROLES, Membership, Partner, Role, Tenant, User
from portal.signals import member_scope_changed

from .audit import audit_record, field_changes
from .errors import NotInScope


def _revoke_partner_grants(*, user: User, tenant: Tenant) -> None:
    tenant_partner_pks = [str(pk) for pk in Partner.objects.filter(tenant=tenant).values_list("pk", flat=True)]
    UserObjectPermission.objects.filter(
        user=user,
        permission__codename="access_partner",
        permission__content_type__app_label="portal",
        object_pk__in=tenant_partner_pks,
    ).delete()
    member_scope_changed.send(sender=Membership, tenant_id=tenant.pk)


def _grant_partners(*, user: User, partners: Iterable[Partner]) -> None:
    tenants = set()
    for partner in partners:
        assign_perm(ACCESS_PARTNER, user, partner)
        tenants.add(partner.tenant_id)
    for tenant_id in tenants:
        member_scope_changed.send(sender=Membership, tenant_id=tenant_id)


def membership_create(
    *,
    tenant: Tenant,
    user: User,
    role: str,
    partner: Partner | None = None,
    invited_by: User | None = None,
) -> Membership:
    """Add a user to a tenant; a supplier role is granted its own partner and nothing else.

    A deactivated (or archived) partner takes no one in: its invitations wait until it is active again.
    """
    if role in SUPPLIER_ROLES:
        if partner is None or partner.tenant_id != tenant.pk:
            raise ValidationError({"partner": _("A supplier user needs a partner of this tenant.")})
        if not Partner.objects.filter(pk=partner.pk, is_active=True).exists():
            raise ValidationError({"partner": inactive_partner_message(partner)})
    elif partner is not None:
        raise ValidationError({"partner": _("Staff roles are not tied to one partner.")})
    with transaction.atomic():
        membership, created = Membership.objects.select_for_update().get_or_create(
            user=user,
            tenant=tenant,
            defaults={
                "role": role,
                "partner": partner,
                "all_partners": role in STAFF_ROLES,
                "invited_by": invited_by,
            },
        )
        if not created:
            if membership.is_active:
                raise ValidationError(
                    {
                        "email": _("%(email)s is already a member of %(tenant)s.")
                        % {"email": user.email, "tenant": tenant.name}
                    }
                )
            before = {"role": membership.role, "partner": membership.partner, "is_active": False}
            membership.role, membership.partner, membership.is_active = role, partner, True
            membership.all_partners = role in STAFF_ROLES
            membership.save()
            _revoke_partner_grants(user=user, tenant=tenant)
            changes = field_changes(before, {"role": role, "partner": partner, "is_active": True})
            action = "membership.reactivated"
        else:
            changes = field_changes({}, {"role": role, "partner": partner})
            action = "membership.created"
        if partner is not None:
            _grant_partners(user=user, partners=[partner])
        audit_record(tenant=tenant, actor=invited_by, action=action, obj=membership, changes=changes)
    return membership


def acts_now(actor: Membership) -> bool:
    """Whether the actor may change anything now, read from the database: a membership object held
    since before its partner (or itself) was deactivated must not act on the old state."""
    return actor.has_access and Membership.objects.active().filter(pk=actor.pk).exists()


def inactive_partner_message(partner: Partner) -> str:
    partner.refresh_from_db(fields=["is_active", "odoo_active", "deactivated_at"])
    if partner.status == "archived":
        return _("%(partner)s is archived in Odoo; its people get access once it is active there again.") % {
            "partner": partner.name
        }
    return _("%(partner)s is deactivated in the portal; a tenant admin can reactivate it.") % {"partner": partner.name}


def _check_can_manage(*, actor: Membership, membership: Membership) -> None:
    if membership.tenant_id != actor.tenant_id or not acts_now(actor):
        raise NotInScope()
    if membership.user.is_api_client:
        raise NotInScope()  # a token's membership follows its token (revoke, or create a new one)
    if actor.role == Role.TENANT_ADMIN:
        return
    if actor.role == Role.SUPPLIER_ADMIN and membership.partner_id == actor.partner_id:
        return
    raise NotInScope()


def membership_deactivate(*, actor: Membership, membership: Membership) -> Membership:
    """Take a member out of the tenant: the membership stays for history, its grants go."""
    _check_can_manage(actor=actor, membership=membership)
    if membership.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate yourself; ask another admin."))
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if not membership.is_active:
            return membership
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        _revoke_partner_grants(user=membership.user, tenant=membership.tenant)
        audit_record(
            tenant=membership.tenant,
            actor=actor.user,
            action="membership.deactivated",
            obj=membership,
            changes={"is_active": [True, False]},
        )
    return membership


def membership_reactivate(*, actor: Membership, membership: Membership) -> Membership:
    """Let a deactivated member back in with the role and partner it had (not while that partner is
    deactivated: the person would still have no access, and the partner's reactivation brings them back)."""
    _check_can_manage(actor=actor, membership=membership)
    with transaction.atomic():
        membership = Membership.objects.select_for_update(of=("self",)).select_related("partner").get(pk=membership.pk)
        if membership.is_active:
            return membership
        if membership.partner is not None and not membership.partner.is_active:
            raise ValidationError(inactive_partner_message(membership.partner))
        membership.is_active = True
        membership.save(update_fields=["is_active"])
        member_scope_changed.send(sender=Membership, tenant_id=membership.tenant_id)
        if membership.partner is not None:
            _grant_partners(user=membership.user, partners=[membership.partner])
        audit_record(
            tenant=membership.tenant,
            actor=actor.user,
            action="membership.reactivated",
            obj=membership,
            changes={"is_active": [False, True]},
        )
    return membership


def membership_scope_set(
    *, actor: Membership, membership: Membership, all_partners: bool, partners: Iterable[Partner]
) -> Membership:
    """Set which partners a staff member works with (tenant admins only); grants on partners that are
    not active now stay as they are."""
    if actor.role != Role.TENANT_ADMIN or membership.tenant_id != actor.tenant_id or not acts_now(actor):
        raise NotInScope()
    if not membership.is_staff_role:
        raise ValidationError(_("A supplier member is always scoped to its own partner."))
    partners = list(partners)
    if any(p.tenant_id != actor.tenant_id for p in partners):
        raise NotInScope()
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        before_pks = sorted(
            int(pk)
            for pk in UserObjectPermission.objects.filter(
                user=membership.user,
                permission__codename="access_partner",
                object_pk__in=[
                    str(pk) for pk in Partner.objects.filter(tenant=actor.tenant).values_list("pk", flat=True)
                ],
            ).values_list("object_pk", flat=True)
        )
        before = {"all_partners": membership.all_partners, "partners": before_pks}
        # A grant on a partner that is deactivated or archived now is not offered by the form, so it
        # is kept: reactivating the partner gives this person back exactly what they had.
        chosen = {p.pk for p in partners}
        partners += list(Partner.objects.filter(pk__in=before_pks, is_active=False).exclude(pk__in=chosen))
        membership.all_partners = all_partners
        membership.save(update_fields=["all_partners"])
        _revoke_partner_grants(user=membership.user, tenant=membership.tenant)
        _grant_partners(user=membership.user, partners=partners)
        after = {"all_partners": all_partners, "partners": sorted(p.pk for p in partners)}
        audit_record(
            tenant=membership.tenant,
            actor=actor.user,
            action="membership.scope_changed",
            obj=membership,
            changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
        )
    return membership
