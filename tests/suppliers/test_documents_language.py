"""Shipment and order PDFs in the language of the partner they are for (``portal.l10n.document_language``):
their words, numbers, money and days as that language writes them, unless the tenant chose one language
for all documents. The HTML a PDF is made from is read here (WeasyPrint does not change words); one real
PDF shows the words reach the paper."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from suppliers.models import Asn, PurchaseOrder, PurchaseOrderLine
from suppliers.selectors import asn_lines as lines_of
from suppliers.services import documents
from suppliers.services.asn_drafts import asn_update
from tests.suppliers.inputs import asn_header, asn_lines, asn_packages
from tests.suppliers.test_asn_import_files import draft

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# French groups digits with a narrow no-break space (CLDR), and writes € after a no-break space.
NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture
def html(settings, tmp_path, monkeypatch):
    """The HTML of every PDF rendered (no PDF made); documents stored under a fresh media folder."""
    settings.MEDIA_ROOT = str(tmp_path)
    made: list[str] = []

    def keep(page: str) -> bytes:
        made.append(page)
        return f"%PDF {len(made)}".encode()

    monkeypatch.setattr(documents, "_pdf", keep)
    return made


def _shipment(world):
    """P00011 shipped on 20 Dec 2026: 2.5 kg of resin, lot R-001, on a pallet of 1,234.5 kg; the order's
    resin line at 1,234.50 EUR, expected on 20 Dec 2026."""
    po, asn = draft(world)
    resin = po.lines.get(product__default_code="LAB-LOT-001")
    asn_update(
        membership=world.p1_user,
        asn_id=asn.pk,
        header=asn_header(world.p1_user, {"ship_date": "2026-12-20"}),
        packages=asn_packages([{"kind": "pallet", "weight_kg": "1234.5"}]),
        lines=asn_lines(
            [
                {
                    "order_line": resin.pk,
                    "quantity": "2.5",
                    "items": [{"lot_name": "R-001", "quantity": "2.5", "package": "1"}],
                }
            ]
        ),
    )
    PurchaseOrderLine.objects.filter(pk=resin.pk).update(
        price_unit=Decimal("1234.5"), quantity=1, date_planned=dt.datetime(2026, 12, 20, 12, tzinfo=dt.UTC)
    )
    PurchaseOrder.objects.filter(pk=po.pk).update(currency_code="EUR", amount_total=Decimal("1234.5"))
    po.refresh_from_db()
    asn.refresh_from_db()
    return po, asn


def _speaking(world, *, partner: str = "", tenant: str = "en", documents_in: str = "partner") -> None:
    world.p1.language = partner
    world.p1.save(update_fields=["language"])
    world.a.language, world.a.document_language = tenant, documents_in
    world.a.save(update_fields=["language", "document_language"])


def _render(html, po, asn) -> tuple[str, str]:
    """The packing slip's and the order's HTML, read afresh as a request would (partner and tenant as saved)."""
    po, asn = PurchaseOrder.objects.get(pk=po.pk), Asn.objects.get(pk=asn.pk)
    documents.packing_slip_pdf(asn, lines_of(asn=asn))
    documents.purchase_order_pdf(po, list(po.lines.order_by("sequence", "id")))
    return html[-2], html[-1]


def test_a_german_partners_packing_slip_and_order_are_german(world, html):
    po, asn = _shipment(world)
    _speaking(world, partner="de")
    slip, order = _render(html, po, asn)
    assert '<html lang="de">' in slip and '<html lang="de">' in order
    assert "Lieferschein" in slip and "Versanddatum" in slip and "Packstück (SSCC)" in slip
    assert "20.12.2026" in slip and "1.234,5 kg" in slip and "2,5 kg" in slip
    assert "Packing slip" not in slip and "Ship date" not in slip
    assert "Bestellung" in order and "Einzelpreis" in order and "Gesamt" in order
    assert f"1.234,50{NBSP}€" in order and "20.12.2026" in order
    assert "Unit price" not in order and "1,234.50" not in order


def test_a_french_partners_packing_slip_and_order_are_french(world, html):
    po, asn = _shipment(world)
    _speaking(world, partner="fr")
    slip, order = _render(html, po, asn)
    assert '<html lang="fr">' in slip and "Bordereau de livraison" in slip and "Date d'expédition" in slip
    assert "20 déc. 2026" in slip and f"1{NNBSP}234,5 kg" in slip
    assert "Prix unitaire" in order and f"1{NNBSP}234,50{NBSP}€" in order and "20 déc. 2026" in order


def test_english_is_the_default_and_the_tenants_fixed_language_overrides_the_partners(world, html):
    po, asn = _shipment(world)
    _speaking(world)
    slip, order = _render(html, po, asn)
    assert '<html lang="en">' in slip and "Packing slip" in slip and "20 Dec 2026" in slip
    assert "€1,234.50" in order
    # The tenant writes every document in French, whatever the partner speaks.
    _speaking(world, partner="de", documents_in="fr")
    slip, order = _render(html, po, asn)
    assert "Bordereau de livraison" in slip and "Lieferschein" not in slip
    assert "Prix unitaire" in order and "Einzelpreis" not in order
    # A partner without a language of its own gets the tenant's.
    _speaking(world, tenant="de")
    slip, _ = _render(html, po, asn)
    assert "Lieferschein" in slip


def test_a_change_of_language_is_a_new_version_of_the_stored_document(world, html):
    _, asn = _shipment(world)
    _speaking(world, partner="de")
    first = documents.packing_slip_pdf(asn, lines_of(asn=asn))
    assert documents.packing_slip_pdf(asn, lines_of(asn=asn)) == first and len(html) == 1
    _speaking(world, partner="fr")
    asn = Asn.objects.get(pk=asn.pk)
    assert documents.packing_slip_pdf(asn, lines_of(asn=asn)) != first and len(html) == 2


def test_the_german_words_and_page_count_reach_the_paper(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    po, asn = _shipment(world)
    _speaking(world, partner="de")
    pdf = documents.packing_slip_pdf(asn, lines_of(asn=asn))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Lieferschein" in text and "Seite 1 von 1" in text and "20.12.2026" in text
    labels = documents.labels_pdf(asn, "a6")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(labels)).pages)
    assert "1 von 1" in text and "Bruttogewicht 1.234,5 kg" in text
    order = documents.purchase_order_pdf(po, list(po.lines.order_by("sequence", "id")))
    # Pages as images, to look at: German words are longer, and must not run out of their cells.
    ARTIFACTS.mkdir(exist_ok=True)
    for name, pdf in (("packing_slip_de", pdf), ("labels_de", labels), ("purchase_order_de", order)):
        (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
        if shutil.which("pdftoppm"):
            page = ["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"]
            subprocess.run(["pdftoppm", *page, str(ARTIFACTS / f"{name}.pdf"), str(ARTIFACTS / name)], check=True)
