"""The same faults as R1's break-it findings (tests/quality/test_ncr_breakit.py), looked for elsewhere in the
NCR code: the duplicate NCR of an inspection, links that tell two stories, the material review counting the
NCR as a whole, events with nowhere to go, inactive codes, pictures and names of files, direction controls,
withdrawing, cancelling, the stock notes, the list's products and the supplier's shared files."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from integrations import topics
from integrations.handlers.ncrs import quantity_text
from integrations.handlers.notes import render_note
from integrations.models import OutboxEvent
from portal.models import AuditEntry, Role
from portal.services.memberships import membership_scope_set
from quality.models import DefectClass, Ncr, NcrDisposition, NcrFile, QualityRules
from quality.services.defect_codes import defect_code_update
from quality.services.ncr_dispositions import (
    NEVER_HELD,
    approval_needed,
    ncr_disposition_propose,
    ncr_disposition_withdraw,
)
from quality.services.ncr_inputs import file_name, text_refusal
from quality.services.ncrs import containment_add, ncr_cancel, ncr_file_add, ncr_open, ncr_update
from quality.services.scars import scar_issue
from tests.factories import ProductFactory, member
from tests.quality.ncr_scenes import awaiting, defect_code, open_ncr
from tests.quality.test_ncr_services import by_hand, lot_inspection
from tests.quality.test_recording import _png, _png_header, make_inspection

pytestmark = pytest.mark.django_db
A = "alpha"


def _rules(tenant, **kw):
    QualityRules.objects.update_or_create(
        tenant=tenant, defaults={"approval_severity": "", "approval_value": Decimal(0), **kw}
    )


# --- 1. one NCR per rejected inspection; 15. links that tell one story -------------------------------


def test_a_second_ncr_from_the_same_inspection_is_refused_by_name(world):
    inspection = lot_inspection(world, lot="LOT-TWICE")
    first = Ncr.objects.get(inspection=inspection)
    fields = dict(partner=world.p1, product=inspection.product, title="Again", inspection=inspection)
    with pytest.raises(ValidationError) as refused:
        ncr_open(membership=world.a_engineer, source=Ncr.Source.INSPECTION, **fields)
    assert first.number in refused.value.message_dict["source"][0]
    # Another finding on the lot: refused while the first claims the lot's stock (its review must hold) ...
    with pytest.raises(ValidationError) as refused:
        ncr_open(membership=world.a_engineer, source=Ncr.Source.LOT, **fields)
    assert refused.value.message_dict["inspection"] == [
        f"{first.number} is open for this lot: add what you found there."
    ]
    # ... and fine once it claims nothing any more.
    ncr_cancel(membership=world.a_engineer, ncr=first, reason="Opened in error")
    other = ncr_open(membership=world.a_engineer, source=Ncr.Source.LOT, **fields)
    assert other.inspection == inspection and other.number != first.number


def test_the_new_ncr_page_links_the_inspections_ncr_and_offers_no_duplicate(world, client):
    inspection = lot_inspection(world, lot="LOT-LINK")
    first = Ncr.objects.get(inspection=inspection)
    client.force_login(world.a_engineer.user)
    body = client.get(reverse("ncr_new", args=[A]), {"inspection": inspection.pk}).content.decode()
    assert reverse("ncr_detail", args=[A, first.pk]) in body
    assert '<option value="lot" selected' in body


def test_a_receipt_must_be_of_the_order_and_the_inspection_of_the_receipt(world):
    mine, *_ = make_inspection(world.p1, lot="LOT-A")
    other, *_ = make_inspection(world.p1, lot="LOT-B")
    base = dict(partner=world.p1, product=mine.product, source=Ncr.Source.RECEIPT, title="Mixed links")
    with pytest.raises(ValidationError) as refused:
        ncr_open(membership=world.a_engineer, receipt=mine.receipt, order=other.receipt.order, **base)
    assert "is not a receipt of purchase order" in refused.value.message_dict["receipt"][0]
    with pytest.raises(ValidationError) as refused:
        ncr_open(membership=world.a_engineer, receipt=mine.receipt, inspection=other, **base)
    assert "inspection" in refused.value.message_dict
    ok = ncr_open(membership=world.a_engineer, receipt=mine.receipt, order=mine.receipt.order, **base)
    assert ok.order == mine.receipt.order


# --- 2. the material review counts the NCR as a whole ------------------------------------------------


def test_the_value_threshold_counts_applied_and_awaiting_but_not_refused_withdrawn_or_sorts(world):
    _rules(world.a, approval_value=Decimal(100))
    ncr = by_hand(world)  # 40 of L-9
    ncr.unit_price = Decimal(2)
    ncr.save(update_fields=["unit_price"])
    lot = ncr.lots.get()
    sort = ncr_disposition_propose(membership=world.a_engineer, ncr=ncr, lot=lot, kind="sort", quantity=Decimal(30))
    assert sort.status == NcrDisposition.Status.APPLIED  # 60 < 100
    # A sort's quantity is counted through what is decided after sorting, not twice.
    first = ncr_disposition_propose(
        membership=world.a_engineer, ncr=ncr, lot=lot, kind="scrap", quantity=Decimal(20), sorted_from=sort
    )
    assert first.status == NcrDisposition.Status.APPLIED  # 40 < 100
    second = ncr_disposition_propose(membership=world.a_engineer, ncr=ncr, lot=lot, kind="scrap", quantity=Decimal(10))
    assert second.status == NcrDisposition.Status.APPLIED  # 40 + 20 = 60
    third = ncr_disposition_propose(
        membership=world.a_engineer,
        ncr=ncr,
        lot=lot,
        kind="rework",
        quantity=Decimal(10),
        sorted_from=sort,
        instructions="Deburr",
    )
    assert third.status == NcrDisposition.Status.APPLIED  # 60 + 20 = 80
    assert "with 80.00 of the NCR's other dispositions" in approval_needed(ncr, value=Decimal(20))
    NcrDisposition.objects.filter(pk=third.pk).update(status=NcrDisposition.Status.WITHDRAWN)
    assert approval_needed(ncr, value=Decimal(20)) == ""  # 60 + 20 < 100: the withdrawn one decides nothing


# --- 3. no event with nowhere to go ---------------------------------------------------------------


def test_an_ncr_with_a_receipt_still_emits_and_one_without_says_why_not(world):
    _rules(world.a)
    ncr = Ncr.objects.get(inspection=lot_inspection(world, lot="LOT-EMIT"))
    lot = ncr.lots.get()
    ncr_disposition_propose(
        membership=world.a_engineer, ncr=ncr, lot=lot, kind="rework", quantity=Decimal(1), instructions="Deburr"
    )
    assert OutboxEvent.objects.filter(topic=topics.NCR_DISPOSITIONED, aggregate_id=str(ncr.pk)).count() == 1
    bare = open_ncr(world.a_engineer, world.p1, lot="LOT-BARE")
    d = ncr_disposition_propose(
        membership=world.a_engineer, ncr=bare, lot=bare.lots.get(), kind="scrap", quantity=Decimal(1)
    )
    assert d.status == NcrDisposition.Status.APPLIED and d.outbox_event_id is None
    entry = AuditEntry.objects.filter(action="ncr.disposition_applied", object_id=str(bare.pk)).get()
    assert entry.changes["odoo_note"][1] == "none: no receipt or PO in Odoo"


# --- 4. codes already on the NCR stay valid; new ones must be active ----------------------------------


def test_only_codes_the_ncr_names_may_be_inactive(world):
    ncr = open_ncr(world.a_engineer, world.p1, lot="LOT-CODES")
    burr = defect_code(world.a)
    crack = defect_code(world.a, code="CRACK", description="Crack")
    for code in (burr, crack):
        defect_code_update(
            membership=world.a_engineer,
            defect_code=code,
            code=code.code,
            description=code.description,
            defect_class=DefectClass.MAJOR,
            active=False,
        )
    ncr_update(membership=world.a_engineer, ncr=ncr, defect_codes=[burr])
    with pytest.raises(ValidationError) as refused:
        ncr_update(membership=world.a_engineer, ncr=ncr, defect_codes=[burr, crack])
    assert "defect_codes" in refused.value.message_dict
    with pytest.raises(ValidationError):
        by_hand(world, defect_codes=[burr])  # a new NCR names active codes only


# --- 5. pictures bounded at the door, thumbnails never break the PDF; 9. names keep extensions --------


def test_pictures_are_judged_like_inspection_photos(world):
    ncr = open_ncr(world.a_engineer, world.p1, lot="LOT-PIC")
    for data in (_png_header(40_000, 40_000), _png_header(9_000, 9_000), b"\x89PNG\r\n\x1a\nnot a picture"):
        with pytest.raises(ValidationError) as refused:
            ncr_file_add(membership=world.a_engineer, ncr=ncr, upload=SimpleUploadedFile("p.png", data))
        assert "file" in refused.value.message_dict
    assert ncr_file_add(membership=world.a_engineer, ncr=ncr, upload=SimpleUploadedFile("ok.png", _png())).pk


def test_a_picture_kept_from_before_the_bound_is_listed_without_thumbnail(world, client):
    from django.core.files.base import ContentFile

    from quality.ncr_documents import ncr_context

    ncr = open_ncr(world.a_engineer, world.p1, lot="LOT-OLD-BOMB")
    for i, data in enumerate((_png_header(40_000, 40_000), _png_header(9_000, 9_000), b"\x89PNG broken")):
        item = NcrFile(tenant=world.a, ncr=ncr, name=f"old-{i}.png", content_type="image/png", size=len(data))
        item.file.save(f"old-{i}.png", ContentFile(data), save=False)
        item.save()
    photos = ncr_context(ncr)["photos"]
    assert [p["src"] for p in photos] == [None, None, None]
    client.force_login(world.a_engineer.user)
    assert client.get(reverse("ncr_pdf", args=[A, ncr.pk])).status_code == 200


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("r" * 296 + ".pdf", "r" * 146 + ".pdf"),
        ("C:\\Users\\me\\photo 1.JPG", "photo 1.JPG"),
        ("../../etc/passwd", "passwd"),
        ("", "file"),
        ("x." + "y" * 300, ("x." + "y" * 300)[:150]),
    ],
)
def test_file_names_are_cut_from_the_stem(given, kept):
    assert file_name(given) == kept


# --- 7. absurd quantities refused everywhere the NCR takes one; 8. notes print them exactly -----------


def test_absurd_lot_quantities_are_refused_by_key(world):
    with pytest.raises(ValidationError) as refused:
        by_hand(world, lots=[{"lot_name": "L", "affected": Decimal("1E+30"), "suspect": Decimal("NaN")}])
    assert {"lots.0.affected", "lots.0.suspect"} <= set(refused.value.message_dict)


def test_quantities_and_stock_are_printed_exactly_in_the_note():
    assert [quantity_text(q) for q in (1234567.0, 100000.25, 0.5, 1e20, "12.50")] == [
        "1234567",
        "100000.25",
        "0.5",
        "100000000000000000000",
        "12.5",
    ]
    base = {"ncr_number": "N", "kind_label": "Scrap", "quantity": "1", "lot_name": "", "uom": ""}
    assert "the portal moved no stock" in render_note("ncr_dispositioned.html", **base, stock_moved=False)
    assert "moved the held goods" in render_note("ncr_dispositioned.html", **base, stock_moved=True)
    assert "Stock:" not in render_note("ncr_dispositioned.html", **base, stock_moved=None)


# --- 14. direction controls and control characters ----------------------------------------------------


@pytest.mark.parametrize("bad", ["\u202e", "\u2066", "\u2069", "\x07", "\x1b", "\x00", "\x85"])
def test_direction_and_control_characters_are_refused_where_people_type(world, bad):
    assert text_refusal(f"Burr{bad}s")
    with pytest.raises(ValidationError) as refused:
        by_hand(world, title=f"Burrs {bad}on brackets")
    assert "title" in refused.value.message_dict
    ncr = open_ncr(world.a_engineer, world.p1, lot=f"LOT-CTL-{ord(bad)}")
    with pytest.raises(ValidationError):
        containment_add(membership=world.a_engineer, ncr=ncr, action=f"Ho{bad}ld", owner="Dock")
    with pytest.raises(ValidationError) as refused:
        ncr_disposition_propose(
            membership=world.a_engineer,
            ncr=ncr,
            lot=ncr.lots.get(),
            kind="rework",
            quantity=Decimal(1),
            instructions=f"De{bad}burr",
        )
    assert "instructions" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        by_hand(world, lots=[{"lot_name": f"L{bad}1", "affected": Decimal(1), "suspect": Decimal(0)}])
    assert "lots.0.lot_name" in refused.value.message_dict


def test_right_to_left_letters_line_breaks_and_tabs_stay_allowed(world):
    ncr = by_hand(world, title="שבר בתושבת كسر", description="Line one\r\n\tline two")
    assert ncr.title == "שבר בתושבת كسر" and "\tline two" in ncr.description


# --- 13. cancelling audits each withdrawn proposal; 16. who withdraws ---------------------------------


def test_cancel_withdraws_each_pending_proposal_with_its_own_audit_entry(world):
    ncr = open_ncr(world.a_engineer, world.p1, lot="LOT-CANCEL")
    first = awaiting(world.a_engineer, ncr, quantity="10")
    second = awaiting(world.a_engineer, ncr, quantity="5")
    ncr_cancel(membership=world.a_engineer, ncr=ncr, reason="Opened twice")
    assert set(NcrDisposition.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {
        NcrDisposition.Status.WITHDRAWN
    }
    entries = AuditEntry.objects.filter(action="ncr.disposition_withdrawn", object_id=str(ncr.pk))
    assert entries.count() == 2
    assert all(e.changes["disposition"][1] == "withdrawn: the NCR is cancelled" for e in entries)


def test_a_tenant_admin_or_another_engineer_withdraws_but_not_a_buyer(world):
    from portal.services.errors import NotInScope

    ncr = open_ncr(world.a_engineer, world.p1, lot="LOT-WD")
    first = awaiting(world.a_engineer, ncr, quantity="10")
    second = awaiting(world.a_engineer, ncr, quantity="5")
    assert ncr_disposition_withdraw(membership=world.a_admin, disposition=first).status == "withdrawn"
    other = member(world.a, Role.QUALITY_ENGINEER)
    assert ncr_disposition_withdraw(membership=other, disposition=second).status == "withdrawn"
    third = awaiting(world.a_engineer, ncr, quantity="5")
    with pytest.raises(NotInScope):
        ncr_disposition_withdraw(membership=member(world.a, Role.BUYER), disposition=third)
    limited = membership_scope_set(
        actor=world.a_admin, membership=member(world.a, Role.QUALITY_ENGINEER), all_partners=False, partners=[world.p2]
    )
    with pytest.raises(NotInScope):
        ncr_disposition_withdraw(membership=limited, disposition=third)


# --- 12. the page says when nothing moves in Odoo ------------------------------------------------------


def test_the_page_says_nothing_moves_before_and_after_proposing(world, client):
    _rules(world.a)
    ncr = open_ncr(world.a_engineer, world.p1, lot="LOT-NOSTOCK")
    client.force_login(world.a_engineer.user)
    assert NEVER_HELD in client.get(reverse("ncr_detail", args=[A, ncr.pk])).content.decode()
    response = client.post(
        reverse("ncr_disposition_propose", args=[A, ncr.pk]),
        {"lot": ncr.lots.get().pk, "kind": "scrap", "quantity": "3"},
        follow=True,
    )
    body = response.content.decode()
    assert "applied on" in body and NEVER_HELD in body and "no stock moved by the portal" in body


# --- 17. the list's product filter ---------------------------------------------------------------------


def test_the_product_filter_lists_products_of_ncrs_the_member_reads(world, client):
    open_ncr(world.a_engineer, world.p1, lot="LOT-P1", product=ProductFactory(tenant=world.a, name="Visible bolt"))
    open_ncr(world.a_engineer, world.p2, lot="LOT-P2", product=ProductFactory(tenant=world.a, name="Secret widget"))
    limited = membership_scope_set(
        actor=world.a_admin, membership=member(world.a, Role.QUALITY_ENGINEER), all_partners=False, partners=[world.p1]
    )
    client.force_login(limited.user)
    body = client.get(reverse("ncr_list", args=[A])).content.decode()
    assert "Visible bolt" in body and "Secret widget" not in body


# --- 6. shared files reach the supplier, through its own SCAR only ----------------------------------------


def test_the_supplier_downloads_shared_ncr_files_of_its_scar_only(world, client):
    ncr = open_ncr(world.a_engineer, world.p1, lot="LOT-SUP")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    shared = ncr_file_add(
        membership=world.a_engineer, ncr=ncr, upload=SimpleUploadedFile("8d-guide.pdf", pdf), shared_with_supplier=True
    )
    staff_only = ncr_file_add(membership=world.a_engineer, ncr=ncr, upload=SimpleUploadedFile("cost.pdf", pdf))
    scar = scar_issue(membership=world.a_engineer, partner=world.p1, ncrs=[ncr], title="Burrs")
    other_scar = scar_issue(membership=world.a_engineer, partner=world.p1, ncrs=[], title="Other")
    client.force_login(world.p1_user.user)
    url = reverse("supplier_scar_ncr_file", args=[A, scar.pk, shared.pk])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(
        response.streaming_content if response.streaming else [response.content]
    ).startswith(b"%PDF")
    assert client.get(reverse("supplier_scar_ncr_file", args=[A, scar.pk, staff_only.pk])).status_code == 404
    assert client.get(reverse("supplier_scar_ncr_file", args=[A, other_scar.pk, shared.pk])).status_code == 404
    client.force_login(world.p2_user.user)
    assert client.get(url).status_code == 404
