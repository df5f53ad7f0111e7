"""The quality measures' sources and drill-downs (quality.scorecards.quality_inputs) on hand-built rows: each
measure's inputs worked out here, lots counted once (re-inspected, corrected), cancelled NCRs left out, PPM
with NCRs and no receipt, a tenant west of UTC at a month boundary, the partner filter, another tenant's rows
never counted, queries that do not grow with rows, and each drill-down agreeing with its figure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.dates import tenant_zone
from quality.models import (
    DefectClass,
    Inspection,
    InspectionResult,
    Ncr,
    NcrLot,
    Scar,
    ScarAnswer,
    ScarStep,
)
from quality.scorecards import catalogue, quality_inputs
from quality.scorecards.drill import drill
from suppliers.models import Asn, AsnItemValue, Receipt
from tests.factories import (
    AsnItemFactory,
    AsnLineFactory,
    CharacteristicFactory,
    InspectionPlanVersionFactory,
    ProductFactory,
    ReceiptFactory,
    ReceiptMoveFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal
MARCH, APRIL, MAY = dt.date(2025, 3, 1), dt.date(2025, 4, 1), dt.date(2025, 5, 1)


def at(tenant, day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    """An instant on ``day`` at ``hour`` in the tenant's zone."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tenant_zone(tenant))


def run(key, tenant, months, partner_ids=None) -> dict:
    """A source's answer as ``{(partner id, month): inputs}``, checking the names it writes."""
    out = {}
    for partner_id, month, inputs in quality_inputs.SOURCES[key](tenant=tenant, months=months, partner_ids=partner_ids):
        assert set(inputs) == set(catalogue.INPUT_NAMES[key])
        out[(partner_id, month)] = inputs
    return out


# --- builders ------------------------------------------------------------------------------------------


def received(partner, quantity, when: dt.datetime, *, state=Receipt.State.DONE):
    receipt = ReceiptFactory(order__partner=partner, state=state, date_done=when)
    return ReceiptMoveFactory(receipt=receipt, quantity_done=D(quantity), state="done")


def inspection(partner, signed_at, verdict="accept", *, lot="L1", move=None, version=None, **fields) -> Inspection:
    """A signed original inspection of ``lot`` on ``move`` (a new done receipt of 100 when not given)."""
    move = move or received(partner, 100, signed_at)
    return Inspection.objects.create(
        tenant=partner.tenant,
        partner=partner,
        product=move.product,
        receipt=move.receipt,
        receipt_move=move,
        lot_name=lot,
        lot_size=D(100),
        status=fields.pop("status", Inspection.Status.SIGNED),
        verdict=verdict,
        signed_at=signed_at,
        plan_version=version,
        **fields,
    )


def ncr(partner, opened: dt.datetime, *, severity=DefectClass.MAJOR, affected="0", suspect="0", status="open", **money):
    number = f"NCR-{Ncr.objects.filter(tenant=partner.tenant).count() + 1:05d}"
    item = Ncr.objects.create(
        tenant=partner.tenant,
        partner=partner,
        product=ProductFactory(tenant=partner.tenant),
        number=number,
        source=Ncr.Source.OTHER,
        title=f"Defect {number}",
        severity=severity,
        status=status,
        **money,
    )
    Ncr.objects.filter(pk=item.pk).update(created_at=opened)
    NcrLot.objects.create(tenant=partner.tenant, ncr=item, lot_name="LX", affected=D(affected), suspect=D(suspect))
    item.refresh_from_db()
    return item


def scar(partner, issued: dt.datetime, *, status=Scar.Status.OPEN, closed_at=None) -> Scar:
    number = f"SCAR-{Scar.objects.filter(tenant=partner.tenant).count() + 1:05d}"
    item = Scar.objects.create(
        tenant=partner.tenant, partner=partner, number=number, title="Burrs", status=status, closed_at=closed_at
    )
    Scar.objects.filter(pk=item.pk).update(issued_at=issued)
    item.refresh_from_db()
    return item


