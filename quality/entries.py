"""What the quality half adds to the portal's core: its tenant pages and the inspector's navigation
entry, its dashboard cards (the inspector's lots to inspect; empty states until NCRs and SCARs land
here) and the rule of each of its date fields.
Registered on import, from ``QualityConfig.ready()``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from integrations.backlogs import MonitorCard, monitor_card_register
from integrations.holds import hold_source_register
from integrations.metrics import metrics_register
from portal import dates
from portal.demo import demo_step_register
from portal.models import SUPPLIER_ROLES, Role
from portal.registry import DashboardCard, NavEntry, card_register, nav_register, tenant_urls_register
from quality import dashboard, holds, monitor
from quality.demo import demo_bracket_plan
from quality.demo_ncr import demo_quality_rules


def _ncrs_needing_me(membership) -> int:
    from quality.ncr_selectors import ncr_counts

    counts = ncr_counts(membership)
    return counts["awaiting_my_approval"] + counts["overdue_containment"]


def _ncr_card(membership) -> dict:
    """The nonconformances card: the NCRs with a disposition awaiting this member's signature (listed
    first), the counts, and the oldest open ones."""
    from quality.ncr_selectors import ncr_counts, ncrs_awaiting_approval, ncrs_for

    return {
        "ncr_counts": ncr_counts(membership),
        "ncrs_awaiting": list(ncrs_awaiting_approval(membership)[:5]),
        "ncrs_oldest": list(ncrs_for(membership, status="active").order_by("created_at", "id")[:5]),
    }


def _scars_needing_me(membership) -> int:
    """Staff: SCAR steps to review plus steps overdue; buyers: steps overdue; supplier: steps waiting for its
    answer."""
    from quality.scar_selectors import scar_counts

    counts = scar_counts(membership)
    if membership.is_supplier_role:
        return counts["open"]
    if membership.role == Role.BUYER:  # buyers read SCARs, review nothing: the overdue steps of their partners
        return counts["overdue"]
    return counts["to_review"] + counts["overdue"]


def _scar_card(membership) -> dict:
    from quality.scar_selectors import scar_counts, scars_for

    return {"scar_counts": scar_counts(membership), "scars_first": list(scars_for(membership, status="open")[:5])}


def _corrective_actions_card(membership) -> dict:
    from quality.scar_selectors import scar_counts, supplier_scars

    scars = [s for s in supplier_scars(membership)[:5] if s.waiting_steps and s.status == "open"]
    return {"scar_counts": scar_counts(membership), "scars_next": scars}


def _waiting(membership) -> int:
    from quality.selectors import inspection_list_waiting

    return inspection_list_waiting(membership=membership).count()


tenant_urls_register("quality.urls")

# After Shipments (20), before Suppliers (30): the dock's own work.
nav_register(
    NavEntry(
        "quality.inspections",
        gettext_lazy("Inspections"),
        "inspection_list",
        "inspections",
        order=25,
        roles={Role.INSPECTOR, Role.QUALITY_ENGINEER},
        badge=_waiting,
    ),
    # The quality engineer's (and tenant admin's) inspection plans, next to the inspections they drive.
    NavEntry(
        "quality.plans",
        gettext_lazy("Inspection plans"),
        "plan_list",
        "plans",
        order=26,
        roles={Role.QUALITY_ENGINEER, Role.TENANT_ADMIN},
    ),
    # NCRs: what was found wrong and what happens to it; the badge counts what needs this person
    # (dispositions to sign, containment overdue). Inspectors and buyers read them.
    NavEntry(
        "quality.ncrs",
        gettext_lazy("NCRs"),
        "ncr_list",
        "ncrs",
        order=28,
        roles={Role.QUALITY_ENGINEER, Role.TENANT_ADMIN, Role.INSPECTOR, Role.BUYER},
        badge=_ncrs_needing_me,
    ),
    # SCARs (8D): the badge counts steps to review and steps overdue. Buyers read them (their digest links
    # here), so they get the entry too, with the overdue steps of their partners.
    NavEntry(
        "quality.scars",
        gettext_lazy("SCARs"),
        "scar_list",
        "scars",
        order=29,
        roles={Role.QUALITY_ENGINEER, Role.TENANT_ADMIN, Role.BUYER},
        badge=_scars_needing_me,
    ),
    # The supplier ranking and scorecards, for the people who choose and follow suppliers; next to Suppliers (30).
    NavEntry(
        "quality.scorecards",
        gettext_lazy("Scorecards"),
        "scorecard_ranking",
        "scorecards",
        order=31,
        roles={Role.BUYER, Role.QUALITY_ENGINEER, Role.TENANT_ADMIN},
    ),
    # The supplier's side of the same SCARs: the badge counts the steps waiting for its answer.
    NavEntry(
        "quality.corrective_actions",
        gettext_lazy("Corrective actions"),
        "supplier_scar_list",
        "corrective_actions",
        order=29,
        roles=SUPPLIER_ROLES,
        badge=_scars_needing_me,
    ),
    # The supplier's own scorecard, after its corrective actions (quality.views.supplier_scorecard).
    NavEntry(
        "quality.my_scorecard",
        gettext_lazy("My scorecard"),
        "supplier_scorecard",
        "my_scorecard",
        order=32,
        roles=SUPPLIER_ROLES,
    ),
    # The tenant's NCR and SCAR rules (engineers read them). Its page links the tenant admin on to the
    # scorecard rules and standings (quality.views.scorecard_rules), which have no entry of their own: a
    # 15th one wrapped the admin's navigation to a second row at 1366 px.
    NavEntry(
        "quality.rules",
        gettext_lazy("Quality rules"),
        "quality_settings",
        "quality_rules",
        order=95,
        roles={Role.TENANT_ADMIN},
    ),
    # The supplier's view of the same inspections: the signed outcomes of its lots (quality.views.supplier).
    NavEntry(
        "quality.supplier_results",
        gettext_lazy("Inspection results"),
        "supplier_result_list",
        "inspection_results",
        order=27,
        roles=SUPPLIER_ROLES,
    ),
)

# Orders place them among the order desk's cards (suppliers.entries): first for an engineer and
# an inspector, after the order desk's messages (30) for a supplier.
card_register(
    # Tenant admins too: they sign material reviews, and theirs is the only card of their first section.
    DashboardCard(
        "quality.nonconformances",
        "quality/cards/nonconformances.html",
        order=10,
        roles={Role.QUALITY_ENGINEER, Role.TENANT_ADMIN},
        context=_ncr_card,
    ),
    DashboardCard(
        "quality.scars", "quality/cards/scars.html", order=20, roles={Role.QUALITY_ENGINEER}, context=_scar_card
    ),
    DashboardCard(
        "quality.receipts_to_inspect",
        "quality/cards/receipts_to_inspect.html",
        order=10,
        roles={Role.INSPECTOR},
        context=dashboard.receipts_to_inspect,
    ),
    DashboardCard(
        "quality.corrective_actions",
        "quality/cards/corrective_actions.html",
        order=45,
        roles=SUPPLIER_ROLES,
        context=_corrective_actions_card,
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
        # NCRs and SCARs: days in the tenant's calendar (overdue from the tenant's next day on).
        "quality.NcrContainment.due_date": dates.DAY,
        "quality.NcrDisposition.concession_until": dates.DAY,
        "quality.Scar.verify_until": dates.DAY,
        "quality.ScarStep.due_date": dates.DAY,
        "quality.ScarReminder.due_date": dates.DAY,
        # Scorecards: calendar months in the tenant's zone, written as their first day.
        "quality.ScorecardPeriod.month": dates.DAY,
        "quality.PartnerScore.as_of": dates.DAY,
    }
)

# The demo: the defect codes and material review rule its NCRs use, then a plan for the bracket the demo
# receipt brings in (once the first pull brought the product) whose characteristics name those codes.
demo_step_register(demo_quality_rules)
demo_step_register(demo_bracket_plan)
