"""What the quality half adds to the portal's core: its dashboard cards (empty states until
inspections, NCRs and SCARs land here). Registered on import, from ``QualityConfig.ready()``."""

from __future__ import annotations

from portal.models import SUPPLIER_ROLES, Role
from portal.registry import DashboardCard, card_register

# Orders place them among the order desk's cards (suppliers.entries): first for an engineer and
# an inspector, after the order desk's messages (30) for a supplier.
card_register(
    DashboardCard(
        "quality.nonconformances", "quality/cards/nonconformances.html", order=10, roles={Role.QUALITY_ENGINEER}
    ),
    DashboardCard("quality.scars", "quality/cards/scars.html", order=20, roles={Role.QUALITY_ENGINEER}),
    DashboardCard(
        "quality.receipts_to_inspect", "quality/cards/receipts_to_inspect.html", order=10, roles={Role.INSPECTOR}
    ),
    DashboardCard(
        "quality.corrective_actions", "quality/cards/corrective_actions.html", order=45, roles=SUPPLIER_ROLES
    ),
)
