"""Reviewer r2 (the numbers) trying to break the scorecards: each measure's edges on hand-built data, time
zones at month ends, the standing window's bounds, zero targets and weights, a standing the tenant deleted,
two runs of one tenant at once, another tenant's rows, exact decimals. Each value is worked out here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from integrations import topics
from integrations.models import OutboxEvent
from portal.dates import tenant_zone
from quality.models import (
    DefectClass,
    Ncr,
    NcrLot,
    PartnerScore,
    PurchaseWarning,
    ScorecardPeriod,
    ScorecardRules,
    Standing,
    StandingChange,
)
from quality.scorecards import catalogue, engine
from quality.scorecards.engine import ScorecardRunBusy, run_lock, scorecards_compute, scorecards_rescore
from suppliers.models import Receipt
from tests.factories import (
    PartnerFactory,
    ProductFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    ReceiptFactory,
    ReceiptMoveFactory,
)
from tests.quality.test_scorecard_engine import FakeSources, otd, ppm

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = dt.date(2026, 4, 15)
JAN, FEB, MAR, APR = (dt.date(2026, m, 1) for m in (1, 2, 3, 4))


def local(tenant, day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tenant_zone(tenant))


def delivered(partner, *, requested: dt.datetime | None, done: dt.datetime, quantity, ordered=100):
    po = PurchaseOrderFactory(partner=partner, date_planned=requested)
    line = PurchaseOrderLineFactory(order=po, quantity=ordered, date_planned=requested)
    receipt = ReceiptFactory(order=po, state=Receipt.State.DONE, date_done=done)
    return ReceiptMoveFactory(receipt=receipt, order_line=line, quantity_done=D(str(quantity)), state="done")


def opened_ncr(partner, opened: dt.datetime, affected: str, *, status=Ncr.Status.OPEN) -> Ncr:
    item = Ncr.objects.create(
        tenant=partner.tenant,
        partner=partner,
        product=ProductFactory(tenant=partner.tenant),
        number=f"NCR-{Ncr.objects.count() + 1:05d}",
        source=Ncr.Source.OTHER,
        title="Burrs",
        severity=DefectClass.MAJOR,
        status=status,
    )
    Ncr.objects.filter(pk=item.pk).update(created_at=opened)
    NcrLot.objects.create(tenant=partner.tenant, ncr=item, lot_name="L1", affected=D(affected))
    return item


@pytest.fixture
def go(world, celery_eager, django_capture_on_commit_callbacks):
    """``scorecards_compute`` of tenant A as of TODAY, its on-commit work (events, emails) done."""

    def run(**kwargs):
        kwargs.setdefault("today", TODAY)
        with django_capture_on_commit_callbacks(execute=True):
            return scorecards_compute(tenant=kwargs.pop("tenant", world.a), **kwargs)

    return run


def months_of(partner) -> list[dt.date]:
    return list(ScorecardPeriod.objects.filter(partner=partner).order_by("month").values_list("month", flat=True))


# --- two runs of one tenant at once ------------------------------------------------------------------------


def test_an_on_demand_run_during_the_nightly_loses_no_period_and_flips_no_standing(world, go, monkeypatch):
    """The nightly has read the receipts (P1: March, all on time) when an April receipt arrives, 0 on time,
    and the partner's on-demand run starts before the nightly writes. Whatever the interleaving, the end is
    March and April stored, P1 in Probation (100 of 200 on time: 50 %, 50/95 = 52.63), and the standing
    changes are the two real ones: none -> Preferred, Preferred -> Probation."""
    monkeypatch.setattr(engine, "RUN_LOCK_WAIT", 0)
    fake = FakeSources()
    fake.put(world.p1, MAR, otd=otd(100, 100))
    go(sources=fake)
    on_demand = []

    def ppm_source(*, tenant, months, partner_ids=None):  # the nightly's second source: the receipt arrives
        if not on_demand:  # only the nightly reads this source (the on-demand run reads ``fake``)
            fake.put(world.p1, APR, otd=otd(100, 0))
            try:
                on_demand.append(go(partner_ids=[world.p1.pk], sources=fake))
            except ScorecardRunBusy:
                on_demand.append("busy")  # its task comes back later (test below)
        yield from ()

    go(sources={"otd": fake["otd"], "ppm": ppm_source})
    if on_demand == ["busy"]:
        go(partner_ids=[world.p1.pk], sources=fake)  # the on-demand task's retry
    assert months_of(world.p1) == [MAR, APR]
    assert PartnerScore.objects.get(partner=world.p1).score == D("52.63")
    changes = list(StandingChange.objects.filter(partner=world.p1).order_by("pk").values_list("from_name", "to_name"))
    assert changes == [("", "Preferred"), ("Preferred", "Probation")]
    assert go(sources=fake).periods_written == 0


def test_a_busy_tenant_task_is_retried_not_lost(world, monkeypatch):
    from quality import tasks

    monkeypatch.setattr(engine, "RUN_LOCK_WAIT", 0)
    retried = []

    def retry(**kwargs):
        retried.append((type(kwargs["exc"]), kwargs["countdown"]))
        return RuntimeError("retry")

    for task, args in (
        (tasks.scorecard_partner_task, (world.a.pk, world.p1.pk)),
        (tasks.scorecards_tenant_task, (world.a.pk,)),
        (tasks.scorecards_rescore_task, (world.a.pk,)),
    ):
        monkeypatch.setattr(task, "retry", retry)
        with run_lock(world.a), pytest.raises(RuntimeError, match="retry"):
            task(*args)
    assert retried == [(ScorecardRunBusy, tasks.BUSY_COUNTDOWN)] * 3
    assert not PartnerScore.objects.exists()
    with run_lock(world.b):  # another tenant's run holds its own lock only
        tasks.scorecard_partner_task(world.a.pk, world.p1.pk)
    assert PartnerScore.objects.filter(partner=world.p1).exists()


def test_the_lock_of_a_lost_worker_expires_and_a_run_that_lost_its_lock_stops(world, go, monkeypatch):
    import time

    from django.core.cache import cache

    monkeypatch.setattr(engine, "RUN_LOCK_WAIT", 0)
    monkeypatch.setattr(engine, "RUN_LOCK_SECONDS", 1)
    key = f"scorecards:run:{world.a.pk}"
    cache.add(key, "a worker killed mid-run", 1)
    fake = FakeSources()
    fake.put(world.p1, APR, otd=otd(10, 10))
    with pytest.raises(ScorecardRunBusy):
        go(sources=fake)
    time.sleep(1.2)
    assert go(sources=fake).periods_written == 1  # expired: the next run goes

    monkeypatch.setattr(engine, "RUN_LOCK_SECONDS", 600)
    monkeypatch.setattr(engine, "RUN_LOCK_RENEW", 0)
    fake.put(world.p1, APR, otd=otd(10, 0))

    def taken_over(*, tenant, months, partner_ids=None):  # its lock expired and another run took it
        cache.set(key, "another run", 600)
        yield world.p1.pk, APR, {"received": "1", "rejected": "0"}

    with pytest.raises(ScorecardRunBusy):
        go(sources={"ppm": taken_over, "otd": fake["otd"]})
    assert ScorecardPeriod.objects.get(partner=world.p1, month=APR).figures["otd"] == "100"  # nothing written
    assert cache.get(key) == "another run"  # and the other run's lock left alone
    cache.delete(key)


# --- a standing the tenant deleted ----------------------------------------------------------------------------


def test_leaving_a_deleted_warning_standing_clears_the_warning_and_is_told(world, go):
    """P1 in Probation (warns; the portal's warning is on the partner in Odoo); the tenant deletes Probation
    (its partners' standing is set to null) while P1's deliveries improve to Preferred. The next run records
    the move from "Probation", tells it, and pushes "warn": False so the handler clears the warning."""
    ScorecardRules.objects.create(tenant=world.a, push_purchase_warning=True)
    fake = FakeSources()
    fake.put(world.p1, APR, otd=otd(100, 50))  # 50/95 = 52.63: Probation
    go(sources=fake)
    assert PartnerScore.objects.get(partner=world.p1).standing.name == "Probation"
    PurchaseWarning.objects.create(tenant=world.a, partner=world.p1, active=True, written_message="Probation")
    Standing.objects.filter(tenant=world.a, name="Probation").delete()
    fake.put(world.p1, APR, otd=otd(100, 100))  # meanwhile all on time: Preferred, which does not warn
    mail.outbox.clear()
    assert go(sources=fake).standing_changes == 1
    change = StandingChange.objects.filter(partner=world.p1).latest("pk")
    assert (change.from_name, change.to_name) == ("Probation", "Preferred")
    event = OutboxEvent.objects.filter(topic=topics.SCORECARD_STANDING_CHANGED).latest("sequence")
    assert (event.payload["previous"], event.payload["standing"], event.payload["warn"]) == (
        "Probation",
        "Preferred",
        False,
    )
    assert world.p1_admin.user.email in {address for e in mail.outbox for address in e.to}


def test_a_deleted_standing_whose_partner_has_no_data_left_is_cleared(world, go, django_capture_on_commit_callbacks):
    ScorecardRules.objects.create(tenant=world.a, push_purchase_warning=True)
    fake = FakeSources()
    fake.put(world.p1, FEB, otd=otd(100, 50))
    go(sources=fake)
    PurchaseWarning.objects.create(tenant=world.a, partner=world.p1, active=True, written_message="Probation")
    Standing.objects.filter(tenant=world.a, name="Probation").delete()
    with django_capture_on_commit_callbacks(execute=True):
        summary = scorecards_rescore(tenant=world.a, today=dt.date(2026, 5, 2))  # March-May: no data
    assert summary.standing_changes == 1
    event = OutboxEvent.objects.filter(topic=topics.SCORECARD_STANDING_CHANGED).latest("sequence")
    assert (event.payload["previous"], event.payload["standing"], event.payload["warn"]) == ("Probation", "", False)
    assert scorecards_rescore(tenant=world.a, today=dt.date(2026, 5, 2)).standing_changes == 0


def test_a_renamed_standing_keeps_its_partners_without_a_change(world, go):
    fake = FakeSources()
    fake.put(world.p1, APR, otd=otd(100, 50))
    go(sources=fake)
    Standing.objects.filter(tenant=world.a, name="Probation").update(name="Watch list")
    assert scorecards_rescore(tenant=world.a, today=TODAY).standing_changes == 0
    assert PartnerScore.objects.get(partner=world.p1).standing.name == "Watch list"


# --- time zones at month ends, through the real sources ---------------------------------------------------------


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Pacific/Auckland"])
def test_a_delivery_at_2330_on_the_last_day_counts_in_that_month(world, go, zone):
    a = world.a
    a.time_zone = zone
    a.save(update_fields=["time_zone"])
    late_march = local(a, dt.date(2026, 3, 31), 23, 30)
    early_april = local(a, dt.date(2026, 4, 1), 0, 30)
    # Due 31 March (requested 31 March 09:00 there): on time; the April one, due the same day, 1 day late.
    delivered(world.p1, requested=local(a, dt.date(2026, 3, 31), 9), done=late_march, quantity="40", ordered=40)
    delivered(world.p1, requested=local(a, dt.date(2026, 3, 31), 9), done=early_april, quantity="60", ordered=60)
    opened_ncr(world.p1, late_march, "2")
    go()
    periods = {p.month: p for p in ScorecardPeriod.objects.filter(partner=world.p1)}
    assert set(periods) == {MAR, APR}
    assert periods[MAR].inputs["otd"]["quantity_on_time"] == "40" and periods[MAR].figures["otd"] == "100"
    assert periods[APR].inputs["otd"]["late"] == 1 and periods[APR].figures["otd"] == "0"
    assert periods[MAR].inputs["ncrs"]["total"] == 1 and periods[APR].inputs["ncrs"]["total"] == 0
    assert periods[MAR].figures["ppm"] == "50000"  # 2 / 40 x 10^6
    # Standing window Feb-Apr: otd 40/100 = 40 %, scores 42.11; quantity 2/2 lines (100); ppm 2/100 x 10^6
    # = 20,000 against 500: 2.5. (42.11 x 25 + 100 x 10 + 2.5 x 15) / 50 = 2090.25 / 50 = 41.805 -> 41.81.
    assert PartnerScore.objects.get(partner=world.p1).score == D("41.81")


# --- measures' edges, through the real sources ---------------------------------------------------------------


def test_partial_receipts_backorder_and_a_line_with_neither_date(world, go):
    a = world.a
    requested = local(a, dt.date(2026, 3, 10))
    po = PurchaseOrderFactory(partner=world.p1, date_planned=requested)
    line = PurchaseOrderLineFactory(order=po, quantity=100, date_planned=requested)
    for day, quantity in ((10, "30"), (20, "70")):  # 30 on time, the backorder's 70 ten days late
        receipt = ReceiptFactory(order=po, state=Receipt.State.DONE, date_done=local(a, dt.date(2026, 3, day)))
        ReceiptMoveFactory(receipt=receipt, order_line=line, quantity_done=D(quantity), state="done")
    delivered(world.p1, requested=None, done=local(a, dt.date(2026, 3, 12)), quantity="5", ordered=5)
    go()
    period = ScorecardPeriod.objects.get(partner=world.p1, month=MAR)
    assert period.inputs["otd"] == {
        "lines": 2, "lines_on_time": 1, "quantity": "100", "quantity_on_time": "30", "early": 0, "late": 1,
        "undated": 1,
    }  # fmt: skip
    assert period.figures["otd"] == "30"
    assert period.inputs["quantity"] == {"lines": 2, "accurate": 2, "over": 0, "under": 0}
    assert period.inputs["ppm"] == {"received": "105", "rejected": "0"}


def test_a_cancelled_ncr_counts_nowhere_and_an_ncr_without_po_costs_in_no_currency(world, go):
    a = world.a
    delivered(world.p1, requested=local(a, dt.date(2026, 3, 5)), done=local(a, dt.date(2026, 3, 5)), quantity="1000")
    opened_ncr(world.p1, local(a, dt.date(2026, 3, 6)), "7", status=Ncr.Status.CANCELLED)
    kept = opened_ncr(world.p1, local(a, dt.date(2026, 3, 7)), "3")
    Ncr.objects.filter(pk=kept.pk).update(handling_charge=D("12.50"))
    go()
    period = ScorecardPeriod.objects.get(partner=world.p1, month=MAR)
    assert period.inputs["ppm"] == {"received": "1000", "rejected": "3"}
    assert period.figures["ppm"] == "3000"  # 3 / 1000 x 10^6
    assert period.inputs["ncrs"]["total"] == 1
    assert period.inputs["copq"] == {"by_currency": {"": "12.5"}}


def test_decimals_add_up_exactly_over_months(world, go):
    a = world.a
    for day, quantity in ((2, "0.1"), (3, "0.2")):
        delivered(world.p1, requested=local(a, dt.date(2026, 2, day)), done=local(a, dt.date(2026, 2, day)),
                  quantity=quantity, ordered=quantity)  # fmt: skip
    delivered(world.p1, requested=local(a, dt.date(2026, 3, 2)), done=local(a, dt.date(2026, 3, 9)),
              quantity="0.7", ordered="0.7")  # fmt: skip
    go()
    assert ScorecardPeriod.objects.get(partner=world.p1, month=FEB).inputs["otd"]["quantity"] == "0.3"
    figures = PartnerScore.objects.get(partner=world.p1).figures
    assert figures["otd"]["value"] == "30"  # 0.3 of 1.0 on time, exactly


def test_another_tenants_rows_never_count_and_are_never_touched(world, go):
    b = world.b
    delivered(world.q1, requested=local(b, dt.date(2026, 3, 5)), done=local(b, dt.date(2026, 3, 5)), quantity="10")
    opened_ncr(world.q1, local(b, dt.date(2026, 3, 5)), "10")
    delivered(world.p1, requested=local(world.a, dt.date(2026, 3, 5)), done=local(world.a, dt.date(2026, 3, 5)),
              quantity="10")  # fmt: skip
    go()
    assert not ScorecardPeriod.objects.filter(tenant=b).exists() and not PartnerScore.objects.filter(tenant=b).exists()
    assert ScorecardPeriod.objects.get(partner=world.p1, month=MAR).inputs["ppm"] == {"received": "10", "rejected": "0"}
    go(tenant=b)
    assert ScorecardPeriod.objects.get(partner=world.q1, month=MAR).inputs["ppm"] == {
        "received": "10",
        "rejected": "10",
    }
    assert ScorecardPeriod.objects.get(partner=world.p1, month=MAR).inputs["ppm"]["rejected"] == "0"


# --- score: targets, weights, windows ----------------------------------------------------------------------------


def test_zero_targets_and_zero_weights():
    inputs = {"otd": otd(100, 0), "ppm": ppm(1000, 0)}
    zero = {k: {"weight": 10, "target": 0} for k in ("otd", "ppm")}
    score, detail = catalogue.weighted_score(inputs, zero)
    # otd 0 % against a target of 0 meets it (100); ppm 0 against 0 meets it (100).
    assert score == D(100) and detail["otd"]["score"] == "100" and detail["ppm"]["score"] == "100"
    _, detail = catalogue.weighted_score({"ppm": ppm(1000, 1)}, zero)
    assert detail["ppm"]["score"] == "0"  # 1000 PPM against 0: missed entirely
    everything_zero = {k: {"weight": 0} for k in catalogue.MEASURES}
    score, detail = catalogue.weighted_score(inputs, everything_zero)
    assert score is None and catalogue.worst_measure(detail) == ""
    assert catalogue.value("otd", {}) is None and catalogue.figures({})["otd"] is None  # no data, not 0 or 100


@pytest.mark.parametrize(("window", "score", "previous"), [(1, D("10.53"), D("52.63")), (12, D("56.14"), None)])
def test_standing_window_of_1_and_12_months(world, go, window, score, previous):
    ScorecardRules.objects.create(tenant=world.a, standing_months=window)
    fake = FakeSources()
    fake.put(world.p1, dt.date(2025, 5, 1), otd=otd(100, 100))  # 12 months back from April 2026
    fake.put(world.p1, MAR, otd=otd(100, 50))
    fake.put(world.p1, APR, otd=otd(100, 10))
    go(sources=fake)
    row = PartnerScore.objects.get(partner=world.p1)
    # 1 month: April alone, 10 % -> 10/95 = 10.53; before it March, 50 % -> 52.63; trend down.
    # 12 months (May 2025 - April 2026): 160 of 300 on time = 53.333 % -> 53.333/95 = 56.14; nothing before.
    assert (row.score, row.previous_score) == (score, previous)
    assert row.trend == (-1 if previous is not None else 0)


def test_a_redelivered_partner_task_changes_nothing(world, celery_eager, django_capture_on_commit_callbacks):
    from quality.tasks import scorecard_partner_task

    a = world.a
    today = dt.date.today()
    delivered(world.p1, requested=local(a, today, 1), done=local(a, today, 1), quantity="10", ordered=10)
    with django_capture_on_commit_callbacks(execute=True):
        scorecard_partner_task.delay(a.pk, world.p1.pk)
    before = list(ScorecardPeriod.objects.values_list("pk", "digest", "computed_at"))
    score_before = PartnerScore.objects.values_list("computed_at", "score").get(partner=world.p1)
    with django_capture_on_commit_callbacks(execute=True):
        scorecard_partner_task.delay(a.pk, world.p1.pk)
    assert list(ScorecardPeriod.objects.values_list("pk", "digest", "computed_at")) == before
    assert PartnerScore.objects.values_list("computed_at", "score").get(partner=world.p1) == score_before
    assert StandingChange.objects.filter(partner=world.p1).count() == 1


def test_new_partner_in_a_run_for_one_partner_leaves_others_alone(world, go):
    fake = FakeSources()
    fake.put(world.p1, APR, otd=otd(10, 10))
    go(sources=fake)
    late = PartnerFactory(tenant=world.a)
    fake.put(late, APR, otd=otd(10, 0))
    summary = go(sources=fake, partner_ids=[late.pk])
    assert (summary.periods_written, summary.partners_scored) == (1, 1)
    assert PartnerScore.objects.get(partner=late).score == D(0)


# --- certificates: exact decimals ---------------------------------------------------------------------------


def test_a_certificate_value_exactly_one_band_width_from_the_mean_agrees(world):
    """Length 10 -0.1/+0.2 mm: the band is 0.3 wide. Certificate 10.0, measured 10.3 once: 0.3 apart, not
    more, so it agrees (the rule's "more than the band's width"), on every database: the mean is an exact
    decimal, not a float (10.3 as a float is 10.300000000000000710..., 0.3000000000000007 away)."""
    from quality.scorecards import quality_inputs
    from tests.quality.test_scorecard_quality_inputs import at, certified_lot

    a = world.a
    certified_lot(world.p1, at(a, dt.date(2025, 3, 4)), "C1", {"Length": ("10.0", "mm")}, {"Length": ["10.3"]})
    certified_lot(world.p1, at(a, dt.date(2025, 3, 5)), "C2", {"Length": ("10.2", "mm")}, {"Length": ["9.9"]})
    got = list(quality_inputs.SOURCES["certificates"](tenant=a, months=[dt.date(2025, 3, 1)]))
    assert got == [(world.p1.pk, dt.date(2025, 3, 1), {"values": 2, "disagreeing": 0})]


def test_a_corrected_lot_whose_move_the_pull_dropped_stays_in_its_first_month(world):
    """A lot signed 30 March, corrected 2 April; the receipt move was then dropped by the pull (the
    inspections' move set to null, as the model allows). The lot still counts once, in March, as corrected."""
    from quality.models import Inspection
    from quality.scorecards import quality_inputs
    from tests.quality.test_scorecard_quality_inputs import at, inspection

    a, p1 = world.a, world.p1
    first = inspection(p1, at(a, dt.date(2025, 3, 30)), "reject", lot="FIXED")
    inspection(p1, at(a, dt.date(2025, 4, 2)), "accept", lot="FIXED", move=first.receipt_move, revision=2,
               corrects=first)  # fmt: skip
    Inspection.objects.filter(receipt_move=first.receipt_move).update(receipt_move=None)
    march, april = dt.date(2025, 3, 1), dt.date(2025, 4, 1)
    got = {(p, m): v for p, m, v in quality_inputs.SOURCES["lots"](tenant=a, months=[march, april])}
    assert got == {(p1.pk, march): {"lots": 1, "accepted": 1, "rejected": 0}}


def test_a_one_month_window_does_not_drop_every_standing_on_the_first_of_the_month(world, go):
    ScorecardRules.objects.create(tenant=world.a, standing_months=1)
    fake = FakeSources()
    fake.put(world.p1, MAR, otd=otd(100, 100))
    go(sources=fake, today=dt.date(2026, 3, 31))
    assert PartnerScore.objects.get(partner=world.p1).standing.name == "Preferred"
    go(sources=fake, today=dt.date(2026, 4, 1))  # nothing delivered yet in April
    assert StandingChange.objects.filter(partner=world.p1).count() == 1
    row = PartnerScore.objects.get(partner=world.p1)
    assert row.score is None and row.standing.name == "Preferred"  # no data: the standing earned stays


def test_a_partner_archived_in_odoo_keeps_its_figures_and_its_people_get_no_email(world, go):
    from portal.models import Partner

    fake = FakeSources()
    fake.put(world.p1, APR, otd=otd(100, 100))
    go(sources=fake)
    Partner.objects.filter(pk=world.p1.pk).update(odoo_active=False)
    fake.put(world.p1, APR, otd=otd(100, 50))
    mail.outbox.clear()
    assert go(sources=fake).standing_changes == 1
    assert PartnerScore.objects.get(partner=world.p1).score == D("52.63")
    assert world.p1_admin.user.email not in {address for e in mail.outbox for address in e.to}


def test_a_certificate_value_in_another_unit_counts_as_not_comparable(world):
    """Length is measured in mm; a certificate giving it in inches cannot be compared: counted, and counted
    as disagreeing (issue 12: flagged, never silently passed), with the reason in the drill-down."""
    from quality.scorecards import quality_inputs
    from quality.scorecards.drill import drill
    from tests.quality.test_scorecard_quality_inputs import at, certified_lot

    a, march = world.a, dt.date(2025, 3, 1)
    certified_lot(world.p1, at(a, dt.date(2025, 3, 4)), "C1", {"Length": ("0.394", "in")}, {"Length": ["10.0"]})
    certified_lot(world.p1, at(a, dt.date(2025, 3, 5)), "C2", {"Length": ("10.0", " mm ")}, {"Length": ["10.0"]})
    got = list(quality_inputs.SOURCES["certificates"](tenant=a, months=[march]))
    assert got == [(world.p1.pk, march, {"values": 2, "disagreeing": 1})]
    rows = drill(tenant=a, partner=world.p1, key="certificates", months=[march]).rows
    assert rows[0].bad and "not comparable" in rows[0].cells[5] and not rows[1].bad


def test_scar_steps_sent_back_and_answered_again(world):
    """SCAR issued 1 March 12:00. D2: answered 9 March (due 10), sent back with a new due date of 20 March,
    answered again 25 March: late. D3: answered 11 March (due 12), sent back (due 18), answered again 15
    March and accepted 16 March 12:00: on time, contained after 15 days. D4: sent back (due 14 March),
    not answered again: overdue and open, not on time. 1 of 3 on time: 33.33 %."""
    from quality.models import ScarStep
    from quality.scorecards import quality_inputs
    from tests.quality.test_scorecard_quality_inputs import at, scar, step

    a, march = world.a, dt.date(2025, 3, 1)
    item = scar(world.p1, at(a, dt.date(2025, 3, 1)))
    answered, accepted, returned = ScarStep.Status.ANSWERED, ScarStep.Status.ACCEPTED, ScarStep.Status.RETURNED
    day = {n: at(a, dt.date(2025, 3, n)) for n in (9, 11, 13, 15, 16, 25)}
    step(item, "D2", dt.date(2025, 3, 20), answered, answered=[day[9], day[25]])
    step(item, "D3", dt.date(2025, 3, 18), accepted, answered=[day[11], day[15]], reviewed_at=day[16])
    step(item, "D4", dt.date(2025, 3, 14), returned, answered=[day[13]])
    got = list(quality_inputs.SOURCES["scar"](tenant=a, months=[march]))
    assert got == [
        (world.p1.pk, march, {
            "steps_due": 3, "steps_on_time": 1, "overdue_open": 1, "contained": 1, "containment_days_total": "15",
            "closed": 0, "closure_days_total": "0",
        })
    ]  # fmt: skip
    assert catalogue.figures({"scar": got[0][2]})["scar"] == "33.33"
