"""NCR dispositions (quality.services.ncr_dispositions): kinds and quantities checked, the material review
signed by a second person with the password (meaning and time kept, the author refused, nothing written on
a wrong password), stock moved through an inspection Disposition (inspection.disposed with the lot's sums)
and ncr.dispositioned with the agreed payload, sorts split, dispositioned / close / cancel rules, scope."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from integrations import topics
from integrations.models import EventStatus, OutboxEvent
from portal.dates import tenant_today
from portal.lifecycle import TransitionRefused
from portal.models import Role
from portal.services.errors import NotInScope
from quality.models import Disposition, Ncr, NcrApproval, NcrDisposition, QualityRules
from quality.services.dispositions import disposition_record, lot_totals
from quality.services.ncr_dispositions import (
    approval_needed,
    ncr_disposition_approve,
    ncr_disposition_payload,
    ncr_disposition_propose,
    ncr_disposition_refuse,
    ncr_disposition_withdraw,
)
from quality.services.ncrs import containment_add, containment_done, ncr_cancel, ncr_close, ncr_contain
from tests.factories import member
from tests.factories.portal import PASSWORD
from tests.quality.test_ncr_services import by_hand, rejected_ncr

pytestmark = pytest.mark.django_db


def no_review(world):
    QualityRules.objects.create(tenant=world.a, approval_severity="", approval_value=0)


def review_from_major(world):
    QualityRules.objects.create(tenant=world.a, approval_severity="major", approval_value=0)


def propose(world, ncr, kind, quantity, membership=None, **kw):
    return ncr_disposition_propose(
        membership=membership or world.a_engineer,
        ncr=ncr,
        lot=kw.pop("lot", None) or ncr.lots.get(),
        kind=kind,
        quantity=Decimal(quantity),
        **kw,
    )


def contained(world, ncr):
    action = containment_add(membership=world.a_engineer, ncr=ncr, action="Quarantine", owner="Stores")
    containment_done(membership=world.a_engineer, containment=action)
    return ncr_contain(membership=world.a_engineer, ncr=ncr)


def test_approval_needed_by_severity_or_value(world):
    QualityRules.objects.create(tenant=world.a, approval_severity="critical", approval_value=Decimal(1000))
    ncr = rejected_ncr(world)
    assert approval_needed(ncr, value=Decimal("999.99")) == ""
    assert approval_needed(ncr, value=Decimal(1250)) == "value 1,250.00 EUR >= 1,000.00"
    ncr.severity = "critical"
    assert approval_needed(ncr, value=Decimal(1)) == "severity critical"


def test_material_review_signed_by_a_second_person_then_stock_moves(world):
    review_from_major(world)
    ncr = rejected_ncr(world)
    d = propose(world, ncr, "return", 30)
    assert d.status == NcrDisposition.Status.AWAITING_APPROVAL and d.value == Decimal("75.00")
    assert not Disposition.objects.exists()
    with pytest.raises(ValidationError, match="The author of a disposition cannot approve it"):
        ncr_disposition_approve(membership=world.a_engineer, disposition=d, password=PASSWORD)
    reviewer = member(world.a, Role.QUALITY_ENGINEER)
    events_before = OutboxEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        ncr_disposition_approve(membership=reviewer, disposition=d, password="wrong")
    assert "password" in caught.value.message_dict
    assert not NcrApproval.objects.exists() and OutboxEvent.objects.count() == events_before
    d.refresh_from_db()
    assert d.status == NcrDisposition.Status.AWAITING_APPROVAL
    for who in (world.a_buyer, world.a_inspector, world.b_admin, world.p1_admin):
        with pytest.raises(NotInScope):
            ncr_disposition_approve(membership=who, disposition=d, password=PASSWORD)
    before = timezone.now()
    d = ncr_disposition_approve(membership=reviewer, disposition=d, password=PASSWORD, comment="Agreed in MRB")
    approval = NcrApproval.objects.get()
    assert (approval.signer, approval.signer_role, approval.decision) == (
        reviewer.user,
        Role.QUALITY_ENGINEER,
        "approve",
    )
    assert approval.meaning == "Approved: return 30 of lot LOT-1 to the vendor"
    assert before <= approval.signed_at <= timezone.now()
    # The stock goes by the inspection's own mechanism: a Disposition and inspection.disposed with the sums.
    assert d.status == NcrDisposition.Status.APPLIED and d.stock.returned == 30
    assert d.stock.reason == f"{ncr.number}: Return to vendor"
    [lot] = OutboxEvent.objects.get(pk=d.stock.outbox_event_id).payload["lots"]
    assert (lot["returned"], lot["released"], lot["scrapped"], lot["lot_size"]) == (30.0, 0.0, 0.0, 500.0)
    event = OutboxEvent.objects.get(pk=d.outbox_event_id)
    assert event.topic == topics.NCR_DISPOSITIONED and event.aggregate_id == str(ncr.pk)
    payload = event.payload
    assert set(payload) == {
        "ncr_id", "ncr_number", "title", "severity", "partner", "product", "defect_codes",
        "receipt_odoo_id", "receipt_name", "po_odoo_id", "po_name", "disposition",
    }  # fmt: skip
    assert (payload["ncr_number"], payload["receipt_odoo_id"], payload["po_name"]) == (
        ncr.number,
        ncr.receipt.odoo_id,
        ncr.order.name,
    )
    assert payload["disposition"] | {"id": 0} == {
        "id": 0,
        "kind": "return",
        "kind_label": "Return to vendor",
        "lot_name": "LOT-1",
        "quantity": 30.0,
        "uom": "Units",
        "instructions": "",
        "concession_until": None,
        "proposed_by": world.a_engineer.user.get_full_name() or world.a_engineer.user.email,
        "approved_by": reviewer.user.get_full_name() or reviewer.user.email,
        "stock_moved": True,
    }


def test_refuse_needs_a_comment_and_frees_the_quantity_withdraw_by_the_author(world):
    review_from_major(world)
    ncr = rejected_ncr(world)
    d = propose(world, ncr, "scrap", 500)
    with pytest.raises(ValidationError, match="Only 0 of"):
        propose(world, ncr, "return", 1)
    reviewer = member(world.a, Role.TENANT_ADMIN)
    with pytest.raises(ValidationError) as caught:
        ncr_disposition_refuse(membership=reviewer, disposition=d, password=PASSWORD, comment="")
    assert "comment" in caught.value.message_dict
    d = ncr_disposition_refuse(membership=reviewer, disposition=d, password=PASSWORD, comment="Sort it first")
    assert d.status == NcrDisposition.Status.REFUSED
    assert NcrApproval.objects.get().meaning == "Refused: scrap 500 of lot LOT-1"
    again = propose(world, ncr, "sort", 500)
    with pytest.raises(NotInScope):
        ncr_disposition_withdraw(membership=world.a_buyer, disposition=again)
    assert ncr_disposition_withdraw(membership=world.a_engineer, disposition=again).status == "withdrawn"
    with pytest.raises(ValidationError, match="nothing to review"):
        ncr_disposition_approve(membership=reviewer, disposition=again, password=PASSWORD)


def test_kinds_and_quantities_are_checked(world):
    no_review(world)
    ncr = rejected_ncr(world)
    for quantity, words in (("0", "above 0"), ("-1", "above 0"), ("0.005", "two decimals"), ("501", "Only 500")):
        with pytest.raises(ValidationError, match=words):
            propose(world, ncr, "return", quantity)
    with pytest.raises(ValidationError) as caught:
        propose(world, ncr, "use_as_is", 10)
    assert "concession_until" in caught.value.message_dict
    with pytest.raises(ValidationError, match="in the future"):
        propose(world, ncr, "use_as_is", 10, concession_until=tenant_today(world.a))
    with pytest.raises(ValidationError) as caught:
        propose(world, ncr, "rework", 10)
    assert "instructions" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        propose(world, ncr, "melt", 10)
    assert "kind" in caught.value.message_dict
    other = by_hand(world)
    with pytest.raises(ValidationError) as caught:
        propose(world, ncr, "return", 1, lot=other.lots.get())
    assert "lot" in caught.value.message_dict
    assert not NcrDisposition.objects.filter(ncr=ncr).exists() and not Disposition.objects.exists()


def test_sort_split_rework_held_and_the_last_disposition_moves_to_dispositioned(world):
    no_review(world)
    ncr = contained(world, rejected_ncr(world))
    sort = propose(world, ncr, "sort", 100)
    assert sort.status == "applied" and sort.stock is None  # sorting moves no stock
    with pytest.raises(ValidationError, match="applied sort"):
        propose(world, ncr, "return", 10, sorted_from=propose(world, ncr, "rework", 1, instructions="Deburr"))
    with pytest.raises(ValidationError) as caught:
        propose(world, ncr, "sort", 10, sorted_from=sort)
    assert "kind" in caught.value.message_dict
    propose(world, ncr, "return", 10, sorted_from=sort)
    with pytest.raises(ValidationError, match="Only 90 of the sort of 100"):
        propose(world, ncr, "scrap", 91, sorted_from=sort)
    later = tenant_today(world.a) + timedelta(days=30)
    propose(world, ncr, "use_as_is", 90, sorted_from=sort, concession_until=later)
    totals = lot_totals(ncr.inspection)
    assert (totals.returned, totals.released, totals.held) == (10, 90, 400)
    rework = propose(world, ncr, "rework", 300, instructions="Deburr the holes, re-inspect 100 %")
    assert rework.stock is None and lot_totals(ncr.inspection).held == 400  # rework leaves the stock held
    ncr.refresh_from_db()
    assert ncr.status == Ncr.Status.CONTAINED
    propose(world, ncr, "scrap", 98)
    ncr.refresh_from_db()
    assert ncr.status == Ncr.Status.CONTAINED  # 1 (the first rework) + 398 of 500: still one to go
    propose(world, ncr, "scrap", 1)
    ncr.refresh_from_db()
    assert ncr.status == Ncr.Status.DISPOSITIONED


def test_close_waits_for_the_stock_moves_and_cancel_is_refused_once_stock_moved(world):
    no_review(world)
    ncr = contained(world, rejected_ncr(world))
    d = propose(world, ncr, "return", 500)
    ncr.refresh_from_db()
    assert ncr.status == Ncr.Status.DISPOSITIONED
    with pytest.raises(TransitionRefused, match="cannot be cancelled"):
        ncr_cancel(membership=world.a_engineer, ncr=ncr, reason="Mistake")
    with pytest.raises(TransitionRefused, match="not in Odoo yet: “Pending”"):
        ncr_close(membership=world.a_engineer, ncr=ncr)
    OutboxEvent.objects.filter(pk=d.stock.outbox_event_id).update(status=EventStatus.DONE)
    ncr = ncr_close(membership=world.a_engineer, ncr=ncr)
    assert ncr.status == Ncr.Status.CLOSED and ncr.closed_at is not None
    with pytest.raises(ValidationError, match="no more dispositions"):
        propose(world, ncr, "return", 1)


def test_a_lot_without_held_stock_records_the_disposition_without_moving_stock(world):
    no_review(world)
    ncr = by_hand(world)
    d = propose(world, ncr, "scrap", 40)
    assert d.status == "applied" and d.stock is None
    # No receipt or PO to note it on in Odoo: no ncr.dispositioned event (the handler would refuse it).
    assert d.outbox_event_id is None and not OutboxEvent.objects.filter(topic=topics.NCR_DISPOSITIONED).exists()
    assert ncr_disposition_payload(ncr, d)["disposition"]["stock_moved"] is False
    assert not OutboxEvent.objects.filter(topic=topics.INSPECTION_DISPOSED).exists()
    # A rejected lot released in part at the dock (below the review threshold): the NCR records that decision
    # as applied, linked to its stock move, so only the rest is left to dispose of.
    ncr = rejected_ncr(world, lot="LOT-2")
    disposition_record(membership=world.a_inspector, inspection=ncr.inspection, released=Decimal(470), reason="Sorted")
    [dock] = ncr.dispositions.all()
    assert (dock.kind, dock.quantity, dock.status) == ("use_as_is", 470, "applied")
    assert dock.stock.released == 470 and dock.instructions == "Decided at the dock: Sorted"
    with pytest.raises(ValidationError, match="Only 30 of lot LOT-2's 500 are left"):
        propose(world, ncr, "use_as_is", 470, concession_until=tenant_today(world.a) + timedelta(days=9))
    assert propose(world, ncr, "return", 30).stock.returned == 30
    assert lot_totals(ncr.inspection).released == 470 and lot_totals(ncr.inspection).held == 0


def test_other_tenants_and_partners_cannot_dispose(world):
    no_review(world)
    ncr = rejected_ncr(world)
    from portal.services.memberships import membership_scope_set

    only_p2 = membership_scope_set(
        actor=world.a_admin, membership=member(world.a, Role.QUALITY_ENGINEER), all_partners=False, partners=[world.p2]
    )
    for who in (only_p2, member(world.b, Role.QUALITY_ENGINEER), world.a_inspector, world.a_buyer, world.p1_user):
        with pytest.raises(NotInScope):
            propose(world, ncr, "return", 1, membership=who)
    assert not NcrDisposition.objects.exists()