def step(item: Scar, code, due: dt.date, status=ScarStep.Status.OPEN, *, answered=None, reviewed_at=None):
    row = ScarStep.objects.create(
        tenant=item.tenant, scar=item, code=code, due_date=due, status=status, reviewed_at=reviewed_at
    )
    for version, when in enumerate(answered or [], start=1):
        answer = ScarAnswer.objects.create(tenant=item.tenant, step=row, version=version, author=UserFactory())
        ScarAnswer.objects.filter(pk=answer.pk).update(created_at=when)
    return row


# --- lots ----------------------------------------------------------------------------------------------


def test_lots_count_accepted_and_rejected_originals_per_month(world):
    a, p1 = world.a, world.p1
    inspection(p1, at(a, dt.date(2025, 3, 3)), "accept")
    inspection(p1, at(a, dt.date(2025, 3, 20)), "reject")
    inspection(p1, at(a, dt.date(2025, 3, 21)), "accept")
    inspection(p1, at(a, dt.date(2025, 4, 2)), "accept")
    inspection(p1, at(a, dt.date(2025, 3, 22)), "", status=Inspection.Status.IN_PROGRESS)  # not signed
    got = run("lots", a, [MARCH, APRIL])
    assert got == {
        (p1.pk, MARCH): {"lots": 3, "accepted": 2, "rejected": 1},
        (p1.pk, APRIL): {"lots": 1, "accepted": 1, "rejected": 0},
    }
    # 2 of 3 accepted: 66.67 %
    assert catalogue.figures({"lots": got[(p1.pk, MARCH)]})["lots"] == "66.67"


def test_a_reinspected_lot_counts_once_with_its_original_verdict(world):
    a, p1 = world.a, world.p1
    original = inspection(p1, at(a, dt.date(2025, 3, 5)), "reject", lot="SORTED")
    inspection(
        p1, at(a, dt.date(2025, 4, 8)), "accept", lot="SORTED", move=original.receipt_move,
        sequence=2, reinspection_of=original,
    )  # fmt: skip
    assert run("lots", a, [MARCH, APRIL]) == {(p1.pk, MARCH): {"lots": 1, "accepted": 0, "rejected": 1}}
    rows = drill(tenant=a, partner=p1, key="lots", months=[MARCH, APRIL]).rows
    assert [r.link for r in rows] == [("inspection", original.pk)]


def test_a_corrected_inspection_counts_once_as_corrected_in_its_first_month(world):
    a, p1 = world.a, world.p1
    first = inspection(p1, at(a, dt.date(2025, 3, 30)), "reject", lot="FIXED")
    correction = inspection(
        p1, at(a, dt.date(2025, 4, 2)), "accept", lot="FIXED", move=first.receipt_move, revision=2, corrects=first
    )
    # A correction opened and not signed yet leaves the signed one counting.
    other = inspection(p1, at(a, dt.date(2025, 3, 10)), "accept", lot="OPEN-FIX")
    inspection(
        p1, None, "", lot="OPEN-FIX", move=other.receipt_move, revision=2, corrects=other,
        status=Inspection.Status.IN_PROGRESS,
    )  # fmt: skip
    assert run("lots", a, [MARCH, APRIL]) == {(p1.pk, MARCH): {"lots": 2, "accepted": 2, "rejected": 0}}
    result = drill(tenant=a, partner=p1, key="lots", months=[MARCH])
    assert {r.link for r in result.rows} == {("inspection", correction.pk), ("inspection", other.pk)}
    assert result.total == 2 and result.bad_total == 0


