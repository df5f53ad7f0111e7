"""Switching fed by signed verdicts (quality.services.switching): lot sequences through receipts and
sign-off move the partner + product's state, discontinuation holds new lots until reinstated, corrections
are noted and not replayed, skip-lot qualifies, skips 1 in N and turns off on a rejection, and scope."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from integrations import topics
from integrations.models import OutboxEvent
from portal.models import AuditEntry, Role
from portal.services.errors import NotInScope
from portal.services.memberships import membership_scope_set
from quality.models import (
    DefectClass,
    Disposition,
    Inspection,
    QualityRules,
    SamplingRule,
    Severity,
    SwitchingEvent,
    SwitchingState,
)
from quality.services import switching
from quality.services.inspections import inspections_from_receipt
from quality.services.recording import inspection_correct, inspection_sign, result_record
from tests.factories import CharacteristicFactory, InspectionPlanFactory, InspectionPlanVersionFactory, member
from tests.factories.portal import PASSWORD
from tests.quality.receipts import done_receipt, product

pytestmark = pytest.mark.django_db

# Majors: 3 units, Ac 1 / Re 2 (Ac 0 or 1: +2 on the switching score per accepted lot).
FIXED = [
    {"defect_class": DefectClass.MAJOR, "mode": SamplingRule.Mode.FIXED, "sample_size": 3, "accept": 1, "aql": None}
]


class Pair:
    """A partner + product with a plan, whose lots arrive on receipts and are signed accepted or rejected."""

    def __init__(self, world, rules=FIXED, partner=None):
        self.world = world
        self.partner = partner or world.p1
        self.item = product(world.a, name="Bracket")
        version = InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=self.item), rules=rules)
        self.length = CharacteristicFactory(version=version, name="Length")
        self.count = 0

    def arrive(self, quantity=100) -> Inspection:
        self.count += 1
        receipt = done_receipt(self.partner, [(self.item, [(f"L{self.count}", quantity)])])
        [inspection] = inspections_from_receipt(receipt=receipt)
        return inspection

    def sign(self, inspection, accepted=True, defective=None) -> Inspection:
        n = max(s.sample_size for s in inspection.samplings.all())
        bad = defective if defective is not None else (0 if accepted else n)
        for unit in range(1, n + 1):
            value = Decimal("12") if unit <= bad else Decimal("10.05")
            result_record(
                membership=self.world.a_inspector,
                inspection=inspection,
                unit=unit,
                characteristic=self.length,
                client_key=f"u{unit}",
                value=value,
            )
        return inspection_sign(membership=self.world.a_inspector, inspection=inspection, password=PASSWORD)

    def lots(self, results: str) -> list[Inspection]:
        """Receive and sign one lot per letter ("A" accepted, "R" rejected)."""
        return [self.sign(self.arrive(), accepted=r == "A") for r in results]

    @property
    def state(self) -> SwitchingState:
        return SwitchingState.objects.get(tenant=self.world.a, partner=self.partner, product=self.item)


def test_two_of_five_rejected_tighten_the_next_lot_and_five_accepted_return_to_normal(world):
    pair = Pair(world)
    signed = pair.lots("RAR")
    assert pair.state.severity == Severity.TIGHTENED
    [event] = SwitchingEvent.objects.all()
    assert (event.from_severity, event.to_severity, event.inspection_id, event.lot_name) == (
        "normal",
        "tightened",
        signed[-1].pk,
        "L3",
    )
    assert event.reason.startswith("Lot L3: Tightened inspection from the next lot: 2 of the last 3 lots")
    assert pair.arrive().severity == Severity.TIGHTENED  # the next lot is drawn at tightened
    pair.sign(Inspection.objects.get(lot_name="L4"))
    pair.lots("AAAA")
    assert pair.state.severity == Severity.NORMAL
    assert SwitchingEvent.objects.first().reason.startswith(
        "Lot L8: Normal inspection from the next lot: 5 consecutive"
    )


def test_score_30_reduces_only_when_the_tenant_allows_and_a_rejection_returns_to_normal(world):
    pair = Pair(world)
    pair.lots("A" * 15)
    state = pair.state
    assert (state.severity, state.score) == (Severity.NORMAL, 30)  # 15 x 2, but reduced is not allowed
    QualityRules.objects.create(tenant=world.a, reduced_allowed=True)
    pair.lots("A")
    assert pair.state.severity == Severity.REDUCED
    assert "switching score reached 32" in SwitchingEvent.objects.first().reason
    pair.lots("R")
    assert (pair.state.severity, pair.state.score) == (Severity.NORMAL, 0)
    assert SwitchingEvent.objects.first().reason.startswith("Lot L17: Normal inspection from the next lot: a lot")


def test_discontinued_holds_new_lots_until_reinstated_at_tightened(world):
    pair = Pair(world)
    pair.lots("RR" + "RRRR")  # tightened after 2, then 4 of the 5 that discontinue
    waiting = pair.arrive()  # received before inspection stops: it stays waiting
    pair.lots("R")
    assert pair.state.severity == Severity.DISCONTINUED
    assert SwitchingEvent.objects.first().to_severity == Severity.DISCONTINUED
    waiting.refresh_from_db()
    assert waiting.status == Inspection.Status.WAITING
    held = pair.arrive()
    assert (held.status, held.samplings.count()) == (Inspection.Status.DISCONTINUED, 0)
    pair.sign(waiting)  # signed while discontinued: not counted
    assert pair.state.severity == Severity.DISCONTINUED

    with pytest.raises(ValidationError) as caught:
        switching.switching_reinstate(
            membership=world.a_engineer, partner_id=world.p1.pk, product_id=pair.item.pk, reason=" "
        )
    assert "reason" in caught.value.message_dict
    state, released = switching.switching_reinstate(
        membership=world.a_engineer, partner_id=world.p1.pk, product_id=pair.item.pk, reason="8D closed, new die"
    )
    assert (state.severity, state.not_accepted_since_tightened) == (Severity.TIGHTENED, 0)
    held.refresh_from_db()
    assert released == [held]
    assert (held.status, held.severity, held.samplings.get().sample_size) == ("waiting", "tightened", 3)
    event = SwitchingEvent.objects.first()
    assert (event.from_severity, event.to_severity) == ("discontinued", "tightened")
    assert "8D closed, new die" in event.reason and "ISO 2859-1 9.4" in event.reason
    assert AuditEntry.objects.filter(action="switching.reinstated", object_id=str(state.pk)).exists()
    assert AuditEntry.objects.filter(action="inspection.ready", object_id=str(held.pk)).exists()
    with pytest.raises(ValidationError, match="not discontinued"):
        switching.switching_reinstate(
            membership=world.a_engineer, partner_id=world.p1.pk, product_id=pair.item.pk, reason="again"
        )


def test_a_correction_that_changes_the_verdict_is_noted_not_replayed_and_the_engineer_may_reset(world):
    pair = Pair(world)
    [first] = pair.lots("R")
    before = pair.state
    correction = inspection_correct(membership=world.a_inspector, inspection=first)
    for unit in (1, 2, 3):
        result_record(
            membership=world.a_inspector,
            inspection=correction,
            unit=unit,
            characteristic=pair.length,
            client_key=f"fix{unit}",
            value=Decimal("10.1"),
        )
    inspection_sign(membership=world.a_inspector, inspection=correction, password=PASSWORD)
    after = pair.state
    assert (after.severity, after.recent) == (before.severity, before.recent) == ("normal", [False])
    [event] = SwitchingEvent.objects.all()
    assert event.from_severity == event.to_severity == "normal"
    assert "changed the verdict from rejected to accepted" in event.reason and event.inspection == correction

    state = switching.switching_reset(
        membership=world.a_engineer, partner_id=world.p1.pk, product_id=pair.item.pk, severity="normal", reason="L1 ok"
    )
    assert (state.severity, state.recent, state.score) == ("normal", [], 0)
    with pytest.raises(ValidationError) as caught:
        switching.switching_reset(
            membership=world.a_engineer, partner_id=world.p1.pk, product_id=pair.item.pk, severity="reduced", reason="x"
        )
    assert "severity" in caught.value.message_dict


def test_the_score_asks_whether_one_aql_step_tighter_would_accept(world):
    # Lot of 1000 at level II, AQL 1.0: code letter J, n=80, Ac 2 / Re 3; at AQL 0.65 J has Ac 1.
    pair = Pair(world, rules=[{"defect_class": DefectClass.MAJOR, "aql": Decimal("1.0")}])
    pair.sign(pair.arrive(quantity=1000), defective=1)
    assert pair.state.score == 3  # 1 defective: AQL 0.65 (Ac 1) would accept too
    pair.sign(pair.arrive(quantity=1000), defective=2)
    assert (pair.state.score, pair.state.recent) == (0, [True, True])  # accepted, but not one step tighter


def test_skip_lot_needs_ten_accepted_lots_then_skips_two_in_three_and_a_rejection_turns_it_off(world):
    pair = Pair(world)
    pair.lots("A" * 9)

    def set_every(every):
        return switching.skip_lot_set(
            membership=world.a_engineer, partner_id=world.p1.pk, product_id=pair.item.pk, every=every
        )

    with pytest.raises(ValidationError) as caught:
        set_every(3)
    assert "last 10 original lots accepted" in caught.value.message_dict["every"][0]
    assert "the run is 9" in caught.value.message_dict["every"][0]
    for bad in (1, 21, -1):
        with pytest.raises(ValidationError, match="from 2 to 20"):
            set_every(bad)
    pair.lots("A")
    assert set_every(3).skip_every == 3

    arrived = [pair.arrive() for _ in range(4)]
    assert [i.status for i in arrived] == ["skipped", "skipped", "waiting", "skipped"]
    skipped = arrived[0]
    disposition = Disposition.objects.get(inspection=skipped)
    assert (disposition.kind, disposition.released) == (Disposition.Kind.SKIPPED, Decimal(100))
    event = OutboxEvent.objects.get(pk=disposition.outbox_event_id)
    assert event.topic == topics.INSPECTION_DISPOSED and event.payload["kind"] == "skipped"
    assert (
        SwitchingEvent.objects.filter(inspection=skipped)
        .get()
        .reason.startswith("Released without inspection (skip-lot 1 in 3)")
    )
    assert not arrived[2].dispositions.exists() and arrived[2].samplings.count() == 1

    pair.sign(arrived[2], accepted=False)
    state = pair.state
    assert (state.skip_every, state.skipped_since_inspected, state.severity) == (0, 0, "normal")
    off = SwitchingEvent.objects.first()
    assert off.reason == "Skip-lot (1 in 3) turned off: lot L13 was not accepted. Every lot is inspected again."
    assert pair.arrive().status == Inspection.Status.WAITING
    assert AuditEntry.objects.filter(action="switching.skip_lot_set").count() == 1


def test_skip_lot_is_refused_under_tightened_inspection(world):
    pair = Pair(world)
    pair.lots("RR")
    with pytest.raises(ValidationError) as caught:
        switching.skip_lot_set(membership=world.a_engineer, partner_id=world.p1.pk, product_id=pair.item.pk, every=2)
    assert "tightened" in caught.value.message_dict["every"][0]


def test_other_partners_tenants_inspectors_and_suppliers_get_404_and_nothing_changes(world):
    pair = Pair(world)
    pair.lots("A")
    only_p2 = membership_scope_set(
        actor=world.a_admin, membership=member(world.a, Role.QUALITY_ENGINEER), all_partners=False, partners=[world.p2]
    )
    for who in (world.b_admin, member(world.b, Role.QUALITY_ENGINEER), only_p2, world.a_inspector, world.p1_admin):
        with pytest.raises(NotInScope):
            switching.skip_lot_set(membership=who, partner_id=world.p1.pk, product_id=pair.item.pk, every=0)
        with pytest.raises(NotInScope):
            switching.switching_reset(
                membership=who, partner_id=world.p1.pk, product_id=pair.item.pk, severity="tightened", reason="x"
            )
        assert not switching.switching_states_visible(who).exists()
    assert pair.state.severity == Severity.NORMAL
    # A tenant admin may act as the engineer does.
    assert switching.switching_states_visible(world.a_admin).get() == pair.state
