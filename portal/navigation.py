"""The navigation each role sees; later apps add their entries here."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from portal.models import Membership, Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    key: str
    count: int = 0  # how many things there need this person


def nav_for(membership: Membership) -> list[NavItem]:
    slug = membership.tenant.slug
    items = [NavItem("Dashboard", reverse("dashboard", args=[slug]), "dashboard")]
    if membership.is_supplier_role or membership.role in (Role.BUYER, Role.TENANT_ADMIN):
        items.append(NavItem("Purchase orders", reverse("po_list", args=[slug]), "orders", _orders_needing(membership)))
    if membership.is_supplier_role or membership.role in (
        Role.BUYER,
        Role.TENANT_ADMIN,
        Role.QUALITY_ENGINEER,
        Role.INSPECTOR,
    ):
        items.append(NavItem("Shipments", reverse("asn_list", args=[slug]), "shipments"))
    if membership.is_staff_role:
        items.append(NavItem("Suppliers", reverse("partner_list", args=[slug]), "partners"))
    if membership.role == Role.SUPPLIER_ADMIN:
        items.append(
            NavItem("Company & users", reverse("partner_detail", args=[slug, membership.partner_id]), "partners")
        )
        items.append(NavItem("API tokens", reverse("api_tokens", args=[slug]), "api"))
    if membership.role == Role.TENANT_ADMIN:
        items.append(NavItem("Members", reverse("member_list", args=[slug]), "members"))
        items.append(NavItem("Audit trail", reverse("audit_list", args=[slug]), "audit"))
        items.append(NavItem("Odoo", reverse("odoo_settings", args=[slug]), "odoo"))
        items.append(NavItem("Rules", reverse("collaboration_settings", args=[slug]), "rules"))
        items.append(NavItem("Sync", reverse("sync_monitor", args=[slug]), "sync"))
    return items


def _orders_needing(membership: Membership) -> int:
    from suppliers.selectors import po_counts

    return po_counts(membership=membership)["to_acknowledge" if membership.is_supplier_role else "awaiting_buyer"]