def test_a_tenant_west_of_utc_counts_by_its_own_calendar(world):
    a, p1 = world.a, world.p1
    a.time_zone = "America/Los_Angeles"
    a.save(update_fields=["time_zone"])
    # 31 March 23:30 in Los Angeles is 1 April 06:30 UTC: March for this tenant.
    late = at(a, dt.date(2025, 3, 31), 23, 30)
    assert late.astimezone(dt.UTC).date() == dt.date(2025, 4, 1)
    inspection(p1, late, "reject")
    received(p1, 250, late)
    ncr(p1, late, affected="5")
    # 1 April 00:30 there is still 1 April: April.
    inspection(p1, at(a, dt.date(2025, 4, 1), 0, 30), "accept")
    assert run("lots", a, [MARCH, APRIL]) == {
        (p1.pk, MARCH): {"lots": 1, "accepted": 0, "rejected": 1},
        (p1.pk, APRIL): {"lots": 1, "accepted": 1, "rejected": 0},
    }
    # The inspection's own done receipt (100) and the 250 were both done in March there.
    assert run("ppm", a, [MARCH, APRIL])[(p1.pk, MARCH)] == {"received": "350", "rejected": "5"}
    assert run("ncrs", a, [APRIL]) == {}


# --- ppm, ncrs, copq -----------------------------------------------------------------------------------


def test_ppm_sets_affected_quantity_of_ncrs_against_done_receipts(world):
    a, p1 = world.a, world.p1
    received(p1, "1500", at(a, dt.date(2025, 3, 4)))
    received(p1, "500.5", at(a, dt.date(2025, 3, 28)))
    received(p1, "900", at(a, dt.date(2025, 3, 6)), state=Receipt.State.ASSIGNED)  # not done: not received
    ncr(p1, at(a, dt.date(2025, 3, 10)), affected="3", suspect="40")  # suspect is not rejected
    ncr(p1, at(a, dt.date(2025, 3, 11)), affected="1.5")
    ncr(p1, at(a, dt.date(2025, 3, 12)), affected="100", status=Ncr.Status.CANCELLED)
    got = run("ppm", a, [MARCH])
    assert got == {(p1.pk, MARCH): {"received": "2000.5", "rejected": "4.5"}}
    # 4.5 / 2000.5 x 1,000,000 = 2249.4376...
    assert catalogue.figures({"ppm": got[(p1.pk, MARCH)]})["ppm"] == "2249.44"
    result = drill(tenant=a, partner=p1, key="ppm", months=[MARCH])
    assert result.total == 2 and result.bad_total == 2
    assert sum(D(r.cells[4]) for r in result.rows) == D("4.5")
    assert "2,000.5 received" in result.note


def test_ppm_with_ncrs_and_no_receipt_is_rejected_quantity_without_a_figure(world):
    a, p2 = world.a, world.p2
    ncr(p2, at(a, dt.date(2025, 4, 9)), affected="7")
    got = run("ppm", a, [APRIL])
    assert got == {(p2.pk, APRIL): {"received": "0", "rejected": "7"}}
    assert catalogue.figures({"ppm": got[(p2.pk, APRIL)]})["ppm"] is None  # no receipt: no data, not infinite


def test_ncrs_by_severity_and_cancelled_left_out(world):
    a, p1 = world.a, world.p1
    ncr(p1, at(a, dt.date(2025, 3, 1), 0, 5), severity=DefectClass.MINOR)
    ncr(p1, at(a, dt.date(2025, 3, 9)), severity=DefectClass.MAJOR, status=Ncr.Status.CLOSED)
    ncr(p1, at(a, dt.date(2025, 3, 9)), severity=DefectClass.CRITICAL)
    ncr(p1, at(a, dt.date(2025, 3, 9)), severity=DefectClass.CRITICAL)
    cancelled = ncr(p1, at(a, dt.date(2025, 3, 9)), severity=DefectClass.MAJOR, status=Ncr.Status.CANCELLED)
    ncr(p1, at(a, dt.date(2025, 2, 28), 23, 59), severity=DefectClass.MAJOR)  # February: not asked for
    assert run("ncrs", a, [MARCH]) == {(p1.pk, MARCH): {"total": 4, "minor": 1, "major": 1, "critical": 2}}
    result = drill(tenant=a, partner=p1, key="ncrs", months=[MARCH])
    assert result.total == 4 and ("ncr", cancelled.pk) not in {r.link for r in result.rows}


