"""A receipt done in Odoo gives one inspection per lot received (per line when untracked), sampled from
the plan and the partner + product's switching state, once however often the hand-off comes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from integrations import handoffs
from integrations.services.handoffs import handoff_record
from portal.models import AuditEntry
from quality.models import Inspection, InspectionPlanVersion, Severity, SwitchingState
from quality.sampling.plans import sampling_plan
from quality.services.inspections import inspections_from_receipt
from suppliers.models import Product
from tests.factories import InspectionPlanFactory, InspectionPlanVersionFactory
from tests.quality.receipts import done_receipt, moves_of, product

pytestmark = pytest.mark.django_db


def _plan(item, partner=None, **version):
    return InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=item, partner=partner), **version)


def _lots(inspections) -> list[tuple[str, Decimal]]:
    return [(i.lot_name, i.lot_size) for i in inspections]


def test_two_lots_in_one_receipt_are_two_inspections_with_their_received_quantities(world):
    bracket = product(world.a)
    version = _plan(bracket)
    receipt = done_receipt(world.p1, [(bracket, [("LOT-A", 300), ("LOT-B", 200)])])
    made = inspections_from_receipt(receipt=receipt)
    assert _lots(made) == [("LOT-A", Decimal(300)), ("LOT-B", Decimal(200))]
    first = Inspection.objects.get(lot_name="LOT-A")
    assert first.status == Inspection.Status.WAITING and first.plan_version == version
    assert (first.partner, first.product, first.receipt, first.receipt_move) == (
        world.p1,
        bracket,
        receipt,
        moves_of(receipt)[0],
    )
    assert first.due_at is not None and first.severity == Severity.NORMAL
    # Lot of 300 at level II: code letter H, n=50; AQL 1.0 normal: Ac 1, Re 2.
    [sampling] = first.samplings.all()
    assert (sampling.code_letter, sampling.sample_size, sampling.accept, sampling.reject) == ("H", 50, 1, 2)
    assert AuditEntry.objects.filter(action="inspection.created", object_id=str(first.pk)).exists()


def test_lines_of_one_lot_name_add_up_to_one_inspection(world):
    bracket = product(world.a)
    _plan(bracket)
    receipt = done_receipt(world.p1, [(bracket, [("LOT-A", 120), ("LOT-A", 80)])])
    assert _lots(inspections_from_receipt(receipt=receipt)) == [("LOT-A", Decimal(200))]


def test_one_lot_across_two_receipts_is_two_inspections(world):
    bracket = product(world.a)
    _plan(bracket)
    first = done_receipt(world.p1, [(bracket, [("LOT-A", 100)])])
    second = done_receipt(world.p1, [(bracket, [("LOT-A", 40)])])
    inspections_from_receipt(receipt=first)
    inspections_from_receipt(receipt=second)
    rows = Inspection.objects.filter(lot_name="LOT-A").order_by("id")
    assert [(i.receipt, i.lot_size) for i in rows] == [(first, Decimal(100)), (second, Decimal(40))]


def test_a_backorder_brings_its_own_inspections(world):
    bracket = product(world.a)
    _plan(bracket)
    partial = done_receipt(world.p1, [(bracket, [("LOT-A", 200)])])
    backorder = done_receipt(world.p1, [(bracket, [("LOT-A", 150), ("LOT-C", 150)])], backorder_of=partial)
    inspections_from_receipt(receipt=partial)
    made = inspections_from_receipt(receipt=backorder)
    assert _lots(made) == [("LOT-A", Decimal(150)), ("LOT-C", Decimal(150))]
    assert Inspection.objects.filter(receipt=partial).count() == 1


def test_untracked_and_serial_products_get_one_inspection_per_receipt_line(world):
    nut = product(world.a, tracking=Product.Tracking.NONE)
    sensor = product(world.a, tracking=Product.Tracking.SERIAL)
    _plan(nut)
    receipt = done_receipt(world.p1, [(nut, 1000), (nut, 250), (sensor, [("SN-1", 1), ("SN-2", 1), ("SN-3", 1)])])
    made = inspections_from_receipt(receipt=receipt)
    assert _lots(made) == [("", Decimal(1000)), ("", Decimal(250)), ("", Decimal(3))]
    assert [i.receipt_move for i in made] == moves_of(receipt)
    assert made[2].status == Inspection.Status.NO_PLAN and not made[2].samplings.exists()  # the sensor has no plan


def test_a_receipt_not_done_and_lines_with_nothing_received_get_none(world):
    nut = product(world.a, tracking=Product.Tracking.NONE)
    _plan(nut)
    receipt = done_receipt(world.p1, [(nut, 0)])
    assert inspections_from_receipt(receipt=receipt) == []
    receipt.state = "assigned"
    receipt.save()
    assert inspections_from_receipt(receipt=receipt) == []


def test_creation_is_idempotent_on_a_repeated_hand_off(world, django_capture_on_commit_callbacks):
    bracket = product(world.a)
    _plan(bracket)
    receipt = done_receipt(world.p1, [(bracket, [("LOT-A", 300), ("LOT-B", 200)])])
    assert "quality.inspections" in handoffs.reactions_for(handoffs.RECEIPT_DONE)
    for _ in range(2):  # the pull's hand-off, then the same receipt handed over again
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            handoff_record(tenant=world.a, kind=handoffs.RECEIPT_DONE, aggregate=receipt, data={"name": receipt.name})
    assert Inspection.objects.filter(receipt=receipt).count() == 2
    assert inspections_from_receipt(receipt=receipt) == []
    assert AuditEntry.objects.filter(action="inspection.created").count() == 2


def test_the_switching_state_sets_the_severity_of_the_sample(world):
    bracket = product(world.a)
    _plan(bracket, rules=[{"aql": Decimal("0.65")}])
    SwitchingState.objects.create(tenant=world.a, partner=world.p1, product=bracket, severity=Severity.TIGHTENED)
    [inspection] = inspections_from_receipt(receipt=done_receipt(world.p1, [(bracket, [("LOT-A", 500)])]))
    expected = sampling_plan(500, "II", "0.65", "tightened")
    [sampling] = inspection.samplings.all()
    assert inspection.severity == Severity.TIGHTENED
    assert (sampling.sample_size, sampling.accept, sampling.reject, sampling.code_letter) == (
        expected.sample_size,
        expected.accept,
        expected.reject,
        expected.code_letter,
    )
    # Another partner's lots of the same product start at normal inspection.
    [other] = inspections_from_receipt(receipt=done_receipt(world.p2, [(bracket, [("LOT-Z", 500)])]))
    normal = sampling_plan(500, "II", "0.65", "normal")
    assert normal.followed_arrow and normal.sample_size != expected.sample_size
    assert other.severity == Severity.NORMAL and other.samplings.get().sample_size == normal.sample_size


def test_reduced_inspection_draws_the_reduced_sample(world):
    bracket = product(world.a)
    _plan(bracket)
    SwitchingState.objects.create(tenant=world.a, partner=world.p1, product=bracket, severity=Severity.REDUCED)
    [inspection] = inspections_from_receipt(receipt=done_receipt(world.p1, [(bracket, [("LOT-A", 500)])]))
    assert inspection.severity == Severity.REDUCED
    assert inspection.samplings.get().sample_size == sampling_plan(500, "II", "1.0", "reduced").sample_size == 20


def test_discontinued_inspection_holds_the_lot_without_a_sample(world):
    bracket = product(world.a)
    _plan(bracket)
    SwitchingState.objects.create(tenant=world.a, partner=world.p1, product=bracket, severity=Severity.DISCONTINUED)
    [inspection] = inspections_from_receipt(receipt=done_receipt(world.p1, [(bracket, [("LOT-A", 500)])]))
    assert inspection.status == Inspection.Status.DISCONTINUED and not inspection.samplings.exists()


def test_first_article_lots_are_inspected_in_full_then_the_plan_applies(world):
    bracket = product(world.a)
    _plan(bracket, first_article_lots=2, first_article_mode=InspectionPlanVersion.FirstArticle.HUNDRED_PERCENT)
    made = inspections_from_receipt(
        receipt=done_receipt(world.p1, [(bracket, [("LOT-1", 300), ("LOT-2", 200), ("LOT-3", 300)])])
    )
    assert [i.first_article for i in made] == [True, True, False]
    sizes = [i.samplings.get().sample_size for i in made]
    assert sizes == [300, 200, 50]
    assert made[0].samplings.get().hundred_percent and "first article" in made[0].samplings.get().source
    # Another partner's first lots of the same product are first articles of their own.
    [other] = inspections_from_receipt(receipt=done_receipt(world.p2, [(bracket, [("LOT-9", 300)])]))
    assert other.first_article


def test_first_article_may_tighten_instead(world):
    bracket = product(world.a)
    _plan(bracket, first_article_lots=1, first_article_mode=InspectionPlanVersion.FirstArticle.TIGHTENED)
    first, second = inspections_from_receipt(
        receipt=done_receipt(world.p1, [(bracket, [("LOT-1", 500), ("LOT-2", 500)])])
    )
    assert (first.first_article, first.severity) == (True, Severity.TIGHTENED)
    assert (second.first_article, second.severity) == (False, Severity.NORMAL)


def test_each_defect_class_gets_its_own_plan(world):
    bracket = product(world.a)
    _plan(
        bracket,
        rules=[
            {"defect_class": "critical", "mode": "hundred_percent", "aql": None, "level": ""},
            {"defect_class": "major", "aql": Decimal("1.0")},
            {"defect_class": "minor", "mode": "fixed", "sample_size": 13, "accept": 1, "aql": None, "level": ""},
        ],
    )
    [inspection] = inspections_from_receipt(receipt=done_receipt(world.p1, [(bracket, [("LOT-A", 300)])]))
    got = {s.defect_class: (s.sample_size, s.accept, s.reject, s.hundred_percent) for s in inspection.samplings.all()}
    assert got == {"critical": (300, 0, 1, True), "major": (50, 1, 2, False), "minor": (13, 1, 2, False)}
    assert inspection.sample_size == 300


def test_a_used_version_is_frozen_and_a_new_version_serves_new_lots_only(world):
    bracket = product(world.a)
    v1 = _plan(bracket)
    [old] = inspections_from_receipt(receipt=done_receipt(world.p1, [(bracket, [("LOT-A", 300)])]))
    v1.refresh_from_db()
    assert v1.is_frozen
    v2 = InspectionPlanVersionFactory(plan=v1.plan, rules=[{"aql": Decimal("0.65")}])
    [new] = inspections_from_receipt(receipt=done_receipt(world.p1, [(bracket, [("LOT-B", 300)])]))
    old.refresh_from_db()
    assert (old.plan_version, new.plan_version) == (v1, v2)
    # Lot of 300 at II is H: AQL 1.0 reads n=50 there; 0.65 follows the arrow down to J, n=80.
    assert old.samplings.get().sample_size == 50 and new.samplings.get().sample_size == 80
    v2.refresh_from_db()
    assert v2.is_frozen


def test_a_fractional_quantity_counts_as_whole_items_for_the_tables(world):
    resin = product(world.a, tracking=Product.Tracking.NONE, uom_name="kg")
    _plan(resin)
    [inspection] = inspections_from_receipt(receipt=done_receipt(world.p1, [(resin, "12.5")]))
    assert inspection.lot_size == Decimal("12.5")
    assert inspection.samplings.get().sample_size == sampling_plan(13, "II", "1.0").sample_size
