"""Who sees which inspections and plans: staff the partners in their scope, a supplier its own lots only,
nobody another tenant's; and the inspector's waiting list and dashboard card, oldest first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import Role
from portal.services.memberships import membership_scope_set
from quality.models import Inspection, InspectionPlan, InspectionSampling, SamplingRule
from quality.selectors import inspection_list_waiting
from quality.services.inspections import inspections_from_receipt
from tests.conftest import login
from tests.factories import InspectionPlanFactory, InspectionPlanVersionFactory, member
from tests.quality.receipts import done_receipt, product

pytestmark = pytest.mark.django_db


@pytest.fixture
def lots(world):
    """A waiting lot of P1 (older), one of P2, one of tenant B's Q1, and one of P1 with no plan."""
    bracket, other = product(world.a, name="Bracket"), product(world.b)
    InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=bracket))
    InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=other))
    [p1] = inspections_from_receipt(receipt=done_receipt(world.p1, [(bracket, [("P1-LOT", 300)])]))
    Inspection.objects.filter(pk=p1.pk).update(created_at=timezone.now() - timedelta(hours=3))
    [p2] = inspections_from_receipt(receipt=done_receipt(world.p2, [(bracket, [("P2-LOT", 80)])]))
    [q1] = inspections_from_receipt(receipt=done_receipt(world.q1, [(other, [("Q1-LOT", 80)])]))
    [no_plan] = inspections_from_receipt(receipt=done_receipt(world.p1, [(product(world.a), [("NP-LOT", 5)])]))
    return p1, p2, q1, no_plan


def _seen(model, membership) -> set:
    return set(model.objects.visible_to(membership).values_list("pk", flat=True))


def test_staff_see_their_tenants_lots_suppliers_only_their_own(world, lots):
    p1, p2, q1, no_plan = lots
    assert _seen(Inspection, world.a_inspector) == {p1.pk, p2.pk, no_plan.pk}
    assert _seen(Inspection, world.p1_user) == {p1.pk, no_plan.pk}
    assert _seen(Inspection, world.p2_admin) == {p2.pk}
    assert _seen(Inspection, world.q1_admin) == {q1.pk}
    assert _seen(InspectionSampling, world.p2_admin) == set(p2.samplings.values_list("pk", flat=True))


def test_staff_limited_to_some_partners_see_those_only(world, lots):
    _p1, p2, *_ = lots
    inspector = membership_scope_set(
        actor=world.a_admin, membership=member(world.a, Role.INSPECTOR), all_partners=False, partners=[world.p2]
    )
    assert _seen(Inspection, inspector) == {p2.pk}


def test_the_waiting_list_is_oldest_first_with_the_sample_size(world, lots):
    p1, p2, q1, _no_plan = lots
    rows = list(inspection_list_waiting(membership=world.a_inspector))
    assert [r.pk for r in rows] == [p1.pk, p2.pk]  # no plan: not waiting for an inspector
    assert [r.n for r in rows] == [50, 13]
    assert [r.pk for r in inspection_list_waiting(membership=world.p2_user)] == [p2.pk]
    assert [r.pk for r in inspection_list_waiting(membership=world.b_admin)] == [q1.pk]


def test_a_product_plan_is_read_by_all_a_partners_plan_by_that_partner_only(world):
    bolt = product(world.a)
    general = InspectionPlanFactory(product=bolt)
    own = InspectionPlanFactory(product=bolt, partner=world.p1)
    rule = InspectionPlanVersionFactory(plan=own).sampling_rules.get()
    assert _seen(InspectionPlan, world.p1_user) == {general.pk, own.pk}
    assert _seen(InspectionPlan, world.p2_user) == {general.pk}
    assert _seen(InspectionPlan, world.a_engineer) == {general.pk, own.pk}
    assert _seen(InspectionPlan, world.b_admin) == set()
    assert _seen(SamplingRule, world.p1_user) == {rule.pk} and _seen(SamplingRule, world.p2_user) == set()


def _card(html: str) -> str:
    start = html.index(">Receipts to inspect</h3>")
    return html[start : html.index("</section>", start)]


def test_the_inspectors_card_lists_waiting_lots(client, world, lots):
    login(client, world.a_inspector)
    card = _card(client.get(reverse("dashboard", args=["alpha"])).content.decode())
    assert '<span class="stat">2</span> lots waiting' in card
    assert card.index("Lot P1-LOT") < card.index("Lot P2-LOT") and "Q1-LOT" not in card and "NP-LOT" not in card
    assert "Bracket" in card and world.p1.name in card and "300" in card and "sample 50" in card


def test_the_inspectors_card_keeps_its_empty_state(client, world):
    login(client, world.a_inspector)
    card = _card(client.get(reverse("dashboard", args=["alpha"])).content.decode())
    assert "Nothing waiting at the dock." in card