def test_copq_uses_the_ncr_cost_per_currency(world):
    a, p1 = world.a, world.p1
    when = at(a, dt.date(2025, 5, 14))
    # 12 x 2.5 = 30.00 + 15.00 handling = 45.00 EUR; 3 x 10.125 = 30.375 -> 30.38 + 0 = 30.38 EUR
    ncr(p1, when, affected="12", unit_price=D("2.5"), currency_code="EUR", handling_charge=D("15"))
    ncr(p1, when, affected="3", unit_price=D("10.125"), currency_code="EUR")
    # 4 x 7 = 28 USD + 5 handling = 33 USD
    ncr(p1, when, affected="4", unit_price=D("7"), currency_code="USD", handling_charge=D("5"))
    ncr(p1, when, affected="99", unit_price=D("7"), currency_code="USD", status=Ncr.Status.CANCELLED)
    got = run("copq", a, [MAY])
    assert got == {(p1.pk, MAY): {"by_currency": {"EUR": "75.38", "USD": "33"}}}
    result = drill(tenant=a, partner=p1, key="copq", months=[MAY])
    assert [r.cells[5] for r in result.rows] == ["45.00 EUR", "33.00 USD", "30.38 EUR"]  # costliest first
    assert result.total == 3


# --- scar ----------------------------------------------------------------------------------------------


def test_scar_steps_on_time_overdue_and_days_to_containment_and_closure(world):
    a, p1 = world.a, world.p1
    issued = at(a, dt.date(2025, 3, 3), 9)
    one = scar(p1, issued)
    # D1 due 5 March, answered 5 March at 23:00 there: on time. D2 due 6 March, answered 7 March: late.
    step(one, "D1", dt.date(2025, 3, 5), ScarStep.Status.ACCEPTED, answered=[at(a, dt.date(2025, 3, 5), 23)])
    step(one, "D2", dt.date(2025, 3, 6), ScarStep.Status.ANSWERED, answered=[at(a, dt.date(2025, 3, 7))])
    # D3 answered on time, accepted 4.5 days after the issue: contained.
    step(
        one, "D3", dt.date(2025, 3, 10), ScarStep.Status.ACCEPTED, answered=[at(a, dt.date(2025, 3, 6))],
        reviewed_at=issued + dt.timedelta(days=4, hours=12),
    )  # fmt: skip
    # D4 answered on time but sent back, never answered again: overdue and open.
    step(one, "D4", dt.date(2025, 3, 20), ScarStep.Status.RETURNED, answered=[at(a, dt.date(2025, 3, 19))])
    # D5 answered first on time, then changed after the due date: the answer that stands is late.
    step(
        one, "D5", dt.date(2025, 3, 25), ScarStep.Status.ANSWERED,
        answered=[at(a, dt.date(2025, 3, 24)), at(a, dt.date(2025, 3, 27))],
    )  # fmt: skip
    step(one, "D6", dt.date(2025, 4, 2), ScarStep.Status.OPEN)  # April
    # A closed SCAR issued in March: 10 days to closure, no D3 accepted; a cancelled one: left out.
    scar(p1, at(a, dt.date(2025, 3, 8)), status=Scar.Status.CLOSED, closed_at=at(a, dt.date(2025, 3, 18)))
    gone = scar(p1, at(a, dt.date(2025, 3, 9)), status=Scar.Status.CANCELLED)
    step(gone, "D1", dt.date(2025, 3, 12), ScarStep.Status.OPEN)
    got = run("scar", a, [MARCH, APRIL])
    assert got[(p1.pk, MARCH)] == {
        "steps_due": 5, "steps_on_time": 2, "overdue_open": 1, "contained": 1, "containment_days_total": "4.5",
        "closed": 1, "closure_days_total": "10",
    }  # fmt: skip
    assert got[(p1.pk, APRIL)] == {
        "steps_due": 1, "steps_on_time": 0, "overdue_open": 1, "contained": 0, "containment_days_total": "0",
        "closed": 0, "closure_days_total": "0",
    }  # fmt: skip
    assert catalogue.figures({"scar": got[(p1.pk, MARCH)]})["scar"] == "40"  # 2 of 5
    result = drill(tenant=a, partner=p1, key="scar", months=[MARCH])
    assert result.total == 5 and result.bad_total == 3
    assert [r.cells[2][:2] for r in result.rows] == ["D2", "D4", "D5", "D1", "D3"]  # late first, by due date
    assert "4.5 days" in result.note and "10 days" in result.note


