"""Shipment pages, documents and imports: what the supplier does, and what nobody else sees."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from suppliers.models import Asn, AsnItem, Product, PurchaseOrder, rules_for
from suppliers.services.asn_drafts import asn_create, asn_update
from suppliers.services.asn_import import asn_import, template_csv, template_xlsx
from suppliers.services.asn_submission import asn_submit
from suppliers.services.gs1 import check_digit, sscc_allocate, sscc_build, sscc_valid
from tests.conftest import login
from tests.factories import ProductFactory, PurchaseOrderFactory
from tests.scope import ScopeCase, assert_scoped
from tests.suppliers.inputs import asn_header, asn_lines, asn_packages

pytestmark = pytest.mark.django_db
SOON = datetime.now(UTC) + timedelta(days=10)


def _order(world, partner=None, name="P10001"):
    tenant = world.a
    rules = rules_for(tenant)
    rules.gs1_company_prefix = "0614141"
    rules.save()
    resin = ProductFactory(
        tenant=tenant, odoo_id=58, default_code="LAB-LOT-001", name="Resin", tracking="lot", uom_name="kg"
    )
    sensor = ProductFactory(tenant=tenant, odoo_id=59, default_code="SER-100", name="Sensor", tracking="serial")
    lines = [{"product": resin, "quantity": 10}, {"product": sensor, "quantity": 2}]
    return PurchaseOrderFactory(partner=partner or world.p1, name=name, date_planned=SOON, lines=lines)


def test_check_digit_and_sscc_numbers_follow_gs1():
    assert check_digit("00614141123456789") == 0  # GS1's published example SSCC 006141411234567890
    assert sscc_valid("006141411234567890") and not sscc_valid("006141411234567891")
    assert sscc_build("0614141", 1) == "00614141000000001" + str(check_digit("00614141000000001"))
    with pytest.raises(ValueError):
        sscc_build("06141411234", 10**5)


def test_sscc_numbers_are_unique_per_tenant_and_need_a_prefix(world):
    with pytest.raises(ValueError, match="GS1 company prefix"):
        sscc_allocate(world.a, 1)
    rules_for(world.a).gs1_company_prefix = "0614141"  # kept on the tenant: sscc_allocate reads it there
    rules_for(world.b).gs1_company_prefix = "0614141"
    codes = sscc_allocate(world.a, 3) + sscc_allocate(world.a, 2)
    assert len(set(codes)) == 5 and all(sscc_valid(c) for c in codes)
    assert sscc_allocate(world.b, 1)[0] == codes[0]  # another tenant has its own counter


def test_supplier_drafts_fills_and_submits_a_shipment_in_the_browser_form(world, client):
    po = _order(world)
    login(client, world.p1_user)
    response = client.post(reverse("asn_new", args=["alpha"]), {"orders": [po.pk]})
    asn = Asn.objects.get()
    assert response.status_code == 302 and asn.lines.count() == 2
    url = reverse("asn_detail", args=["alpha", asn.pk])
    page = client.get(url).content.decode()
    assert "Submit shipment" in page and "LAB-LOT-001" in page and "scan serial numbers" in page
    form = {
        "ship_date": date.today().isoformat(),
        "eta": (date.today() + timedelta(days=2)).isoformat() + "T09:30",
        "carrier": "DHL",
        "tracking_number": "JD1",
        "note": "",
        "pkg-0-kind": "pallet",
        "pkg-0-weight_kg": "310",
        "pkg-0-sscc": "",
        "pkg-1-kind": "carton",
        "pkg-1-sscc": "",
        "pkg-1-weight_kg": "",
        "line-0-order_line": po.lines.get(odoo_id=po.odoo_id * 10).pk,
        "line-0-quantity": "10",
        "line-0-item-0-lot_name": "R-1",
        "line-0-item-0-quantity": "6",
        "line-0-item-0-package": "1",
        "line-0-item-0-expiry_date": "2028-02-01",
        "line-0-item-1-lot_name": "R-1",
        "line-0-item-1-quantity": "4",
        "line-0-item-1-package": "2",
        "line-0-item-1-expiry_date": "",
        "line-1-order_line": po.lines.get(odoo_id=po.odoo_id * 10 + 1).pk,
        "line-1-quantity": "2",
        "line-1-serials": "SN-1\nSN-1",
        "line-1-serials_package": "2",
    }
    bad = client.post(url, {**form, "action": "submit"})
    body = bad.content.decode()
    assert bad.status_code == 400 and "Serial number SN-1 is listed twice" in body and 'value="JD1"' in body
    asn.refresh_from_db()
    assert asn.status == "draft"
    form["line-1-serials"] = "SN-1\nSN-2"
    done = client.post(url, {**form, "action": "submit"}, follow=True)
    assert "submitted; the receipt" in done.content.decode()
    asn.refresh_from_db()
    assert asn.status == "in_transit" and asn.packages.count() == 2 and asn.outbox_event.topic == "asn.submitted"
    # One lot in two packages is one lot, shipped in two parts.
    assert sorted(AsnItem.objects.values_list("lot_name", flat=True)) == ["R-1", "R-1", "SN-1", "SN-2"]
    shown = client.get(url).content.decode()
    assert "Labels A6" in shown and "Packing slip" in shown and "Submit shipment" not in shown


def test_submission_rules(world):
    po = _order(world)
    resin, sensor = po.lines.order_by("id")
    asn = asn_create(
        membership=world.p1_user,
        po_ids=[po.pk],
        header=asn_header(world.p1_user, {"ship_date": "2026-12-01", "eta": "2026-12-03 08:00"}),
    )
    with pytest.raises(ValidationError) as uom:
        asn_update(
            membership=world.p1_user,
            asn_id=asn.pk,
            lines=asn_lines([{"order_line": sensor.pk, "quantity": "2", "uom": "Dozen", "items": []}]),
        )
    assert "does not convert" in uom.value.message_dict["lines.0.uom"][0]
    asn_update(
        membership=world.p1_user,
        asn_id=asn.pk,
        lines=asn_lines(
            [
                {"order_line": resin.pk, "quantity": "12", "items": [{"lot_name": "", "quantity": "12"}]},
                {"order_line": sensor.pk, "quantity": "2", "items": [{"lot_name": "S1", "quantity": "2"}]},
            ]
        ),
    )
    with pytest.raises(ValidationError) as caught:
        asn_submit(membership=world.p1_user, asn_id=asn.pk)
    errors = caught.value.message_dict
    assert "more than the 10 still open" in errors["lines.0.quantity"][0]
    assert "tracked by lot" in errors["lines.0.items.0.lot_name"][0]
    assert "A serial number is one unit." in errors["lines.1.items.0.quantity"][0]
    with pytest.raises(ValidationError) as other:
        asn_create(membership=world.p1_user, po_ids=[_order(world, world.p2, "P10002").pk])
    assert "No open purchase order of yours" in other.value.message_dict["orders"][0]
    with pytest.raises(ValidationError):
        asn_create(membership=world.a_buyer, po_ids=[po.pk])  # staff do not announce shipments


def test_one_lot_may_come_in_several_shipments(world):
    po = _order(world)
    resin = po.lines.order_by("id").first()
    for _ in range(2):
        asn = asn_create(
            membership=world.p1_user,
            po_ids=[po.pk],
            header=asn_header(world.p1_user, {"ship_date": "2026-12-01", "eta": "2026-12-03 08:00"}),
        )
        asn_update(
            membership=world.p1_user,
            asn_id=asn.pk,
            lines=asn_lines(
                [{"order_line": resin.pk, "quantity": "5", "items": [{"lot_name": "SAME", "quantity": "5"}]}]
            ),
        )
        asn_submit(membership=world.p1_user, asn_id=asn.pk)
    # Suppliers ship one lot in several deliveries (serial numbers are unique: tests/suppliers/test_asn_serials.py).
    assert AsnItem.objects.filter(lot_name="SAME", asn__status__in=Asn.OPEN_STATUSES).count() == 2


def _submitted(world):
    po = _order(world)
    resin, sensor = po.lines.order_by("id")
    asn = asn_create(
        membership=world.p1_user,
        po_ids=[po.pk],
        header=asn_header(world.p1_user, {"ship_date": "2026-12-01", "eta": "2026-12-03 08:00", "carrier": "DHL"}),
    )
    asn_update(
        membership=world.p1_user,
        asn_id=asn.pk,
        packages=asn_packages([{"kind": "pallet"}, {"kind": "carton"}]),
        lines=asn_lines(
            [
                {
                    "order_line": resin.pk,
                    "quantity": "10",
                    "items": [{"lot_name": "R-77", "quantity": "10", "package": "1"}],
                },
                {
                    "order_line": sensor.pk,
                    "quantity": "2",
                    "items": [
                        {"lot_name": "SN-7", "quantity": "1", "package": "2"},
                        {"lot_name": "SN-8", "quantity": "1", "package": "2"},
                    ],
                },
            ]
        ),
    )
    return asn_submit(membership=world.p1_user, asn_id=asn.pk)


def test_packing_slip_and_labels_carry_the_sscc_with_its_check_digit(world, client):
    asn = _submitted(world)
    login(client, world.p1_user)
    slip = client.get(reverse("asn_pdf", args=["alpha", asn.pk, "packing-slip"]))
    assert slip["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(slip.content)).pages)
    packages = list(asn.packages.order_by("id"))
    assert asn.number in text and "R-77" in text and "SN-8" in text and "Page 1 of" in text
    assert all(p.sscc in text for p in packages)
    for size in ("a6", "4x6"):
        labels = client.get(reverse("asn_pdf", args=["alpha", asn.pk, "labels"]), {"size": size})
        reader = PdfReader(io.BytesIO(labels.content))
        assert len(reader.pages) == 2  # one label per package
        first = reader.pages[0].extract_text()
        sscc = packages[0].sscc
        assert f"(00) {sscc[0]} {sscc[1:17]} {sscc[17]}" in first and "R-77" in first and "1 of 2" in first
        assert sscc_valid(sscc)
    width = float(
        PdfReader(io.BytesIO(client.get(reverse("asn_pdf", args=["alpha", asn.pk, "labels"]), {"size": "4x6"}).content))
        .pages[0]
        .mediabox.width
    )
    assert round(width) == 288  # 4 inches in PDF points
    assert client.get(reverse("asn_pdf", args=["alpha", asn.pk, "labels"]), {"size": "letter"}).status_code == 404


def test_every_shipment_page_and_document_answers_404_outside_scope(world):
    asn = _submitted(world)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from suppliers.models import Certificate

    cert = Certificate(
        tenant=world.a,
        asn=asn,
        kind="coc",
        filename="coc.pdf",
        content_type="application/pdf",
        size=9,
        sha256="0" * 64,
        uploaded_by=world.p1_user.user,
    )
    cert.file.save("coc.pdf", SimpleUploadedFile("coc.pdf", b"%PDF-1.4\n"), save=True)
    intruders = [world.p2_user, world.p2_admin, world.b_admin, world.q1_admin]
    for url, markers in [
        (reverse("asn_detail", args=["alpha", asn.pk]), [asn.number, "R-77"]),
        (reverse("asn_pdf", args=["alpha", asn.pk, "packing-slip"]), []),
        (reverse("asn_pdf", args=["alpha", asn.pk, "labels"]) + "?size=a6", []),
        (reverse("asn_certificate", args=["alpha", asn.pk, cert.pk]), []),
    ]:
        assert_scoped(ScopeCase(url, world.p1_user, intruders, markers))
    assert_scoped(
        ScopeCase(reverse("asn_list", args=["alpha"]), world.p1_user, [world.b_admin], [asn.number], swap_tenant=False)
    )
    other_partner = Client()
    other_partner.force_login(world.p2_user.user)
    assert asn.number not in other_partner.get(reverse("asn_list", args=["alpha"])).content.decode()
    assert_scoped(
        ScopeCase(
            reverse("asn_detail", args=["alpha", asn.pk]),
            world.p1_user,
            intruders,
            [],
            method="post",
            data={"action": "cancel", "reason": "x"},
            owner_status=None,
        )
    )
    asn.refresh_from_db()
    assert asn.status == "submitted"  # the intruders' cancel did nothing
    # Staff of the tenant read it (the buyer follows shipments); they do not edit it.
    assert_scoped(
        ScopeCase(reverse("asn_detail", args=["alpha", asn.pk]), world.a_buyer, [world.b_admin], [asn.number])
    )


def test_import_reports_every_bad_row_and_imports_nothing(world, client):
    po = _order(world)
    asn = asn_create(membership=world.p1_user, po_ids=[po.pk])
    before = list(asn.lines.values_list("order_line", "quantity"))
    bad = (
        "po,product_code,quantity,uom,lot,expiry_date,package\n"
        f"{po.name},LAB-LOT-001,6,kg,L-1,2028-01-01,1\n"
        f"{po.name},LAB-LOT-001,abc,kg,L-2,,1\n"
        f"P99999,LAB-LOT-001,1,kg,L-3,,\n"
        f"{po.name},NOPE,1,kg,,,\n"
        f"{po.name},SER-100,1,Units,,,x\n"
    ).encode()
    with pytest.raises(ValidationError) as caught:
        asn_import(membership=world.p1_user, asn_id=asn.pk, data=bad, filename="lines.csv")
    errors = caught.value.message_dict
    assert set(errors) == {"row 3, quantity", "row 4, po", "row 5, product_code", "row 6, package"}
    assert list(asn.lines.values_list("order_line", "quantity")) == before
    over = f"po,product_code,quantity,lot\n{po.name},LAB-LOT-001,25,L-1\n{po.name},SER-100,1,\n".encode()
    with pytest.raises(ValidationError) as caught:
        asn_import(membership=world.p1_user, asn_id=asn.pk, data=over, filename="lines.csv")
    assert "row 2, quantity" in caught.value.message_dict and "row 3, lot" in caught.value.message_dict
    assert list(asn.lines.values_list("order_line", "quantity")) == before  # rolled back whole

    login(client, world.p1_user)
    page = client.post(reverse("asn_import", args=["alpha", asn.pk]), {"file": io.BytesIO(bad)}, format="multipart")
    assert page.status_code == 400 and "Row 4, po: P99999 is not an order" in page.content.decode()


def test_import_from_the_excel_template_layout(world):
    from openpyxl import Workbook, load_workbook

    po = _order(world)
    asn = asn_create(membership=world.p1_user, po_ids=[po.pk])
    assert template_csv().decode("utf-8-sig").startswith("po,product_code,quantity")
    assert load_workbook(io.BytesIO(template_xlsx())).active["A1"].value == "po"
    book = Workbook()
    sheet = book.active
    sheet.append(["po", "product_code", "quantity", "uom", "lot", "expiry_date", "package"])
    sheet.append([po.name, "LAB-LOT-001", 6, "kg", "L-1", datetime(2028, 1, 31), 1])
    sheet.append([po.name, "LAB-LOT-001", 4.0, "kg", "L-2", None, 2])
    sheet.append([po.name, "SER-100", 1, "Units", "SN-1", None, 2])
    out = io.BytesIO()
    book.save(out)
    assert asn_import(membership=world.p1_user, asn_id=asn.pk, data=out.getvalue(), filename="x.xlsx") == 3
    line = asn.lines.get(order_line__product__default_code="LAB-LOT-001")
    assert line.quantity == 10 and asn.packages.count() == 2
    assert list(line.items.values_list("lot_name", "expiry_date")) == [("L-1", date(2028, 1, 31)), ("L-2", None)]


def test_one_shipment_goes_to_one_place(world):
    first, second = _order(world, name="P10010"), _order(world, name="P10011")
    PurchaseOrder.objects.filter(pk=first.pk).update(ship_to_odoo_id=1, ship_to="San Francisco: Receipts")
    PurchaseOrder.objects.filter(pk=second.pk).update(ship_to_odoo_id=7, ship_to="Chicago: Receipts")
    with pytest.raises(ValidationError) as caught:
        asn_create(membership=world.p1_user, po_ids=[first.pk, second.pk])
    assert "P10011 to Chicago: Receipts" in caught.value.message_dict["orders"][0]
    PurchaseOrder.objects.filter(pk=second.pk).update(ship_to_odoo_id=1)
    assert asn_create(membership=world.p1_user, po_ids=[first.pk, second.pk]).lines.count() == 4


def test_lots_of_products_that_expire_need_a_date(world):
    po = _order(world)
    Product.objects.filter(default_code="LAB-LOT-001").update(uses_expiry=True)
    resin = po.lines.order_by("id").first()
    asn = asn_create(
        membership=world.p1_user,
        po_ids=[po.pk],
        header=asn_header(world.p1_user, {"ship_date": "2026-12-01", "eta": "2026-12-03 08:00"}),
    )
    asn_update(
        membership=world.p1_user,
        asn_id=asn.pk,
        lines=asn_lines(
            [
                {
                    "order_line": resin.pk,
                    "quantity": "10",
                    "items": [
                        {"lot_name": "R-1", "quantity": "6", "expiry_date": "2028-01-31"},
                        {"lot_name": "R-2", "quantity": "4"},
                    ],
                }
            ]
        ),
    )
    with pytest.raises(ValidationError) as caught:
        asn_submit(membership=world.p1_user, asn_id=asn.pk)
    assert set(caught.value.message_dict) == {"lines.0.items.1.expiry_date"}


def test_a_tampered_certificate_form_gets_a_message_not_an_error(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    po = _order(world)
    asn = asn_create(membership=world.p1_user, po_ids=[po.pk])
    login(client, world.p1_user)
    url = reverse("asn_detail", args=["alpha", asn.pk])
    for line in ("abc", "9" * 30):
        response = client.post(
            url,
            {"action": "attach", "line": line, "kind": "coc", "file": SimpleUploadedFile("coc.pdf", b"%PDF-1.4\n")},
            follow=True,
        )
        assert response.status_code == 200 and f"Line {line} is not on {asn.number}" in response.content.decode()
    not_pdf = client.post(
        url, {"action": "attach", "kind": "coc", "file": SimpleUploadedFile("x.pdf", b"MZ\x90")}, follow=True
    )
    assert "is not a PDF, PNG or JPEG file" in not_pdf.content.decode()
    assert not asn.certificates.exists()
