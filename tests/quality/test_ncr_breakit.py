"""Reviewer R1's break-it tests for the NCR half of issue 13: each test shows one bug found by trying
the NCR pages and services as a new user would. Each fails on the code as reviewed and passes once
the bug is fixed; the docstring says what is wrong and where."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from integrations import topics
from integrations.handlers.notes import render_note
from integrations.models import OutboxEvent
from quality.models import DefectClass, Ncr, NcrDisposition, QualityRules
from quality.services.defect_codes import defect_code_update
from quality.services.ncr_dispositions import ncr_disposition_propose
from quality.services.ncrs import ncr_file_add, ncr_update
from quality.services.scars import scar_issue
from quality.views.ncr_new import prefill
from tests.quality.ncr_scenes import defect_code, open_ncr, second_engineer
from tests.quality.test_ncr_services import lot_inspection, rejected_ncr
from tests.quality.test_recording import _png, _png_header

pytestmark = pytest.mark.django_db
A = "alpha"


def _login(client, membership):
    client.force_login(membership.user)
    return client


def _no_review(tenant, **kw):
    QualityRules.objects.update_or_create(
        tenant=tenant, defaults={"approval_severity": "", "approval_value": Decimal(0), **kw}
    )


# --- High -------------------------------------------------------------------------------------------


def test_new_ncr_from_a_rejected_inspection_as_prefilled_does_not_crash(world, client):
    """HIGH. The inspection page's "open an NCR" (``?inspection=``) prefills source "inspection" for a signed
    inspection (quality/views/ncr_new.py ``prefill``); a rejected lot already has the NCR the system opened,
    so posting the form as prefilled hits the unique constraint ``ncr_unique_inspection_source`` in
    ``quality.services.ncrs.ncr_open``: an IntegrityError (500) instead of a clear refusal or a new NCR."""
    inspection = lot_inspection(world, lot="LOT-DUP-1")
    assert Ncr.objects.filter(inspection=inspection, source=Ncr.Source.INSPECTION).count() == 1
    _login(client, world.a_engineer)
    assert client.get(reverse("ncr_new", args=[A]), {"inspection": inspection.pk}).status_code == 200
    assert prefill(world.a_engineer, {"inspection": str(inspection.pk)})[0]["source"] == "inspection"
    data = {
        "source": "inspection",  # as prefilled
        "partner": world.p1.pk,
        "product": inspection.product_id,
        "title": "Same lot, opened by hand",
        "severity": "major",
        "description": "",
        "inspection": inspection.pk,
        "receipt": inspection.receipt_id,
        "lots-TOTAL_FORMS": "1",
        "lots-INITIAL_FORMS": "0",
        "lots-0-lot_name": "LOT-DUP-1",
        "lots-0-affected": "5",
        "lots-0-suspect": "0",
        "lots-0-inspection": inspection.pk,
    }
    response = client.post(reverse("ncr_new", args=[A]), data)
    assert response.status_code in (302, 400)


# --- Medium -----------------------------------------------------------------------------------------


def test_material_review_cannot_be_dodged_by_splitting_the_quantity(world):
    """MEDIUM. ``approval_needed`` (quality/services/ncr_dispositions.py) compares each disposition's own value
    with the tenant's threshold: 500 units at 2.50 EUR (1,250 EUR >= 1,000) need a second signature as one
    scrap, but two scraps of 250 (625 EUR each) are applied at once by the author alone. The threshold
    should count what the NCR's dispositions dispose of together (applied + awaiting + this one)."""
    _no_review(world.a, approval_value=Decimal(1000))
    ncr = rejected_ncr(world, lot="LOT-SPLIT")  # 500 held at 2.50 EUR
    lot = ncr.lots.get()
    assert lot.affected == 500
    whole = ncr_disposition_propose(membership=world.a_engineer, ncr=ncr, lot=lot, kind="scrap", quantity=Decimal(500))
    assert whole.status == NcrDisposition.Status.AWAITING_APPROVAL  # the rule works for one disposition
    NcrDisposition.objects.filter(pk=whole.pk).update(status=NcrDisposition.Status.WITHDRAWN)
    first = ncr_disposition_propose(membership=world.a_engineer, ncr=ncr, lot=lot, kind="scrap", quantity=Decimal(250))
    second = ncr_disposition_propose(membership=world.a_engineer, ncr=ncr, lot=lot, kind="scrap", quantity=Decimal(250))
    statuses = {first.status, second.status}
    assert NcrDisposition.Status.AWAITING_APPROVAL in statuses, "1,250 EUR scrapped without a material review"