def test_a_step_not_yet_due_counts_once_answered(world):
    a, p1 = world.a, world.p1
    future = dt.date(2099, 6, 1)
    item = scar(p1, at(a, dt.date(2025, 3, 3)))
    step(item, "D1", dt.date(2099, 6, 20), ScarStep.Status.OPEN)  # not due yet: not counted
    step(item, "D2", dt.date(2099, 6, 21), ScarStep.Status.ANSWERED, answered=[at(a, dt.date(2025, 3, 4))])
    assert run("scar", a, [future])[(p1.pk, future)] == {
        "steps_due": 1, "steps_on_time": 1, "overdue_open": 0, "contained": 0, "containment_days_total": "0",
        "closed": 0, "closure_days_total": "0",
    }  # fmt: skip


# --- certificates --------------------------------------------------------------------------------------


def certify(inspection_row, values: dict[str, tuple[str, str]], *, status=Asn.Status.SUBMITTED):
    line = AsnLineFactory(
        asn__partner=inspection_row.partner, asn__status=status, order_line__product=inspection_row.product
    )
    Asn.objects.filter(pk=line.asn_id).update(submitted_at=inspection_row.signed_at)
    item = AsnItemFactory(line=line, lot_name=inspection_row.lot_name)
    for name, (value, unit) in values.items():
        AsnItemValue.objects.create(tenant=item.tenant, item=item, name=name, value=D(value), unit=unit)


def measure(inspection_row, characteristic, *values):
    for unit, value in enumerate(values, start=1):
        InspectionResult.objects.create(
            tenant=inspection_row.tenant, inspection=inspection_row, unit=unit, characteristic=characteristic,
            value=D(value), client_key=f"{inspection_row.pk}-{characteristic.pk}-{unit}",
        )  # fmt: skip


def certified_lot(partner, signed_at, lot, cert: dict, measured: dict) -> Inspection:
    """A signed lot of a plan measuring Length (10 -0.1/+0.2 mm) and Hardness (40 +-2 HRC)."""
    version = InspectionPlanVersionFactory(plan__product__tenant=partner.tenant)
    chars = {
        "Length": CharacteristicFactory(version=version, name="Length"),
        "Hardness": CharacteristicFactory(
            version=version, name="Hardness", nominal=D(40), lower_tolerance=D(-2), upper_tolerance=D(2), unit="HRC"
        ),
    }
    move = received(partner, 100, signed_at)
    move.order_line.product = version.plan.product
    move.order_line.save()
    move.product = version.plan.product
    move.save()
    row = inspection(partner, signed_at, lot=lot, move=move, version=version)
    certify(row, cert)
    for name, values in measured.items():
        measure(row, chars[name], *values)
    return row


