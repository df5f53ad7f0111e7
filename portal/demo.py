"""The demo tenant: one organisation, two suppliers, one user per role."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import transaction

from portal.context import bound
from portal.models import STAFF_ROLES, Membership, Partner, Role, Tenant, User
from portal.services.memberships import membership_create
from portal.services.mfa import totp_ensure

DEMO_PASSWORD = "portal-demo-2026"
# The demo tenant talks to the simulated Odoo that run_portal starts.
DEMO_ODOO_URL = os.environ.get("PORTAL_DEMO_ODOO_URL", "http://127.0.0.1:8069")


@dataclass(frozen=True)
class DemoUser:
    email: str
    role: str
    partner_key: str | None
    name: tuple[str, str]
    language: str = ""  # "": the browser's; the demo has a German and a French supplier login


DEMO_PARTNERS = {
    "nordic": {
        "name": "Nordic Fasteners AB",
        "odoo_id": 11,
        "ref": "NF-001",
        "email": "orders@nordic-fasteners.example",
        "language": "de",  # its packing slips and labels print in German
    },
    "precision": {
        "name": "Precision Castings Ltd",
        "odoo_id": 12,
        "ref": "PC-002",
        "email": "sales@precision-castings.example",
        "language": "fr",  # its packing slips and labels print in French
    },
}

DEMO_USERS = [
    DemoUser("admin@acme.example", Role.TENANT_ADMIN, None, ("Alex", "Admin")),
    DemoUser("buyer@acme.example", Role.BUYER, None, ("Bea", "Buyer")),
    DemoUser("quality@acme.example", Role.QUALITY_ENGINEER, None, ("Quinn", "Quality")),
    DemoUser("inspector@acme.example", Role.INSPECTOR, None, ("Ivo", "Inspector")),
    DemoUser("orders@nordic-fasteners.example", Role.SUPPLIER_ADMIN, "nordic", ("Sara", "Lind")),
    DemoUser("clerk@nordic-fasteners.example", Role.SUPPLIER_USER, "nordic", ("Erik", "Berg"), "de"),
    DemoUser("sales@precision-castings.example", Role.SUPPLIER_ADMIN, "precision", ("Paul", "Cast"), "fr"),
]


# What each app adds to the demo tenant (its own settings, e.g. the order desk's GS1 prefix), registered
# from its AppConfig.ready(). A step is called with the tenant on every seeding: it must be idempotent.
DEMO_STEPS: list[Callable[[Tenant], None]] = []


def demo_step_register(step: Callable[[Tenant], None]) -> None:
    """Add what an app sets up in the demo tenant (once per function, however often registered)."""
    if step not in DEMO_STEPS:
        DEMO_STEPS.append(step)


@transaction.atomic
def seed_demo() -> tuple[Tenant, list[DemoUser]]:
    """Create (or leave as it is) the demo tenant; safe to run any number of times."""
    with bound(source="system"):
        tenant, created = Tenant.objects.get_or_create(
            slug="acme",
            defaults={
                "name": "Acme Manufacturing",
                "accent_color": "#0b6e4f",
                "odoo_url": DEMO_ODOO_URL,
                "odoo_database": "sim",
                "odoo_login": "integration",
                "odoo_transport": "auto",
            },
        )
        if created:
            tenant.odoo_password = "integration"
            tenant.odoo_api_key = "sim-api-key-integration"
            tenant.save(update_fields=["odoo_password_encrypted", "odoo_api_key_encrypted"])
        for step in DEMO_STEPS:
            step(tenant)
        partners = {}
        for key, data in DEMO_PARTNERS.items():
            partners[key], _ = Partner.objects.get_or_create(
                tenant=tenant, odoo_id=data["odoo_id"], defaults={k: v for k, v in data.items() if k != "odoo_id"}
            )
        for demo in DEMO_USERS:
            user, created = User.objects.get_or_create(
                email=demo.email,
                defaults={"first_name": demo.name[0], "last_name": demo.name[1], "language": demo.language},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_staff = user.is_superuser = demo.role == Role.TENANT_ADMIN
                user.save()
            EmailAddress.objects.get_or_create(
                user=user, email=demo.email, defaults={"verified": True, "primary": True}
            )
            if not Membership.objects.filter(user=user, tenant=tenant).exists():
                membership_create(
                    tenant=tenant,
                    user=user,
                    role=demo.role,
                    partner=partners[demo.partner_key] if demo.partner_key else None,
                )
            if demo.role in STAFF_ROLES:
                # Staff must use a second factor; the demo enrols them so that
                # `manage.py demo_totp` can print the current code.
                totp_ensure(user)
    return tenant, DEMO_USERS


def demo_api_token(tenant: Tenant) -> str:
    """A fresh secret for the demo supplier's API token (created once, rotated on every start)."""
    from portal.api.scopes import api_scopes
    from portal.models import ApiToken
    from portal.services.tokens import token_create, token_rotate

    admin = Membership.objects.get(tenant=tenant, user__email="orders@nordic-fasteners.example")
    token = ApiToken.objects.filter(tenant=tenant, partner=admin.partner, name="Demo ERP connector").first()
    if token is None or not token.is_usable:
        _, secret = token_create(actor=admin, name="Demo ERP connector", scopes=list(api_scopes()), expires_in_days=365)
    else:
        _, secret = token_rotate(actor=admin, token_id=token.pk)
    return secret


def current_totp_code(user: User) -> str:
    """The code an authenticator app shows right now for this user (demo and tests)."""
    import time

    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.adapter import get_adapter
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = get_adapter().decrypt(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
