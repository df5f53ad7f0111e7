"""NCR services (quality.services.ncrs, ncr_inspections, ncr_states): a rejected lot opens its NCR once,
prefilled; an NCR by hand is validated field by field; containment, contain, cancel and the page's
"what is missing"; cost of poor quality; who may act (other tenant, other partner, buyer, inspector: 404)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.lifecycle import TransitionRefused
from portal.models import AuditEntry, Role
from portal.services.errors import NotInScope
from portal.services.memberships import membership_scope_set
from quality.models import DefectClass, DefectCode, Ncr, NcrDisposition, QualityRules
from quality.services.dispositions import disposition_record
from quality.services.ncr_states import ncr_next_step
from quality.services.ncrs import (
    containment_add,
    containment_done,
    ncr_cancel,
    ncr_contain,
    ncr_cost,
    ncr_file_add,
    ncr_open,
    ncr_open_from_inspection,
    ncr_update,
)
from quality.services.recording import inspection_sign, result_record
from tests.factories import AsnFactory, member
from tests.factories.portal import PASSWORD
from tests.quality.test_recording import make_inspection, record_all_good

pytestmark = pytest.mark.django_db


def lot_inspection(world, *, reject=True, lot="LOT-1", quantity=500, price="2.50", partner=None):
    """A signed inspection of ``partner``'s (P1's) lot: rejected (2 of 3 lengths out) or accepted; its PO
    line costs ``price`` EUR."""
    inspection, length, finish = make_inspection(partner or world.p1, lot=lot, quantity=quantity)
    line = inspection.receipt_move.order_line
    line.price_unit = Decimal(price)
    line.save()
    order = inspection.receipt.order
    order.currency_code = "EUR"
    order.save()
    if reject:
        for unit in (1, 2):
            result_record(
                membership=world.a_inspector,
                inspection=inspection,
                unit=unit,
                characteristic=length,
                client_key=f"bad{unit}",
                value=Decimal("12"),
            )
    else:
        record_all_good(world.a_inspector, inspection, length, finish)
    return inspection_sign(membership=world.a_inspector, inspection=inspection, password=PASSWORD)


def rejected_ncr(world, **kw) -> Ncr:
    return Ncr.objects.get(inspection=lot_inspection(world, **kw))


def by_hand(world, membership=None, **kw) -> Ncr:
    fields = {
        "partner": world.p1,
        "product": kw.pop("product", None) or make_inspection(world.p1)[0].product,
        "source": Ncr.Source.PRODUCTION,
        "title": "Cracked brackets found on line 3",
        "lots": [{"lot_name": "L-9", "affected": Decimal(40), "suspect": Decimal(200)}],
    }
    return ncr_open(membership=membership or world.a_engineer, **{**fields, **kw})


def test_a_rejected_lot_opens_its_ncr_prefilled_once(world):
    QualityRules.objects.create(tenant=world.a, handling_charge=Decimal("75"))
    inspection, length, _ = make_inspection(world.p1, lot="L-123")
    asn = AsnFactory(partner=world.p1)
    asn.receipts.add(inspection.receipt)
    for unit in (1, 2):
        result_record(
            membership=world.a_inspector,
            inspection=inspection,
            unit=unit,
            characteristic=length,
            client_key=f"b{unit}",
            value=Decimal("12"),
        )
    inspection_sign(membership=world.a_inspector, inspection=inspection, password=PASSWORD)
    ncr = Ncr.objects.get()
    assert (ncr.number, ncr.status, ncr.source) == ("NCR-00001", Ncr.Status.OPEN, Ncr.Source.INSPECTION)
    assert (ncr.partner, ncr.product, ncr.inspection) == (world.p1, inspection.product, inspection)
    assert (ncr.receipt, ncr.order, ncr.asn) == (inspection.receipt, inspection.receipt.order, asn)
    assert ncr.title == f"Lot L-123 of {inspection.product.default_code} rejected at incoming inspection"
    assert "- Length (major): 2 of 3 units defective" in ncr.description
    assert "Finish" not in ncr.description and ncr.severity == DefectClass.MAJOR
    assert ncr.handling_charge == Decimal("75")
    [lot] = ncr.lots.all()
    assert (lot.lot_name, lot.affected, lot.suspect, lot.inspection) == ("L-123", 100, 0, inspection)
    assert AuditEntry.objects.filter(action="ncr.opened", object_id=str(ncr.pk), actor=None).exists()
    # Idempotent: a retry (a redelivered reaction, a second call) answers the NCR and opens no other.
    assert ncr_open_from_inspection(inspection=inspection) == ncr
    assert Ncr.objects.count() == 1


def test_price_currency_and_cost_of_poor_quality(world):
    QualityRules.objects.create(tenant=world.a, handling_charge=Decimal("40"))
    ncr = rejected_ncr(world, price="2.50")
    assert (ncr.unit_price, ncr.currency_code) == (Decimal("2.5"), "EUR")
    cost = ncr_cost(ncr)
    assert (cost.quantity, cost.material, cost.handling, cost.total, cost.currency) == (
        Decimal(500),
        Decimal("1250.00"),
        Decimal("40.00"),
        Decimal("1290.00"),
        "EUR",
    )


def test_an_accepted_lot_opens_no_ncr_until_part_of_it_is_returned(world):
    inspection = lot_inspection(world, reject=False)
    assert ncr_open_from_inspection(inspection=inspection) is None and not Ncr.objects.exists()
    disposition_record(
        membership=world.a_inspector, inspection=inspection, returned=Decimal(30), reason="Burrs found at assembly"
    )
    ncr = Ncr.objects.get()
    assert ncr.title.endswith("partly rejected after incoming inspection")
    [lot] = ncr.lots.all()
    assert lot.affected == 30
    # What the inspector returned is recorded as applied, linked to its stock decision: the NCR moves it no more.
    [done] = ncr.dispositions.all()
    assert (done.kind, done.quantity, done.status) == ("return", 30, NcrDisposition.Status.APPLIED)
    assert done.stock.returned == 30
    # A second reject of the same lot adds to the same NCR.
    disposition_record(membership=world.a_inspector, inspection=inspection, scrapped=Decimal(5), reason="Bent")
    assert Ncr.objects.count() == 1
    lot.refresh_from_db()
    assert lot.affected == 35 and ncr.dispositions.count() == 2


def test_an_ncr_by_hand_is_numbered_audited_and_validated_field_by_field(world):
    first = by_hand(world)
    assert first.number == "NCR-00001" and first.created_by == world.a_engineer.user
    [lot] = first.lots.all()
    assert (lot.lot_name, lot.affected, lot.suspect, lot.inspection) == ("L-9", 40, 200, None)
    assert AuditEntry.objects.filter(action="ncr.opened", object_id=str(first.pk)).exists()
    other_tenant_code = DefectCode.objects.create(tenant=world.b, code="BURR", description="Burr")
    inactive = DefectCode.objects.create(tenant=world.a, code="OLD", description="Old", active=False)
    other_inspection, _, _ = make_inspection(world.p2, lot="P2-LOT")
    with pytest.raises(ValidationError) as caught:
        by_hand(
            world,
            title=" ",
            source="nowhere",
            severity="fatal",
            defect_codes=[other_tenant_code, inactive],
            lots=[{"lot_name": "L-1", "affected": Decimal(-1), "suspect": Decimal("0.001")}],
            inspection=other_inspection,
        )
    errors = caught.value.message_dict
    assert set(errors) == {
        "title",
        "source",
        "severity",
        "defect_codes",
        "lots.0.affected",
        "lots.0.suspect",
        "inspection",
    }
    assert "negative" in errors["lots.0.affected"][0] and "two decimals" in errors["lots.0.suspect"][0]
    with pytest.raises(ValidationError, match="at most 200"):
        by_hand(world, title="x" * 201)
    code = DefectCode.objects.create(tenant=world.a, code="CRACK", description="Crack", defect_class="critical")
    second = by_hand(world, defect_codes=[code], lots=[])
    assert second.number == "NCR-00002" and list(second.defect_codes.all()) == [code]


def test_only_engineers_and_admins_of_the_partner_act(world):
    product = make_inspection(world.p1)[0].product
    only_p2 = membership_scope_set(
        actor=world.a_admin,
        membership=member(world.a, Role.QUALITY_ENGINEER),
        all_partners=False,
        partners=[world.p2],
    )
    for who in (world.a_buyer, world.a_inspector, world.p1_admin, only_p2, member(world.b, Role.QUALITY_ENGINEER)):
        with pytest.raises(NotInScope):
            by_hand(world, membership=who, product=product)
    assert by_hand(world, membership=world.a_admin, product=product).pk
    ncr = Ncr.objects.get()
    for who in (world.a_buyer, only_p2, world.b_admin):
        with pytest.raises(NotInScope):
            containment_add(membership=who, ncr=ncr, action="Quarantine", owner="Stores")
    # Another tenant's product or partner is not in scope either.
    with pytest.raises(NotInScope):
        by_hand(world, partner=world.q1, product=product)


def test_containment_then_contain_with_what_is_missing_in_words(world):
    ncr = by_hand(world)
    assert ncr_next_step(ncr) == ("contain", ["Record at least one containment action (what, who)."])
    with pytest.raises(TransitionRefused, match="at least one containment action"):
        ncr_contain(membership=world.a_engineer, ncr=ncr)
    with pytest.raises(ValidationError) as caught:
        containment_add(membership=world.a_engineer, ncr=ncr, action="", owner="")
    assert set(caught.value.message_dict) == {"action", "owner"}
    action = containment_add(
        membership=world.a_engineer, ncr=ncr, action="Quarantine stock", owner="Stores", due_date=date(2030, 1, 1)
    )
    assert ncr_next_step(ncr) == ("contain", ["1 containment action not done yet: Quarantine stock."])
    with pytest.raises(TransitionRefused, match="not done yet"):
        ncr_contain(membership=world.a_engineer, ncr=ncr)
    done = containment_done(membership=world.a_engineer, containment=action)
    assert done.done_by == world.a_engineer.user and done.done_at is not None
    with pytest.raises(ValidationError, match="done already"):
        containment_done(membership=world.a_engineer, containment=action)
    ncr = ncr_contain(membership=world.a_engineer, ncr=ncr)
    assert ncr.status == Ncr.Status.CONTAINED
    assert AuditEntry.objects.filter(action="ncr.contained", object_id=str(ncr.pk)).exists()
    step, missing = ncr_next_step(ncr)
    assert step == "disposition" and missing == ["40 of 40 of lot L-9 have no applied disposition."]


def test_cancel_needs_a_reason_and_ends_the_ncr(world):
    ncr = by_hand(world)
    with pytest.raises(TransitionRefused) as caught:
        ncr_cancel(membership=world.a_engineer, ncr=ncr, reason="  ")
    assert "reason" in caught.value.message_dict
    ncr = ncr_cancel(membership=world.a_engineer, ncr=ncr, reason="Opened twice: see NCR-00002")
    assert ncr.status == Ncr.Status.CANCELLED and ncr.cancel_reason == "Opened twice: see NCR-00002"
    assert ncr_next_step(ncr) == (None, [])
    with pytest.raises(TransitionRefused, match="cancelled"):
        ncr_cancel(membership=world.a_engineer, ncr=ncr, reason="again")
    with pytest.raises(ValidationError, match="can no longer be changed"):
        containment_add(membership=world.a_engineer, ncr=ncr, action="x", owner="y")


def test_update_is_audited_and_checks_what_it_is_given(world):
    ncr = by_hand(world)
    code = DefectCode.objects.create(tenant=world.a, code="BURR", description="Burr")
    ncr = ncr_update(membership=world.a_engineer, ncr=ncr, severity="critical", defect_codes=[code])
    assert ncr.severity == "critical" and list(ncr.defect_codes.all()) == [code]
    entry = AuditEntry.objects.get(action="ncr.updated")
    assert entry.changes == {"severity": ["major", "critical"], "defect_codes": ["", "BURR"]}
    with pytest.raises(ValidationError) as caught:
        ncr_update(membership=world.a_engineer, ncr=ncr, title="", severity="nope")
    assert set(caught.value.message_dict) == {"title", "severity"}
    assert Ncr.objects.get(pk=ncr.pk).title == "Cracked brackets found on line 3"


def test_files_are_bounded_and_checked_by_content(world, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    ncr = by_hand(world)
    with pytest.raises(ValidationError, match="not a PDF"):
        ncr_file_add(membership=world.a_engineer, ncr=ncr, upload=SimpleUploadedFile("a.pdf", b"MZ\x90\x00"))
    big = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError, match="10 MB"):
        ncr_file_add(membership=world.a_engineer, ncr=ncr, upload=big)
    item = ncr_file_add(
        membership=world.a_engineer, ncr=ncr, upload=SimpleUploadedFile("../8d report.pdf", b"%PDF-1.7 x")
    )
    assert (item.name, item.content_type, item.size, item.shared_with_supplier) == (
        "8d report.pdf",
        "application/pdf",
        10,
        False,
    )


def test_overdue_dates_are_plain_dates(world):
    ncr = by_hand(world)
    with pytest.raises(ValidationError) as caught:
        containment_add(membership=world.a_engineer, ncr=ncr, action="x", owner="y", due_date="tomorrow")
    assert "due_date" in caught.value.message_dict
    assert containment_add(
        membership=world.a_engineer, ncr=ncr, action="x", owner="y", due_date=date.today() + timedelta(days=1)
    ).pk
