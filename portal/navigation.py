"""The navigation each role sees: the entries every app registers (``portal.registry``), drawn in order.

Portal registers its own entries here (``register``, from ``PortalConfig.ready()``); the domain
apps register theirs from their own ``ready()``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.models import STAFF_ROLES, Membership, Role
from portal.registry import NavEntry, nav_register, navigation


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    key: str
    count: int = 0  # how many things there need this person


def nav_for(membership: Membership) -> list[NavItem]:
    """The links of the main navigation for this member, with the count of each badge."""
    return [
        NavItem(
            entry.label,
            reverse(entry.url_name, args=entry.url_args(membership)),
            entry.key,
            entry.badge(membership) if entry.badge else 0,
        )
        for entry in navigation.for_member(membership)
    ]


def _own_partner(membership: Membership) -> list:
    return [membership.tenant.slug, membership.partner_id]


ADMIN = {Role.TENANT_ADMIN}
SUPPLIER_ADMIN = {Role.SUPPLIER_ADMIN}


def register() -> None:
    """Portal's own entries. The other apps' ones go between and after them by ``order``: purchase
    orders (10) and shipments (20) after the dashboard; Odoo (80), the collaboration rules (90)
    and Sync (100) after the audit trail."""
    nav_register(
        NavEntry("portal.dashboard", _("Dashboard"), "dashboard", "dashboard", order=0),
        NavEntry("portal.partners", _("Suppliers"), "partner_list", "partners", order=30, roles=STAFF_ROLES),
        NavEntry(
            "portal.own_partner",
            _("Company & users"),
            "partner_detail",
            "partners",
            order=40,
            roles=SUPPLIER_ADMIN,
            url_args=_own_partner,
        ),
        NavEntry("portal.api_tokens", _("API tokens"), "api_tokens", "api", order=50, roles=SUPPLIER_ADMIN),
        NavEntry("portal.members", _("Members"), "member_list", "members", order=60, roles=ADMIN),
        NavEntry("portal.audit", _("Audit trail"), "audit_list", "audit", order=70, roles=ADMIN),
    )
