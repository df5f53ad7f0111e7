"""Which inspection plan a lot is inspected with, and the sampling its rules give for one lot."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db.models import Q

from portal.models import Partner, Tenant
from quality.models import InspectionPlan, InspectionPlanVersion, SamplingRule, Severity
from quality.sampling.plans import SamplingPlan, fixed_plan, hundred_percent, sampling_plan
from suppliers.models import Product


def plan_for(*, tenant: Tenant, partner: Partner, product: Product) -> InspectionPlanVersion | None:
    """The plan version new inspections of ``partner``'s lots of ``product`` use: the newest version of
    the most specific active plan (partner + product before product alone); None when no plan covers
    them or the plan has no version yet.

    Product categories are not mirrored from Odoo, so there is no category level yet.
    """
    candidates = InspectionPlan.objects.filter(tenant=tenant, product=product, is_active=True).filter(
        Q(partner=partner) | Q(partner__isnull=True)
    )
    plans = {plan.partner_id: plan for plan in candidates}
    for key in (partner.pk, None):  # most specific first
        plan = plans.get(key)
        version = plan.current_version() if plan is not None else None
        if version is not None:
            return version
    return None


@dataclass(frozen=True)
class ClassSampling:
    """The sampling plan of one defect class for one lot, with the rule it came from."""

    rule: SamplingRule
    plan: SamplingPlan


def sampling_for(
    *, version: InspectionPlanVersion, lot_items: int, severity: str, first_article: bool
) -> tuple[str, list[ClassSampling]]:
    """The plans of each defect class of ``version`` for a lot of ``lot_items`` items, and the severity used.

    ``severity`` (normal, tightened, reduced) is the partner + product's switching state; it
    applies to the level + AQL rules only (fixed and 100 % rules are what they say). With
    ``first_article``, the version's first-article rule overrides: every item of the lot (each
    class keeping the acceptance number its rule gives), or tightened sampling. Raises
    ``quality.sampling.plans.SamplingInputError`` for a rule the tables cannot serve.
    """
    mode = version.first_article_mode if first_article else None
    if mode == version.FirstArticle.TIGHTENED:
        severity = Severity.TIGHTENED
    found = []
    for rule in version.sampling_rules.all():
        plan = _rule_plan(rule, lot_items, severity)
        if mode == version.FirstArticle.HUNDRED_PERCENT and not plan.hundred_percent:
            plan = replace(
                fixed_plan(lot_items, plan.accept, lot_size=lot_items),
                source=f"first article: every item of the lot, Ac={plan.accept} as in ({plan.source})",
            )
        found.append(ClassSampling(rule=rule, plan=plan))
    return severity, found


def _rule_plan(rule: SamplingRule, lot_items: int, severity: str) -> SamplingPlan:
    if rule.mode == SamplingRule.Mode.AQL:
        return sampling_plan(lot_items, rule.level, rule.aql, severity)
    if rule.mode == SamplingRule.Mode.FIXED:
        return fixed_plan(rule.sample_size or 0, rule.accept, lot_size=lot_items)
    if rule.accept == 0:
        return hundred_percent(lot_items)  # the "100 % / zero" of critical characteristics
    return fixed_plan(lot_items, rule.accept, lot_size=lot_items)