def test_an_ncr_found_in_production_emits_no_event_odoo_is_bound_to_refuse(world):
    """MEDIUM. An NCR opened by hand without receipt or PO (found in production, at a customer) emits
    ``ncr.dispositioned`` for every applied disposition (``_apply`` in quality/services/ncr_dispositions.py),
    and the handler refuses every such payload ("names neither a receipt nor a PO", integrations/handlers/
    ncrs.py ``_ids``): each one ends DEAD in the exception queue. Emit nothing (or something the handler
    can post) when there is no Odoo record to note it on."""
    _no_review(world.a)
    ncr = open_ncr(world.a_engineer, world.p1, lot="LOT-PROD-1")
    assert ncr.receipt_id is None and ncr.order_id is None
    ncr_disposition_propose(
        membership=world.a_engineer, ncr=ncr, lot=ncr.lots.get(), kind="scrap", quantity=Decimal(40)
    )
    doomed = [
        e
        for e in OutboxEvent.objects.filter(topic=topics.NCR_DISPOSITIONED)
        if e.payload.get("receipt_odoo_id") is None and e.payload.get("po_odoo_id") is None
    ]
    assert doomed == []


def test_an_ncr_naming_a_deactivated_code_can_still_be_edited(world, client):
    """MEDIUM. Deactivating a defect code "keeps it on the records that name it" (quality/models/defect_codes.py)
    and the edit form keeps it checked (``NcrTextForm(keep=...)``), but ``ncr_update`` -> ``_codes``
    (quality/services/ncrs.py) accepts active codes only: every later edit of such an NCR (even fixing a typo
    in the title) is refused with "Choose active defect codes of your catalogue", unless the engineer drops
    the code, which the SCAR effectiveness check counts by."""
    ncr = open_ncr(world.a_engineer, world.p1, lot="LOT-INACTIVE")
    burr = defect_code(world.a)
    defect_code_update(
        membership=world.a_engineer,
        defect_code=burr,
        code=burr.code,
        description=burr.description,
        defect_class=DefectClass.MAJOR,
        active=False,
    )
    _login(client, world.a_engineer)
    response = client.post(
        reverse("ncr_edit", args=[A, ncr.pk]),
        {
            "title": "Burrs on the brackets (typo fixed)",
            "severity": "major",
            "description": "",
            "defect_codes": [burr.pk],
        },
    )
    assert response.status_code == 302, "the edit was refused"
    ncr.refresh_from_db()
    assert ncr.title == "Burrs on the brackets (typo fixed)"
    assert list(ncr.defect_codes.values_list("code", flat=True)) == ["BURR"]
    # The service itself, as the API contract says: unchanged codes are not a change.
    ncr_update(membership=world.a_engineer, ncr=ncr, title="Again", defect_codes=[burr])


def test_a_png_claiming_billions_of_pixels_does_not_break_the_ncr_pdf(world, client):
    """MEDIUM. ``ncr_file_add`` (quality/services/ncrs.py) takes any bytes starting with the PNG magic, without
    the pixel bound inspection photos have (``pictures.image_type``); the PDF's ``_thumbnail``
    (quality/ncr_documents.py) catches OSError and ValueError only, and Pillow's DecompressionBombError is
    neither: one such upload makes the NCR's PDF a 500 for good (and a PNG under Pillow's bomb limit but
    above ~90 megapixels is decoded in full in the web process)."""
    ncr = open_ncr(world.a_engineer, world.p1, lot="LOT-BOMB")
    try:
        ncr_file_add(
            membership=world.a_engineer, ncr=ncr, upload=SimpleUploadedFile("bomb.png", _png_header(40_000, 40_000))
        )
    except ValidationError:
        return  # refused at the door, as inspection photos are: fixed
    response = _login(client, world.a_engineer).get(reverse("ncr_pdf", args=[A, ncr.pk]))
    assert response.status_code == 200


def test_files_shared_with_the_supplier_reach_the_supplier(world, client):
    """MEDIUM (a promise the page does not keep). The NCR page offers "Share with the supplier" and confirms
    "<file> added to NCR-…, shared with the supplier" (quality/views/ncr_actions.py ``NcrFileAddView``), but no
    supplier page, PDF or API shows an NCR file: ``ncr_summaries`` (quality/views/supplier_scars.py) lists
    no files, and there is no supplier route to download one. The supplier of a SCAR issued from the NCR
    should find the shared file there (and never the unshared one)."""
    ncr = open_ncr(world.a_engineer, world.p1, lot="LOT-SHARE")
    ncr_file_add(
        membership=world.a_engineer,
        ncr=ncr,
        upload=SimpleUploadedFile("shared-photo-7.png", _png()),
        shared_with_supplier=True,
    )
    ncr_file_add(membership=world.a_engineer, ncr=ncr, upload=SimpleUploadedFile("internal-photo-8.png", _png()))
    scar = scar_issue(membership=world.a_engineer, partner=world.p1, ncrs=[ncr], title="Burrs again")
    body = _login(client, world.p1_user).get(reverse("supplier_scar_detail", args=[A, scar.pk])).content.decode()
    assert "internal-photo-8" not in body
    assert "shared-photo-7" in body


# --- Low --------------------------------------------------------------------------------------------


