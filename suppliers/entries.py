"""What the order desk adds to the portal's core: its tenant pages, its navigation entries (with the
orders badge), its dashboard cards, the rule of each of its date fields, its part of the demo
tenant, and its cards on the sync monitor (``integrations.backlogs``).

Registered on import, from ``SuppliersConfig.ready()``; the core (``portal.registry``,
``portal.dates``) and integrations name no app. Orders place the entries among portal's own (``portal.navigation``,
``portal.dashboard``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from integrations.backlogs import MonitorCard, monitor_card_register
from portal import dates
from portal.demo import demo_step_register
from portal.models import STAFF_ROLES, SUPPLIER_ROLES, Membership, Role, Tenant
from portal.registry import DashboardCard, NavEntry, card_register, nav_register, tenant_urls_register
from suppliers import dashboard, monitor


def _demo_rules(tenant: Tenant) -> None:
    """The demo tenant numbers its packages with GS1's example prefix (demo labels only)."""
    from suppliers.models import rules_for

    rules = rules_for(tenant)
    if not rules.gs1_company_prefix:
        rules.gs1_company_prefix = "0614141"
        rules.save()


def _orders_needing(membership: Membership) -> int:
    from suppliers.selectors import po_counts

    return po_counts(membership=membership)["to_acknowledge" if membership.is_supplier_role else "awaiting_buyer"]


ORDER_DESK = SUPPLIER_ROLES | {Role.BUYER, Role.TENANT_ADMIN}
BUYER = {Role.BUYER}
DOCK = {Role.BUYER, Role.QUALITY_ENGINEER, Role.INSPECTOR}  # staff who expect shipments

tenant_urls_register("suppliers.urls")

nav_register(
    NavEntry(
        "suppliers.orders",
        gettext_lazy("Purchase orders"),
        "po_list",
        "orders",
        order=10,
        roles=ORDER_DESK,
        badge=_orders_needing,
    ),
    NavEntry(
        "suppliers.shipments",
        gettext_lazy("Shipments"),
        "asn_list",
        "shipments",
        order=20,
        roles=SUPPLIER_ROLES | STAFF_ROLES,
    ),
    NavEntry(
        "suppliers.rules", gettext_lazy("Rules"), "collaboration_settings", "rules", order=90, roles={Role.TENANT_ADMIN}
    ),
)

# Orders: a supplier's cards 10, 20, 30 (quality's corrective actions follow at 45); a buyer's 10 to
# 50; the dock's "on the way" at 40, after quality's own cards (10, 20) and before a buyer's late orders.
card_register(
    DashboardCard(
        "suppliers.supplier_orders",
        "suppliers/cards/supplier_orders.html",
        order=10,
        roles=SUPPLIER_ROLES,
        context=dashboard.supplier_orders,
    ),
    DashboardCard(
        "suppliers.supplier_shipments",
        "suppliers/cards/supplier_shipments.html",
        order=20,
        roles=SUPPLIER_ROLES,
        context=dashboard.supplier_shipments,
    ),
    DashboardCard(
        "suppliers.buyer_orders",
        "suppliers/cards/buyer_orders.html",
        order=10,
        roles=BUYER,
        context=dashboard.buyer_orders,
    ),
    DashboardCard(
        "suppliers.awaiting_buyer",
        "suppliers/cards/acknowledgements_to_review.html",
        order=20,
        roles=BUYER,
        context=dashboard.awaiting_buyer,
    ),
    DashboardCard(
        "suppliers.messages",
        "suppliers/cards/messages.html",
        order=30,
        roles=SUPPLIER_ROLES | BUYER,
        context=dashboard.messages_in,
    ),
    DashboardCard(
        "suppliers.arriving", "suppliers/cards/arriving.html", order=40, roles=DOCK, context=dashboard.arriving
    ),
    DashboardCard(
        "suppliers.late_orders",
        "suppliers/cards/late_orders.html",
        order=50,
        roles=BUYER,
        context=dashboard.late_orders,
    ),
)

demo_step_register(_demo_rules)

# The sync monitor: shipments first, then integrations' clean-up (20), then decisions.
monitor_card_register(
    MonitorCard(
        "suppliers.asns_not_on_receipt",
        "suppliers/monitor/asns_not_on_receipt.html",
        order=10,
        counts=monitor.asns_not_on_receipt,
    ),
    MonitorCard(
        "suppliers.acks_awaiting_buyer",
        "suppliers/monitor/acks_awaiting_buyer.html",
        order=30,
        counts=monitor.acks_awaiting_buyer,
    ),
)

dates.rules_register(
    {
        # Order desk: Odoo owns these (pulled as naive UTC text).
        "suppliers.PurchaseOrder.date_order": dates.INSTANT,
        "suppliers.PurchaseOrder.date_approve": dates.INSTANT,
        "suppliers.PurchaseOrder.date_planned": dates.ODOO_DAY,
        "suppliers.PurchaseOrder.open_due_date": dates.INSTANT,
        "suppliers.PurchaseOrder.pulled_at": dates.INSTANT,
        "suppliers.PurchaseOrder.supplier_seen_at": dates.INSTANT,
        "suppliers.PurchaseOrderLine.date_planned": dates.ODOO_DAY,
        "suppliers.Receipt.scheduled_date": dates.INSTANT,
        "suppliers.Receipt.date_done": dates.INSTANT,
        # Acknowledgements: promised and requested days (sent to Odoo with odoo_noon).
        "suppliers.AcknowledgementLine.requested_date": dates.DAY,
        "suppliers.AcknowledgementLine.promised_date": dates.DAY,
        "suppliers.Acknowledgement.created_at": dates.INSTANT,
        "suppliers.Acknowledgement.decided_at": dates.INSTANT,
        "suppliers.Acknowledgement.outdated_at": dates.INSTANT,
        # Shipments: the day goods leave, the moment they reach the dock, a lot's last day.
        "suppliers.Asn.ship_date": dates.DAY,
        "suppliers.Asn.eta": dates.INSTANT,
        "suppliers.Asn.created_at": dates.INSTANT,
        "suppliers.Asn.updated_at": dates.INSTANT,
        "suppliers.Asn.submitted_at": dates.INSTANT,
        "suppliers.Asn.cancelled_at": dates.INSTANT,
        "suppliers.AsnItem.expiry_date": dates.DAY,
        "suppliers.Certificate.uploaded_at": dates.INSTANT,
        "suppliers.PurchaseOrderMessage.created_at": dates.INSTANT,
    }
)
