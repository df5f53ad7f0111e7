"""The effectiveness check (quality.services.scar_effectiveness): a same-defect NCR reopens a verifying
SCAR at D4 and says why; the check closes it after N clean lots and the date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from integrations import topics
from integrations.models import OutboxEvent
from portal.dates import tenant_today
from quality.models import STEP_CODES, Inspection, QualityRules, Scar, ScarStep, scar_due_days
from quality.services.scar_answers import scar_evidence_add
from quality.services.scar_effectiveness import scar_after_ncr, scars_verify, verification_progress
from quality.services.scars import scar_step_accept
from tests.factories import ProductFactory
from tests.quality.receipts import done_receipt
from tests.quality.test_scar_services import answer, pdf, scar_ncr, step

pytestmark = pytest.mark.django_db


def verifying(world, product, *, lots=2, days=30) -> Scar:
    """A SCAR of P1 + ``product`` for BURR, all 8 steps accepted: in its effectiveness check."""
    from quality.services.scars import scar_issue

    QualityRules.objects.update_or_create(tenant=world.a, defaults={"scar_verify_lots": lots, "scar_verify_days": days})
    ncr = scar_ncr(world.p1, product, codes=("BURR",))
    scar = scar_issue(membership=world.a_engineer, partner=world.p1, ncrs=[ncr], title="Burrs")
    for code in STEP_CODES:
        if code == "D6":
            scar_evidence_add(membership=world.p1_user, step=step(scar, code), upload=pdf())
        answer(world, scar, code)
        scar_step_accept(membership=world.a_engineer, step=step(scar, code))
    scar.refresh_from_db()
    assert scar.status == Scar.Status.VERIFYING
    return scar


def signed_lot(partner, product, lot) -> Inspection:
    """A signed original inspection of ``lot`` (the row as the recording leaves it)."""
    from quality.services.inspections import inspections_from_receipt

    [inspection] = inspections_from_receipt(receipt=done_receipt(partner, [(product, [(lot, 100)])]))
    Inspection.objects.filter(pk=inspection.pk).update(
        status=Inspection.Status.SIGNED, verdict=Inspection.Verdict.ACCEPT, signed_at=timezone.now()
    )
    return inspection


def test_a_same_defect_ncr_reopens_a_verifying_scar_at_d4(world, celery_eager, django_capture_on_commit_callbacks):
    product = ProductFactory(tenant=world.a, tracking="lot")
    scar = verifying(world, product)
    scar_after_ncr(scar_ncr(world.p1, product, codes=("DIM-HOLE",)))  # another defect: no
    scar_after_ncr(scar_ncr(world.p1, ProductFactory(tenant=world.a), codes=("BURR",)))  # another product: no
    scar_after_ncr(scar_ncr(world.p2, product, codes=("BURR",)))  # another partner: no
    scar.refresh_from_db()
    assert scar.status == Scar.Status.VERIFYING
    mail.outbox.clear()
    repeat = scar_ncr(world.p1, product, codes=("BURR", "DIM-HOLE"), lots=(("L-9", 4),))
    with django_capture_on_commit_callbacks(execute=True):
        [reopened] = scar_after_ncr(repeat)
    scar.refresh_from_db()
    assert reopened.pk == scar.pk and scar.status == Scar.Status.OPEN and scar.reopened_count == 1
    assert scar.reopen_reason == f"{repeat.number} found BURR again on lot L-9 before the effectiveness check passed."
    today = tenant_today(world.a)
    days = scar_due_days(QualityRules.objects.get(tenant=world.a))
    statuses = {s.code: (s.status, s.due_date) for s in scar.steps.all()}
    assert all(statuses[c][0] == ScarStep.Status.ACCEPTED for c in ("D1", "D2", "D3"))
    assert all(statuses[c] == (ScarStep.Status.OPEN, today + dt.timedelta(days=days[c])) for c in STEP_CODES[3:])
    assert repeat in scar.ncrs.all()
    note = OutboxEvent.objects.filter(topic=topics.SCAR_NOTED).order_by("sequence").last()
    assert note.payload["what"] == "reopened" and "found BURR again" in note.payload["summary"]
    [email] = mail.outbox
    assert "reopened" in email.subject and "found BURR again on lot L-9" in email.body
    assert scar_after_ncr(repeat) == []  # open again: nothing more to reopen


def test_verification_closes_after_the_clean_lots_and_the_date(world, celery_eager, django_capture_on_commit_callbacks):
    product = ProductFactory(tenant=world.a, tracking="lot")
    scar = verifying(world, product, lots=2, days=30)
    until = scar.verify_until
    signed_lot(world.p1, product, "C-1")
    signed_lot(world.p1, ProductFactory(tenant=world.a, tracking="lot"), "X-1")  # another product
    signed_lot(world.p2, product, "X-2")  # another partner
    bad = signed_lot(world.p1, product, "C-2")
    scar_ncr(world.p1, product, codes=("BURR",), status="cancelled", inspection=bad)  # cancelled: still clean
    progress = verification_progress(scar, today=until)
    assert (progress["lots_clean"], progress["lots_passed"], progress["date_passed"]) == (2, True, True)
    assert scars_verify(today=until - dt.timedelta(days=1)) == 0  # the date is not reached
    assert "until" in verification_progress(scar, today=until - dt.timedelta(days=1))["text"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert scars_verify(today=until) == 1
    scar.refresh_from_db()
    assert scar.status == Scar.Status.CLOSED and scar.closed_at is not None
    assert OutboxEvent.objects.filter(topic=topics.SCAR_NOTED, payload__what="closed").count() == 1
    assert "closed" in mail.outbox[0].subject
    assert scars_verify(today=until) == 0


def test_verification_waits_for_enough_lots_without_the_defect(world):
    product = ProductFactory(tenant=world.a, tracking="lot")
    scar = verifying(world, product, lots=2, days=0)
    signed_lot(world.p1, product, "C-1")
    burr = signed_lot(world.p1, product, "B-1")
    scar_ncr(world.p1, product, codes=("BURR",), inspection=burr)  # this lot had the defect
    today = tenant_today(world.a)
    progress = verification_progress(scar, today=today)
    assert (progress["lots_clean"], progress["passed"]) == (1, False)
    assert "1 more lot inspected" in progress["text"]
    assert scars_verify(today=today) == 0
    signed_lot(world.p1, product, "C-2")
    assert scars_verify(today=today) == 1
