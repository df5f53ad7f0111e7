"""The NCR PDF: letterhead, number, lot, photos, the material review signature and page numbers."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from quality.services.ncr_dispositions import ncr_disposition_approve
from quality.services.ncrs import ncr_file_add
from tests.factories.portal import PASSWORD
from tests.quality.ncr_scenes import awaiting, contained, open_ncr, second_engineer
from tests.quality.test_recording import _png

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_the_pdf_prints_number_lot_signature_and_page_numbers(world, client):
    ncr = contained(world.a_engineer, open_ncr(world.a_engineer, world.p1))
    ncr_file_add(membership=world.a_engineer, ncr=ncr, upload=SimpleUploadedFile("burr.png", _png()))
    d = awaiting(world.a_engineer, ncr)
    ncr_disposition_approve(membership=second_engineer(world.a), disposition=d, password=PASSWORD, comment="agreed")
    client.force_login(world.a_buyer.user)  # buyers read NCRs, and their PDF
    response = client.get(reverse("ncr_pdf", args=["alpha", ncr.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).split())
    for expected in (
        ncr.number,
        "LOT-NCR-4411",
        "Approved: scrap 40 of lot LOT-NCR-4411",
        "Page 1 of",
        "Alpha Industries",
    ):
        assert expected in text, expected
    assert "Quarantine the lot in WH/Stock" in text and "BURR" in text
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "ncr.pdf").write_bytes(response.content)
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "70",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(ARTIFACTS / "ncr.pdf"),
                str(ARTIFACTS / "ncr_pdf_page1"),
            ],
            check=True,
        )
        assert (ARTIFACTS / "ncr_pdf_page1.png").stat().st_size > 0
