"""Which plan version a lot is inspected with: the most specific active plan, its newest version."""

from __future__ import annotations

import pytest

from quality.services.plans import plan_for
from tests.factories import InspectionPlanFactory, InspectionPlanVersionFactory
from tests.quality.receipts import product

pytestmark = pytest.mark.django_db


def test_no_plan_answers_none(world):
    assert plan_for(tenant=world.a, partner=world.p1, product=product(world.a)) is None


def test_a_product_plan_serves_every_partner_and_its_newest_version_wins(world):
    bolt = product(world.a)
    plan = InspectionPlanFactory(product=bolt)
    InspectionPlanVersionFactory(plan=plan)
    v2 = InspectionPlanVersionFactory(plan=plan)
    assert v2.number == 2
    assert plan_for(tenant=world.a, partner=world.p1, product=bolt) == v2
    assert plan_for(tenant=world.a, partner=world.p2, product=bolt) == v2


def test_a_partner_and_product_plan_is_more_specific_than_the_product_plan(world):
    bolt = product(world.a)
    general = InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=bolt))
    own = InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=bolt, partner=world.p1))
    assert plan_for(tenant=world.a, partner=world.p1, product=bolt) == own
    assert plan_for(tenant=world.a, partner=world.p2, product=bolt) == general  # another partner's plan is not its


def test_inactive_plans_and_plans_without_a_version_step_aside(world):
    bolt = product(world.a)
    general = InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=bolt))
    InspectionPlanFactory(product=bolt, partner=world.p1)  # no version yet
    assert plan_for(tenant=world.a, partner=world.p1, product=bolt) == general
    general.plan.is_active = False
    general.plan.save()
    assert plan_for(tenant=world.a, partner=world.p1, product=bolt) is None


def test_a_plan_of_another_product_or_tenant_is_not_used(world):
    bolt, nut = product(world.a), product(world.a)
    InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=nut))
    InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=product(world.b)))
    assert plan_for(tenant=world.a, partner=world.p1, product=bolt) is None