def test_certificate_values_compared_and_disagreeing(world):
    a, p1 = world.a, world.p1
    # Lot 1: Length 10.05 agrees (mean 10.0); hardness 43 is above 42; "Colour" is not in the plan.
    bad = certified_lot(
        p1, at(a, dt.date(2025, 3, 4)), "C1",
        {"length": ("10.05", "mm"), "Hardness": ("43", "HRC"), "Colour": ("3", "")}, {"Length": ["10.0", "10.0"]},
    )  # fmt: skip
    # Lot 2: Length 10.15 vs measured mean 9.8 (0.35 off, the band is 0.3 wide): disagrees.
    certified_lot(p1, at(a, dt.date(2025, 3, 9)), "C2", {"Length": ("10.15", "mm")}, {"Length": ["9.8", "9.8"]})
    # Lot 3: agrees; lot 4: no certificate values (no data for it).
    certified_lot(p1, at(a, dt.date(2025, 3, 12)), "C3", {"Hardness": ("41", "HRC")}, {})
    certified_lot(p1, at(a, dt.date(2025, 3, 13)), "C4", {}, {"Length": ["10"]})
    got = run("certificates", a, [MARCH])
    assert got == {(p1.pk, MARCH): {"values": 4, "disagreeing": 2}}
    assert catalogue.figures({"certificates": got[(p1.pk, MARCH)]})["certificates"] == "50"
    result = drill(tenant=a, partner=p1, key="certificates", months=[MARCH])
    assert (result.total, result.bad_total) == (4, 2)
    assert [r.bad for r in result.rows] == [True, True, False, False]
    assert result.rows[0].link == ("inspection", bad.pk) and "Above the upper limit 42" in result.rows[0].cells[5]


# --- scope, filter, query count ------------------------------------------------------------------------


def test_partner_filter_and_other_tenants_rows(world):
    a, b, p1, p2, q1 = world.a, world.b, world.p1, world.p2, world.q1
    when = at(a, dt.date(2025, 3, 10))
    for partner in (p1, p2, q1):
        inspection(partner, when, "reject")
        ncr(partner, when, affected="2")
        scar(partner, when)
    for key in ("lots", "ppm", "ncrs", "copq", "scar"):
        assert {pid for pid, _m in run(key, a, [MARCH])} == {p1.pk, p2.pk}, key
        assert {pid for pid, _m in run(key, a, [MARCH], partner_ids=[p2.pk])} == {p2.pk}, key
        assert {pid for pid, _m in run(key, b, [MARCH])} == {q1.pk}, key
    # A partner of another tenant asked for by id is not counted either.
    assert run("ncrs", a, [MARCH], partner_ids=[q1.pk]) == {}
    assert drill(tenant=a, partner=q1, key="ncrs", months=[MARCH]).total == 0


def _queries(key, tenant) -> int:
    with CaptureQueriesContext(connection) as captured:
        run(key, tenant, [MARCH, APRIL])
    return len(captured)


def test_a_source_call_does_not_query_more_for_more_rows(world):
    a, p1, p2 = world.a, world.p1, world.p2
    certified_lot(p1, at(a, dt.date(2025, 3, 4)), "Q1", {"Length": ("10", "mm")}, {"Length": ["10"]})
    ncr(p1, at(a, dt.date(2025, 3, 4)), affected="1", unit_price=D(1), currency_code="EUR")
    step(scar(p1, at(a, dt.date(2025, 3, 4))), "D1", dt.date(2025, 3, 6), answered=[at(a, dt.date(2025, 3, 5))])
    before = {key: _queries(key, a) for key in quality_inputs.SOURCES}
    for day in (5, 9, 12, 20):
        for partner in (p1, p2):
            when = at(a, dt.date(2025, 4, day))
            certified_lot(partner, when, f"Q{day}", {"Length": ("10", "mm")}, {"Length": ["10"]})
            ncr(partner, when, affected="1", unit_price=D(1), currency_code="EUR")
            step(scar(partner, when), "D1", dt.date(2025, 4, day + 1), answered=[when])
    after = {key: _queries(key, a) for key in quality_inputs.SOURCES}
    assert after == before
    assert run("certificates", a, [APRIL])[(p2.pk, APRIL)] == {"values": 4, "disagreeing": 0}


def test_no_month_asked_for_answers_nothing(world):
    for key in quality_inputs.SOURCES:
        assert run(key, world.a, []) == {}
        assert drill(tenant=world.a, partner=world.p1, key=key, months=[]).total == 0
