"""Invitations to join a tenant in a role, sent by email with a one-time link."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .roles import Role
from .scoping import TenantOwnedModel, TenantScopedQuerySet
from .tenancy import Membership


class InvitationQuerySet(TenantScopedQuerySet):
    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())

    def visible_to(self, membership: Membership | None) -> InvitationQuerySet:
        qs = super().visible_to(membership)
        if membership is None:
            return qs
        if membership.role == Role.TENANT_ADMIN:
            return qs
        if membership.role == Role.SUPPLIER_ADMIN:
            return qs.filter(partner_id=membership.partner_id)
        return qs.none()


class Invitation(TenantOwnedModel):
    """An email invitation to a role (and, for suppliers, a partner) in a tenant."""

    email = models.EmailField()
    role = models.CharField(max_length=32, choices=Role.choices)
    partner = models.ForeignKey("portal.Partner", on_delete=models.CASCADE, null=True, blank=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the link's token.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} as {self.get_role_display()}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"
