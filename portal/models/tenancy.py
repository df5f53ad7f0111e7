"""Tenants (buying organisations), their supplier partners, and who belongs to them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_objects_for_user

from portal.dates import validate_time_zone

from .roles import STAFF_ROLES, SUPPLIER_ROLES, Role

ACCESS_PARTNER = "portal.access_partner"
PARTNER_LANGUAGE = "partner"  # Tenant.document_language: each document in its partner's language


class Tenant(models.Model):
    """One buying organisation, with its own Odoo, partners and users."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(max_length=40, unique=True, help_text=_("Used in every URL of the tenant."))
    accent_color = models.CharField(
        max_length=7,
        default="#1f6feb",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1f6feb."))],
        help_text=_("The tenant's brand colour for buttons and highlights."),
    )
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_(
            "Where the tenant's dock and buyers are: the zone of its calendar days, and of its people's times "
            "unless they choose their own."
        ),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_(
            "The portal's language for people who have not chosen theirs and whose browser asks for none "
            "it speaks; also the language of the notes the portal posts in Odoo."
        ),
    )
    document_language = models.CharField(
        _("language of documents"),
        max_length=8,
        choices=[(PARTNER_LANGUAGE, _("The partner's language")), *settings.LANGUAGES],
        default=PARTNER_LANGUAGE,
        help_text=_(
            "The language of PDFs (packing slips, labels, orders, reports): each partner's own, or one for all."
        ),
    )
    odoo_lang = models.CharField(
        _("Odoo language code"),
        max_length=16,
        blank=True,
        validators=[RegexValidator(r"^[a-z]{2,3}(_[A-Z]{2})?(@[a-z]+)?$", _("Use an Odoo language code like de_DE."))],
        help_text=_(
            "Sent to Odoo as the language of each call (e.g. de_DE), so Odoo answers and writes in it; it must be "
            "active in Odoo. Empty: Odoo's own default."
        ),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # The tenant's Odoo. Secrets are kept encrypted (portal.crypto), never logged.
    odoo_url = models.URLField(_("Odoo URL"), blank=True, help_text=_("e.g. https://erp.example.com"))
    odoo_database = models.CharField(_("Odoo database"), max_length=120, blank=True)
    odoo_login = models.CharField(_("integration user login"), max_length=120, blank=True)
    odoo_password_encrypted = models.TextField(blank=True, editable=False)
    odoo_api_key_encrypted = models.TextField(blank=True, editable=False)
    odoo_transport = models.CharField(
        max_length=8,
        choices=[("auto", _("Detect")), ("jsonrpc", "JSON-RPC (odoorpc)"), ("json2", "JSON-2 (Odoo 19+)")],
        default="auto",
        help_text=_("Detect picks JSON-2 on Odoo 19 or newer when an API key is set."),
    )
    odoo_timeout_seconds = models.PositiveSmallIntegerField(_("Odoo timeout (seconds)"), default=30)
    odoo_check = models.JSONField(default=dict, blank=True, help_text=_("Result of the last connection check."))
    odoo_check_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def odoo_password(self) -> str:
        from portal.crypto import decrypt

        return decrypt(self.odoo_password_encrypted)

    @odoo_password.setter
    def odoo_password(self, value: str) -> None:
        from portal.crypto import encrypt

        self.odoo_password_encrypted = encrypt(value)

    @property
    def odoo_api_key(self) -> str:
        from portal.crypto import decrypt

        return decrypt(self.odoo_api_key_encrypted)

    @odoo_api_key.setter
    def odoo_api_key(self, value: str) -> None:
        from portal.crypto import encrypt

        self.odoo_api_key_encrypted = encrypt(value)

    @property
    def odoo_configured(self) -> bool:
        return bool(
            self.odoo_url
            and self.odoo_database
            and self.odoo_login
            and (self.odoo_password_encrypted or self.odoo_api_key_encrypted)
        )

    @property
    def odoo_sync_paused(self) -> str:
        """Why the portal does not sync with this tenant's Odoo now ("" when it does): the last connection
        check found something blocking (a missing field, refused rights, refused credentials). An Odoo that
        is down does not pause it: the circuit breaker deals with that."""
        check = self.odoo_check or {}
        error = check.get("error") or {}
        if error.get("kind") in ("permanent", "credentials", "config"):
            return error.get("message") or "the connection check failed"
        blocking = [w for w in check.get("warnings") or [] if w.get("blocking")]
        return blocking[0]["message"] if blocking else ""

    def odoo_config(self):
        from integrations.odoo import OdooConfig

        return OdooConfig(
            url=self.odoo_url,
            database=self.odoo_database,
            login=self.odoo_login,
            password=self.odoo_password,
            api_key=self.odoo_api_key,
            transport=self.odoo_transport,
            timeout=float(self.odoo_timeout_seconds),
            tenant_id=self.pk,
            lang=(self.odoo_lang or "").strip(),  # sent on the calls that write (integrations.odoo.client)
            # Each connection check starts new gateways everywhere: the server may have been upgraded
            # (another series, other field names) or have gained a module since.
            generation=str((self.odoo_check or {}).get("checked_at", "")),
        )


class PartnerQuerySet(models.QuerySet):
    def visible_to(self, membership: Membership | None) -> PartnerQuerySet:
        if membership is None or not membership.has_access:
            return self.none()
        qs = self.filter(tenant_id=membership.tenant_id)
        if membership.sees_all_partners:
            return qs
        if membership.is_supplier_role:
            # A deactivated partner's people see nothing (staff keep reading its history).
            qs = qs.filter(is_active=True)
        return get_objects_for_user(
            membership.user, ACCESS_PARTNER, klass=qs, accept_global_perms=False, with_superuser=False
        )


class Partner(models.Model):
    """A supplier of a tenant, mapped to its commercial entity in Odoo (res.partner).

    ``is_active`` is computed by the database from its two sources, so neither can undo the
    other: archived in Odoo (``odoo_active``, mirrored by the pull) or deactivated in the
    portal (``deactivated_at``, a tenant admin's decision). While it is False, the partner's
    users and API tokens can do nothing; their memberships, grants, tokens and invitations
    are kept as they are, so reactivation gives back exactly what was there.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="partners")
    name = models.CharField(_("name"), max_length=200)
    odoo_id = models.PositiveIntegerField(help_text=_("res.partner id of the commercial entity in Odoo."))
    ref = models.CharField(_("reference"), max_length=64, blank=True)
    email = models.EmailField(_("email"), blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language of the partner's documents and API answers; empty: the tenant's."),
    )
    odoo_active = models.BooleanField(_("active in Odoo"), default=True, help_text=_("False once archived in Odoo."))
    deactivated_at = models.DateTimeField(null=True, blank=True, help_text=_("When a tenant admin deactivated it."))
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deactivation_reason = models.CharField(max_length=500, blank=True)
    is_active = models.GeneratedField(
        expression=models.Q(odoo_active=True, deactivated_at__isnull=True),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    odoo_write_date = models.CharField(max_length=19, blank=True, help_text=_("write_date as Odoo returned it (UTC)."))
    odoo_fingerprint = models.CharField(max_length=40, blank=True, help_text=_("Digest of the row as last pulled."))

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [("access_partner", "Work with this partner's records")]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "odoo_id"], name="partner_unique_odoo_id_per_tenant"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def status(self) -> str:
        """``active``, ``deactivated`` (in the portal) or ``archived`` (in Odoo)."""
        if self.deactivated_at is not None:
            return "deactivated"
        return "active" if self.odoo_active else "archived"


class MembershipQuerySet(models.QuerySet):
    def active(self) -> MembershipQuerySet:
        """Memberships that may act now: active themselves, in an active tenant, of an active user,
        and for a supplier role, of an active partner."""
        return self.filter(
            Q(partner__isnull=True) | Q(partner__is_active=True),
            is_active=True,
            tenant__is_active=True,
            user__is_active=True,
        )

    def visible_to(self, membership: Membership | None) -> MembershipQuerySet:
        """Members a person may see: all for a tenant admin, colleagues for a supplier admin."""
        if membership is None or not membership.has_access:
            return self.none()
        # API tokens act through memberships of their own; they are managed on the tokens page.
        qs = self.filter(tenant_id=membership.tenant_id, user__is_api_client=False)
        if membership.role == Role.TENANT_ADMIN:
            return qs
        if membership.role == Role.SUPPLIER_ADMIN:
            return qs.filter(partner_id=membership.partner_id)
        return qs.filter(pk=membership.pk)


class Membership(models.Model):
    """A user's role in one tenant; supplier roles belong to exactly one partner.

    What a member may read is decided by django-guardian object permissions on
    ``Partner`` (``portal.access_partner``); ``partner`` only records which
    company a supplier user works for.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships")
    all_partners = models.BooleanField(
        default=True, help_text=_("Staff only: sees every partner of the tenant, not just the granted ones.")
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["tenant__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="membership_one_per_user_and_tenant"),
            models.CheckConstraint(
                condition=(Q(role__in=sorted(SUPPLIER_ROLES), partner__isnull=False, all_partners=False))
                | (Q(role__in=sorted(STAFF_ROLES), partner__isnull=True)),
                name="membership_partner_matches_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.tenant}"

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_supplier_role(self) -> bool:
        return self.role in SUPPLIER_ROLES

    @property
    def has_access(self) -> bool:
        """Whether this membership may act at all: active, and for a supplier role, its partner too.

        The entry points (``TenantMiddleware``, token authentication) also require an active tenant
        and user; every ``visible_to`` asks this again, so a membership object kept from before a
        deactivation reads nothing.
        """
        if not self.is_active:
            return False
        return self.partner_id is None or self.partner.is_active

    @property
    def sees_all_partners(self) -> bool:
        return self.role == Role.TENANT_ADMIN or (self.is_staff_role and self.all_partners)
