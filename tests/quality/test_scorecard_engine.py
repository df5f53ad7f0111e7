"""The scorecards' batch run (quality.scorecards.engine): incremental periods, scores over the standing window,
standing changes with their event and emails, and a bounded number of queries.

Most tests feed the engine hand-written inputs through a ``sources=`` of their own (a fake per measure key,
yielding what the test put in ``data``), so each value below is worked out from those inputs; the last
ones run the real sources over receipts and NCRs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from integrations import topics
from integrations.models import OutboxEvent
from portal.dates import tenant_today, tenant_zone
from quality.models import DefectClass, Ncr, NcrLot, PartnerScore, ScorecardPeriod, ScorecardRules, StandingChange
from quality.scorecards.engine import scorecards_compute, scorecards_rescore
from suppliers.models import Receipt, ReceiptMove
from tests.factories import (
    PartnerFactory,
    ProductFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    ReceiptFactory,
    ReceiptMoveFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 4, 15)  # the current month is April 2026; the standing window Feb-Apr
JAN, FEB, MAR, APR = (dt.date(2026, m, 1) for m in (1, 2, 3, 4))


def otd(quantity: int, on_time: int) -> dict:
    return {
        "lines": 1,
        "lines_on_time": int(on_time == quantity),
        "quantity": str(quantity),
        "quantity_on_time": str(on_time),
        "early": 0,
        "late": int(on_time != quantity),
        "undated": 0,
    }


def ppm(received: int, rejected: int) -> dict:
    return {"received": str(received), "rejected": str(rejected)}


class FakeSources(dict):
    """``{measure key: source}`` over ``data``: ``{(partner id, month): {measure key: inputs}}``."""

    def __init__(self):
        self.data: dict[tuple[int, dt.date], dict] = {}
        super().__init__({key: self._source(key) for key in ("otd", "ppm")})

    def _source(self, key):
        def source(*, tenant, months, partner_ids=None):
            for (partner_id, month), inputs in sorted(self.data.items()):
                if key in inputs and month in months and (partner_ids is None or partner_id in partner_ids):
                    yield partner_id, month, dict(inputs[key])

        return source

    def put(self, partner, month, **inputs):
        self.data.setdefault((partner.pk, month), {}).update(inputs)


@pytest.fixture
def fake():
    return FakeSources()


@pytest.fixture
def compute(world, fake, celery_eager, django_capture_on_commit_callbacks):
    """One run for tenant A as of TODAY (or ``today``), its on-commit work done (emails sent)."""

    def go(**kwargs):
        kwargs.setdefault("today", TODAY)
        with django_capture_on_commit_callbacks(execute=True):
            return scorecards_compute(tenant=world.a, sources=fake, **kwargs)

    return go


def stamps(partner) -> dict:
    return dict(ScorecardPeriod.objects.filter(partner=partner).values_list("month", "computed_at"))


def test_a_changed_month_is_the_only_period_rewritten(world, fake, compute):
    for month in (JAN, FEB, MAR, APR):
        fake.put(world.p1, month, otd=otd(100, 100))
    fake.put(world.p2, MAR, otd=otd(10, 10))
    first = compute()
    assert (first.periods_written, first.periods_unchanged, first.periods_deleted) == (5, 0, 0)
    assert first.partners_scored == 2
    before = stamps(world.p1)

    fake.put(world.p1, MAR, otd=otd(100, 90))  # a receipt of March turned out late
    second = compute()
    assert (second.periods_written, second.periods_unchanged, second.periods_deleted) == (1, 4, 0)
    assert second.partners_scored == 1  # P2 has nothing new
    after = stamps(world.p1)
    assert after[MAR] > before[MAR]
    assert {m: after[m] for m in (JAN, FEB, APR)} == {m: before[m] for m in (JAN, FEB, APR)}
    period = ScorecardPeriod.objects.get(partner=world.p1, month=MAR)
    assert period.inputs["otd"]["quantity_on_time"] == "90" and period.figures["otd"] == "90"

    third = compute()  # a redelivered run: nothing to do
    assert (third.periods_written, third.periods_unchanged, third.partners_scored, third.standing_changes) == (
        0,
        5,
        0,
        0,
    )
    assert stamps(world.p1) == after


def test_a_month_whose_inputs_are_gone_loses_its_period(world, fake, compute):
    fake.put(world.p1, FEB, otd=otd(100, 50))
    fake.put(world.p1, MAR, otd=otd(100, 100))
    compute()
    assert PartnerScore.objects.get(partner=world.p1).score == Decimal("78.95")  # 150/200 = 75 %; 75/95

    del fake.data[(world.p1.pk, FEB)]  # the February receipt was cancelled in Odoo
    summary = compute()
    assert (summary.periods_written, summary.periods_deleted, summary.partners_scored) == (0, 1, 1)
    assert list(ScorecardPeriod.objects.filter(partner=world.p1).values_list("month", flat=True)) == [MAR]
    assert PartnerScore.objects.get(partner=world.p1).score == Decimal(100)  # 100 % against 95: capped


def test_window_trend_and_12_months_worked_out(world, fake, compute):
    fake.put(world.p1, dt.date(2025, 3, 1), otd=otd(100, 0))  # 13 months back: in neither figure
    fake.put(world.p1, JAN, otd=otd(100, 100))  # the window before (Nov-Jan)
    fake.put(world.p1, FEB, otd=otd(100, 50), ppm=ppm(1000, 1))
    fake.put(world.p1, MAR, otd=otd(100, 90))
    compute()
    score = PartnerScore.objects.get(partner=world.p1)
    # Feb-Apr: otd 140/200 = 70 %, scores 70/95 = 73.68; ppm 1/1000 x 10^6 = 1000 against 500, scores 50.
    # Weighted (otd 25, ppm 15; the others have no data): (73.68 x 25 + 50 x 15) / 40 = 2592 / 40 = 64.8.
    assert score.score == Decimal("64.8")
    assert score.figures["otd"] == {"value": "70", "score": "73.68", "target": "95", "weight": "25"}
    assert score.figures["ppm"]["value"] == "1000" and score.figures["lots"]["value"] is None
    assert score.previous_score == Decimal(100)  # Jan alone: 100 %, capped at 100
    assert score.trend == -1
    assert score.figures_12["otd"]["value"] == "80"  # May 2025-Apr 2026: 240/300; March 2025 left out
    assert score.worst_measure == "ppm"
    assert score.as_of == APR
    assert score.standing.name == "Conditional"  # 64.8: from 60


def test_a_steady_score_has_no_trend_arrow(world, fake, compute):
    fake.put(world.p1, JAN, otd=otd(100, 80))  # 80/95 = 84.21
    fake.put(world.p1, APR, otd=otd(1000, 817))  # 81.7/95 = 86.00: up by 1.79, under 2 points
    compute()
    score = PartnerScore.objects.get(partner=world.p1)
    assert (score.previous_score, score.score, score.trend) == (Decimal("84.21"), Decimal("86"), 0)


def test_a_partner_without_data_has_no_score_and_no_standing(world, fake, compute):
    fake.put(world.p1, APR, otd=otd(10, 10))
    compute()
    row = PartnerScore.objects.get(partner=world.p2)
    assert (row.score, row.standing, row.worst_measure, row.trend) == (None, None, "", 0)
    assert not StandingChange.objects.filter(partner=world.p2).exists()
    assert not ScorecardPeriod.objects.filter(partner=world.p2).exists()


def test_a_standing_change_emits_one_event_and_emails_buyer_and_supplier_admin(world, fake, compute):
    ScorecardRules.objects.create(tenant=world.a, push_purchase_warning=True)
    fake.put(world.p1, APR, otd=otd(100, 100))
    mail.outbox.clear()
    assert compute().standing_changes == 1
    first = StandingChange.objects.get(partner=world.p1)
    assert (first.from_name, first.to_name) == ("", "Preferred")
    assert not OutboxEvent.objects.filter(topic=topics.SCORECARD_STANDING_CHANGED).exists()  # a first good standing
    assert mail.outbox == []

    fake.put(world.p1, APR, otd=otd(100, 60))  # 60/95 = 63.16: Conditional, which warns
    mail.outbox.clear()
    assert compute().standing_changes == 1
    change = StandingChange.objects.filter(partner=world.p1).latest("pk")
    event = OutboxEvent.objects.get(topic=topics.SCORECARD_STANDING_CHANGED)
    assert event.lane == "batch" and event.aggregate_id == str(world.p1.pk) and change.outbox_event == event
    assert event.payload == {
        "partner_odoo_id": world.p1.odoo_id,
        "partner": "Pinewood Parts",
        "standing": "Conditional",
        "previous": "Preferred",
        "score": "63.16",
        "reasons": ["On-time delivery 60 % (target 95 %)"],
        "warn": True,
        "block": False,
        "change_id": change.pk,
    }
    assert sorted(address for e in mail.outbox for address in e.to) == sorted(
        [world.a_buyer.user.email, world.p1_admin.user.email]  # the buyer, and P1's admin (not its user)
    )
    to_supplier = next(e for e in mail.outbox if e.to == [world.p1_admin.user.email])
    assert "now Conditional (it was Preferred)" in to_supplier.body
    assert "Score: 63.16 of 100, over the last 3 months." in to_supplier.body
    assert "- On-time delivery 60 % (target 95 %)" in to_supplier.body
    to_buyer = next(e for e in mail.outbox if world.a_buyer.user.email in e.to)
    assert to_buyer.subject == "Pinewood Parts: scorecard standing Conditional (was Preferred)"
    assert "purchase warning in Odoo" in to_buyer.body

    mail.outbox.clear()
    again = compute()
    assert (again.periods_written, again.standing_changes) == (0, 0)
    assert OutboxEvent.objects.filter(topic=topics.SCORECARD_STANDING_CHANGED).count() == 1
    assert StandingChange.objects.filter(partner=world.p1).count() == 2
    assert mail.outbox == []


def test_no_event_when_the_tenant_does_not_push_warnings(world, fake, compute):
    fake.put(world.p1, APR, otd=otd(100, 100))
    compute()
    fake.put(world.p1, APR, otd=otd(100, 40))  # 42.11: Probation
    mail.outbox.clear()
    assert compute().standing_changes == 1
    change = StandingChange.objects.filter(partner=world.p1).latest("pk")
    assert (change.from_name, change.to_name, change.outbox_event) == ("Preferred", "Probation", None)
    assert not OutboxEvent.objects.filter(topic=topics.SCORECARD_STANDING_CHANGED).exists()
    assert world.p1_admin.user.email in {address for e in mail.outbox for address in e.to}  # the emails still go
    to_buyer = next(e for e in mail.outbox if world.a_buyer.user.email in e.to)
    assert "purchase warning in Odoo" not in to_buyer.body


def test_rescore_after_the_weights_change(world, fake, compute, django_capture_on_commit_callbacks):
    fake.put(world.p1, APR, otd=otd(100, 95), ppm=ppm(1000, 2))
    compute()
    # otd 95 % scores 100; ppm 2000 against 500 scores 25: (100 x 25 + 25 x 15) / 40 = 71.88 (71.875 rounded up)
    assert PartnerScore.objects.get(partner=world.p1).score == Decimal("71.88")
    rules = ScorecardRules.objects.create(tenant=world.a, measures={"ppm": {"weight": 0}})
    before = stamps(world.p1)
    with django_capture_on_commit_callbacks(execute=True):
        summary = scorecards_rescore(tenant=world.a, today=TODAY)
    assert (summary.partners_scored, summary.standing_changes) == (2, 1)  # Conditional (71.88) -> Preferred
    assert PartnerScore.objects.get(partner=world.p1).score == Decimal(100)  # otd alone
    assert stamps(world.p1) == before  # no period touched
    rules.measures = {"ppm": {"weight": 15, "target": 2000}}
    rules.save()
    scorecards_rescore(tenant=world.a, today=TODAY)
    assert PartnerScore.objects.get(partner=world.p1).score == Decimal(100)  # 2000 PPM meets a 2000 target


def test_the_first_run_of_a_month_moves_every_window(world, fake, compute):
    fake.put(world.p1, FEB, otd=otd(100, 100))
    compute()
    assert PartnerScore.objects.get(partner=world.p1).standing.name == "Preferred"
    may = compute(today=dt.date(2026, 5, 2))  # March-May: February left the window
    assert (may.periods_written, may.partners_scored) == (0, 2)
    row = PartnerScore.objects.get(partner=world.p1)
    # no data in the window: no score, and the standing earned stays (no evidence either way)
    assert (row.as_of, row.score, row.standing.name) == (dt.date(2026, 5, 1), None, "Preferred")
    assert StandingChange.objects.filter(partner=world.p1).count() == 1
    assert compute(today=dt.date(2026, 5, 3)).partners_scored == 0  # once a month


def test_a_warning_standing_whose_data_ran_out_stays_and_is_not_told_again(world, fake, compute):
    """No deliveries for a whole window is no evidence of improvement: the partner stays in Probation,
    its warning stays in Odoo, and nobody is told anything new."""
    ScorecardRules.objects.create(tenant=world.a, push_purchase_warning=True)
    fake.put(world.p1, FEB, otd=otd(100, 50))  # 52.63: Probation, a first standing that warns: pushed
    compute()
    assert OutboxEvent.objects.get(topic=topics.SCORECARD_STANDING_CHANGED).payload["warn"] is True
    mail.outbox.clear()
    assert compute(today=dt.date(2026, 5, 2)).standing_changes == 0  # March-May: no data
    assert OutboxEvent.objects.filter(topic=topics.SCORECARD_STANDING_CHANGED).count() == 1
    row = PartnerScore.objects.get(partner=world.p1)
    assert (row.score, row.standing.name) == (None, "Probation")
    assert mail.outbox == []


def test_a_run_stopped_before_scoring_is_finished_by_the_next(world, fake, compute, monkeypatch):
    from quality.scorecards import engine

    fake.put(world.p1, APR, otd=otd(100, 100))
    compute()
    fake.put(world.p1, APR, otd=otd(100, 50))

    def crash(*args, **kwargs):
        raise RuntimeError("worker lost")

    with monkeypatch.context() as m:
        m.setattr(engine, "_score_partner", crash)
        with pytest.raises(RuntimeError):
            compute()
    assert ScorecardPeriod.objects.get(partner=world.p1, month=APR).figures["otd"] == "50"  # written, not scored
    summary = compute()
    assert (summary.periods_written, summary.partners_scored) == (0, 1)
    assert PartnerScore.objects.get(partner=world.p1).score == Decimal("52.63")  # 50/95


@pytest.mark.parametrize("partners,months", [(2, 3), (8, 24)])
def test_queries_are_bounded_per_partner_never_per_month(world, fake, partners, months, django_assert_max_num_queries):
    from quality.scorecards.months import months_back

    ours = [world.p1, world.p2] + [PartnerFactory(tenant=world.a) for _ in range(partners - 2)]
    for partner in ours:
        for month in months_back(APR, months):
            fake.put(partner, month, otd=otd(10, 10))
    # Fixed: rules, standings (read, created in a savepoint: 4, read again), stored periods, one upsert batch
    # (savepoint, insert, release; SQLite splits 192 rows in two inserts), the stale check (3): at most 16.
    # Per partner scored: savepoint, lock, score read, score write, its first standing, release: 6.
    with django_assert_max_num_queries(16 + 6 * partners):
        first = scorecards_compute(tenant=world.a, today=TODAY, sources=fake)
    assert first.periods_written == partners * months
    with django_assert_max_num_queries(7):  # rules, standings, stored, stale check (3): no partner touched
        second = scorecards_compute(tenant=world.a, today=TODAY, sources=fake)
    assert (second.periods_written, second.partners_scored) == (0, 0)


# --- through the real sources: receipts give otd, quantity and ppm inputs; NCRs give ppm and ncrs ---------


def at(tenant, day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tenant_zone(tenant))


def delivered(partner, *, requested: dt.date, done: dt.date, quantity: int, ordered: int = 100):
    """A PO line of ``ordered`` requested for ``requested``, ``quantity`` of it received on ``done``."""
    tenant = partner.tenant
    po = PurchaseOrderFactory(partner=partner, date_planned=at(tenant, requested))
    line = PurchaseOrderLineFactory(order=po, quantity=ordered)
    receipt = ReceiptFactory(order=po, state=Receipt.State.DONE, date_done=at(tenant, done))
    return ReceiptMoveFactory(receipt=receipt, order_line=line, quantity_done=Decimal(quantity), state="done")


def nonconformity(partner, opened: dt.date, affected: str) -> Ncr:
    item = Ncr.objects.create(
        tenant=partner.tenant,
        partner=partner,
        product=ProductFactory(tenant=partner.tenant),
        number=f"NCR-{Ncr.objects.count() + 1:05d}",
        source=Ncr.Source.OTHER,
        title="Burrs",
        severity=DefectClass.MAJOR,
    )
    Ncr.objects.filter(pk=item.pk).update(created_at=at(partner.tenant, opened))
    NcrLot.objects.create(tenant=partner.tenant, ncr=item, lot_name="L1", affected=Decimal(affected))
    return item


@pytest.fixture
def real(world, celery_eager, django_capture_on_commit_callbacks):
    def go(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return scorecards_compute(tenant=world.a, today=TODAY, **kwargs)

    return go


def test_real_sources_a_changed_receipt_in_march_rewrites_march_only(world, real):
    delivered(world.p1, requested=dt.date(2026, 2, 10), done=dt.date(2026, 2, 10), quantity=100)
    march = delivered(world.p1, requested=dt.date(2026, 3, 10), done=dt.date(2026, 3, 11), quantity=100)
    delivered(world.p2, requested=dt.date(2026, 4, 2), done=dt.date(2026, 4, 2), quantity=10, ordered=10)
    first = real()
    assert (first.periods_written, first.periods_unchanged) == (3, 0)
    period = ScorecardPeriod.objects.get(partner=world.p1, month=MAR)
    assert period.figures["otd"] == "0"  # a day late, and the tenant allows 0 days late
    assert period.inputs["ppm"] == {"received": "100", "rejected": "0"}
    assert period.inputs["ncrs"] == {"total": 0, "minor": 0, "major": 0, "critical": 0}  # received, no NCR
    before = {**stamps(world.p1), **stamps(world.p2)}

    ReceiptMove.objects.filter(pk=march.pk).update(quantity_done=Decimal(60))  # corrected in Odoo
    Receipt.objects.filter(pk=march.receipt_id).update(date_done=at(world.a, dt.date(2026, 3, 10)))
    second = real()
    assert (second.periods_written, second.periods_unchanged, second.partners_scored) == (1, 2, 1)
    after = {**stamps(world.p1), **stamps(world.p2)}
    assert after[MAR] > before[MAR] and after[FEB] == before[FEB]
    assert stamps(world.p2) == {APR: before[APR]}
    period = ScorecardPeriod.objects.get(partner=world.p1, month=MAR)
    assert period.figures["otd"] == "100" and period.inputs["ppm"]["received"] == "60"

    third = real()
    assert (third.periods_written, third.partners_scored, third.standing_changes) == (0, 0, 0)

    Receipt.objects.filter(pk=march.receipt_id).update(state=Receipt.State.CANCEL)
    fourth = real()
    assert (fourth.periods_written, fourth.periods_deleted) == (0, 1)
    assert set(stamps(world.p1)) == {FEB}


def test_real_sources_an_ncr_drops_the_standing_and_pushes_the_warning(world, real):
    ScorecardRules.objects.create(tenant=world.a, push_purchase_warning=True)
    delivered(world.p1, requested=dt.date(2026, 3, 10), done=dt.date(2026, 3, 10), quantity=100)
    delivered(world.p1, requested=dt.date(2026, 3, 1), done=dt.date(2026, 3, 20), quantity=50, ordered=50)
    real()
    score = PartnerScore.objects.get(partner=world.p1)
    # otd: 100 of 150 on time = 66.67 %, scores 66.67/95 = 70.18; quantity: 2 of 2 lines accurate (100);
    # ppm 0 (100). Weighted: (70.18 x 25 + 100 x 10 + 100 x 15) / 50 = 4254.5 / 50 = 85.09.
    assert score.score == Decimal("85.09") and score.standing.name == "Approved"

    nonconformity(world.p1, dt.date(2026, 3, 25), affected="30")
    mail.outbox.clear()
    summary = real()
    assert (summary.periods_written, summary.standing_changes) == (1, 1)
    score = PartnerScore.objects.get(partner=world.p1)
    # ppm: 30 / 150 x 10^6 = 200,000 against 500: scores 0.25. (1754.5 + 1000 + 3.75) / 50 = 55.165 -> 55.17.
    assert score.score == Decimal("55.17") and score.standing.name == "Probation"
    assert score.figures["ncrs"]["value"] == "1"
    event = OutboxEvent.objects.get(topic=topics.SCORECARD_STANDING_CHANGED)
    assert event.payload["previous"] == "Approved" and event.payload["standing"] == "Probation"
    assert event.payload["reasons"] == [
        "Defective parts per million 200,000 PPM (target 500 PPM)",
        "On-time delivery 66.7 % (target 95 %)",
    ]
    assert {address for e in mail.outbox for address in e.to} == {world.a_buyer.user.email, world.p1_admin.user.email}
    again = real()
    assert (again.periods_written, again.standing_changes) == (0, 0)
    assert OutboxEvent.objects.filter(topic=topics.SCORECARD_STANDING_CHANGED).count() == 1


# --- tasks ----------------------------------------------------------------------------------------------


def test_the_nightly_task_runs_every_active_tenant(world, celery_eager, django_capture_on_commit_callbacks):
    from quality.tasks import scorecards_nightly_task

    world.b.is_active = False
    world.b.save()
    today = tenant_today(world.a)  # the task runs on the real clock
    delivered(world.p1, requested=today, done=today, quantity=100)
    with django_capture_on_commit_callbacks(execute=True):
        scorecards_nightly_task.delay()
    assert set(PartnerScore.objects.values_list("partner_id", flat=True)) == {world.p1.pk, world.p2.pk}
    assert PartnerScore.objects.get(partner=world.p1).standing.name == "Preferred"


def test_a_partner_recompute_runs_once_the_change_commits(world, celery_eager, django_capture_on_commit_callbacks):
    from quality.scorecards.engine import scorecard_recompute_on_commit

    today = tenant_today(world.a)
    delivered(world.p1, requested=today, done=today, quantity=100)
    delivered(world.p2, requested=today, done=today, quantity=100)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        scorecard_recompute_on_commit(world.p1)
    assert not PartnerScore.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    assert list(PartnerScore.objects.values_list("partner_id", flat=True)) == [world.p1.pk]  # P2 waits


def test_beat_runs_the_scorecards_nightly_on_the_batch_queue(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["scorecards-nightly"]
    assert entry["task"] == "quality.tasks.scorecards_nightly_task"
    assert entry["options"] == {"queue": "batch"}
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({4}, {30})
