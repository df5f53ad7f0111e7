"""The 8D report PDF (quality.scar_documents, quality.views.scar_pdf): letterhead, SCAR number, partner,
product, D1..D8 with the accepted answer (else the latest), evidence by name, review decisions, page numbers;
the same document for the supplier and for staff, nothing internal in it; read in a fixed number of queries.
The first page is kept as test-artifacts/scar_8d_page1.png to look at."""

from __future__ import annotations

import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from quality.models import STEP_CODES, STEP_TITLES
from quality.scar_documents import report_context
from quality.services.scar_answers import scar_evidence_add
from quality.services.scars import scar_step_accept, scar_step_send_back
from tests.quality.test_scar_pages import client_of, url
from tests.quality.test_scar_services import ANSWERS, answer, issue, pdf, step

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    return " ".join("".join(page.extract_text() for page in reader.pages).split()), len(reader.pages)


def worked(world):
    """A SCAR with D1..D7 accepted (D4 after one send-back), D8 answered, evidence on D3 and D6."""
    scar = issue(world)
    [ncr] = scar.ncrs.all()
    ncr.unit_price, ncr.currency_code = Decimal("98.76"), "EUR"  # a cost: never printed
    ncr.save()
    scar_evidence_add(membership=world.p1_user, step=step(scar, "D3"), upload=pdf("sorting-record.pdf"))
    scar_evidence_add(membership=world.p1_user, step=step(scar, "D6"), upload=pdf("validation-run.pdf"))
    first_d4 = {**ANSWERS["D4"], "root_cause_occurrence": "Operator error."}
    answer(world, scar, "D4", first_d4)
    scar_step_send_back(membership=world.a_engineer, step=step(scar, "D4"), comment="Operator error is no root cause.")
    for code in STEP_CODES[:-1]:
        answer(world, scar, code)
        scar_step_accept(membership=world.a_engineer, step=step(scar, code), comment="")
    answer(world, scar, "D8")
    return scar


def test_the_8d_report_prints_every_step_with_reviews_and_page_numbers(world):
    scar = worked(world)

    response = client_of(world.p1_user).get(url("supplier_scar_report", scar.pk))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{scar.number}-8D.pdf"'
    text, pages = _text(response.content)
    for expected in (
        "Alpha Industries",
        f"8D report · {scar.number}",
        "Pinewood Parts",
        "[ALU-BRKT-7] Bracket",
        "BURR (Burr on edge)",
        "Ana Lima",  # D1's team
        "Deburring skipped",  # D4's whys
        "Worn deburring tool",  # D4's fishbone
        "No tool-life limit on the deburring tool.",  # D4 as accepted, not the version sent back
        "sorting-record.pdf",
        "validation-run.pdf",
        "Closed with the team.",  # D8, answered, not accepted yet
        "Accepted by",
        "Sent back by",
        "Operator error is no root cause.",  # D4's send-back, kept for the audit
        f"Page 1 of {pages}",
    ):
        assert expected in text, expected
    for code in STEP_CODES:
        assert f"{code} {STEP_TITLES[code]}" in text, code
    assert "Operator error." not in text
    assert "98.76" not in text and "EUR" not in text  # no cost, whoever reads it
    # Staff get the same document, for audits.
    staff = client_of(world.a_engineer).get(url("scar_report", scar.pk))
    assert staff.status_code == 200 and _text(staff.content)[0] == text

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "scar_8d.pdf").write_bytes(response.content)
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
                str(ARTIFACTS / "scar_8d.pdf"),
                str(ARTIFACTS / "scar_8d_page1"),
            ],
            check=True,
        )
        assert (ARTIFACTS / "scar_8d_page1.png").stat().st_size > 0


def test_the_report_reads_in_a_fixed_number_of_queries(world):
    small = issue(world)
    answer(world, small, "D1")
    with CaptureQueriesContext(connection) as few:
        report_context(small)
    big = worked(world)
    with CaptureQueriesContext(connection) as many:
        context = report_context(big)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert [s["step"].code for s in context["steps"]] == list(STEP_CODES)
    assert context["accepted"] == 7
