"""The lead's claim rule (issue 13, last review), looked for beyond the findings of test_final_breakit.py: an
open NCR claims its lot's held stock while it has quantity of it left to dispose of; the dock's decisions on a
claimed lot are recorded on it up to that quantity and reach Odoo like its own; a hand NCR's severity, the
digest's links and the buyers' navigation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from integrations import topics
from integrations.models import OutboxEvent
from portal.navigation import nav_for
from quality.models import Ncr, NcrDisposition, QualityRules
from quality.scar_notifications import send_digest
from quality.services.dispositions import disposition_record
from quality.services.ncr_dispositions import ncr_disposition_propose
from quality.services.ncr_inspections import lot_claim
from quality.services.ncrs import ncr_update
from quality.views.disposition_section import disposition_context
from tests.quality.test_ncr_services import by_hand, lot_inspection, rejected_ncr

pytestmark = pytest.mark.django_db


def no_review(world):
    QualityRules.objects.update_or_create(tenant=world.a, defaults={"approval_severity": "", "approval_value": 0})


def test_the_dock_records_on_the_claiming_ncr_only_what_it_still_claims(world):
    no_review(world)
    ncr = rejected_ncr(world)  # 500 of LOT-1 claimed
    ncr_disposition_propose(
        membership=world.a_engineer, ncr=ncr, lot=ncr.lots.get(), kind="rework", quantity=Decimal(450), instructions="x"
    )
    assert lot_claim(ncr.inspection).remaining == Decimal(50)
    disposition_record(
        membership=world.a_inspector, inspection=ncr.inspection, returned=Decimal(30), released=Decimal(100), reason="."
    )
    recorded = {d.kind: d.quantity for d in ncr.dispositions.exclude(kind="rework")}
    assert recorded == {"return": Decimal(30), "use_as_is": Decimal(20)}  # the other 80 are the lot's own
    assert lot_claim(ncr.inspection) is None
    # Both recorded rows reach the buyer: one ncr.dispositioned each.
    assert OutboxEvent.objects.filter(topic=topics.NCR_DISPOSITIONED).count() == 3


def test_returns_of_an_accepted_lot_recorded_on_its_new_ncr_reach_odoo_too(world):
    no_review(world)
    inspection = lot_inspection(world, reject=False)
    disposition_record(membership=world.a_inspector, inspection=inspection, returned=Decimal(20), reason="Bent")
    ncr = Ncr.objects.get(inspection=inspection)
    [row] = ncr.dispositions.all()
    [event] = OutboxEvent.objects.filter(topic=topics.NCR_DISPOSITIONED)
    assert event.payload["disposition"]["id"] == row.pk and event.payload["disposition"]["kind"] == "return"
    assert lot_claim(inspection) is None  # all it covers is disposed of: the dock releases the rest
    disposition_record(membership=world.a_inspector, inspection=inspection, released=Decimal(480))
    assert ncr.dispositions.count() == 1


def test_a_hand_ncr_keeps_its_severity_once_a_disposition_is_applied_or_awaiting(world):
    ncr = by_hand(world, severity="critical")
    ncr_update(membership=world.a_engineer, ncr=ncr, severity="major")  # nothing decided yet: may be lowered
    ncr_disposition_propose(membership=world.a_engineer, ncr=ncr, lot=ncr.lots.get(), kind="scrap", quantity=Decimal(1))
    with pytest.raises(ValidationError, match="can no longer be lowered"):
        ncr_update(membership=world.a_engineer, ncr=ncr, severity="minor")
    ncr_update(membership=world.a_engineer, ncr=ncr, severity="critical")  # raising stays allowed
    assert Ncr.objects.get(pk=ncr.pk).severity == "critical"


def test_the_inspection_page_follows_the_claim_in_one_query(world, django_assert_num_queries):
    QualityRules.objects.update_or_create(
        tenant=world.a, defaults={"approval_severity": "major", "approval_value": Decimal(0)}
    )
    ncr = rejected_ncr(world)
    from quality.views.disposition_section import lot_open_ncr

    with django_assert_num_queries(2):  # the member's partners, then the NCR with its claim
        found = lot_open_ncr(ncr.inspection, world.a_engineer)
    assert found == ncr and found.claims
    context = disposition_context(ncr.inspection, membership=world.a_engineer)
    assert context["ncr_decides"] and context["ncr_claims"] and context["disposition_form"] is None
    NcrDisposition.objects.create(
        tenant=world.a, ncr=ncr, lot=ncr.lots.get(), kind="rework", quantity=Decimal(500), status="applied"
    )
    context = disposition_context(ncr.inspection, membership=world.a_engineer)
    assert not context["ncr_claims"] and not context["ncr_decides"] and context["disposition_form"] is not None


def test_buyers_see_scars_in_their_navigation(world):
    keys = [item.key for item in nav_for(world.a_buyer)]
    assert "scars" in keys
    assert "scars" not in [item.key for item in nav_for(world.a_inspector)]


def test_the_digest_links_by_active_memberships_only(world):
    """``send_digest`` chose supplier links for any supplier membership of the email, active or not."""
    from quality.models import ScarReminder
    from quality.scar_notifications import page_url
    from tests.quality.test_scar_services import issue

    scar = issue(world)
    step = scar.steps.get(code="D3")
    reminder = ScarReminder.objects.create(tenant=world.a, step=step, level=2, due_date=step.due_date)
    world.p1_user.is_active = False  # the supplier login is deactivated between the run and the send
    world.p1_user.save(update_fields=["is_active"])
    mail.outbox.clear()
    assert send_digest(world.a.pk, world.p1_user.user.email, [reminder.pk]) == 1
    assert page_url(scar, supplier=True, step=step) not in mail.outbox[0].body
    assert page_url(scar, supplier=False, step=step) in mail.outbox[0].body
