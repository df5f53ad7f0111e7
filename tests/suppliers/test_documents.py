"""Shipment and order PDFs: rendered once per version and served from storage, each of bounded size,
and barcodes that say exactly what the GS1-128 encoding says."""

from __future__ import annotations

import io
import re

import pytest
from barcode import Gs1_128
from django.core.files.storage import default_storage
from django.urls import reverse
from pypdf import PdfReader

from suppliers import limits
from suppliers.services import documents
from suppliers.services.asn_drafts import asn_update
from tests.api.conftest import bearer, issue
from tests.conftest import login
from tests.suppliers.inputs import asn_header, asn_lines, asn_packages
from tests.suppliers.test_asn_import_files import draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(settings, tmp_path, monkeypatch):
    """Every WeasyPrint rendering, counted; documents stored under a fresh media folder."""
    settings.MEDIA_ROOT = str(tmp_path)
    made: list[int] = []
    real = documents._pdf

    def counted(html: str) -> bytes:
        made.append(len(html))
        return real(html)

    monkeypatch.setattr(documents, "_pdf", counted)
    return made


def _packed(world, *, lots: int = 2, packages: int = 2):
    po, asn = draft(world)
    resin = po.lines.get(product__default_code="LAB-LOT-001")
    asn_update(
        membership=world.p1_user,
        asn_id=asn.pk,
        packages=asn_packages([{"kind": "carton"} for _ in range(packages)]),
        lines=asn_lines(
            [
                {
                    "order_line": resin.pk,
                    "quantity": str(lots),
                    "items": [
                        {"lot_name": f"R-{n:03d}", "quantity": "1", "package": str(n % packages + 1)}
                        for n in range(lots)
                    ],
                }
            ]
        ),
    )
    return asn


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_labels_are_rendered_once_per_version_and_served_from_storage(world, client, renders):
    asn = _packed(world)
    login(client, world.p1_user)
    url = reverse("asn_pdf", args=["alpha", asn.pk, "labels"]) + "?size=a6"
    first = client.get(url)
    again = client.get(url)
    assert first.status_code == again.status_code == 200
    assert len(renders) == 1 and again.content == first.content
    # The API serves the same stored document.
    _, secret = issue(world.p1_admin)
    api = bearer(secret).get(f"/api/v1/asns/{asn.pk}/labels/", {"size": "a6"})
    assert api.content == first.content and len(renders) == 1
    # A change that shows on the paper is a new version; the older file goes.
    asn_update(membership=world.p1_user, asn_id=asn.pk, header=asn_header(world.p1_user, {"carrier": "DHL Freight"}))
    changed = client.get(url)
    assert len(renders) == 2 and "DHL FREIGHT" in _text(changed.content).upper()
    _, files = default_storage.listdir(f"tenants/{asn.tenant_id}/documents/asn/{asn.pk}")
    assert len([f for f in files if f.startswith("labels-a6-")]) == 1
    # Each size is a document of its own.
    client.get(reverse("asn_pdf", args=["alpha", asn.pk, "labels"]) + "?size=4x6")
    assert len(renders) == 3


def test_packing_slip_and_order_pdf_are_rendered_once_per_version(world, client, renders):
    asn = _packed(world)
    login(client, world.p1_user)
    slip = reverse("asn_pdf", args=["alpha", asn.pk, "packing-slip"])
    assert client.get(slip).content == client.get(slip).content and len(renders) == 1
    po = asn.orders.get()
    order = reverse("po_pdf", args=["alpha", po.pk])
    assert client.get(order).content == client.get(order).content and len(renders) == 2


def test_a_label_lists_a_bounded_number_of_contents(world, client, renders):
    asn = _packed(world, lots=limits.MAX_LABEL_ITEMS + 5, packages=1)
    pdf = documents.labels_pdf(asn, "a6")
    text = _text(pdf)
    assert "R-000" in text and f"R-{limits.MAX_LABEL_ITEMS - 1:03d}" in text
    assert f"R-{limits.MAX_LABEL_ITEMS:03d}" not in text and "and 5 more (see the packing slip)" in text
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    # The packing slip lists them all.
    from suppliers.selectors import asn_lines

    assert f"R-{limits.MAX_LABEL_ITEMS + 4:03d}" in _text(documents.packing_slip_pdf(asn, asn_lines(asn=asn)))


def test_one_label_per_package_and_no_more_packages_than_the_limit(world, renders):
    from django.core.exceptions import ValidationError

    asn = _packed(world, lots=3, packages=3)
    assert len(PdfReader(io.BytesIO(documents.labels_pdf(asn, "4x6"))).pages) == 3
    with pytest.raises(ValidationError) as caught:
        asn_update(
            membership=world.p1_user,
            asn_id=asn.pk,
            packages=asn_packages([{"kind": "carton"}] * (limits.MAX_ASN_PACKAGES + 1)),
        )
    assert f"at most {limits.MAX_ASN_PACKAGES} packages" in caught.value.message_dict["packages"][0]


@pytest.mark.parametrize("sscc", ["006141410000000018", "106141419999999994", "000000000000000000"])
def test_the_barcode_is_one_path_whose_bars_are_the_gs1_128_modules(sscc):
    svg = documents.sscc_barcode_svg(sscc)
    assert svg.count("<path") == 1 and "<rect" not in svg and f'aria-label="SSCC {sscc}"' in svg
    width = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))
    modules = ["0"] * width
    for start, bar in re.findall(r"M(\d+) 0h(\d+)v", svg):
        for x in range(int(start), int(start) + int(bar)):
            modules[x] = "1"
    drawn = "".join(modules).strip("0")
    expected = Gs1_128("00" + sscc).build()[0].strip("0")
    assert drawn == expected
    # Quiet zones of at least ten modules either side.
    assert "".join(modules).startswith("0" * 10) and "".join(modules).endswith("0" * 10)
