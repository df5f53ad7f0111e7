"""What integrations adds to the portal's core: its tenant pages (Odoo settings, sync monitor), their
navigation entries, the Odoo connection card on a tenant admin's dashboard, and its own card on the
sync monitor (the clean-up). Registered on import, from ``IntegrationsConfig.ready()``.

Orders place the entries among portal's own (``portal.navigation``, ``portal.dashboard``) and the
order desk's (``suppliers.entries``): Odoo (80) before the order desk's rules (90), Sync last (100).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from integrations.backlogs import MonitorCard, monitor_card_register
from portal.models import Role
from portal.registry import SETUP, DashboardCard, NavEntry, card_register, nav_register, tenant_urls_register

ADMIN = {Role.TENANT_ADMIN}

tenant_urls_register("integrations.urls")

nav_register(
    NavEntry("integrations.odoo", "Odoo", "odoo_settings", "odoo", order=80, roles=ADMIN),
    NavEntry("integrations.sync", _("Sync"), "sync_monitor", "sync", order=100, roles=ADMIN),
)

# First of the set-up cards: nothing is pulled before the connection works.
card_register(
    DashboardCard("integrations.odoo", "integrations/cards/odoo_connection.html", order=10, roles=ADMIN, section=SETUP)
)

# Between the order desk's shipments (10) and its acknowledgements (30), where the page had it.
monitor_card_register(MonitorCard("integrations.cleanup", "integrations/monitor/cleanup.html", order=20))


def _held_stock_usable(membership, now):
    from integrations.selectors import held_stock_usable

    return held_stock_usable(membership, now)


# First of all: goods quality holds that Odoo shows as usable stock, which a person must see at once.
monitor_card_register(
    MonitorCard(
        "integrations.held_stock_usable",
        "integrations/monitor/held_stock_usable.html",
        order=5,
        counts=_held_stock_usable,
    )
)
