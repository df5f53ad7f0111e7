"""Shipment documents as the dock reads them: where the goods go, lots printed whole, and a label (and an
SSCC) only for a package that holds something."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from suppliers.models import Package, PurchaseOrder, rules_for
from suppliers.services.asn_drafts import asn_create, asn_update
from suppliers.services.asn_submission import asn_submit
from suppliers.services.gs1 import sscc_valid
from tests.conftest import login
from tests.factories import ProductFactory, PurchaseOrderFactory
from tests.suppliers.inputs import asn_header, asn_lines, asn_packages

pytestmark = pytest.mark.django_db
SOON = datetime.now(UTC) + timedelta(days=10)
ADDRESS = "Alpha Industries, Plant 2\nIndustrivägen 12\n418 78 Göteborg\nSweden"
LOT = "LOT-A-2611-0001234567"  # 21 characters, hyphens where a careless layout would break it
LONG_LOT = "BATCH-2026-11-29-LINE-04-SHIFT-B-CONTAINER-0000000000012345"  # 58 characters


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _order(world, *, address: str = ADDRESS) -> PurchaseOrder:
    tenant = world.a
    rules = rules_for(tenant)
    rules.gs1_company_prefix = "0614141"
    rules.save()
    resin = ProductFactory(tenant=tenant, odoo_id=58, default_code="RESIN", name="Resin", tracking="lot", uom_name="kg")
    return PurchaseOrderFactory(
        partner=world.p1,
        odoo_id=441,
        date_planned=SOON,
        ship_to="Plant 2: Receipts",
        ship_to_address=address,
        lines=[{"product": resin, "description": "Resin", "quantity": 30}],
    )


def _draft(world, po, packages: list[dict], items: list[dict]):
    asn = asn_create(membership=world.p1_admin, po_ids=[po.pk])
    asn_update(
        membership=world.p1_admin,
        asn_id=asn.pk,
        header=asn_header(
            world.p1_admin, {"ship_date": SOON.date().isoformat(), "eta": SOON.date().isoformat() + "T09:30"}
        ),
        packages=asn_packages(packages),
        lines=asn_lines([{"order_line": po.lines.get().pk, "quantity": "30", "items": items}]),
    )
    return asn


def _shipped(world, po):
    asn = _draft(
        world,
        po,
        [{"kind": "pallet"}, {"kind": "carton"}],
        [
            {"lot_name": LOT, "quantity": "20", "package": "1"},
            {"lot_name": LONG_LOT, "quantity": "10", "package": "2"},
        ],
    )
    return asn_submit(membership=world.p1_admin, asn_id=asn.pk)


def test_packing_slip_and_labels_carry_the_ship_to_address_as_pulled(client, world):
    asn = _shipped(world, _order(world))
    login(client, world.p1_admin)
    slip = _text(client.get(reverse("asn_pdf", args=["alpha", asn.pk, "packing-slip"])).content)[0]
    for line in ADDRESS.splitlines():
        assert line in slip
    assert "Plant 2: Receipts" in slip
    labels = _text(client.get(reverse("asn_pdf", args=["alpha", asn.pk, "labels"]) + "?size=4x6").content)
    assert len(labels) == 2
    for page in labels:
        assert "Industrivägen 12" in page and "418 78 Göteborg" in page and "Sweden" in page


def test_the_order_as_pdf_and_its_page_say_where_to_deliver(client, world):
    po = _order(world)
    login(client, world.p1_user)
    page = client.get(reverse("po_detail", args=["alpha", po.pk])).content.decode()
    assert "Industrivägen 12<br>418 78 Göteborg" in page and "Plant 2: Receipts" in page
    pdf = _text(client.get(reverse("po_pdf", args=["alpha", po.pk])).content)[0]
    assert "Deliver to" in pdf and "418 78 Göteborg" in pdf


def test_without_an_address_pulled_the_documents_still_name_where_it_goes(client, world):
    asn = _shipped(world, _order(world, address=""))
    login(client, world.p1_admin)
    slip = _text(client.get(reverse("asn_pdf", args=["alpha", asn.pk, "packing-slip"])).content)[0]
    ship_to = slip[slip.index("Ship to") :]
    assert "Alpha Industries" in ship_to[:200] and "Plant 2: Receipts" in ship_to[:200]


@pytest.mark.parametrize("size", ["a6", "4x6"])
def test_a_lot_is_never_split_across_lines(client, world, size):
    asn = _shipped(world, _order(world))
    login(client, world.p1_admin)
    slip = client.get(reverse("asn_pdf", args=["alpha", asn.pk, "packing-slip"])).content
    labels = client.get(reverse("asn_pdf", args=["alpha", asn.pk, "labels"]) + f"?size={size}").content
    for document in (slip, labels):
        lines = [line for page in _text(document) for line in page.splitlines()]
        for lot in (LOT, LONG_LOT):
            assert any(lot in line for line in lines), (lot, [line for line in lines if lot[:8] in line])
    sscc_lines = [line for line in _text(slip)[0].splitlines() if "00614141" in line]
    assert sscc_lines and all(any(sscc_valid(word) for word in line.split()) for line in sscc_lines)


def test_an_empty_package_gets_no_sscc_no_label_and_cannot_be_submitted(client, world):
    po = _order(world)
    asn = _draft(
        world,
        po,
        [{"kind": "pallet"}, {"kind": "carton"}],
        [{"lot_name": LOT, "quantity": "30", "package": "1"}],
    )
    full, empty = asn.packages.order_by("id")
    assert sscc_valid(full.sscc) and empty.sscc == ""
    with pytest.raises(ValidationError) as refused:
        asn_submit(membership=world.p1_admin, asn_id=asn.pk)
    assert refused.value.message_dict == {
        "packages.1.kind": ["Package 2 holds nothing: choose it for an item, or remove it."]
    }
    login(client, world.p1_admin)
    labels = _text(client.get(reverse("asn_pdf", args=["alpha", asn.pk, "labels"]) + "?size=a6").content)
    assert len(labels) == 1 and "1 of 1" in labels[0]

    # Something goes into it: now it is numbered (once; a later save keeps the number).
    asn_update(
        membership=world.p1_admin,
        asn_id=asn.pk,
        packages=asn_packages([{"kind": "pallet", "sscc": full.sscc}, {"kind": "carton"}]),
        lines=asn_lines(
            [
                {
                    "order_line": po.lines.get().pk,
                    "quantity": "30",
                    "items": [
                        {"lot_name": LOT, "quantity": "20", "package": full.sscc},
                        {"lot_name": "LOT-B", "quantity": "10", "package": "2"},
                    ],
                }
            ]
        ),
    )
    numbered = list(Package.objects.filter(asn=asn).order_by("id").values_list("sscc", flat=True))
    assert numbered[0] == full.sscc and sscc_valid(numbered[1]) and numbered[1] != full.sscc
    assert asn_submit(membership=world.p1_admin, asn_id=asn.pk).status != "draft"


def test_a_draft_with_only_empty_packages_has_no_labels(client, world):
    po = _order(world)
    asn = _draft(world, po, [{"kind": "carton"}], [{"lot_name": LOT, "quantity": "30"}])
    assert list(asn.packages.values_list("sscc", flat=True)) == [""]
    login(client, world.p1_admin)
    assert client.get(reverse("asn_pdf", args=["alpha", asn.pk, "labels"]) + "?size=a6").status_code == 404


def test_unnumbered_packages_of_two_drafts_do_not_collide(world):
    po = _order(world)
    for _ in range(2):
        asn = _draft(world, po, [{"kind": "carton"}, {"kind": "crate"}], [{"lot_name": LOT, "quantity": "30"}])
        assert sorted(asn.packages.values_list("sscc", flat=True)) == ["", ""]


def test_the_editor_says_which_package_is_empty_and_keeps_the_form(client, world):
    po = _order(world)
    asn = asn_create(membership=world.p1_admin, po_ids=[po.pk])
    login(client, world.p1_admin)
    url = reverse("asn_detail", args=["alpha", asn.pk])
    form = {
        "ship_date": SOON.date().isoformat(),
        "eta": SOON.date().isoformat() + "T09:30",
        "carrier": "DHL Freight",
        "tracking_number": "",
        "note": "",
        "pkg-0-kind": "pallet",
        "pkg-0-sscc": "",
        "pkg-0-weight_kg": "",
        "pkg-1-kind": "carton",  # chosen, then nothing put in it
        "pkg-1-sscc": "",
        "pkg-1-weight_kg": "",
        "line-0-order_line": po.lines.get().pk,
        "line-0-quantity": "30",
        "line-0-item-0-lot_name": LOT,
        "line-0-item-0-quantity": "30",
        "line-0-item-0-package": "1",
        "line-0-item-0-expiry_date": "",
    }
    refused = client.post(url, {**form, "action": "submit"})
    body = refused.content.decode()
    assert refused.status_code == 400
    assert "Package 2 holds nothing: choose it for an item, or remove it." in body and 'value="DHL Freight"' in body
    assert sorted(Package.objects.filter(asn=asn).values_list("sscc", flat=True))[0] == ""  # saved, unnumbered
    form["pkg-1-kind"] = ""  # removed
    client.post(url, {**form, "action": "submit"}, follow=True)
    asn.refresh_from_db()
    assert asn.status != "draft" and [sscc_valid(s) for s in asn.packages.values_list("sscc", flat=True)] == [True]
