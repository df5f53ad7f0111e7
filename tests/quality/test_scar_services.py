"""SCAR services (quality.services.scars, scar_answers): issuing, the 8 steps answered and reviewed
(one sent back, versions kept), D8 only after D1..D7, cancel, due dates, and who may do what.

The helpers at the top (``scar_ncr``, ``issue``, ``ANSWERS``, ``pdf``) serve the other test_scar_* modules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from integrations import topics
from integrations.models import OutboxEvent
from portal.dates import tenant_today
from portal.models import AuditEntry
from portal.services.errors import NotInScope
from quality.models import STEP_CODES, DefectCode, Inspection, Ncr, NcrLot, QualityRules, Scar, ScarAnswer, ScarStep
from quality.services.scar_answers import scar_evidence_add, scar_step_answer
from quality.services.scars import (
    scar_cancel,
    scar_d2_prefill,
    scar_issue,
    scar_step_accept,
    scar_step_due_set,
    scar_step_send_back,
    suspect_asns,
)
from suppliers.models import Asn
from suppliers.services.gs1 import next_number
from tests.factories import AsnLineFactory, ProductFactory, PurchaseOrderLineFactory

pytestmark = pytest.mark.django_db

ANSWERS = {
    "D1": {"members": [{"name": "Ana Lima", "role": "Team leader", "email": "ana@example.test"}]},
    "D2": {"what": "Burr on edge", "where": "Incoming", "when": "Week 12", "how_many": "30 parts"},
    "D3": {
        "actions": [{"what": "Sort stock", "who": "QA", "done_on": "2026-03-02"}],
        "stock_at_supplier": {"checked": 400, "found": 12},
    },
    "D4": {
        "occurrence_whys": ["Deburring skipped", "Tool worn", "No tool-life limit"],
        "detection_whys": ["Visual check only"],
        "fishbone": {"machine": ["Worn deburring tool"], "method": ["No tool-life limit"]},
        "root_cause_occurrence": "No tool-life limit on the deburring tool.",
        "root_cause_detection": "Final check does not look at the edge.",
    },
    "D5": {"actions": [{"action": "Tool-life limit", "owner": "Eng", "due": "2026-04-01", "verification": "Audit"}]},
    "D6": {"implemented_on": "2026-04-01", "validation": "3 lots checked 100 %: no burr."},
    "D7": {
        "documents_updated": [{"document": "Control plan", "reference": "CP-12", "revision": "C"}],
        "lessons": "Tool-life limits on every deburring station.",
    },
    "D8": {"summary": "Closed with the team.", "team_recognition": "Thanks to the night shift."},
}


def pdf(name="evidence.pdf", size=200) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + b"x" * size, content_type="application/pdf")


def defect(tenant, code="BURR", description="Burr on edge") -> DefectCode:
    return DefectCode.objects.get_or_create(tenant=tenant, code=code, defaults={"description": description})[0]


def scar_ncr(partner, product, *, codes=("BURR",), lots=(("L-1", 30),), status=Ncr.Status.OPEN, inspection=None):
    """An NCR row of ``partner`` + ``product`` naming ``codes`` (made on first use) with ``lots``."""
    # The tenant's own counter: an NCR the system opens later in the test takes the next number, not this one.
    number = f"NCR-{next_number(partner.tenant, 'ncr'):05d}"
    ncr = Ncr.objects.create(
        tenant=partner.tenant,
        number=number,
        status=status,
        source=Ncr.Source.PRODUCTION,
        partner=partner,
        product=product,
        title=f"{number} found in production",
        description="Edges not deburred on 30 parts.",
        inspection=inspection,
    )
    ncr.defect_codes.set([defect(partner.tenant, code) for code in codes])
    for lot_name, affected in lots:
        NcrLot.objects.create(tenant=partner.tenant, ncr=ncr, lot_name=lot_name, affected=Decimal(affected))
    return ncr


def issue(world, *, partner=None, product=None, ncrs=None, **kw) -> Scar:
    partner = partner or world.p1
    product = product or ProductFactory(tenant=partner.tenant, default_code="ALU-BRKT-7", name="Bracket")
    ncrs = [scar_ncr(partner, product)] if ncrs is None else ncrs
    return scar_issue(membership=world.a_engineer, partner=partner, ncrs=ncrs, title="Burrs on brackets", **kw)


def step(scar, code) -> ScarStep:
    return scar.steps.get(code=code)


def answer(world, scar, code, content=None, membership=None):
    return scar_step_answer(
        membership=membership or world.p1_user, step=step(scar, code), content=content or ANSWERS[code]
    )


# --- issuing ------------------------------------------------------------------------------------


def test_a_scar_is_issued_from_ncrs_with_steps_due_by_the_tenant_defaults(
    world, celery_eager, django_capture_on_commit_callbacks
):
    QualityRules.objects.create(tenant=world.a, scar_due_days={"D3": 5})
    product = ProductFactory(tenant=world.a, default_code="ALU-BRKT-7", name="Bracket")
    first = scar_ncr(world.p1, product, codes=("BURR",))
    second = scar_ncr(world.p1, product, codes=("BURR", "DIM-HOLE"), lots=(("L-2", 10),))
    with django_capture_on_commit_callbacks(execute=True):
        scar = scar_issue(membership=world.a_engineer, partner=world.p1, ncrs=[first, second], title="Burrs")
    today = tenant_today(world.a)
    assert scar.number == "SCAR-00001" and scar.status == Scar.Status.OPEN
    assert scar.product == product  # the NCRs' common product
    assert sorted(c.code for c in scar.defect_codes.all()) == ["BURR", "DIM-HOLE"]
    due = {s.code: s.due_date for s in scar.steps.all()}
    assert list(due) == list(STEP_CODES)
    assert due["D3"] == today + dt.timedelta(days=5)  # the tenant's rule
    assert due["D4"] == today + dt.timedelta(days=10)  # the default
    assert all(s.status == ScarStep.Status.OPEN for s in scar.steps.all())
    event = OutboxEvent.objects.get(topic=topics.SCAR_NOTED)
    assert event.aggregate_id == str(scar.pk)
    assert event.payload["what"] == "issued" and event.payload["partner_odoo_id"] == world.p1.odoo_id
    assert event.payload["step"] is None and "NCR-00001, NCR-00002" in event.payload["summary"]
    assert AuditEntry.objects.filter(action="scar.issued", object_id=str(scar.pk)).exists()
    # The partner's two people get the email, with a link; nobody of another partner.
    [email] = mail.outbox
    assert sorted(email.to) == sorted([world.p1_admin.user.email, world.p1_user.user.email])
    assert "SCAR-00001" in email.subject and "D3 Containment: due" in email.body and "http" in email.body
    assert scar_issue(membership=world.a_engineer, partner=world.p1, title="Second").number == "SCAR-00002"


def test_due_dates_may_be_changed_at_issue_but_never_before_it(world):
    today = tenant_today(world.a)
    scar = issue(world, due_dates={"D3": today + dt.timedelta(days=1)})
    assert step(scar, "D3").due_date == today + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        issue(world, due_dates={"D4": today - dt.timedelta(days=1), "D9": today})
    assert set(refused.value.message_dict) == {"due_dates.D4", "due_dates.D9"}


def test_issue_refuses_mixed_partners_cancelled_ncrs_and_an_inspection_not_discontinued(world):
    product = ProductFactory(tenant=world.a)
    mine, other = scar_ncr(world.p1, product), scar_ncr(world.p2, product)
    with pytest.raises(ValidationError) as refused:
        scar_issue(membership=world.a_engineer, partner=world.p1, ncrs=[mine, other], title="Mixed")
    assert "one partner" in refused.value.message_dict["ncrs"][0]
    cancelled = scar_ncr(world.p1, product, status=Ncr.Status.CANCELLED)
    with pytest.raises(ValidationError) as refused:
        scar_issue(membership=world.a_engineer, partner=world.p1, ncrs=[cancelled], title="Cancelled")
    assert "cancelled" in refused.value.message_dict["ncrs"][0]
    with pytest.raises(ValidationError) as refused:
        scar_issue(membership=world.a_engineer, partner=world.p1, title="   ")
    assert "title" in refused.value.message_dict
    assert not Scar.objects.exists()


def test_issue_from_a_discontinued_inspection(world):
    from tests.quality.test_recording import make_inspection

    inspection, _, _ = make_inspection(world.p1)
    with pytest.raises(ValidationError) as refused:
        scar_issue(membership=world.a_engineer, partner=world.p1, inspection=inspection, title="Discontinued")
    assert "discontinued" in refused.value.message_dict["inspection"][0]
    Inspection.objects.filter(pk=inspection.pk).update(status=Inspection.Status.DISCONTINUED)
    inspection.refresh_from_db()
    scar = scar_issue(membership=world.a_engineer, partner=world.p1, inspection=inspection, title="Discontinued")
    assert scar.inspection == inspection and scar.product == inspection.product


def test_issue_from_the_signed_lot_whose_pair_is_discontinued(world):
    from quality.models import Severity, SwitchingState
    from tests.quality.test_recording import make_inspection

    inspection, _, _ = make_inspection(world.p1)
    Inspection.objects.filter(pk=inspection.pk).update(status=Inspection.Status.SIGNED)
    inspection.refresh_from_db()
    pair = {"tenant": world.a, "partner": world.p1, "product": inspection.product}
    SwitchingState.objects.update_or_create(**pair, defaults={"severity": Severity.TIGHTENED})
    with pytest.raises(ValidationError):
        scar_issue(membership=world.a_engineer, partner=world.p1, inspection=inspection, title="Not yet")
    SwitchingState.objects.filter(**pair).update(severity=Severity.DISCONTINUED)
    scar = scar_issue(membership=world.a_engineer, partner=world.p1, inspection=inspection, title="Discontinued")
    assert scar.inspection == inspection


def test_only_engineers_and_tenant_admins_of_the_tenant_issue(world):
    product = ProductFactory(tenant=world.a)
    ncr = scar_ncr(world.p1, product)
    for who in (world.a_buyer, world.a_inspector, world.p1_admin, world.b_admin):
        with pytest.raises(NotInScope):
            scar_issue(membership=who, partner=world.p1, ncrs=[ncr], title="No")
    with pytest.raises(NotInScope):  # another tenant's partner
        scar_issue(membership=world.a_engineer, partner=world.q1, title="No")
    other_tenant_ncr = scar_ncr(world.q1, ProductFactory(tenant=world.b))
    with pytest.raises(NotInScope):
        scar_issue(membership=world.b_admin, partner=world.q1, ncrs=[ncr, other_tenant_ncr], title="No")
    assert scar_issue(membership=world.a_admin, partner=world.p1, ncrs=[ncr], title="Yes").number == "SCAR-00001"


def test_d2_prefill_says_what_where_when_how_many_and_suspect_asns_are_the_open_ones(world):
    product = ProductFactory(tenant=world.a, default_code="ALU-BRKT-7", name="Bracket")
    ncr = scar_ncr(world.p1, product, lots=(("L-1", 30), ("L-2", 5)))
    scar = issue(world, ncrs=[ncr])
    prefill = scar_d2_prefill(scar)
    assert prefill["what"] == "[ALU-BRKT-7] Bracket: BURR Burr on edge"
    assert prefill["where"] == "Found in production (NCR-00001)"
    assert "35 Units affected" in prefill["how_many"] and "L-1 (30), L-2 (5)" in prefill["how_many"]
    assert "Edges not deburred" in prefill["description"] and prefill["when"].startswith("NCR-00001 found ")
    line = PurchaseOrderLineFactory(order__partner=world.p1, product=product)
    in_transit = AsnLineFactory(asn__partner=world.p1, order_line=line).asn
    Asn.objects.filter(pk=in_transit.pk).update(status=Asn.Status.IN_TRANSIT)
    AsnLineFactory(asn__partner=world.p1, order_line=PurchaseOrderLineFactory(order__partner=world.p1, product=product))
    other = AsnLineFactory(asn__partner=world.p1)  # another product
    Asn.objects.filter(pk=other.asn_id).update(status=Asn.Status.IN_TRANSIT)
    assert list(suspect_asns(scar)) == [in_transit]  # the draft and the other product's are not suspect


# --- answering and reviewing --------------------------------------------------------------------


def test_a_scar_through_all_eight_steps_with_one_sent_back(world, celery_eager, django_capture_on_commit_callbacks):
    scar = issue(world)
    mail.outbox.clear()
    for code in STEP_CODES[:7]:
        if code == "D6":
            scar_evidence_add(membership=world.p1_user, step=step(scar, code), upload=pdf())
        first = answer(world, scar, code)
        assert first.version == 1 and step(scar, code).status == ScarStep.Status.ANSWERED
    # D4 goes back with a comment: the supplier is told, answers again, the versions are kept.
    with django_capture_on_commit_callbacks(execute=True):
        scar_step_send_back(membership=world.a_engineer, step=step(scar, "D4"), comment="Why was the tool worn?")
    assert step(scar, "D4").status == ScarStep.Status.RETURNED
    [email] = mail.outbox
    assert "D4" in email.subject and "Why was the tool worn?" in email.body
    assert sorted(email.to) == sorted([world.p1_admin.user.email, world.p1_user.user.email])
    better = {**ANSWERS["D4"], "occurrence_whys": [*ANSWERS["D4"]["occurrence_whys"], "No tool-life data"]}
    second = answer(world, scar, "D4", better, membership=world.p1_admin)
    assert second.version == 2 and second.author == world.p1_admin.user
    versions = list(ScarAnswer.objects.filter(step__scar=scar, step__code="D4").order_by("version"))
    assert [(a.version, a.author) for a in versions] == [(1, world.p1_user.user), (2, world.p1_admin.user)]
    audit = (
        AuditEntry.objects.filter(action="scar.step_answered", object_id=str(step(scar, "D4").pk)).order_by("pk").last()
    )
    assert audit.changes["version"] == [1, 2] and audit.changes["changed"] == [None, "occurrence_whys"]
    for code in STEP_CODES[:7]:
        scar_step_accept(membership=world.a_engineer, step=step(scar, code))
    answer(world, scar, "D8")
    scar_step_accept(membership=world.a_engineer, step=step(scar, "D8"), comment="Well done")
    scar.refresh_from_db()
    rules = QualityRules(tenant=world.a)
    assert scar.status == Scar.Status.VERIFYING and scar.verifying_since is not None
    assert scar.verify_until == tenant_today(world.a) + dt.timedelta(days=rules.scar_verify_days)
    assert scar.verify_lots == rules.scar_verify_lots
    notes = list(OutboxEvent.objects.filter(topic=topics.SCAR_NOTED).order_by("sequence"))
    assert [n.payload["what"] for n in notes] == ["issued"] + ["step_accepted"] * 8
    assert [n.payload["step"] for n in notes[1:]] == list(STEP_CODES)
    assert "effectiveness check runs until" in notes[-1].payload["summary"]


def test_d8_is_refused_before_d1_to_d7_are_accepted(world):
    scar = issue(world)
    for code in ("D1", "D2", "D3"):
        answer(world, scar, code)
        scar_step_accept(membership=world.a_engineer, step=step(scar, code))
    with pytest.raises(ValidationError) as refused:
        answer(world, scar, "D8")
    assert "not yet: D4, D5, D6, D7" in refused.value.messages[0]
    assert not step(scar, "D8").answers.exists()


def test_an_unchanged_answer_is_the_same_version_and_an_accepted_step_is_read_only(world):
    scar = issue(world)
    first = answer(world, scar, "D1")
    assert answer(world, scar, "D1").pk == first.pk
    scar_step_accept(membership=world.a_engineer, step=step(scar, "D1"))
    with pytest.raises(ValidationError, match="accepted"):
        answer(world, scar, "D1", {"members": [{"name": "Other", "role": "QA"}]})
    with pytest.raises(ValidationError, match="only an answered step"):
        scar_step_accept(membership=world.a_engineer, step=step(scar, "D1"))
    with pytest.raises(ValidationError, match="only an answered step"):
        scar_step_send_back(membership=world.a_engineer, step=step(scar, "D2"), comment="Not answered yet")


def test_send_back_needs_a_comment_and_d6_needs_evidence(world):
    scar = issue(world)
    answer(world, scar, "D1")
    with pytest.raises(ValidationError) as refused:
        scar_step_send_back(membership=world.a_engineer, step=step(scar, "D1"), comment="  ")
    assert "comment" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        answer(world, scar, "D6")
    assert "evidence" in refused.value.message_dict


def test_cancel_needs_a_reason_makes_the_scar_read_only_and_is_noted(
    world, celery_eager, django_capture_on_commit_callbacks
):
    scar = issue(world)
    with pytest.raises(ValidationError):
        scar_cancel(membership=world.a_engineer, scar=scar, reason="")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        scar = scar_cancel(membership=world.a_engineer, scar=scar, reason="Issued to the wrong partner")
    assert scar.status == Scar.Status.CANCELLED and scar.cancel_reason == "Issued to the wrong partner"
    assert OutboxEvent.objects.filter(topic=topics.SCAR_NOTED, payload__what="cancelled").count() == 1
    assert "cancelled" in mail.outbox[0].subject
    with pytest.raises(ValidationError, match="read-only"):
        answer(world, scar, "D1")
    with pytest.raises(ValidationError, match="read-only"):
        scar_evidence_add(membership=world.p1_user, step=step(scar, "D1"), upload=pdf())


def test_a_due_date_moves_forward_only_and_not_on_an_accepted_step(world):
    scar = issue(world)
    today = tenant_today(world.a)
    moved = scar_step_due_set(membership=world.a_engineer, step=step(scar, "D3"), due_date=today + dt.timedelta(days=9))
    assert moved.due_date == today + dt.timedelta(days=9)
    assert AuditEntry.objects.filter(action="scar.step_due_changed").count() == 1
    with pytest.raises(ValidationError) as refused:
        scar_step_due_set(membership=world.a_engineer, step=step(scar, "D3"), due_date=today - dt.timedelta(days=1))
    assert "due_date" in refused.value.message_dict
    answer(world, scar, "D1")
    scar_step_accept(membership=world.a_engineer, step=step(scar, "D1"))
    with pytest.raises(ValidationError, match="accepted"):
        scar_step_due_set(membership=world.a_engineer, step=step(scar, "D1"), due_date=today)


def test_reviews_are_for_engineers_who_see_the_scar(world):
    scar = issue(world)
    answer(world, scar, "D1")
    for who in (world.p1_admin, world.a_buyer, world.a_inspector, world.b_admin):
        with pytest.raises(NotInScope):
            scar_step_accept(membership=who, step=step(scar, "D1"))
        with pytest.raises(NotInScope):
            scar_cancel(membership=who, scar=scar, reason="No")
    assert step(scar, "D1").status == ScarStep.Status.ANSWERED