def test_an_absurd_quantity_is_a_validation_error_not_a_crash(world):
    """LOW. ``_check_quantity`` (quality/services/ncr_dispositions.py) computes ``quantity % ODOO_STEP`` before
    the upper bound: for 1E+30 Decimal raises InvalidOperation (DivisionImpossible), not the documented
    ``ValidationError`` keyed ``quantity``. (The page's QuantityField bounds it first; the service is public.)"""
    _no_review(world.a)
    ncr = open_ncr(world.a_engineer, world.p1, lot="LOT-HUGE")
    with pytest.raises(ValidationError) as refused:
        ncr_disposition_propose(
            membership=world.a_engineer, ncr=ncr, lot=ncr.lots.get(), kind="scrap", quantity=Decimal("1E+30")
        )
    assert "quantity" in refused.value.message_dict


def test_the_odoo_note_prints_large_quantities_exactly():
    """LOW. The ``ncr.dispositioned`` note formats the quantity with ``:g`` (integrations/handlers/ncrs.py
    ``_context``), six significant digits: 1,234,567 pieces are noted "1.23457e+06" and 100000.25 kg
    "100000" on the receipt and the PO."""
    from integrations.handlers.ncrs import _context

    payload = {"ncr_number": "NCR-00001", "title": "t", "severity": "major", "partner": "P", "product": "X"}
    for quantity, shown in ((1234567.0, "1,234,567"), (100000.25, "100,000.25")):  # exact, grouped (English)
        disposition = {"kind": "scrap", "kind_label": "Scrap", "quantity": quantity, "uom": "Units"}
        note = render_note("ncr_dispositioned.html", **_context(payload, disposition))
        assert f"of {shown} Units" in note, note


def test_a_long_file_name_keeps_its_extension(world):
    """LOW. ``ncr_file_add`` cuts the cleaned name to 150 characters from the left (quality/services/ncrs.py):
    a 300-character "….pdf" loses its ".pdf", so the download has no extension (and the stored file none)."""
    ncr = open_ncr(world.a_engineer, world.p1, lot="LOT-NAME")
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    item = ncr_file_add(membership=world.a_engineer, ncr=ncr, upload=SimpleUploadedFile("r" * 296 + ".pdf", pdf))
    assert item.name.endswith(".pdf")
    assert item.file.name.endswith(".pdf")


def test_the_ncr_page_reads_the_tenant_rules_once_whatever_the_number_of_reviews(world, client):
    """LOW. The NCR page calls ``approval_needed`` for every disposition awaiting review (quality/views/
    ncr_detail.py), and each call reads ``quality_rules_for`` again: one query per awaiting disposition.
    (The page also loads lots, containments, dispositions, approvals and files twice: ``ncr_get``'s
    prefetch and the view's own reads.)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from quality.models import NcrLot

    QualityRules.objects.create(tenant=world.a, approval_severity=DefectClass.MINOR, approval_value=Decimal(0))
    signer = _login(client, second_engineer(world.a))
    signer.get(reverse("dashboard", args=[A]))  # the first page of a tenant writes the session; later ones do not
    counts = []
    for n in (1, 8):
        ncr = open_ncr(world.a_engineer, world.p1, lot=f"LOT-Q{n}")
        for i in range(n - 1):
            NcrLot.objects.create(tenant=world.a, ncr=ncr, lot_name=f"LOT-Q{n}-{i}", affected=5)
        for lot in ncr.lots.all():
            ncr_disposition_propose(membership=world.a_engineer, ncr=ncr, lot=lot, kind="scrap", quantity=Decimal(1))
        with CaptureQueriesContext(connection) as queries:
            assert signer.get(reverse("ncr_detail", args=[A, ncr.pk])).status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts


def test_a_long_lot_name_keeps_the_pdf_columns_on_the_page(world, client):
    """LOW. The PDF's tables (templates/documents/ncr.html) let an unbroken word widen its column: a lot name
    of the length the model allows (128 characters, no break opportunity: a GS1 element string, a serial
    range) pushes Affected and Suspect past the page's right edge, and long unbroken rework instructions
    do the same to the State and "Proposed by, when" columns (the printed NCR then lacks them); a long
    title overflows the heading and the footer. Needs ``overflow-wrap: anywhere`` (or fixed column widths)."""
    import io

    from pypdf import PdfReader

    _no_review(world.a)
    ncr = open_ncr(world.a_engineer, world.p1, lot="0" * 128)
    response = _login(client, world.a_engineer).get(reverse("ncr_pdf", args=[A, ncr.pk]))
    assert response.status_code == 200
    off_page = []
    for page in PdfReader(io.BytesIO(response.content)).pages:
        width = float(page.mediabox.width)

        def visit(text, cm, tm, font, size, width=width):
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]  # where the text starts, in page space
            if text.strip() and x > width:
                off_page.append(text.strip())

        page.extract_text(visitor_text=visit)
    assert off_page == [], off_page
