"""What the quality half adds to the portal's core: its tenant pages and the inspector's navigation
entry, its dashboard cards (the inspector's lots to inspect; empty states until NCRs and SCARs land
here) and the rule of each of its date fields.
Registered on import, from ``QualityConfig.ready()``."""

from __future__ import annotations

from integrations.backlogs import MonitorCard, monitor_card_register
from integrations.holds import hold_source_register
from integrations.metrics import metrics_register
from portal import dates
from portal.demo import demo_step_register
from portal.models import SUPPLIER_ROLES, Role
from portal.registry import DashboardCard, NavEntry, card_register, nav_register, tenant_urls_register
from quality import dashboard, holds, monitor
from quality.demo import demo_bracket_plan


def _waiting(membership) -> int:
    from quality.selectors import inspection_list_waiting

    return inspection_list_waiting(membership=membership).count()


tenant_urls_register("quality.urls")

# After Shipments (20), before Suppliers (30): the dock's own work.
nav_register(
    NavEntry(
        "quality.inspections",
        "Inspections",
        "inspection_list",
        "inspections",
        order=25,
        roles={Role.INSPECTOR, Role.QUALITY_ENGINEER},
        badge=_waiting,
    ),
    # The quality engineer's (and tenant admin's) inspection plans, next to the inspections they drive.
    NavEntry(
        "quality.plans",
        "Inspection plans",
        "plan_list",
        "plans",
        order=26,
        roles={Role.QUALITY_ENGINEER, Role.TENANT_ADMIN},
    ),
    # The supplier's view of the same inspections: the signed outcomes of its lots (quality.views.supplier).
    NavEntry(
        "quality.supplier_results",
        "Inspection results",
        "supplier_result_list",
        "inspection_results",
        order=27,
        roles=SUPPLIER_ROLES,
    ),
)

# Orders place them among the order desk's cards (suppliers.entries): first for an engineer and
# an inspector, after the order desk's messages (30) for a supplier.
card_register(
    DashboardCard(
        "quality.nonconformances", "quality/cards/nonconformances.html", order=10, roles={Role.QUALITY_ENGINEER}
    ),
    DashboardCard("quality.scars", "quality/cards/scars.html", order=20, roles={Role.QUALITY_ENGINEER}),
    DashboardCard(
        "quality.receipts_to_inspect",
        "quality/cards/receipts_to_inspect.html",
        order=10,
        roles={Role.INSPECTOR},
        context=dashboard.receipts_to_inspect,
    ),
    DashboardCard(
        "quality.corrective_actions", "quality/cards/corrective_actions.html", order=45, roles=SUPPLIER_ROLES
    ),
)

# The lots quality has not released: the hold check looks for them in Odoo's usable stock.
hold_source_register(holds.quality_held_lots)

# The sync monitor: after the shipments (10) and the clean-up (20), before the buyer's decisions (30).
monitor_card_register(
    MonitorCard(
        "quality.lots_held_undecided",
        "quality/monitor/lots_held_undecided.html",
        order=22,
        counts=monitor.lots_held_undecided,
    ),
    MonitorCard(
        "quality.dispositions_unsynced",
        "quality/monitor/dispositions_unsynced.html",
        order=24,
        counts=monitor.dispositions_unsynced,
    ),
)
metrics_register(monitor.quality_metrics)

dates.rules_register(
    {
        # Stamped by the portal: instants, shown in the viewer's zone.
        "quality.InspectionPlan.created_at": dates.INSTANT,
        "quality.InspectionPlanVersion.created_at": dates.INSTANT,
        "quality.InspectionPlanVersion.frozen_at": dates.INSTANT,
        "quality.SwitchingState.updated_at": dates.INSTANT,
        "quality.SwitchingEvent.created_at": dates.INSTANT,
        "quality.Inspection.created_at": dates.INSTANT,
        "quality.Inspection.signed_at": dates.INSTANT,
        "quality.InspectionResult.recorded_at": dates.INSTANT,
        "quality.InspectionPhoto.uploaded_at": dates.INSTANT,
        # When the lot should have been inspected: a moment at the dock, not a day.
        "quality.Inspection.due_at": dates.INSTANT,
    }
)

# The demo: a plan for the bracket the demo receipt brings in (once the first pull brought the product).
demo_step_register(demo_bracket_plan)
